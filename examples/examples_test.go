// Package examples_test checks that every example in this folder is valid:
// the configuration, the Envoy bootstraps and the gRPC bootstrap.
package examples_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
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

// TestTLSBootstrapsAuthenticateTheXDSCluster checks the envoy-*-tls.yaml
// bootstraps: the xDS cluster has a TLS transport socket that presents a
// client certificate and checks the server's, both from file-based SDS
// whose files are valid secrets.
func TestTLSBootstrapsAuthenticateTheXDSCluster(t *testing.T) {
	paths, _ := filepath.Glob("envoy-*-tls.yaml")
	if len(paths) < 2 {
		t.Fatalf("want a TLS bootstrap per Envoy role, found %v", paths)
	}
	for _, p := range paths {
		var b bootstrapv3.Bootstrap
		if err := protojson.Unmarshal(yamlToJSON(t, p), &b); err != nil {
			t.Fatal(err)
		}
		var xds *clusterv3.Cluster
		for _, c := range b.GetStaticResources().GetClusters() {
			if c.GetName() == "graylane" {
				xds = c
			}
		}
		var tlsCtx tlsv3.UpstreamTlsContext
		if xds == nil || xds.GetTransportSocket().GetTypedConfig().UnmarshalTo(&tlsCtx) != nil {
			t.Fatalf("%s: the xDS cluster has no TLS transport socket", p)
		}
		common := tlsCtx.GetCommonTlsContext()
		sds := []string{common.GetTlsCertificateSdsSecretConfigs()[0].GetSdsConfig().GetPathConfigSource().GetPath(),
			common.GetCombinedValidationContext().GetValidationContextSdsSecretConfig().GetSdsConfig().GetPathConfigSource().GetPath()}
		for _, f := range sds {
			checkSDSFile(t, strings.TrimPrefix(f, "examples/"))
		}
	}
}

// checkSDSFile decodes a file-based SDS file and validates its secrets.
func checkSDSFile(t *testing.T, path string) {
	t.Helper()
	var doc struct{ Resources []json.RawMessage }
	if err := json.Unmarshal(yamlToJSON(t, path), &doc); err != nil || len(doc.Resources) != 1 {
		t.Fatalf("%s: %v", path, err)
	}
	var secret tlsv3.Secret
	var typed struct {
		Type string `json:"@type"`
	}
	_ = json.Unmarshal(doc.Resources[0], &typed)
	raw := strings.Replace(string(doc.Resources[0]), `"@type":"`+typed.Type+`",`, "", 1)
	if err := protojson.Unmarshal([]byte(raw), &secret); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := secret.ValidateAll(); err != nil || secret.GetName() == "" {
		t.Errorf("%s: %v", path, err)
	}
}
