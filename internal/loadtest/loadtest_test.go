package loadtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"go.uber.org/zap"

	"github.com/graylane/graylane/internal/xdsserver"
	"github.com/graylane/graylane/model"
)

// fleetEnv makes the test binary a fleet process.
const fleetEnv = "GRAYLANE_LOADTEST_FLEET"

func TestMain(m *testing.M) {
	if os.Getenv(fleetEnv) == "1" {
		if err := ServeFleet(context.Background(), os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// testLauncher runs the fleet in this test binary.
func testLauncher(ctx context.Context) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0])
	cmd.Env = append(os.Environ(), fleetEnv+"=1")
	cmd.Stderr = os.Stderr
	return cmd
}

// smallConfig is 50 clients (40 gRPC, 8 sidecars, 2 edge, half of each
// delta) of 20 services.
func smallConfig() Config {
	cfg := DefaultConfig()
	cfg.Services, cfg.Clients, cfg.StreamsPerConn = 20, 50, 10
	cfg.Quiet, cfg.Timeout = 300*time.Millisecond, 30*time.Second
	cfg.Warm = 20
	return cfg
}

// dialing counts the gRPC clients of a plan that dial a listener.
func dialing(p Plan, listener string) int {
	n := 0
	for _, m := range p.members() {
		if m.g.Role == model.RoleGRPC && m.g.Listeners[m.k%len(m.g.Listeners)] == listener {
			n++
		}
	}
	return n
}

// runLogged runs the load test and logs its report.
func runLogged(t *testing.T, cfg Config) *Report {
	t.Helper()
	r, err := Run(context.Background(), cfg, testLauncher, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	r.Print(&out)
	t.Log("\n" + out.String())
	return r
}

func TestLoadAgainstGraylane(t *testing.T) {
	cfg := smallConfig()
	cfg.Bare = true
	r := runLogged(t, cfg)

	g := r.Runs[0]
	if g.Sync.Synced != cfg.Clients || g.Sync.Failed != 0 {
		t.Fatalf("%d of %d clients took their first state (%d failed: %s)", g.Sync.Synced, cfg.Clients, g.Sync.Failed, g.Sync.FirstError)
	}
	if heap, stack := g.PerClient(); heap <= 0 || stack < 0 {
		t.Errorf("memory per client: heap %.0f, stacks %.0f bytes", heap, stack)
	}
	w, _ := newWorkload(cfg.Services)
	svc0 := w.cfg.Services[0].Key()
	ofSvc0 := dialing(cfg.plan("", w.dialed()), svc0)
	if ofSvc0 != 4 {
		t.Fatalf("%d gRPC clients dial %s, want 4 (2 of 20 in each group)", ofSvc0, svc0)
	}
	counts := g.Clients
	proxies := counts[model.RoleSidecar] + counts[model.RoleEdge]
	want := map[string]struct {
		grpc   int
		pushes map[string]int64
	}{
		ChangeWeight:    {ofSvc0, map[string]int64{"routes": int64(ofSvc0 + proxies)}},
		ChangeEndpoint:  {ofSvc0, map[string]int64{"endpoints": int64(ofSvc0 + proxies)}},
		ChangeUnrelated: {0, map[string]int64{"routes": int64(proxies)}},
	}
	for _, c := range g.Changes {
		checkConverged(t, g.Server, &c)
		wc := want[c.Kind]
		byRole := c.Fleet.ByRole
		if got := byRole[model.RoleGRPC]; got.Reached != wc.grpc || got.Expected != wc.grpc || got.Unexpected != 0 {
			t.Errorf("%s change: gRPC clients %+v, want %d reached, all of them expecting it", c.Kind, *got, wc.grpc)
		}
		for _, role := range []model.Role{model.RoleSidecar, model.RoleEdge} {
			if got := byRole[role]; got.Reached != counts[role] || got.Unexpected != 0 {
				t.Errorf("%s change: %s clients %+v, want all %d reached", c.Kind, role, *got, counts[role])
			}
		}
		if fmt.Sprint(c.Fleet.Pushes) != fmt.Sprint(wc.pushes) {
			t.Errorf("%s change pushed %v, want %v", c.Kind, c.Fleet.Pushes, wc.pushes)
		}
		if c.ServerPushes != c.pushes() {
			t.Errorf("%s change: the server counted %d pushes, the clients %d", c.Kind, c.ServerPushes, c.pushes())
		}
	}

	b := r.Runs[1]
	if b.Server != ServerBare || b.Sync.Synced != cfg.Clients {
		t.Fatalf("bare run: %s, %d of %d clients synced (%s)", b.Server, b.Sync.Synced, cfg.Clients, b.Sync.FirstError)
	}
	for i, c := range b.Changes {
		checkConverged(t, b.Server, &c)
		if c.pushes() < g.Changes[i].pushes() {
			t.Errorf("%s change: the bare server pushed %d, fewer than Graylane's %d", c.Kind, c.pushes(), g.Changes[i].pushes())
		}
	}
}

func checkConverged(t *testing.T, server string, c *ChangeRun) {
	t.Helper()
	sum := c.sum()
	if c.Fleet.TimedOut || sum.Converged != sum.Expected || sum.Expected == 0 {
		t.Errorf("%s, %s change: %d of %d expecting clients converged", server, c.Kind, sum.Converged, sum.Expected)
	}
	if c.Last <= 0 || c.P50 > c.Last || c.Build <= 0 {
		t.Errorf("%s, %s change: p50 %v, last %v, build %v", server, c.Kind, c.P50, c.Last, c.Build)
	}
}

// syncBuffer is a buffer written by one goroutine and read by another.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor waits until the buffer holds want.
func waitFor(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the output:\n%s", want, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Observe connects to a running control plane and reports the wave of
// responses a change to it causes.
func TestObserveReportsEachChange(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w, err := newWorkload(5)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := w.yaml()
	g, err := startGraylane(ctx, data, zap.NewNop(), 20*time.Second, xdsserver.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	defer g.stop(context.Background())

	cfg := smallConfig()
	cfg.Clients, cfg.Roles = 10, map[model.Role]int{model.RoleGRPC: 1}
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- Observe(ctx, cfg, g.address(), out) }()
	waitFor(t, out, "first state: 10 of 10 clients")

	// The clients dial every service's listener, two each; a weight
	// change to one reaches its two clients only.
	if _, err := w.change(ChangeWeight); err != nil {
		t.Fatal(err)
	}
	data, _ = w.yaml()
	if _, err := g.apply(ctx, data, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, out, "reached grpc 2/10, 2 responses (routes 2)")
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Observe: %v", err)
	}
}

// TestLoadWithSidecarEgress runs sidecars that name two services each: a
// change reaches the sidecars that call the service, and no other.
func TestLoadWithSidecarEgress(t *testing.T) {
	cfg := smallConfig()
	cfg.Roles, cfg.Clients, cfg.Egress = map[model.Role]int{model.RoleSidecar: 1}, 20, 2
	r := runLogged(t, cfg)
	w, _ := newWorkload(cfg.Services)
	callers := 0
	for _, m := range cfg.plan("", w.dialed()).members() {
		if slices.Contains(m.g.calls(m.k), w.cfg.Services[0].Key()) {
			callers++
		}
	}
	if callers == 0 || callers == cfg.Clients {
		t.Fatalf("%d of %d sidecars call the first service: the test needs some, not all", callers, cfg.Clients)
	}
	want := map[string]int{ChangeWeight: callers, ChangeEndpoint: callers, ChangeUnrelated: 0}
	for _, c := range r.Runs[0].Changes {
		if want[c.Kind] > 0 {
			checkConverged(t, r.Runs[0].Server, &c)
		} else if c.pushes() != 0 {
			t.Errorf("%s change pushed %v", c.Kind, c.Fleet.Pushes)
		}
		if got := c.Fleet.ByRole[model.RoleSidecar]; got.Reached != want[c.Kind] || got.Unexpected != 0 {
			t.Errorf("%s change: sidecars %+v, want %d reached, none unexpectedly", c.Kind, *got, want[c.Kind])
		}
	}
}

// TestHeapProfilesShowTheStreams wants the profile with every client
// connected to hold more of go-control-plane's stream state than the
// profile with the warm share: the clients added are in it.
func TestHeapProfilesShowTheStreams(t *testing.T) {
	cfg := smallConfig()
	cfg.Changes, cfg.HeapProfiles = nil, t.TempDir()
	rate := runtime.MemProfileRate
	r := runLogged(t, cfg)
	if runtime.MemProfileRate != rate {
		t.Errorf("the run left the heap profile rate at %d, was %d", runtime.MemProfileRate, rate)
	}
	streams := func(stage string) int64 {
		return inUse(t, filepath.Join(cfg.HeapProfiles, ServerGraylane+"-"+stage+".pprof"), "go-control-plane/pkg/server")
	}
	warm, all := streams("warm"), streams("all")
	added := int64(r.Runs[0].Sync.Synced - r.Runs[0].Warm)
	if all-warm < added*4096 {
		t.Errorf("stream state: %d bytes with %d clients, %d with %d more: want at least 4 KiB more a client",
			warm, r.Runs[0].Warm, all, added)
	}
}

// inUse sums the bytes in use that a function whose name holds fn
// allocated, or called what did.
func inUse(t *testing.T, path, fn string) int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(p.SampleType, func(s *profile.ValueType) bool { return s.Type == "inuse_space" })
	var sum int64
	for _, s := range p.Sample {
		if slices.ContainsFunc(s.Location, func(l *profile.Location) bool {
			return slices.ContainsFunc(l.Line, func(ln profile.Line) bool { return strings.Contains(ln.Function.Name, fn) })
		}) {
			sum += s.Value[i]
		}
	}
	return sum
}

func TestHeapProfilesNeedAFolder(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{file, filepath.Join(file, "missing")} {
		cfg := smallConfig()
		cfg.HeapProfiles = path
		if err := cfg.check(); err == nil || !strings.Contains(err.Error(), "heap profiles "+path) {
			t.Errorf("%s: %v, want it refused", path, err)
		}
	}
	cfg := smallConfig()
	cfg.HeapProfiles = t.TempDir()
	if err := cfg.check(); err != nil {
		t.Error(err)
	}
}
