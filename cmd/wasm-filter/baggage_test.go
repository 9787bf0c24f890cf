package main

import (
	"fmt"
	"strings"
	"testing"
)

// baggageOf returns the baggage header forwarded upstream, failing when it
// is absent or repeated.
func baggageOf(t *testing.T, upstream [][2]string) string {
	t.Helper()
	v, ok := header(t, upstream, "baggage")
	if !ok {
		t.Fatalf("no baggage header upstream: %v", upstream)
	}
	return v
}

// testBaggageWritten: every request leaves with the lane in both carriers.
func testBaggageWritten(t *testing.T, newHost newHost) {
	h := started(t, newHost, lanesConfig([]string{"canary"}, []float64{50}, `{"header":"x-user-id"}`))
	seen := map[string]bool{}
	for i := range 200 {
		up, _ := h.exchange(baseRequest([2]string{"x-user-id", fmt.Sprintf("user-%d", i)}))
		l := laneOf(t, up, "x-canary")
		if b := baggageOf(t, up); b != "graylane-lane="+l {
			t.Fatalf("lane %s, baggage %q", l, b)
		}
		seen[l] = true
	}
	if !seen["canary"] || !seen["stable"] {
		t.Errorf("200 users reached %v, want canary and stable", seen)
	}
}

// testUntrustedBaggageStripped: a client's own lane member is replaced by
// the decided one; every other member stays, in order, with its properties.
func testUntrustedBaggageStripped(t *testing.T, newHost newHost) {
	h := started(t, newHost, `{"lanes":[{"name":"canary","weight":0}]}`)
	cases := []struct{ in, want string }{
		{"graylane-lane=canary", "graylane-lane=stable"},
		{"userId=alice;p1;p2=v , graylane-lane=canary;x=y, theme = dark",
			"userId=alice;p1;p2=v,theme = dark,graylane-lane=stable"},
		{"Graylane-Lane=canary,graylane-lane=%63anary,a=1", "a=1,graylane-lane=stable"},
		{"a=1,bad member,b=2", "a=1,b=2,graylane-lane=stable"},
	}
	for _, c := range cases {
		up, _ := h.exchange(baseRequest([2]string{"baggage", c.in}))
		if got := baggageOf(t, up); got != c.want {
			t.Errorf("client sent %q: upstream baggage %q, want %q", c.in, got, c.want)
		}
		if l := laneOf(t, up, "x-canary"); l != "stable" {
			t.Errorf("client sent %q: lane %s, want stable", c.in, l)
		}
	}
	checkCounters(t, h, map[string]int{"canary": 0, "stable": len(cases)})
}

// testSeveralBaggageHeaders: several baggage headers leave as one, their
// members in order.
func testSeveralBaggageHeaders(t *testing.T, newHost newHost) {
	h := started(t, newHost, `{"lanes":[{"name":"canary","weight":0}]}`)
	up, _ := h.exchange(baseRequest(
		[2]string{"baggage", "a=1,graylane-lane=canary"},
		[2]string{"x-other", "x"},
		[2]string{"baggage", "b=2"},
		[2]string{"baggage", "graylane-lane=canary;p"},
	))
	if got, want := baggageOf(t, up), "a=1,b=2,graylane-lane=stable"; got != want {
		t.Errorf("upstream baggage %q, want %q", got, want)
	}
	if v, _ := header(t, up, "x-other"); v != "x" {
		t.Errorf("x-other = %q, want it kept", v)
	}
}

// testBaggageLimits: an oversized baggage leaves within the W3C limits, the
// lane member last.
func testBaggageLimits(t *testing.T, newHost newHost) {
	h := started(t, newHost, `{"lanes":[{"name":"canary","weight":100}]}`)
	var members []string
	for i := range 100 {
		members = append(members, fmt.Sprintf("key%d=%s", i, strings.Repeat("v", 100)))
	}
	up, _ := h.exchange(baseRequest([2]string{"baggage", strings.Join(members, ",")}))
	got := baggageOf(t, up)
	kept := strings.Split(got, ",")
	if len(got) > 8192 || len(kept) > 64 || kept[len(kept)-1] != "graylane-lane=canary" {
		t.Fatalf("upstream baggage: %d bytes, %d members, last %q", len(got), len(kept), kept[len(kept)-1])
	}
	if len(kept) < 60 || kept[0] != members[0] || kept[len(kept)-2] != members[len(kept)-2] {
		t.Errorf("kept %d members, not the first ones in order", len(kept)-1)
	}
}

// testBaggageKeyConfigured: laneBaggageKey names the member.
func testBaggageKeyConfigured(t *testing.T, newHost newHost) {
	h := started(t, newHost, `{"laneBaggageKey":"lane","lanes":[{"name":"canary","weight":100}]}`)
	up, _ := h.exchange(baseRequest([2]string{"baggage", "lane=beta,graylane-lane=x"}))
	if got, want := baggageOf(t, up), "graylane-lane=x,lane=canary"; got != want {
		t.Errorf("upstream baggage %q, want %q", got, want)
	}
}

// testTrustedBaggageKept: a gateway that trusts incoming lanes reads the
// lane header, else the baggage member, counts the request under that
// lane, and makes the other carrier agree.
func testTrustedBaggageKept(t *testing.T, newHost newHost) {
	h := started(t, newHost, `{"trustLaneHeader":true,"lanes":[{"name":"canary","weight":0}]}`)
	cases := []struct {
		req              [][2]string
		lane, baggage    string
		clearsRouteCache bool
	}{
		// Baggage only: the lane header is written from it.
		{[][2]string{{"baggage", "a=1,graylane-lane=canary"}}, "canary", "a=1,graylane-lane=canary", true},
		{[][2]string{{"baggage", "graylane-lane=other;p=1"}}, "other", "graylane-lane=other", true},
		// Both: the header wins and the baggage follows it.
		{[][2]string{{"x-canary", "canary"}, {"baggage", "graylane-lane=other,b=2"}}, "canary", "b=2,graylane-lane=canary", false},
		// Header only: the baggage member is added.
		{[][2]string{{"x-canary", "canary"}}, "canary", "graylane-lane=canary", false},
		// A baggage lane that cannot be a header value is decided again.
		{[][2]string{{"baggage", "graylane-lane=a%0D%0Ab"}}, "stable", "graylane-lane=stable", true},
	}
	clears := 0
	for _, c := range cases {
		up, _ := h.exchange(baseRequest(c.req...))
		if l := laneOf(t, up, "x-canary"); l != c.lane {
			t.Errorf("%v: lane %s, want %s", c.req, l, c.lane)
		}
		if b := baggageOf(t, up); b != c.baggage {
			t.Errorf("%v: baggage %q, want %q", c.req, b, c.baggage)
		}
		if c.clearsRouteCache {
			clears++
		}
		if got := h.routeCacheClears(); got != clears {
			t.Errorf("%v: clear_route_cache called %d times in all, want %d", c.req, got, clears)
			clears = got
		}
	}
	checkCounters(t, h, map[string]int{"canary": 3, "stable": 2})
}

// testRepeatedLaneHeaders: a client that repeats the lane header leaves
// with one, decided.
func testRepeatedLaneHeaders(t *testing.T, newHost newHost) {
	h := started(t, newHost, `{"lanes":[{"name":"canary","weight":0}]}`)
	up, _ := h.exchange(baseRequest([2]string{"x-canary", "canary"}, [2]string{"x-canary", "canary"}))
	if l := laneOf(t, up, "x-canary"); l != "stable" {
		t.Errorf("lane %s, want stable", l)
	}
}
