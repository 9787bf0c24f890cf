package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/xds"

	"github.com/graylane/graylane/internal/certs"
	"github.com/graylane/graylane/internal/cli"
	"github.com/graylane/graylane/internal/controlplane"
)

// pki is a test's certificate authority and the files it issued.
type pki struct {
	t   *testing.T
	dir string
	ca  *certs.Authority
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	ca, err := certs.NewAuthority("e2e CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p := &pki{t: t, dir: t.TempDir(), ca: ca}
	p.writeFile("ca.crt", ca.CertPEM())
	p.issue("server", certs.Leaf{IPs: []net.IP{net.ParseIP("127.0.0.1")}, Server: true})
	return p
}

func (p *pki) path(name string) string { return filepath.Join(p.dir, name) }

// writeFile replaces a file atomically, as cert-manager and kubelet do.
func (p *pki) writeFile(name string, data []byte) {
	p.t.Helper()
	tmp := p.path("." + name + ".tmp")
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		p.t.Fatal(err)
	}
	if err := os.Rename(tmp, p.path(name)); err != nil {
		p.t.Fatal(err)
	}
}

// issue writes NAME.crt and NAME.key for leaf, signed by the CA.
func (p *pki) issue(name string, leaf certs.Leaf) {
	p.t.Helper()
	issued, err := p.ca.Issue(leaf, time.Hour)
	if err != nil {
		p.t.Fatal(err)
	}
	p.writeFile(name+".key", issued.KeyPEM)
	p.writeFile(name+".crt", issued.CertPEM)
}

// client issues a client certificate for a SPIFFE ID.
func (p *pki) client(name, spiffeID string) {
	p.issue(name, certs.Leaf{URIs: []string{spiffeID}, Client: true})
}

func (p *pki) serverFiles() certs.Files {
	return certs.Files{Cert: p.path("server.crt"), Key: p.path("server.key"), ClientCA: p.path("ca.crt")}
}

// newMTLSEnv serves the fleet over mutually authenticated xDS.
func newMTLSEnv(t *testing.T, p *pki, opts ...controlplane.Option) (*env, *fleet) {
	f := newFleet(t)
	e := newEnv(t, render(t, fleetConfig, f), append([]controlplane.Option{controlplane.WithTLSFiles(p.serverFiles())}, opts...)...)
	return e, f
}

// tlsBootstrap is a gRPC xDS bootstrap with TLS channel credentials; with
// client "", the client presents no certificate. role "" lets the user
// agent decide (grpc).
func (e *env) tlsBootstrap(p *pki, client, role string) []byte {
	creds := fmt.Sprintf(`{"ca_certificate_file": %q, "refresh_interval": "1s"`, p.path("ca.crt"))
	if client != "" {
		creds += fmt.Sprintf(`, "certificate_file": %q, "private_key_file": %q`, p.path(client+".crt"), p.path(client+".key"))
	}
	metadata := ""
	if role != "" {
		metadata = fmt.Sprintf(`, "metadata": {"role": %q}`, role)
	}
	return fmt.Appendf(nil, `{
  "xds_servers": [{"server_uri": %q, "channel_creds": [{"type": "tls", "config": %s}}], "server_features": ["xds_v3"]}],
  "node": {"id": %q, "cluster": "e2e"%s}
}`, e.cp.XDSAddress(), creds, e.t.Name()+"-"+client, metadata)
}

// dialWith connects grpc-go's xDS client, configured by bootstrap, to
// xds:///target.
func (e *env) dialWith(bootstrap []byte, target string) *grpc.ClientConn {
	e.t.Helper()
	resolver, err := xds.NewXDSResolverWithConfigForTesting(bootstrap)
	if err != nil {
		e.t.Fatalf("xds resolver: %v", err)
	}
	conn, err := grpc.NewClient("xds:///"+target, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithResolvers(resolver))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { conn.Close() })
	return conn
}

// callFails checks that a call through conn fails: the client never got
// its configuration. It returns the error.
func callFails(t *testing.T, conn *grpc.ClientConn) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	id, err := call(ctx, conn)
	if err == nil {
		t.Fatalf("the call was answered by %s", id)
	}
	return err
}

func TestMTLSClientIsServedWithItsIdentity(t *testing.T) {
	p := newPKI(t)
	p.client("reviews", "spiffe://cluster.local/ns/shop/sa/reviews")
	e, _ := newMTLSEnv(t, p)
	conn := e.dialWith(e.tlsBootstrap(p, "reviews", ""), "ratings.shop:9090")
	eventually(t, 10*time.Second, func() error { return allFrom(conn, 20, "ratings-v2", "x-canary", "canary") })
	clients := e.cp.XDS().Clients()
	if len(clients) != 1 || clients[0].Identity != "spiffe://cluster.local/ns/shop/sa/reviews" || clients[0].Role != "grpc" {
		t.Errorf("clients = %+v", clients)
	}
}

func TestMTLSClientWithoutCertificateIsRefused(t *testing.T) {
	p := newPKI(t)
	e, _ := newMTLSEnv(t, p)
	conn := e.dialWith(e.tlsBootstrap(p, "", ""), "ratings.shop:9090")
	callFails(t, conn)
	if n := len(e.cp.XDS().Clients()); n != 0 {
		t.Errorf("%d clients registered without a certificate", n)
	}
	// Over a raw stream the refusal is the TLS handshake's.
	_, err := e.rawStream(p, "", "grpc")
	if status.Code(err) != codes.Unavailable {
		t.Errorf("a stream without a certificate: %v", err)
	}
}

func TestMTLSClientAskingForAnotherRoleIsRefused(t *testing.T) {
	p := newPKI(t)
	p.client("reviews", "spiffe://cluster.local/ns/shop/sa/reviews")
	p.client("edge", "spiffe://cluster.local/ns/ingress/sa/edge")
	e, _ := newMTLSEnv(t, p)
	conn := e.dialWith(e.tlsBootstrap(p, "reviews", "edge"), "ratings.shop:9090")
	// The client's calls fail, and once its stream's status reached it,
	// they say why.
	eventually(t, 10*time.Second, func() error {
		if err := callFails(t, conn); !strings.Contains(err.Error(), "PermissionDenied") {
			return fmt.Errorf("the xDS client was not told why: %w", err)
		}
		return nil
	})
	if !e.logged("client refused", "PermissionDenied", "spiffe://cluster.local/ns/shop/sa/reviews") {
		t.Error("the refusal was not logged with the identity")
	}
	// The client is told why.
	_, err := e.rawStream(p, "reviews", "edge")
	if status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), "may not receive role edge") {
		t.Errorf("a sidecar identity asking for edge: %v", err)
	}
	// The edge's own identity may.
	if _, err := e.rawStream(p, "edge", "edge"); err != nil {
		t.Errorf("the edge identity asking for edge: %v", err)
	}
	if testutil.ToFloat64(e.cp.Metrics().Refusals.WithLabelValues("PermissionDenied")) < 2 {
		t.Error("refusals not counted")
	}
}

// rawStream opens an ADS stream over mTLS as client (no certificate when
// ""), asks for listeners as role and returns the first response.
func (e *env) rawStream(p *pki, client, role string) (*discoveryv3.DiscoveryResponse, error) {
	e.t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(p.ca.CertPEM())
	cfg := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	if client != "" {
		cert, err := tls.LoadX509KeyPair(p.path(client+".crt"), p.path(client+".key"))
		if err != nil {
			e.t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	conn, err := grpc.NewClient(e.cp.XDSAddress(), grpc.WithTransportCredentials(credentials.NewTLS(cfg)))
	if err != nil {
		e.t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stream, err := discoveryv3.NewAggregatedDiscoveryServiceClient(conn).StreamAggregatedResources(ctx)
	if err != nil {
		return nil, err
	}
	node := sidecarNode("raw-" + client)
	node.Metadata.Fields["role"] = structString(role)
	if err := stream.Send(&discoveryv3.DiscoveryRequest{Node: node, TypeUrl: resourcev3.ListenerType}); err != nil {
		return nil, err
	}
	return stream.Recv()
}

// servedSerial is the serial number of the certificate a new TLS
// connection to the control plane is served.
func (e *env) servedSerial(p *pki, client string) (string, error) {
	pool := x509.NewCertPool()
	data, err := os.ReadFile(p.path("ca.crt"))
	if err != nil {
		return "", err
	}
	pool.AppendCertsFromPEM(data)
	cert, err := tls.LoadX509KeyPair(p.path(client+".crt"), p.path(client+".key"))
	if err != nil {
		return "", err
	}
	conn, err := tls.Dial("tcp", e.cp.XDSAddress(), &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}})
	if err != nil {
		return "", err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.String(), nil
}

func fileSerial(t *testing.T, path string) string {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(path, strings.TrimSuffix(path, ".crt")+".key")
	if err != nil {
		t.Fatal(err)
	}
	return cert.Leaf.SerialNumber.String()
}

// TestMTLSCertificatesRotateWithoutRestart replaces the server's
// certificate and its client CA as cert-manager does: a connected client
// keeps its stream and its routing, new connections get the new
// certificate, clients of the new CA are accepted, and a half-written file
// keeps the last good certificate in use.
func TestMTLSCertificatesRotateWithoutRestart(t *testing.T) {
	p := newPKI(t)
	p.client("reviews", "spiffe://cluster.local/ns/shop/sa/reviews")
	e, f := newMTLSEnv(t, p)
	conn := e.dialWith(e.tlsBootstrap(p, "reviews", ""), "reviews.default:9080")
	eventually(t, 10*time.Second, func() error { return allFrom(conn, 10, "reviews-v2", "x-canary", "canary") })
	stream := e.cp.XDS().Clients()[0].StreamID
	reloads := func() float64 { return testutil.ToFloat64(e.cp.Metrics().TLSReloads.WithLabelValues("ok")) }

	// A new CA signs the new server certificate; the client CA file holds
	// both CAs while clients move over, as a trust bundle does.
	old := p.ca
	next, err := certs.NewAuthority("e2e CA 2", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p.ca = next
	p.issue("server", certs.Leaf{IPs: []net.IP{net.ParseIP("127.0.0.1")}, Server: true})
	p.client("ratings", "spiffe://cluster.local/ns/shop/sa/ratings")
	p.writeFile("ca.crt", append(old.CertPEM(), next.CertPEM()...))
	eventually(t, 10*time.Second, func() error {
		got, err := e.servedSerial(p, "ratings")
		if want := fileSerial(t, p.path("server.crt")); err != nil || got != want {
			return fmt.Errorf("served certificate %s (%v), want the new %s", got, err, want)
		}
		return nil
	})
	if reloads() < 1 {
		t.Error("the reload was not counted")
	}

	// The connected client kept its stream and its routing, and a weight
	// change still reaches it.
	if err := allFrom(conn, 10, "reviews-v2", "x-canary", "canary"); err != nil {
		t.Fatal(err)
	}
	f.ReviewsWeights = "{v1: 0, v2: 100}"
	e.write("graylane.yaml", render(t, fleetConfig, f))
	eventually(t, 10*time.Second, func() error { return allFrom(conn, 10, "reviews-v2") })
	if cs := e.cp.XDS().Clients(); len(cs) != 1 || cs[0].StreamID != stream {
		t.Errorf("the client's stream changed: %+v", cs)
	}
	// A client of the new CA is served.
	conn2 := e.dialWith(e.tlsBootstrap(p, "ratings", ""), "ratings.shop:9090")
	eventually(t, 10*time.Second, func() error { return allFrom(conn2, 10, "ratings-v1") })

	// A half-written certificate is not put in use.
	before := reloads()
	failed := func() float64 { return testutil.ToFloat64(e.cp.Metrics().TLSReloads.WithLabelValues("error")) }
	failedBefore := failed()
	serial := fileSerial(t, p.path("server.crt"))
	p.writeFile("server.crt", []byte("-----BEGIN CERTIFICATE-----\nMIIB"))
	eventually(t, 10*time.Second, func() error {
		if failed() <= failedBefore {
			return fmt.Errorf("no failed reload yet")
		}
		return nil
	})
	if got, err := e.servedSerial(p, "ratings"); err != nil || got != serial {
		t.Errorf("after a broken file: served %s (%v), want the last good %s", got, err, serial)
	}
	if reloads() != before || !e.logged("TLS files not reloaded; the last good ones stay in use") {
		t.Error("the broken file was put in use, or not logged")
	}
}

// TestExampleTLSBootstrapWithCertgen serves with the files `xds certgen`
// writes by default and dials with examples/grpc-bootstrap-tls.json, as
// docs/security.md's walk-through does.
func TestExampleTLSBootstrapWithCertgen(t *testing.T) {
	dir := t.TempDir()
	cmd := cli.NewRootCommand(io.Discard, io.Discard)
	cmd.SetArgs([]string{"certgen", "--dir", dir})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	f := newFleet(t)
	files := certs.Files{Cert: filepath.Join(dir, "server.crt"), Key: filepath.Join(dir, "server.key"), ClientCA: filepath.Join(dir, "ca.crt")}
	e := newEnv(t, render(t, fleetConfig, f), controlplane.WithTLSFiles(files))
	data, err := os.ReadFile("../examples/grpc-bootstrap-tls.json")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(e.cp.XDSAddress())
	bootstrap := strings.ReplaceAll(string(data), `"certs/`, `"`+dir+"/")
	bootstrap = strings.Replace(bootstrap, "localhost:18000", "localhost:"+port, 1)
	conn := e.dialWith([]byte(bootstrap), "ratings.shop:9090")
	eventually(t, 10*time.Second, func() error { return allFrom(conn, 10, "ratings-v1") })
	if cs := e.cp.XDS().Clients(); len(cs) != 1 || cs[0].Identity != "spiffe://cluster.local/ns/default/sa/demo-client" {
		t.Errorf("clients = %+v", cs)
	}
}
