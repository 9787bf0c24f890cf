// Package examples_test checks that every example in this folder is valid:
// the configuration, the Envoy bootstraps and the gRPC bootstrap.
package examples_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3" // types in the bootstraps
	yaml "go.yaml.in/yaml/v4"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/graylane/graylane/internal/pipeline"
	"github.com/graylane/graylane/internal/providers/file"
	"github.com/graylane/graylane/model"
)

func TestConfigurationIsValid(t *testing.T) {
	cfg, err := file.Read("graylane.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.Build([]*model.Config{cfg}); err != nil {
		t.Fatal(err)
	}
}

func TestEnvoyBootstrapsAreValid(t *testing.T) {
	paths, _ := filepath.Glob("envoy-*.yaml")
	if len(paths) < 2 {
		t.Fatalf("want a bootstrap per Envoy role, found %v", paths)
	}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			var b bootstrapv3.Bootstrap
			if err := protojson.Unmarshal(yamlToJSON(t, p), &b); err != nil {
				t.Fatalf("not an Envoy bootstrap: %v", err)
			}
			if err := b.ValidateAll(); err != nil {
				t.Fatal(err)
			}
			if b.GetDynamicResources().GetAdsConfig() == nil {
				t.Error("the bootstrap does not use ADS")
			}
			if role := b.GetNode().GetMetadata().GetFields()["role"].GetStringValue(); role == "" {
				t.Error("the bootstrap does not set the node's role")
			}
		})
	}
}

func TestGRPCBootstrapNamesTheControlPlane(t *testing.T) {
	var b struct {
		XDSServers []struct {
			ServerURI      string   `json:"server_uri"`
			ServerFeatures []string `json:"server_features"`
		} `json:"xds_servers"`
		Node struct{ ID string } `json:"node"`
	}
	data, err := os.ReadFile("grpc-bootstrap.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	if len(b.XDSServers) != 1 || b.XDSServers[0].ServerURI != "127.0.0.1:18000" || b.Node.ID == "" {
		t.Errorf("bootstrap = %+v", b)
	}
}

func yamlToJSON(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := yaml.Load(data, &v); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
