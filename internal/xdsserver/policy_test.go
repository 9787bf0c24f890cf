package xdsserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graylane/graylane/model"
)

func spiffe(id string) Identity { return Identity{SPIFFE: id} }

func TestDefaultRolePolicyFollowsServiceAccounts(t *testing.T) {
	p := DefaultRolePolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id   Identity
		want []model.Role
	}{
		{spiffe("spiffe://cluster.local/ns/shop/sa/edge"), []model.Role{model.RoleEdge}},
		{spiffe("spiffe://example.org/ns/ingress/sa/public-edge"), []model.Role{model.RoleEdge}},
		{spiffe("spiffe://cluster.local/ns/shop/sa/reviews"), []model.Role{model.RoleSidecar, model.RoleGRPC}},
		{spiffe("spiffe://cluster.local/ns/shop/sa/edgey"), []model.Role{model.RoleSidecar, model.RoleGRPC}},
		{spiffe("spiffe://cluster.local/workload/edge"), nil},
		{Identity{DNS: []string{"edge.example.com"}}, nil},
		{Identity{}, nil},
	} {
		got, _ := p.Roles(tc.id)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: roles %v, want %v", tc.id, got, tc.want)
		}
	}
}

func TestRolePolicyFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "policy.yaml")
	os.WriteFile(good, []byte("rules:\n  - identity: '*.edge.example.com'\n    roles: [edge]\n  - identity: '*.example.com'\n    roles: [sidecar]\n"), 0o600)
	p, err := ReadRolePolicy(good)
	if err != nil {
		t.Fatal(err)
	}
	// Any DNS name may match; the first matching rule decides.
	id := Identity{DNS: []string{"other.org", "a.edge.example.com"}}
	if !p.Allows(id, model.RoleEdge) || p.Allows(id, model.RoleSidecar) {
		t.Errorf("a.edge.example.com: roles %v", must(p.Roles(id)))
	}
	if !p.Allows(Identity{DNS: []string{"b.example.com"}}, model.RoleSidecar) {
		t.Error("b.example.com may not be a sidecar")
	}
	for name, body := range map[string]string{
		"role":    "rules: [{identity: '*', roles: [mesh]}]",
		"pattern": "rules: [{identity: '[', roles: [edge]}]",
		"field":   "rules: [{identity: '*', roles: [edge], role: edge}]",
		"empty":   "rules: []",
	} {
		f := filepath.Join(dir, name+".yaml")
		os.WriteFile(f, []byte(body), 0o600)
		if _, err := ReadRolePolicy(f); err == nil {
			t.Errorf("a policy with a bad %s was read", name)
		}
	}
}

func must(r []model.Role, _ string) []model.Role { return r }

// tlsContext is a stream context whose connection presented a verified
// certificate with the given SPIFFE ID.
func tlsContext(t *testing.T, id string) context.Context {
	t.Helper()
	u, err := url.Parse(id)
	if err != nil {
		t.Fatal(err)
	}
	cert := &x509.Certificate{URIs: []*url.URL{u}}
	info := credentials.TLSInfo{State: tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{cert}}}}
	return peer.NewContext(context.Background(), &peer.Peer{Addr: &net.TCPAddr{}, AuthInfo: info})
}

func roleNode(role string) *corev3.Node {
	md, _ := structpb.NewStruct(map[string]any{"role": role})
	return &corev3.Node{Id: role + "-1", Metadata: md}
}

func TestRoleIsCheckedAgainstTheIdentity(t *testing.T) {
	p := DefaultRolePolicy()
	c, logs, m := newTestCallbacks(&p)
	const id = "spiffe://cluster.local/ns/shop/sa/reviews"
	if err := c.OnStreamOpen(tlsContext(t, id), 1, ""); err != nil {
		t.Fatal(err)
	}
	err := c.OnStreamRequest(1, &discoveryv3.DiscoveryRequest{Node: roleNode("edge"), TypeUrl: resourcev3.ListenerType})
	if status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), id) || !strings.Contains(err.Error(), "role edge") {
		t.Fatalf("a sidecar identity asking for edge: %v", err)
	}
	if len(c.clients.list()) != 0 || testutil.ToFloat64(m.Refusals.WithLabelValues("PermissionDenied")) != 1 {
		t.Error("the refused stream was registered, or not counted")
	}
	if logs.FilterMessage("client refused").Len() != 1 {
		t.Error("the refusal was not logged")
	}

	if err := c.OnStreamOpen(tlsContext(t, id), 2, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.OnStreamRequest(2, &discoveryv3.DiscoveryRequest{Node: roleNode("sidecar"), TypeUrl: resourcev3.ListenerType}); err != nil {
		t.Fatalf("a sidecar identity asking for sidecar: %v", err)
	}
	if got := c.clients.list(); len(got) != 1 || got[0].Identity != id {
		t.Errorf("status = %+v", got)
	}
	// A later request cannot switch the stream to another role.
	err = c.OnStreamRequest(2, &discoveryv3.DiscoveryRequest{Node: roleNode("grpc"), TypeUrl: resourcev3.ClusterType})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("a stream switching role: %v", err)
	}
}

func TestDeltaRoleIsCheckedOnEveryNode(t *testing.T) {
	p := DefaultRolePolicy()
	c, _, _ := newTestCallbacks(&p)
	if err := c.OnDeltaStreamOpen(tlsContext(t, "spiffe://td/ns/a/sa/edge"), 1, ""); err != nil {
		t.Fatal(err)
	}
	// A first request without a node is a sidecar's, as the cache sees it.
	err := c.OnStreamDeltaRequest(1, &discoveryv3.DeltaDiscoveryRequest{TypeUrl: resourcev3.ClusterType})
	if status.Code(err) != codes.PermissionDenied {
		t.Errorf("an edge identity without a node: %v", err)
	}
	if err := c.OnDeltaStreamOpen(tlsContext(t, "spiffe://td/ns/a/sa/edge"), 2, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.OnStreamDeltaRequest(2, &discoveryv3.DeltaDiscoveryRequest{Node: roleNode("edge"), TypeUrl: resourcev3.ClusterType}); err != nil {
		t.Fatal(err)
	}
	err = c.OnStreamDeltaRequest(2, &discoveryv3.DeltaDiscoveryRequest{Node: roleNode("sidecar"), TypeUrl: resourcev3.ClusterType})
	if status.Code(err) == codes.OK {
		t.Error("a delta stream switched role")
	}
}

func TestStreamWithoutCertificateIsRefused(t *testing.T) {
	p := DefaultRolePolicy()
	c, _, _ := newTestCallbacks(&p)
	if err := c.OnStreamOpen(context.Background(), 1, ""); status.Code(err) != codes.Unauthenticated {
		t.Errorf("a stream without a certificate: %v", err)
	}
	// A certificate with neither a SPIFFE ID nor a DNS name is no one.
	info := credentials.TLSInfo{State: tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{{}}}}}
	ctx := peer.NewContext(context.Background(), &peer.Peer{Addr: &net.TCPAddr{}, AuthInfo: info})
	if err := c.OnStreamOpen(ctx, 2, ""); err != nil {
		t.Fatal(err)
	}
	err := c.OnStreamRequest(2, &discoveryv3.DiscoveryRequest{Node: roleNode("sidecar"), TypeUrl: resourcev3.ClusterType})
	if status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), "no SPIFFE ID") {
		t.Errorf("an anonymous certificate: %v", err)
	}
}
