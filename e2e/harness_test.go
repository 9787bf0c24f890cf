package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/xds"

	"github.com/graylane/graylane/internal/controlplane"
	"github.com/graylane/graylane/internal/providers"
)

// env is one test's world: a configuration directory, a control plane
// serving it, and the log lines it wrote.
type env struct {
	t    *testing.T
	dir  string
	opts []controlplane.Option
	cp   *controlplane.ControlPlane
	logs *observer.ObservedLogs
}

// newEnv starts a control plane on loopback ports serving the file
// graylane.yaml of a fresh directory, written from config.
func newEnv(t *testing.T, config string, opts ...controlplane.Option) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), opts: opts}
	e.write("graylane.yaml", config)
	e.start()
	return e
}

// start starts a control plane on the environment's directory.
func (e *env) start() {
	t := e.t
	t.Helper()
	core, logs := observer.New(zap.InfoLevel)
	e.logs = logs
	opts := append([]controlplane.Option{
		controlplane.WithConfigPath(e.dir),
		controlplane.WithXDSAddress("127.0.0.1:0"), controlplane.WithAdminAddress("127.0.0.1:0"),
		controlplane.WithModuleAddress("127.0.0.1:0"),
		controlplane.WithLogger(zap.New(core)),
		controlplane.WithCoalescer(providers.Coalescer{HoldOff: 20 * time.Millisecond, MaxDelay: 200 * time.Millisecond}),
	}, e.opts...)
	cp, err := controlplane.Start(context.Background(), opts...)
	if err != nil {
		t.Fatalf("start control plane: %v", err)
	}
	e.cp = cp
	t.Cleanup(e.stop)
	select {
	case <-cp.Ready():
	case <-time.After(10 * time.Second):
		t.Fatalf("control plane not ready: %+v", cp.Pipeline().Status())
	}
}

// stop shuts the control plane down; stopping twice is harmless.
func (e *env) stop() {
	if e.cp == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.cp.Shutdown(ctx); err != nil {
		e.t.Errorf("shutdown: %v", err)
	}
	e.cp = nil
}

// restart replaces the control plane with a fresh process-like one, on new
// ports, serving the same directory.
func (e *env) restart() {
	e.t.Helper()
	e.stop()
	e.start()
}

// write replaces a file of the configuration directory atomically, as
// editors and Kubernetes do.
func (e *env) write(name, content string) {
	e.t.Helper()
	tmp := filepath.Join(e.dir, "."+name+".tmp")
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		e.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(e.dir, name)); err != nil {
		e.t.Fatal(err)
	}
}

// bootstrap is a gRPC xDS bootstrap pointing at the control plane, with
// no role set: the client's user agent makes it a grpc client.
func (e *env) bootstrap() []byte {
	return []byte(fmt.Sprintf(`{
  "xds_servers": [{"server_uri": %q, "channel_creds": [{"type": "insecure"}], "server_features": ["xds_v3"]}],
  "node": {"id": %q, "cluster": "e2e"}
}`, e.cp.XDSAddress(), e.t.Name()))
}

// dial connects grpc-go's xDS client to xds:///target, with extra dial
// options (interceptors) if any.
func (e *env) dial(target string, opts ...grpc.DialOption) *grpc.ClientConn {
	e.t.Helper()
	resolver, err := xds.NewXDSResolverWithConfigForTesting(e.bootstrap())
	if err != nil {
		e.t.Fatalf("xds resolver: %v", err)
	}
	conn, err := grpc.NewClient("xds:///"+target, append(opts,
		grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithResolvers(resolver))...)
	if err != nil {
		e.t.Fatalf("dial %s: %v", target, err)
	}
	e.t.Cleanup(func() { conn.Close() })
	return conn
}

// backend is a gRPC TestService that answers with its own id.
type backend struct {
	testgrpc.UnimplementedTestServiceServer
	id   string
	Port int
}

func (b *backend) UnaryCall(context.Context, *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
	return &testgrpc.SimpleResponse{ServerId: b.id}, nil
}

// startBackend serves a backend on a loopback port until the test ends.
func startBackend(t *testing.T, id string) *backend {
	t.Helper()
	return startBackendOn(t, "127.0.0.1", id)
}

// startBackendOn serves a backend on ip until the test ends (the
// Kubernetes tests need an address EndpointSlices can name).
func startBackendOn(t *testing.T, ip, id string) *backend {
	t.Helper()
	lis, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{id: id, Port: lis.Addr().(*net.TCPAddr).Port}
	s := grpc.NewServer()
	testgrpc.RegisterTestServiceServer(s, b)
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(s.Stop)
	return b
}

// call makes one call with the given metadata (key, value pairs) and
// returns the id of the backend that answered.
func call(ctx context.Context, conn *grpc.ClientConn, md ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if len(md) > 0 {
		ctx = metadata.AppendToOutgoingContext(ctx, md...)
	}
	resp, err := testgrpc.NewTestServiceClient(conn).UnaryCall(ctx, &testgrpc.SimpleRequest{})
	if err != nil {
		return "", err
	}
	return resp.GetServerId(), nil
}

// count makes n calls and counts the answers by backend id.
func count(t *testing.T, conn *grpc.ClientConn, n int, md ...string) map[string]int {
	t.Helper()
	got := map[string]int{}
	for range n {
		id, err := call(context.Background(), conn, md...)
		if err != nil {
			t.Fatalf("call with %v: %v", md, err)
		}
		got[id]++
	}
	return got
}

// eventually retries f until it returns nil or the deadline passes.
func eventually(t *testing.T, timeout time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %v", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// allFrom checks that n consecutive calls are all answered by id.
func allFrom(conn *grpc.ClientConn, n int, id string, md ...string) error {
	for range n {
		got, err := call(context.Background(), conn, md...)
		if err != nil {
			return err
		}
		if got != id {
			return fmt.Errorf("call with %v answered by %s, want %s", md, got, id)
		}
	}
	return nil
}

// render fills a configuration template with the backends' ports.
func render(t *testing.T, tmpl string, data any) string {
	t.Helper()
	var buf bytes.Buffer
	if err := template.Must(template.New("cfg").Parse(tmpl)).Execute(&buf, data); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// logged reports whether a log entry with message msg mentions all of want.
func (e *env) logged(msg string, want ...string) bool {
	for _, entry := range e.logs.FilterMessage(msg).All() {
		text := fmt.Sprint(entry.ContextMap())
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(text, w)
		}
		if ok {
			return true
		}
	}
	return false
}
