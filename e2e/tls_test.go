package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"

	"github.com/graylane/graylane/internal/testcert"
	"github.com/graylane/graylane/translators"
)

const tlsConfig = `
services:
  - name: web
    port: 8080
    versions: [{name: v1, endpoints: [{address: 10.0.0.1}]}]
gateways:
  - name: public
    port: 8443
    tls:
      redirectPort: 8080
      certificates:
        - {name: shop, hostnames: [shop.example.com], certFile: certs/shop.pem, keyFile: certs/shop.key}
    routes:
      - match: {pathPrefix: /}
        service: web
`

// writeCert writes a new key pair for shop.example.com into dir/certs.
func writeCert(t *testing.T, dir string, ca *testcert.CA) testcert.Pair {
	t.Helper()
	pair := ca.Leaf("shop.example.com")
	if err := os.MkdirAll(filepath.Join(dir, "certs"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"shop.pem": pair.Chain, "shop.key": pair.Key} {
		if err := os.WriteFile(filepath.Join(dir, "certs", name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return pair
}

// TestEdgeGetsCertificatesBySDS: an edge receives the HTTPS listener, the
// redirect listener and the certificate as an SDS secret over ADS; a new
// key pair pushes the secret alone.
func TestEdgeGetsCertificatesBySDS(t *testing.T) {
	ca := testcert.NewCA("test")
	e := &env{t: t, dir: t.TempDir()}
	writeCert(t, e.dir, ca)
	e.write("graylane.yaml", tlsConfig)
	e.start()

	c := e.sotw(edgeNode())
	first := c.subscribeAll()
	if got := names(first[resourcev3.ListenerType]); !slices.Equal(got, []string{"gateway_public", "gateway_public_redirect"}) {
		t.Fatalf("edge listeners %v", got)
	}
	c.send(&discoveryv3.DiscoveryRequest{TypeUrl: resourcev3.SecretType, ResourceNames: []string{"certificate_shop"}})
	secrets := c.recv()
	c.ack(secrets)
	checkKey(t, secrets, nil)

	rotated := writeCert(t, e.dir, ca)
	e.write("graylane.yaml", "# rotated\n"+tlsConfig)
	update := c.recv()
	if update.GetTypeUrl() != resourcev3.SecretType || update.GetVersionInfo() == secrets.GetVersionInfo() {
		t.Fatalf("a rotation pushed %s first", translators.KindName(update.GetTypeUrl()))
	}
	c.ack(update)
	checkKey(t, update, rotated.Key)
	select {
	case r := <-c.in:
		t.Errorf("a rotation also pushed %s", translators.KindName(r.GetTypeUrl()))
	case <-time.After(500 * time.Millisecond):
	}
}

// checkKey checks that a response holds the shop certificate's secret,
// with the key want when it is given.
func checkKey(t *testing.T, r *discoveryv3.DiscoveryResponse, want []byte) {
	t.Helper()
	if len(r.GetResources()) != 1 {
		t.Fatalf("%d secrets, want the one asked for", len(r.GetResources()))
	}
	var s tlsv3.Secret
	if err := r.GetResources()[0].UnmarshalTo(&s); err != nil {
		t.Fatal(err)
	}
	key := s.GetTlsCertificate().GetPrivateKey().GetInlineBytes()
	if s.GetName() != "certificate_shop" || len(key) == 0 || (want != nil && string(key) != string(want)) {
		t.Errorf("secret %s with a key of %d bytes, not the one written", s.GetName(), len(key))
	}
}
