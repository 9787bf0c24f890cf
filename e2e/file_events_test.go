package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc"

	"github.com/graylane/graylane/internal/controlplane"
	"github.com/graylane/graylane/internal/providers/file"
	"github.com/graylane/graylane/translators"
)

// fileSettle is the file source's settle time in these tests.
const fileSettle = 150 * time.Millisecond

// newEnvAt starts a control plane serving the configuration at path, with
// a short settle time.
func newEnvAt(t *testing.T, path string) *env {
	t.Helper()
	e := &env{t: t, dir: path, opts: []controlplane.Option{controlplane.WithFileOptions(file.WithSettle(fileSettle))}}
	e.start()
	return e
}

// moreServices lists n more gRPC services after the fleet's, so that each
// replacement of the configuration adds to what is served.
func moreServices(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "  - name: extra-%d\n    port: %d\n    protocol: grpc\n    versions: [{name: v1, endpoints: [{address: 10.0.1.%d}]}]\n", i, 9200+i, i+1)
	}
	return b.String()
}

// routingWatch follows what a proxyless gRPC client, calling all the time,
// and a state-of-the-world and a delta ADS stream hold while the files
// change, and records every call that fails and every resource withdrawn.
type routingWatch struct {
	mu        sync.Mutex
	calls     int
	withdrawn []string
	stop      chan struct{}
	done      sync.WaitGroup
}

func watchRouting(t *testing.T, e *env, conn *grpc.ClientConn) *routingWatch {
	t.Helper()
	w := &routingWatch{stop: make(chan struct{})}
	count(t, conn, 20) // routed before anything changes
	sotw := e.sotw(sidecarNode("watch-sotw"))
	sotw.subscribeAll()
	delta := e.delta()
	for _, typ := range []string{resourcev3.ClusterType, resourcev3.ListenerType} {
		delta.send(&discoveryv3.DeltaDiscoveryRequest{Node: sidecarNode("watch-delta"), TypeUrl: typ})
	}
	w.done.Add(1)
	go w.callAll(conn)
	go w.followSotw(sotw)
	go w.followDelta(delta)
	t.Cleanup(w.end)
	return w
}

func (w *routingWatch) record(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.withdrawn = append(w.withdrawn, fmt.Sprintf(format, args...))
}

func (w *routingWatch) callAll(conn *grpc.ClientConn) {
	defer w.done.Done()
	for {
		select {
		case <-w.stop:
			return
		case <-time.After(5 * time.Millisecond):
		}
		if _, err := call(context.Background(), conn); err != nil {
			w.record("a call failed: %v", err)
		}
		w.mu.Lock()
		w.calls++
		w.mu.Unlock()
	}
}

// followSotw acknowledges every response and records the names a
// listener or cluster response lacks that the previous one had: those two
// types are sent whole, so a name missing is withdrawn. The others are
// sent as they change; a state-of-the-world client learns from the
// clusters and listeners that theirs are gone.
func (w *routingWatch) followSotw(c *sotwClient) {
	had := map[string][]string{}
	for r := range c.in {
		now := names(r)
		full := r.GetTypeUrl() == resourcev3.ListenerType || r.GetTypeUrl() == resourcev3.ClusterType
		for _, name := range had[r.GetTypeUrl()] {
			if full && !slices.Contains(now, name) {
				w.record("state of the world: %s %s withdrawn", translators.KindName(r.GetTypeUrl()), name)
			}
		}
		had[r.GetTypeUrl()] = now
		_ = c.stream.Send(&discoveryv3.DiscoveryRequest{Node: c.node, TypeUrl: r.GetTypeUrl(), VersionInfo: r.GetVersionInfo(), ResponseNonce: r.GetNonce()})
	}
}

// followDelta acknowledges every response and records every removal.
func (w *routingWatch) followDelta(c *deltaClient) {
	for r := range c.in {
		for _, name := range r.GetRemovedResources() {
			w.record("delta: %s %s removed", translators.KindName(r.GetTypeUrl()), name)
		}
		_ = c.stream.Send(&discoveryv3.DeltaDiscoveryRequest{TypeUrl: r.GetTypeUrl(), ResponseNonce: r.GetNonce()})
	}
}

// end stops the calls; it may be called more than once.
func (w *routingWatch) end() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	w.done.Wait()
}

// check fails the test for anything withdrawn so far.
func (w *routingWatch) check(t *testing.T) {
	t.Helper()
	w.end()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.withdrawn) > 0 {
		t.Errorf("%d withdrawals or failed calls (of %d calls), the first: %s", len(w.withdrawn), w.calls, strings.Join(w.withdrawn[:min(5, len(w.withdrawn))], "; "))
	}
	if w.calls < 100 {
		t.Errorf("only %d calls made while the files changed", w.calls)
	}
}

// fileCounts checks the file source's rejections and recoveries so far:
// the metric, and one log line per distinct problem.
type fileCounts struct {
	e         *env
	rejected  float64
	accepted  int
	problems  []string // every problem text logged, in order
	lastCheck int
}

// rejectedWith waits for the next rejection, which must name want, then
// checks that nothing more comes.
func (c *fileCounts) rejectedWith(t *testing.T, want string) {
	t.Helper()
	c.rejected++
	eventually(t, 10*time.Second, func() error {
		if n := testutil.ToFloat64(c.e.cp.Metrics().ConfigErrors.WithLabelValues("file")); n < c.rejected {
			return fmt.Errorf("graylane_config_errors_total{source=file} = %v, want %v", n, c.rejected)
		}
		return nil
	})
	if got := testutil.ToFloat64(c.e.cp.Metrics().ConfigValid); got != 0 {
		t.Errorf("graylane_config_valid = %v while the file is rejected", got)
	}
	c.settled(t)
	if !slices.ContainsFunc(c.problems[c.lastCheck:], func(p string) bool { return strings.Contains(p, want) }) {
		t.Errorf("the rejection does not say %q: %v", want, c.problems[c.lastCheck:])
	}
	c.lastCheck = len(c.problems)
}

// acceptedAgain waits for the fixed configuration to be served with
// services services.
func (c *fileCounts) acceptedAgain(t *testing.T, services int) {
	t.Helper()
	c.accepted++
	c.served(t, services)
	if n := c.e.logs.FilterMessage("configuration accepted again").Len(); n != c.accepted {
		t.Errorf("%d lines say the configuration is accepted again, want %d", n, c.accepted)
	}
	c.settled(t)
}

// served waits until a configuration of services services is served and
// valid.
func (c *fileCounts) served(t *testing.T, services int) {
	t.Helper()
	want := fmt.Sprintf("1 lanes, %d services, 0 gateways", services)
	eventually(t, 10*time.Second, func() error {
		st := c.e.cp.Pipeline().Status()
		if st.Config != want || !st.OK() || testutil.ToFloat64(c.e.cp.Metrics().ConfigValid) != 1 {
			return fmt.Errorf("serving %q (OK %v), want %q", st.Config, st.OK(), want)
		}
		return nil
	})
}

// settled waits out any reload still to come, then checks that the
// metric and the log hold exactly the rejections counted, each problem
// logged once.
func (c *fileCounts) settled(t *testing.T) {
	t.Helper()
	time.Sleep(4 * fileSettle)
	if n := testutil.ToFloat64(c.e.cp.Metrics().ConfigErrors.WithLabelValues("file")); n != c.rejected {
		t.Errorf("graylane_config_errors_total{source=file} = %v, want %v", n, c.rejected)
	}
	c.problems = c.problems[:0]
	seen := map[string]bool{}
	for _, entry := range c.e.logs.FilterMessage("configuration rejected").All() {
		p := fmt.Sprint(entry.ContextMap()["problem"])
		if seen[p] {
			t.Errorf("logged twice: %s", p)
		}
		seen[p] = true
		c.problems = append(c.problems, p)
	}
}

// writeInPlace rewrites a file in place, as "cat > file" does.
func writeInPlace(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func truncate(t *testing.T, path string, size int) {
	t.Helper()
	if err := os.Truncate(path, int64(size)); err != nil {
		t.Fatal(err)
	}
}

// writeHalves writes content in place in two halves, cut at cut, with a
// pause between.
func writeHalves(t *testing.T, path, content string, cut int, pause time.Duration) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(content[:cut]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(pause)
	if _, err := f.WriteString(content[cut:]); err != nil {
		t.Fatal(err)
	}
}

func TestFileEventsNeverWithdrawRouting(t *testing.T) {
	f := newFleet(t)
	parent := t.TempDir()
	dir := filepath.Join(parent, "conf")
	path := filepath.Join(dir, "graylane.yaml")
	good := render(t, fleetConfig, f)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeInPlace(t, path, good)
	e := newEnvAt(t, dir)
	w := watchRouting(t, e, e.dial("reviews.default:9080"))
	c := &fileCounts{e: e}
	services := strings.Index(good, "services:")
	ratingsEndpoints := strings.Index(good, "ratings") + strings.Index(good[strings.Index(good, "ratings"):], "endpoints")

	t.Log("emptied: : > graylane.yaml")
	truncate(t, path, 0)
	c.rejectedWith(t, "graylane.yaml:1: the file is empty")
	writeInPlace(t, path, good)
	c.acceptedAgain(t, 4)

	t.Log("cut short before its services")
	truncate(t, path, services)
	c.rejectedWith(t, "the configuration has no services, while 4 of this source's are served")
	writeInPlace(t, path, good)
	c.acceptedAgain(t, 4)

	t.Log("cut short after \"services:\"")
	truncate(t, path, services+len("services:\n"))
	c.rejectedWith(t, "services has no value")

	t.Log("cut short mid-line, then unrelated files touched while it is broken")
	writeInPlace(t, path, good)
	c.acceptedAgain(t, 4)
	truncate(t, path, ratingsEndpoints+4)
	c.rejectedWith(t, "graylane.yaml:")
	broken, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		writeInPlace(t, filepath.Join(parent, "app.log"), strings.Repeat("a log line\n", i+1))
		writeInPlace(t, filepath.Join(dir, "notes.txt"), "unrelated")
		writeInPlace(t, filepath.Join(dir, ".graylane.yaml.swp"), "swap")
		writeInPlace(t, filepath.Join(dir, "graylane.yaml~"), good)
		if i%5 == 0 {
			writeInPlace(t, path, string(broken)) // the same broken content again
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.settled(t)

	t.Log("written in place with a pause shorter than the settle time")
	fixed := good + moreServices(1)
	writeHalves(t, path, fixed, ratingsEndpoints+2, fileSettle/10)
	c.acceptedAgain(t, 5)

	t.Log("written in place with a pause longer than the settle time")
	fixed = good + moreServices(2)
	writeHalves(t, path, fixed, strings.Index(good, "unused-a")+4, 5*fileSettle)
	c.rejectedWith(t, "service unus.default:0: port 0 must be between 1 and 65535")
	c.acceptedAgain(t, 6)

	t.Log("the directory removed, then another moved in, three times")
	for i := 3; i <= 5; i++ {
		next := filepath.Join(parent, fmt.Sprintf("conf.%d", i))
		if err := os.Mkdir(next, 0o755); err != nil {
			t.Fatal(err)
		}
		writeInPlace(t, filepath.Join(next, "graylane.yaml"), good+moreServices(i))
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(next, dir); err != nil {
			t.Fatal(err)
		}
		c.served(t, 4+i)
	}

	t.Log("the file renamed over, three times")
	for i := 6; i <= 8; i++ {
		writeInPlace(t, filepath.Join(dir, ".graylane.yaml.new"), good+moreServices(i))
		if err := os.Rename(filepath.Join(dir, ".graylane.yaml.new"), path); err != nil {
			t.Fatal(err)
		}
		c.served(t, 4+i)
	}
	c.settled(t)
	w.check(t)
}

// TestConfigMapUpdatesNeverWithdrawRouting serves a directory laid out as
// the kubelet mounts a ConfigMap and updates it as the kubelet does,
// broken versions included.
func TestConfigMapUpdatesNeverWithdrawRouting(t *testing.T) {
	f := newFleet(t)
	dir := t.TempDir()
	good := render(t, fleetConfig, f)
	version := 0
	publish := func(content string) {
		version++
		name := fmt.Sprintf("..2026_01_01_00_00_%02d.%d", version, version)
		if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		writeInPlace(t, filepath.Join(dir, name, "graylane.yaml"), content)
		if err := os.Symlink(name, filepath.Join(dir, "..data_tmp")); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
			t.Fatal(err)
		}
		if version > 1 {
			old, _ := filepath.Glob(filepath.Join(dir, fmt.Sprintf("..2026_01_01_00_00_%02d.*", version-1)))
			for _, o := range old {
				_ = os.RemoveAll(o)
			}
		}
	}
	publish(good)
	if err := os.Symlink("..data/graylane.yaml", filepath.Join(dir, "graylane.yaml")); err != nil {
		t.Fatal(err)
	}
	e := newEnvAt(t, dir)
	w := watchRouting(t, e, e.dial("reviews.default:9080"))
	c := &fileCounts{e: e}
	for i := 1; i <= 3; i++ {
		publish(good + moreServices(i))
		c.served(t, 4+i)
	}
	publish("")
	c.rejectedWith(t, "graylane.yaml:1: the file is empty")
	publish("lanes: [{name: canary, weight: 10}]\nservices: []\n")
	c.rejectedWith(t, "the configuration has no services, while 7 of this source's are served")
	publish(good + moreServices(4))
	c.acceptedAgain(t, 8)
	w.check(t)
}

// TestServicesNoneWithdrawsEveryService: the explicit form does what it
// says, as only a valid and explicit configuration may.
func TestServicesNoneWithdrawsEveryService(t *testing.T) {
	f := newFleet(t)
	dir := t.TempDir()
	writeInPlace(t, filepath.Join(dir, "graylane.yaml"), render(t, fleetConfig, f))
	e := newEnvAt(t, dir)
	conn := e.dial("reviews.default:9080")
	count(t, conn, 10)
	c := e.sotw(sidecarNode("none"))
	c.subscribeAll()

	writeInPlace(t, filepath.Join(dir, "graylane.yaml"), "lanes: [{name: canary, weight: 10}]\nservices: none\n")
	eventually(t, 10*time.Second, func() error {
		r := c.recv()
		c.ack(r)
		if r.GetTypeUrl() != resourcev3.ClusterType || len(r.GetResources()) != 0 {
			return fmt.Errorf("%s still has %v", translators.KindName(r.GetTypeUrl()), names(r))
		}
		return nil
	})
	eventually(t, 10*time.Second, func() error {
		if _, err := call(context.Background(), conn); err == nil {
			return fmt.Errorf("reviews still answers")
		}
		return nil
	})
	if st := e.cp.Pipeline().Status(); !st.OK() || st.Config != "1 lanes, 0 services, 0 gateways" {
		t.Errorf("status after services: none: %+v", st)
	}
}
