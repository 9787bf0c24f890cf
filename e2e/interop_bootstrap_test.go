package e2e

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/graylane/graylane/internal/controlplane"
)

// TestExampleBootstrapsInEveryStack loads every gRPC bootstrap of
// examples/ in the xDS client of every stack of the compatibility contract
// and routes calls through it: grpc-js-xds, for one, refuses a bootstrap
// without node.locality, and its channel then never resolves.
//
// A bootstrap with TLS channel credentials is served by a control plane
// that requires client certificates, its files replaced by a test
// authority's.
func TestExampleBootstrapsInEveryStack(t *testing.T) {
	f := newInteropFleet(t)
	plain := newEnv(t, render(t, interopConfig, f))
	p := newPKI(t)
	p.client("client", "spiffe://cluster.local/ns/shop/sa/reviews-client")
	mtls := newEnv(t, render(t, interopConfig, f), controlplane.WithTLSFiles(p.serverFiles()))
	for _, path := range exampleBootstraps(t) {
		bootstrap := exampleBootstrap(t, path, plain)
		if usesTLS(bootstrap) {
			bootstrap = withTestCertificates(t, exampleBootstrap(t, path, mtls), p)
		}
		for _, s := range stacks {
			t.Run(s.name+"/"+strings.TrimPrefix(path, "../examples/"), func(t *testing.T) {
				p := s.start(t, bootstrap)
				req := callsRequest{Target: "reviews.default:9080", N: 20, StopAfterErrors: 1,
					Metadata: map[string]string{"x-canary": "canary"}}
				r, err := p.Calls(req)
				if why := tlsBootstrapUnsupported(s.name, bootstrap, p.Logs()+fmt.Sprint(r)); why != "" {
					t.Skip(why)
				}
				if err != nil || r.IDs["reviews-v2"] != req.N {
					t.Errorf("%s %s with %s: %v (%v), want all %d calls to reviews-v2\npeer log:\n%s",
						s.name, p.Version(), path, r, err, req.N, tail(p.Logs(), 4000))
				}
			})
		}
	}
	for _, e := range []*env{plain, mtls} {
		if nacks := e.nacks(); nacks != "" {
			t.Errorf("clients rejected the configuration:\n%s", nacks)
		}
	}
}

// usesTLS reports whether a bootstrap's xDS server is reached over TLS.
func usesTLS(bootstrap []byte) bool {
	var b struct {
		XDSServers []struct {
			ChannelCreds []struct {
				Type string `json:"type"`
			} `json:"channel_creds"`
		} `json:"xds_servers"`
	}
	return json.Unmarshal(bootstrap, &b) == nil && len(b.XDSServers) > 0 &&
		len(b.XDSServers[0].ChannelCreds) > 0 && b.XDSServers[0].ChannelCreds[0].Type == "tls"
}

// withTestCertificates points a TLS bootstrap's files at the test
// authority's: its CA, and the certificate of the client "client".
func withTestCertificates(t *testing.T, bootstrap []byte, p *pki) []byte {
	t.Helper()
	var b map[string]any
	if err := json.Unmarshal(bootstrap, &b); err != nil {
		t.Fatal(err)
	}
	server := b["xds_servers"].([]any)[0].(map[string]any)
	config := server["channel_creds"].([]any)[0].(map[string]any)["config"].(map[string]any)
	config["ca_certificate_file"], config["certificate_file"], config["private_key_file"] = p.path("ca.crt"), p.path("client.crt"), p.path("client.key")
	out, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// tlsBootstrapUnsupported says why a stack cannot load a TLS bootstrap, as
// the stack itself shows it, or "":
//   - gRPC C-core reads "tls" channel credentials in its xDS bootstrap only
//     since gRFC A65 (2023); Debian 12's 1.51 logs "errors validating
//     JSON: [field:xds_servers[0].channel_creds error:no known creds type
//     found]" and never resolves;
//   - @grpc/grpc-js-xds 1.14.1 knows the channel credentials
//     "google_default" and "insecure" only (SUPPORTED_CHANNEL_CREDS_TYPES
//     in build/src/xds-bootstrap.js): it refuses the bootstrap, and every
//     call fails "Cannot read properties of null (reading
//     'clientDefaultListenerResourceNameTemplate')".
//
// Such clients reach the control plane over plaintext on loopback
// (docs/compatibility.md).
func tlsBootstrapUnsupported(stack string, bootstrap []byte, evidence string) string {
	switch {
	case !usesTLS(bootstrap):
	case stack == "c-core" && strings.Contains(evidence, "no known creds type found"):
		return "gRPC C-core without gRFC A65 has no TLS channel credentials in its xDS bootstrap: it logs \"no known creds type found\""
	case stack == "grpc-js" && strings.Contains(evidence, "reading 'clientDefaultListenerResourceNameTemplate'"):
		return "@grpc/grpc-js-xds 1.14 knows only google_default and insecure xDS channel credentials, and refuses the bootstrap"
	}
	return ""
}

// exampleBootstraps are the gRPC bootstrap files of examples/.
func exampleBootstraps(t *testing.T) []string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir("../examples", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), "grpc-bootstrap") && strings.HasSuffix(d.Name(), ".json") {
			paths = append(paths, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 2 {
		t.Fatalf("found the gRPC bootstraps %v, want examples/grpc-bootstrap.json and examples/kubernetes/canary/grpc-bootstrap.json", paths)
	}
	return paths
}
