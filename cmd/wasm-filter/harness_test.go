package main

import (
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"testing"
)

// The filter's behaviour is checked through a host: an SDK's proxytest host
// emulator running the plugin natively, or running the compiled module on
// wazero. Every case in filterCases runs on every host that testHosts
// returns for the build (see host_*_test.go).

// host is one plugin configuration loaded into a host emulator.
type host interface {
	// start runs OnVMStart and OnPluginStart and reports success.
	start() bool
	// exchange sends one request and a 200 response through a new HTTP
	// stream and returns the headers forwarded upstream and the response
	// headers sent to the client.
	exchange(req [][2]string) (upstream, downstream [][2]string)
	counter(name string) (uint64, error)
	criticalLogs() []string
	// routeCacheClears counts the calls of the clear_route_cache foreign
	// function.
	routeCacheClears() int
	// close releases the emulator; only one emulator can exist at a time.
	close()
}

// newHost loads a plugin configuration into a fresh host emulator; the
// emulator is closed when the test ends, if not before.
type newHost func(t *testing.T, config string) host

type hostFactory struct {
	name string
	new  newHost
}

type filterCase struct {
	name string
	run  func(t *testing.T, newHost newHost)
}

func TestMain(m *testing.M) {
	// The emulators log every host call; the tests read the logs they need
	// from the emulator instead.
	log.SetOutput(io.Discard)
	cleanup, err := prepareModules()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	cleanup()
	os.Exit(code)
}

func TestFilter(t *testing.T) {
	for _, h := range testHosts(t) {
		t.Run(h.name, func(t *testing.T) {
			for _, c := range filterCases() {
				t.Run(c.name, func(t *testing.T) { c.run(t, h.new) })
			}
		})
	}
}

// started loads config and fails the test unless the plugin starts.
func started(t *testing.T, newHost newHost, config string) host {
	t.Helper()
	h := newHost(t, config)
	if !h.start() {
		t.Fatalf("plugin start failed: %v", h.criticalLogs())
	}
	return h
}

// header returns the only value of a header; it fails the test when the
// header is repeated.
func header(t *testing.T, hdrs [][2]string, name string) (string, bool) {
	t.Helper()
	var vals []string
	for _, h := range hdrs {
		if strings.EqualFold(h[0], name) {
			vals = append(vals, h[1])
		}
	}
	if len(vals) > 1 {
		t.Fatalf("header %s repeated: %q", name, vals)
	}
	return strings.Join(vals, ""), len(vals) == 1
}

// laneOf returns the lane header forwarded upstream, failing when absent.
func laneOf(t *testing.T, upstream [][2]string, laneHeader string) string {
	t.Helper()
	v, ok := header(t, upstream, laneHeader)
	if !ok {
		t.Fatalf("no %s header upstream: %v", laneHeader, upstream)
	}
	return v
}

// baseRequest is a typical request; extra headers are appended.
func baseRequest(extra ...[2]string) [][2]string {
	req := [][2]string{
		{":method", "GET"}, {":path", "/reviews/1"}, {":authority", "shop.example.com"},
		{"user-agent", "Mozilla/5.0"}, {"accept", "*/*"},
	}
	return append(req, extra...)
}

// tally sends n requests built by req and counts the lane of each.
func tally(t *testing.T, h host, n int, req func(i int) [][2]string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for i := range n {
		up, _ := h.exchange(req(i))
		counts[laneOf(t, up, "x-canary")]++
	}
	return counts
}

// checkShares fails when a lane's share of n requests is more than one
// point off its weight; stable must get the rest.
func checkShares(t *testing.T, counts map[string]int, n int, lanes []string, weights []float64) {
	t.Helper()
	rest := 100.0
	check := func(name string, want float64) {
		if got := float64(counts[name]) * 100 / float64(n); got < want-1 || got > want+1 {
			t.Errorf("lane %s: %.2f%% of %d requests, want %.2f%% ±1", name, got, n, want)
		}
	}
	for i, name := range lanes {
		check(name, weights[i])
		rest -= weights[i]
	}
	check("stable", rest)
}

// checkCounters fails unless the lane counters equal want, lane by lane.
func checkCounters(t *testing.T, h host, want map[string]int) {
	t.Helper()
	for name, n := range want {
		metric := "graylane_lane_requests_total.lane=.=" + name + ";.;"
		got, err := h.counter(metric)
		if err != nil || got != uint64(n) {
			t.Errorf("counter %s = %d (%v), want %d", metric, got, err, n)
		}
	}
}

func lanesConfig(names []string, weights []float64, sticky string) string {
	var lanes []string
	for i, n := range names {
		l := fmt.Sprintf(`{"name":%q,"weight":%g`, n, weights[i])
		if sticky != "" {
			l += `,"sticky":` + sticky
		}
		lanes = append(lanes, l+"}")
	}
	return `{"lanes":[` + strings.Join(lanes, ",") + `]}`
}
