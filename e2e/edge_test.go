package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	wasmfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graylane/graylane/internal/controlplane"
	"github.com/graylane/graylane/internal/lanefilter"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/translators"
)

func edgeNode() *corev3.Node {
	md, _ := structpb.NewStruct(map[string]any{"role": "edge"})
	return &corev3.Node{Id: "edge-1", UserAgentName: "envoy", Metadata: md}
}

const edgeConfig = `
lanes:
  - name: canary
    weight: %s
    sticky: {header: x-user-id}
services:
  - name: web
    port: 8080
    versions:
      - name: v1
        endpoints: [{address: 10.0.0.1}]
      - name: v2
        lane: canary
        endpoints: [{address: 10.0.0.2}]
gateways:
  - name: public
    port: 8080
    routes:
      - match: {pathPrefix: /}
        service: web
`

// TestEdgeGetsTheLaneFilterByECDS serves the module from the control plane,
// as `make run` does: the edge's listener names the filter's ECDS resource,
// the resource points at the module's URL with its sha256, and a lane
// weight change pushes that resource alone.
func TestEdgeGetsTheLaneFilterByECDS(t *testing.T) {
	module := fakeModule(t)
	src, err := lanefilter.Remote(module, "http://graylane/lane-filter.wasm", "graylane_wasm")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, fmt.Sprintf(edgeConfig, "10"), controlplane.WithLaneFilter(src))
	c := e.sotw(edgeNode())
	first := c.subscribeAll()
	if got := names(first[resourcev3.ListenerType]); !slices.Equal(got, []string{"gateway_public"}) {
		t.Fatalf("edge listeners %v", got)
	}
	ecdsName := lanefilter.ResourceName(&model.Gateway{Name: "public"})
	c.send(&discoveryv3.DiscoveryRequest{TypeUrl: resourcev3.ExtensionConfigType, ResourceNames: []string{ecdsName}})
	ext := c.recv()
	c.ack(ext)
	checkModule(t, e, ext, module)

	e.write("graylane.yaml", fmt.Sprintf(edgeConfig, "25"))
	update := c.recv()
	if update.GetTypeUrl() != resourcev3.ExtensionConfigType || update.GetVersionInfo() == ext.GetVersionInfo() {
		t.Fatalf("a weight change pushed %s first", translators.KindName(update.GetTypeUrl()))
	}
	c.ack(update)
	select {
	case r := <-c.in:
		t.Errorf("a lane weight change also pushed %s", translators.KindName(r.GetTypeUrl()))
	case <-time.After(500 * time.Millisecond):
	}
}

// checkModule fetches the module the extension config names and compares
// it and its hash with what the control plane was given.
func checkModule(t *testing.T, e *env, ext *discoveryv3.DiscoveryResponse, path string) {
	t.Helper()
	var w wasmfilterv3.Wasm
	typed := ext.GetResources()[0]
	var tec corev3.TypedExtensionConfig
	if err := typed.UnmarshalTo(&tec); err != nil {
		t.Fatal(err)
	}
	if err := tec.GetTypedConfig().UnmarshalTo(&w); err != nil {
		t.Fatal(err)
	}
	remote := w.GetConfig().GetVmConfig().GetCode().GetRemote()
	resp, err := http.Get("http://" + e.cp.ModuleAddress() + lanefilter.ModulePath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	want, _ := os.ReadFile(path)
	sum := sha256.Sum256(body)
	if string(body) != string(want) || hex.EncodeToString(sum[:]) != remote.GetSha256() {
		t.Errorf("served module (%d bytes) does not match the file or the sha256 %s", len(body), remote.GetSha256())
	}
}

func fakeModule(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "lane-filter.wasm")
	if err := os.WriteFile(path, []byte("\x00asm\x01\x00\x00\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
