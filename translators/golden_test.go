package translators_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/graylane/graylane/internal/lanefilter"
	"github.com/graylane/graylane/internal/providers/file"
	"github.com/graylane/graylane/internal/render"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/snapshot"
	"github.com/graylane/graylane/translators"
)

// update rewrites the golden files: go test ./translators -update
var update = flag.Bool("update", false, "rewrite testdata/*.out.yaml from the current translators")

// laneFilter is the edge's lane filter as served by default: a module on
// the Envoy's host.
func laneFilter() translators.Option {
	return translators.WithEdgeFilters(lanefilter.New(lanefilter.Local(lanefilter.DefaultLocalPath)))
}

// loadCase reads and validates testdata/NAME.in.yaml, and the certificate
// files it names.
func loadCase(t testing.TB, path string) *model.Config {
	t.Helper()
	cfg, err := file.Load(path)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return cfg
}

// TestGolden translates every testdata/*.in.yaml for every role, checks
// that the result validates and is consistent, and compares it with
// testdata/CASE.ROLE.out.yaml.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.in.yaml")
	if err != nil || len(inputs) < 12 {
		t.Fatalf("want at least 12 golden cases, found %d (%v)", len(inputs), err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".in.yaml")
		cfg := loadCase(t, in)
		for _, role := range model.AllRoles() {
			t.Run(name+"/"+string(role), func(t *testing.T) {
				res, err := translators.Translate(cfg, role, laneFilter())
				if err != nil {
					t.Fatal(err)
				}
				if _, err := snapshot.Build(res); err != nil {
					t.Fatalf("generated resources do not validate: %v", err)
				}
				got, err := render.YAML(res)
				if err != nil {
					t.Fatal(err)
				}
				compareGolden(t, filepath.Join("testdata", name+"."+string(role)+".out.yaml"), got)
			})
		}
	}
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./translators -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the translation (run go test ./translators -update and review the diff):\n%s", path, firstDiff(want, got))
	}
}

// firstDiff shows the first differing line.
func firstDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl
		}
	}
	return ""
}
