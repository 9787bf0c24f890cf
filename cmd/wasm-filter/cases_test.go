package main

import (
	"fmt"
	"strings"
	"testing"
)

// filterCases are run on every host; see TestFilter.
func filterCases() []filterCase {
	return []filterCase{
		{"split one lane", testSplit([]string{"canary"}, []float64{10.5})},
		{"split two lanes", testSplit([]string{"canary", "beta"}, []float64{30, 30})},
		{"split three lanes", testSplit([]string{"canary", "beta", "gamma"}, []float64{10, 20, 30})},
		{"same key same lane", testSameKeySameLane},
		{"raising a weight keeps users", testRaisingWeightKeepsUsers},
		{"match rules beat weights", testMatchRulesBeatWeights},
		{"untrusted lane header replaced", testUntrustedHeaderReplaced},
		{"trusted lane header kept", testTrustedHeaderKept},
		{"no key random but weighted", testRandomWeighted},
		{"cookie assignment", testCookieAssignment},
		{"bad configuration fails start", testBadConfiguration},
		{"metrics", testMetrics},
		{"empty configuration", testEmptyConfiguration},
		{"control plane configuration", testControlPlaneConfig},
		{"baggage written", testBaggageWritten},
		{"untrusted baggage lane stripped", testUntrustedBaggageStripped},
		{"several baggage headers", testSeveralBaggageHeaders},
		{"baggage within limits", testBaggageLimits},
		{"baggage key configured", testBaggageKeyConfigured},
		{"trusted baggage lane kept", testTrustedBaggageKept},
		{"repeated lane headers", testRepeatedLaneHeaders},
	}
}

// testSplit sends 20,000 distinct sticky keys and checks every lane's share
// and the counters.
func testSplit(lanes []string, weights []float64) func(*testing.T, newHost) {
	return func(t *testing.T, newHost newHost) {
		h := started(t, newHost, lanesConfig(lanes, weights, `{"header":"x-user-id"}`))
		const n = 20000
		counts := tally(t, h, n, func(i int) [][2]string {
			return baseRequest([2]string{"x-user-id", fmt.Sprintf("user-%d", i)})
		})
		checkShares(t, counts, n, lanes, weights)
		checkCounters(t, h, counts)
		if got := h.routeCacheClears(); got != n {
			t.Errorf("clear_route_cache called %d times for %d requests", got, n)
		}
	}
}

func testSameKeySameLane(t *testing.T, newHost newHost) {
	h := started(t, newHost, lanesConfig([]string{"canary", "beta"}, []float64{30, 30}, `{"header":"x-user-id"}`))
	seen := map[string]bool{}
	for i := range 300 {
		key := [2]string{"x-user-id", fmt.Sprintf("u-%d", i)}
		up, _ := h.exchange(baseRequest(key))
		first := laneOf(t, up, "x-canary")
		seen[first] = true
		for j := range 3 {
			up, _ := h.exchange(baseRequest(key, [2]string{"x-request-id", fmt.Sprint(j)}))
			if again := laneOf(t, up, "x-canary"); again != first {
				t.Fatalf("key %s: lane %s, then %s", key[1], first, again)
			}
		}
	}
	if len(seen) != 3 {
		t.Errorf("300 keys reached lanes %v, want canary, beta and stable", seen)
	}
}

func testRaisingWeightKeepsUsers(t *testing.T, newHost newHost) {
	lanes := func(h host) []string {
		out := make([]string, 3000)
		for i := range out {
			up, _ := h.exchange(baseRequest([2]string{"x-user-id", fmt.Sprintf("user-%d", i)}))
			out[i] = laneOf(t, up, "x-canary")
		}
		h.close()
		return out
	}
	names := []string{"canary", "beta"}
	before := lanes(started(t, newHost, lanesConfig(names, []float64{10, 20}, `{"header":"x-user-id"}`)))
	after := lanes(started(t, newHost, lanesConfig(names, []float64{25, 20}, `{"header":"x-user-id"}`)))
	joined := 0
	for i := range before {
		if before[i] == "canary" && after[i] != "canary" {
			t.Fatalf("user-%d left canary for %s when canary's weight went up", i, after[i])
		}
		if before[i] != "canary" && after[i] == "canary" {
			joined++
		}
	}
	if joined < 300 {
		t.Errorf("only %d of 3000 users joined canary going from 10%% to 25%%", joined)
	}
}

func testMatchRulesBeatWeights(t *testing.T, newHost newHost) {
	h := started(t, newHost, `{"lanes":[
	  {"name":"canary","weight":100,"sticky":{"header":"x-user-id"}},
	  {"name":"debug","match":[{"header":{"name":"x-debug-lane","value":"debug"}},
	                           {"cookie":{"name":"lane","value":"debug"}}]}]}`)
	cases := []struct {
		extra [][2]string
		want  string
	}{
		{[][2]string{{"x-user-id", "u1"}}, "canary"},
		{[][2]string{{"x-user-id", "u1"}, {"x-debug-lane", "debug"}}, "debug"},
		{[][2]string{{"x-user-id", "u1"}, {"x-debug-lane", "other"}}, "canary"},
		{[][2]string{{"cookie", "theme=dark; lane=debug"}}, "debug"},
		{[][2]string{{"cookie", "theme=dark; lane=debugx"}}, "canary"},
	}
	for _, c := range cases {
		up, _ := h.exchange(baseRequest(c.extra...))
		if got := laneOf(t, up, "x-canary"); got != c.want {
			t.Errorf("%v: lane %s, want %s", c.extra, got, c.want)
		}
	}
}

func testUntrustedHeaderReplaced(t *testing.T, newHost newHost) {
	h := started(t, newHost, `{"laneHeader":"X-Lane","lanes":[{"name":"canary","weight":0}]}`)
	for _, sent := range []string{"canary", "stable", "anything"} {
		up, _ := h.exchange(baseRequest([2]string{"x-lane", sent}))
		if got := laneOf(t, up, "x-lane"); got != "stable" {
			t.Errorf("client sent %s: upstream lane %s, want stable", sent, got)
		}
	}
	checkCounters(t, h, map[string]int{"canary": 0, "stable": 3})
	if got := h.routeCacheClears(); got != 3 {
		t.Errorf("clear_route_cache called %d times, want 3", got)
	}
}

func testTrustedHeaderKept(t *testing.T, newHost newHost) {
	h := started(t, newHost, `{"trustLaneHeader":true,"lanes":[{"name":"canary","weight":0}]}`)
	up, _ := h.exchange(baseRequest([2]string{"x-canary", "canary"}))
	if got := laneOf(t, up, "x-canary"); got != "canary" {
		t.Errorf("trusted header: lane %s, want canary", got)
	}
	if got := h.routeCacheClears(); got != 0 {
		t.Errorf("clear_route_cache called %d times for a kept header", got)
	}
	up, _ = h.exchange(baseRequest([2]string{"x-canary", "nonsense"}))
	if got := laneOf(t, up, "x-canary"); got != "nonsense" {
		t.Errorf("trusted header: lane %s, want it kept", got)
	}
	up, _ = h.exchange(baseRequest())
	if got := laneOf(t, up, "x-canary"); got != "stable" {
		t.Errorf("trusted but absent: lane %s, want stable", got)
	}
	checkCounters(t, h, map[string]int{"canary": 1, "stable": 2})
}

func testRandomWeighted(t *testing.T, newHost newHost) {
	lanes, weights := []string{"canary", "beta"}, []float64{5, 10}
	h := started(t, newHost, lanesConfig(lanes, weights, `{"header":"x-user-id"}`))
	const n = 20000
	counts := tally(t, h, n, func(int) [][2]string { return baseRequest() })
	checkShares(t, counts, n, lanes, weights)
	checkCounters(t, h, counts)
}

func testCookieAssignment(t *testing.T, newHost newHost) {
	h := started(t, newHost, `{"lanes":[{"name":"canary","weight":50,"sticky":{"cookie":"uid"}}]}`)
	seen := map[string]bool{}
	for range 100 {
		up, down := h.exchange(baseRequest())
		first := laneOf(t, up, "x-canary")
		seen[first] = true
		setCookie, ok := header(t, down, "set-cookie")
		if !ok {
			t.Fatalf("no Set-Cookie for a new user: %v", down)
		}
		id := cookieID(t, setCookie)
		up, down = h.exchange(baseRequest([2]string{"cookie", "theme=dark; uid=" + id}))
		if again := laneOf(t, up, "x-canary"); again != first {
			t.Fatalf("uid=%s: lane %s, then %s", id, first, again)
		}
		if v, ok := header(t, down, "set-cookie"); ok {
			t.Fatalf("Set-Cookie %q for a user who has the cookie", v)
		}
	}
	if !seen["canary"] || !seen["stable"] {
		t.Errorf("100 new users reached %v, want canary and stable", seen)
	}
}

// cookieID checks a generated sticky cookie and returns its id.
func cookieID(t *testing.T, setCookie string) string {
	t.Helper()
	const attrs = "; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax"
	id, ok := strings.CutPrefix(strings.TrimSuffix(setCookie, attrs), "uid=")
	if !ok || !strings.HasSuffix(setCookie, attrs) || len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" {
		t.Fatalf("Set-Cookie %q, want uid=<16 hex digits>%s", setCookie, attrs)
	}
	return id
}

func testBadConfiguration(t *testing.T, newHost newHost) {
	cases := []struct{ config, want string }{
		{`{"lanes":[{"name":"canary","weight":10},{"name":"beta","weight":150}]}`, "lanes[1].weight: must be between 0 and 100"},
		{`{"lanes":[{"name":"canary","weight":10,"stickiness":{}}]}`, "lanes[0].stickiness: unknown field"},
		{`{"lanes":[{"name":"stable"}]}`, "lanes[0].name:"},
		{`{"lanes":[`, "not valid JSON"},
	}
	for _, c := range cases {
		h := newHost(t, c.config)
		if h.start() {
			t.Errorf("plugin started with %s", c.config)
		}
		logs := strings.Join(h.criticalLogs(), "\n")
		if !strings.Contains(logs, c.want) {
			t.Errorf("config %s: critical logs %q do not name %q", c.config, logs, c.want)
		}
		h.close()
	}
}

func testMetrics(t *testing.T, newHost newHost) {
	h := started(t, newHost, `{"lanes":[
	  {"name":"canary","match":[{"header":{"name":"x-force","value":"canary"}}]},
	  {"name":"beta","match":[{"header":{"name":"x-force","value":"beta"}}]},
	  {"name":"idle"}]}`)
	checkCounters(t, h, map[string]int{"canary": 0, "beta": 0, "idle": 0, "stable": 0})
	for lane, n := range map[string]int{"canary": 3, "beta": 2, "none": 4} {
		for range n {
			h.exchange(baseRequest([2]string{"x-force", lane}))
		}
	}
	checkCounters(t, h, map[string]int{"canary": 3, "beta": 2, "idle": 0, "stable": 4})
	if _, err := h.counter("graylane_lane_requests_total.lane=.=none;.;"); err == nil {
		t.Error("a counter exists for a lane that is not configured")
	}
}

func testEmptyConfiguration(t *testing.T, newHost newHost) {
	h := started(t, newHost, "")
	up, _ := h.exchange(baseRequest([2]string{"x-canary", "canary"}))
	if got := laneOf(t, up, "x-canary"); got != "stable" {
		t.Errorf("empty configuration: lane %s, want stable", got)
	}
	checkCounters(t, h, map[string]int{"stable": 1})
}
