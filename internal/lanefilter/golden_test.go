package lanefilter_test

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/graylane/graylane/internal/lanefilter"
)

var update = flag.Bool("update", false, "rewrite testdata/plugin-config.json")

// goldenPath is the contract between the control plane and the filter:
// cmd/wasm-filter's tests load this file into the compiled filter.
const goldenPath = "testdata/plugin-config.json"

func TestPluginConfigGolden(t *testing.T) {
	cfg := config(1050, false)
	cfg.Normalize()
	got, err := lanefilter.ConfigJSON(cfg, &cfg.Gateways[0])
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatalf("%v (go test ./lanefilter -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the plugin configuration changed:\n got %s\nwant %s\nupdate %s and check that cmd/wasm-filter still reads it", got, want, goldenPath)
	}
}
