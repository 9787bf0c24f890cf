package lane

import (
	"strings"
	"testing"
)

// FuzzParse checks that any document either fails with an error or yields a
// table whose decisions are valid lane indices.
func FuzzParse(f *testing.F) {
	f.Add([]byte(fullConfig))
	f.Add([]byte(`{"lanes":[{"name":"a","weight":50,"sticky":{"cookie":"uid"}},{"name":"b","weight":50}]}`))
	f.Add([]byte(`{"lanes":[{"name":"a","weight":1e2}]}`))
	f.Add([]byte(`{"lanes":[null, {"match":[null]}]}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		tb, err := Parse(doc)
		if err != nil {
			if tb != nil {
				t.Fatal("table returned with an error")
			}
			return
		}
		checkThresholds(t, tb)
		for _, h := range []headers{{}, {"x-user-id": "u1", "cookie": "uid=1; lane=canary"}} {
			d := tb.Decide(h, seeded(1))
			if d.Lane < 0 || d.Lane >= tb.NumLanes() || d.Name != tb.LaneName(d.Lane) {
				t.Fatalf("decision %+v outside %d lanes", d, tb.NumLanes())
			}
		}
	})
}

func checkThresholds(t *testing.T, tb *Table) {
	for _, th := range tb.Thresholds() {
		if th > Buckets {
			t.Fatalf("threshold %d above %d", th, Buckets)
		}
	}
}

// FuzzDecide checks decisions against arbitrary header, cookie and
// baggage values, and that the baggage written carries the decided lane.
func FuzzDecide(f *testing.F) {
	tb := mustParse(f, fullConfig)
	f.Add("user-1", "uid=abc; lane=canary", "canary", "")
	f.Add("", "", "", "graylane-lane=beta")
	f.Add("x", ";;==;\"", "stable", "a=1,graylane-lane=%zz")
	f.Fuzz(func(t *testing.T, user, cookie, lane, baggage string) {
		h := headers{"x-user-id": user, "cookie": cookie, "x-lane": lane, "baggage": baggage}
		d := tb.Decide(h, seeded(1))
		inBaggage, ok := BaggageValue(baggage, DefaultBaggageKey)
		if d.Keep != (lane != "" || ok && isToken(inBaggage)) {
			t.Fatalf("trusted header %q, baggage %q: keep %v", lane, baggage, d.Keep)
		}
		if d.Lane < 0 || d.Lane >= tb.NumLanes() {
			t.Fatalf("lane index %d", d.Lane)
		}
		if again := tb.Decide(h, seeded(2)); !d.Keep && user != "" && again.Lane != d.Lane {
			t.Fatalf("sticky user %q changed lane %d -> %d", user, d.Lane, again.Lane)
		}
		if v, ok := BaggageValue(tb.Baggage(baggage, d), DefaultBaggageKey); !ok || v != d.Name {
			t.Fatalf("baggage %q after lane %q carries %q", baggage, d.Name, v)
		}
	})
}

// FuzzCookieValue checks that a found value is a substring of the header.
func FuzzCookieValue(f *testing.F) {
	f.Add("a=1; uid=abc", "uid")
	f.Add("uid=\"x\"", "uid")
	f.Fuzz(func(t *testing.T, header, name string) {
		v, ok := CookieValue(header, name)
		if ok && !strings.Contains(header, v) {
			t.Fatalf("CookieValue(%q, %q) = %q, not in the header", header, name, v)
		}
		if !ok && v != "" {
			t.Fatalf("value %q without a cookie", v)
		}
	})
}
