package lanefilter_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	wasmfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/graylane/graylane/cmd/wasm-filter/lane"
	"github.com/graylane/graylane/internal/lanefilter"
	"github.com/graylane/graylane/internal/pipeline"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/translators"
)

func config(canaryWeight model.Weight, trust bool) *model.Config {
	return &model.Config{
		Lanes: []model.Lane{
			{Name: "canary", Weight: canaryWeight, Sticky: &model.Sticky{Header: "x-user-id"},
				Match: []model.MatchRule{{Cookie: &model.NameValue{Name: "lane", Value: "canary"}}}},
			{Name: "beta", Weight: 125, Sticky: &model.Sticky{Cookie: "uid", CookieMaxAge: 90 * time.Minute}},
		},
		Services: []model.Service{{Name: "web", Port: 80, Versions: []model.Version{
			{Name: "v1", Endpoints: []model.Endpoint{{Address: "10.0.0.1"}}},
			{Name: "v2", Lane: "canary"},
		}}},
		Gateways: []model.Gateway{{Name: "public", Port: 8080, TrustLaneHeader: trust, Routes: []model.GatewayRoute{{
			Match: model.RouteMatch{PathPrefix: "/"}, Service: model.ServiceRef{Name: "web"},
		}}}},
	}
}

func TestConfigForFollowsTheSchema(t *testing.T) {
	cfg := config(1050, true)
	cfg.Normalize()
	js, err := lanefilter.ConfigJSON(cfg, &cfg.Gateways[0])
	if err != nil {
		t.Fatal(err)
	}
	want := `{"laneHeader":"x-canary","trustLaneHeader":true,"lanes":[` +
		`{"name":"canary","weight":10.5,"sticky":{"header":"x-user-id"},"match":[{"cookie":{"name":"lane","value":"canary"}}]},` +
		`{"name":"beta","weight":1.25,"sticky":{"cookie":"uid","maxAgeSeconds":5400}}]}`
	if string(js) != want {
		t.Errorf("configuration\n got %s\nwant %s", js, want)
	}
}

// TestConfigCarriesTheBaggageKey: the filter uses the configured key, and
// the model's default when the configuration leaves it out.
func TestConfigCarriesTheBaggageKey(t *testing.T) {
	for _, key := range []string{"lane", ""} {
		cfg := config(1050, false)
		cfg.LaneBaggageKey = key
		cfg.Normalize()
		js, err := lanefilter.ConfigJSON(cfg, &cfg.Gateways[0])
		if err != nil {
			t.Fatal(err)
		}
		tb, err := lane.Parse(js)
		if err != nil {
			t.Fatal(err)
		}
		if tb.BaggageKey() != cfg.LaneBaggageKey {
			t.Errorf("laneBaggageKey %q: the filter's key is %q, want %q", key, tb.BaggageKey(), cfg.LaneBaggageKey)
		}
	}
}

// build builds every role's snapshot with the lane filter.
func build(t *testing.T, cfg *model.Config, src lanefilter.Source) *pipeline.Result {
	t.Helper()
	res, err := pipeline.Build([]*model.Config{cfg}, translators.WithEdgeFilters(lanefilter.New(src)))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestWeightChangeMovesOnlyTheExtensionConfig(t *testing.T) {
	src := lanefilter.Local("/x.wasm")
	before := build(t, config(1000, false), src).Snapshots[model.RoleEdge]
	after := build(t, config(2000, false), src).Snapshots[model.RoleEdge]
	for _, typ := range []types.ResponseType{types.Cluster, types.Endpoint, types.Listener, types.Route} {
		if before.Version(typ) != after.Version(typ) {
			t.Errorf("a lane weight change moved the version of type %d", typ)
		}
	}
	if before.Version(types.ExtensionConfig) == after.Version(types.ExtensionConfig) {
		t.Error("a lane weight change did not change the lane filter's configuration")
	}
}

func TestRemoteModuleIsServedWithItsHash(t *testing.T) {
	module := append([]byte("\x00asm\x01\x00\x00\x00"), []byte("graylane")...)
	path := filepath.Join(t.TempDir(), "lane-filter.wasm")
	if err := os.WriteFile(path, module, 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := lanefilter.Remote(path, "http://cp:18002/lane-filter.wasm", "graylane_wasm")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(module)
	if src.SHA256() != hex.EncodeToString(sum[:]) {
		t.Errorf("sha256 %s", src.SHA256())
	}
	srv := httptest.NewServer(src.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + lanefilter.ModulePath)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != string(module) || resp.Header.Get("Content-Type") != "application/wasm" {
		t.Errorf("served %q (%s)", body, resp.Header.Get("Content-Type"))
	}

	// The edge's extension config points Envoy at the URL with the hash.
	ext := build(t, config(1000, false), src).Resources[model.RoleEdge].Listed().ExtensionConfigs[0]
	var w wasmfilterv3.Wasm
	if err := ext.GetTypedConfig().UnmarshalTo(&w); err != nil {
		t.Fatal(err)
	}
	remote := w.GetConfig().GetVmConfig().GetCode().GetRemote()
	if remote.GetSha256() != src.SHA256() || remote.GetHttpUri().GetUri() != "http://cp:18002/lane-filter.wasm" ||
		remote.GetHttpUri().GetCluster() != "graylane_wasm" {
		t.Errorf("remote code = %v", remote)
	}
	var conf wrapperspb.StringValue
	if err := w.GetConfig().GetConfiguration().UnmarshalTo(&conf); err != nil || !json.Valid([]byte(conf.GetValue())) {
		t.Errorf("configuration %q is not JSON: %v", conf.GetValue(), err)
	}
}

func TestRemoteRejectsWhatIsNotAModule(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.wasm")
	_ = os.WriteFile(path, []byte("#!/bin/sh\n"), 0o600)
	if _, err := lanefilter.Remote(path, "http://x/y", "c"); err == nil {
		t.Error("a shell script was accepted as the module")
	}
	if _, err := lanefilter.Remote(filepath.Join(t.TempDir(), "missing"), "http://x/y", "c"); err == nil {
		t.Error("a missing file was accepted")
	}
}
