package translators_test

import (
	"testing"

	"github.com/envoyproxy/go-control-plane/pkg/cache/types"

	"github.com/graylane/graylane/internal/testcert"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/snapshot"
	"github.com/graylane/graylane/translators"
)

// tlsConfig is a gateway serving HTTPS with two certificates and an HTTP
// redirect.
func tlsConfig(shop, fallback testcert.Pair) *model.Config {
	cfg := &model.Config{
		Lanes:    []model.Lane{{Name: "canary", Weight: 1000}},
		Services: []model.Service{{Name: "web", Port: 80, Versions: []model.Version{{Name: "v1"}, {Name: "v2", Lane: "canary"}}}},
		Gateways: []model.Gateway{{
			Name: "public", Port: 443,
			TLS: &model.GatewayTLS{RedirectPort: 80, Certificates: []model.Certificate{
				{Name: "shop", Hostnames: []string{"shop.example.com"}, Chain: shop.Chain, Key: shop.Key},
				{Name: "default", Chain: fallback.Chain, Key: fallback.Key},
			}},
			Routes: []model.GatewayRoute{{Service: model.ServiceRef{Name: "web"}}},
		}},
	}
	cfg.Normalize()
	return cfg
}

// TestCertificateRotationChangesOnlySecrets builds the edge's snapshot,
// then again with new key pairs under the same certificate names: only
// the secrets' version may change, so that no listener is pushed.
func TestCertificateRotationChangesOnlySecrets(t *testing.T) {
	ca := testcert.NewCA("test")
	build := func(cfg *model.Config) *snapshot.Snapshot {
		t.Helper()
		if err := model.Validate(cfg); err != nil {
			t.Fatal(err)
		}
		res, err := translators.Translate(cfg, model.RoleEdge, laneFilter())
		if err != nil {
			t.Fatal(err)
		}
		snap, err := snapshot.Build(res)
		if err != nil {
			t.Fatal(err)
		}
		return snap
	}
	before := build(tlsConfig(ca.Leaf("shop.example.com"), ca.Leaf("example.com")))
	after := build(tlsConfig(ca.Leaf("shop.example.com"), ca.Leaf("example.com")))
	for _, k := range translators.Kinds() {
		changed := before.Version(k.Type) != after.Version(k.Type)
		if changed != (k.Type == types.Secret) {
			t.Errorf("%s: version changed = %v after a rotation", k.Name, changed)
		}
	}
	if n := after.Len(types.Secret); n != 2 {
		t.Errorf("%d secrets, want one per certificate", n)
	}
}
