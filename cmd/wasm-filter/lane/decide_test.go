package lane

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"testing"
)

// headers is a Headers backed by a map of lower-case names.
type headers map[string]string

func (h headers) Get(name string) (string, bool) {
	v, ok := h[name]
	return v, ok && v != ""
}

func mustParse(t testing.TB, doc string) *Table {
	t.Helper()
	tb, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return tb
}

func seeded(seed uint64) Random { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

// referenceHash recomputes Hash with the standard library's FNV-1a.
func referenceHash(lane, key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(lane))
	h.Write([]byte{0})
	h.Write([]byte(key))
	return fmix64(binary.BigEndian.Uint64(h.Sum(nil)))
}

func TestHashMatchesReference(t *testing.T) {
	for _, tc := range [][2]string{{"canary", "user-1"}, {"", ""}, {"beta", "x"}, {"a", "\x00b"}} {
		if got, want := Hash(tc[0], tc[1]), referenceHash(tc[0], tc[1]); got != want {
			t.Errorf("Hash(%q, %q) = %#x, want %#x", tc[0], tc[1], got, want)
		}
	}
	if Hash("a", "bc") == Hash("ab", "c") {
		t.Error("the separator byte does not separate lane and key")
	}
}

func TestThresholds(t *testing.T) {
	cases := []struct {
		weights []string
		want    []uint64
	}{
		{[]string{"10"}, []uint64{1000}},
		{[]string{"10.5"}, []uint64{1050}},
		{[]string{"0.01"}, []uint64{1}},
		{[]string{"100"}, []uint64{10000}},
		{[]string{"10", "20", "30"}, []uint64{1000, 2222, 4286}},
		{[]string{"50", "50"}, []uint64{5000, 10000}},
		{[]string{"100", "0"}, []uint64{10000, 0}},
		{[]string{"0", "25"}, []uint64{0, 2500}},
	}
	for _, tc := range cases {
		var lanes []string
		for i, w := range tc.weights {
			lanes = append(lanes, fmt.Sprintf(`{"name":"l%d","weight":%s}`, i, w))
		}
		tb := mustParse(t, `{"lanes":[`+strings.Join(lanes, ",")+`]}`)
		if got := tb.Thresholds(); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("weights %v: thresholds %v, want %v", tc.weights, got, tc.want)
		}
	}
}

// lanesDoc builds a configuration of lanes named names with the given
// weights and sticky object.
func lanesDoc(names []string, weights []float64, sticky string) string {
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

func TestStickySplitWithinOnePoint(t *testing.T) {
	cases := []struct {
		names   []string
		weights []float64
	}{
		{[]string{"canary"}, []float64{10}},
		{[]string{"canary"}, []float64{10.5}},
		{[]string{"canary", "beta"}, []float64{30, 30}},
		{[]string{"lane1", "lane2", "lane3"}, []float64{10, 20, 30}},
		{[]string{"canary", "beta", "lane2", "lane3"}, []float64{25, 25, 25, 25}},
	}
	// Sequential ids are the adversarial case for a weak hash: with raw
	// FNV-1a (no finalizer), the lanes lane2 and lane3 after canary and beta
	// get 12.7% and 38% of "u%08d" keys instead of 25% each.
	for _, keyFmt := range []string{"user-%d", "u%08d"} {
		for _, tc := range cases {
			tb := mustParse(t, lanesDoc(tc.names, tc.weights, `{"header":"x-user-id"}`))
			const n = 20000
			counts := make([]int, tb.NumLanes())
			for k := range n {
				d := tb.Decide(headers{"x-user-id": fmt.Sprintf(keyFmt, k)}, seeded(1))
				counts[d.Lane]++
				if d.Cause != CauseSticky && d.Cause != CauseDefault {
					t.Fatalf("cause %v for a sticky request", d.Cause)
				}
			}
			checkShares(t, fmt.Sprint(keyFmt, tc.weights), counts, tc.weights, n)
		}
	}
}

// checkShares fails when a lane's share of n requests is off its weight by
// more than one point; the last count is stable and gets the remainder.
func checkShares(t *testing.T, label string, counts []int, weights []float64, n int) {
	t.Helper()
	rest := 100.0
	for i, w := range weights {
		rest -= w
		if got := float64(counts[i]) * 100 / float64(n); got < w-1 || got > w+1 {
			t.Errorf("%s: lane %d got %.2f%%, want %.2f%% ±1", label, i, got, w)
		}
	}
	if got := float64(counts[len(weights)]) * 100 / float64(n); got < rest-1 || got > rest+1 {
		t.Errorf("%s: stable got %.2f%%, want %.2f%% ±1", label, got, rest)
	}
}

func TestRandomSplitWithinOnePoint(t *testing.T) {
	weights := []float64{5, 10}
	tb := mustParse(t, lanesDoc([]string{"canary", "beta"}, weights, ""))
	r := seeded(42)
	const n = 20000
	counts := make([]int, tb.NumLanes())
	for range n {
		d := tb.Decide(headers{}, r)
		counts[d.Lane]++
	}
	checkShares(t, "random", counts, weights, n)
}

func TestSameKeySameLane(t *testing.T) {
	tb := mustParse(t, lanesDoc([]string{"canary", "beta"}, []float64{30, 30}, `{"header":"x-user-id"}`))
	for k := range 500 {
		h := headers{"x-user-id": fmt.Sprintf("u%d", k)}
		first := tb.Decide(h, seeded(uint64(k)))
		for s := range 5 {
			if d := tb.Decide(h, seeded(uint64(1000+s))); d.Lane != first.Lane {
				t.Fatalf("key u%d: lane %d then %d", k, first.Lane, d.Lane)
			}
		}
	}
}

func TestRaisingWeightKeepsUsers(t *testing.T) {
	names := []string{"canary", "beta", "gamma"}
	for lane := range names {
		for _, step := range [][2]float64{{1, 5}, {5, 10.5}, {10.5, 30}, {30, 50}} {
			before := []float64{10, 10, 10}
			after := []float64{10, 10, 10}
			before[lane], after[lane] = step[0], step[1]
			tbBefore := mustParse(t, lanesDoc(names, before, `{"header":"x-user-id"}`))
			tbAfter := mustParse(t, lanesDoc(names, after, `{"header":"x-user-id"}`))
			moved, grew := 0, 0
			for k := range 5000 {
				h := headers{"x-user-id": fmt.Sprintf("user-%d", k)}
				b, a := tbBefore.Decide(h, nil), tbAfter.Decide(h, nil)
				if b.Lane == lane && a.Lane != lane {
					moved++
				}
				if b.Lane != lane && a.Lane == lane {
					grew++
				}
			}
			if moved > 0 || grew == 0 {
				t.Errorf("lane %s %v: %d users left the lane, %d joined", names[lane], step, moved, grew)
			}
		}
	}
}

func TestMatchRulesBeatWeights(t *testing.T) {
	tb := mustParse(t, `{"lanes":[
	  {"name":"canary","weight":100,"sticky":{"header":"x-user-id"}},
	  {"name":"debug","weight":0,"match":[{"header":{"name":"X-Debug-Lane","value":"debug"}},{"cookie":{"name":"lane","value":"debug"}}]}]}`)
	cases := []struct {
		h    headers
		want string
		why  Cause
	}{
		{headers{"x-user-id": "u1"}, "canary", CauseSticky},
		{headers{"x-user-id": "u1", "x-debug-lane": "debug"}, "debug", CauseMatch},
		{headers{"x-user-id": "u1", "x-debug-lane": "Debug"}, "canary", CauseSticky},
		{headers{"cookie": "a=1; lane=debug; b=2"}, "debug", CauseMatch},
		{headers{"cookie": "a=1; lane=\"debug\""}, "debug", CauseMatch},
		{headers{"cookie": "xlane=debug", "x-user-id": "u"}, "canary", CauseSticky},
	}
	for _, tc := range cases {
		d := tb.Decide(tc.h, seeded(7))
		if d.Name != tc.want || d.Cause != tc.why || d.Keep {
			t.Errorf("%v: got %s (cause %d, keep %v), want %s (cause %d)", tc.h, d.Name, d.Cause, d.Keep, tc.want, tc.why)
		}
	}
}

func TestMatchRulesInLaneOrder(t *testing.T) {
	tb := mustParse(t, `{"lanes":[
	  {"name":"a","match":[{"header":{"name":"x-a","value":"1"}}]},
	  {"name":"b","match":[{"header":{"name":"x-b","value":"1"}}]}]}`)
	if d := tb.Decide(headers{"x-a": "1", "x-b": "1"}, nil); d.Name != "a" {
		t.Errorf("both match: got %s, want a", d.Name)
	}
	if d := tb.Decide(headers{"x-b": "1"}, nil); d.Name != "b" {
		t.Errorf("b matches: got %s, want b", d.Name)
	}
	if d := tb.Decide(headers{}, nil); d.Name != Stable || d.Lane != 2 || d.Cause != CauseDefault {
		t.Errorf("no match: got %+v, want stable", d)
	}
}

func TestTrustedLaneHeader(t *testing.T) {
	doc := `{"laneHeader":"X-Lane","trustLaneHeader":%v,"lanes":[{"name":"canary","weight":0}]}`
	trusted := mustParse(t, fmt.Sprintf(doc, true))
	d := trusted.Decide(headers{"x-lane": "canary"}, nil)
	if !d.Keep || d.Name != "canary" || d.Lane != 0 || d.Cause != CauseTrusted {
		t.Errorf("trusted known lane: %+v", d)
	}
	d = trusted.Decide(headers{"x-lane": "other"}, nil)
	if !d.Keep || d.Name != "other" || d.Lane != 1 {
		t.Errorf("trusted unknown lane counts as stable: %+v", d)
	}
	if d = trusted.Decide(headers{}, nil); d.Keep || d.Name != Stable {
		t.Errorf("trusted but absent: %+v", d)
	}
	untrusted := mustParse(t, fmt.Sprintf(doc, false))
	if d = untrusted.Decide(headers{"x-lane": "canary"}, nil); d.Keep || d.Name != Stable {
		t.Errorf("untrusted header must be re-decided: %+v", d)
	}
}

func TestCookieAssignment(t *testing.T) {
	tb := mustParse(t, `{"lanes":[
	  {"name":"canary","weight":50,"sticky":{"cookie":"uid"}},
	  {"name":"beta","weight":25,"sticky":{"cookie":"uid","maxAgeSeconds":60}},
	  {"name":"gamma","weight":25,"sticky":{"cookie":"sid","maxAgeSeconds":0}}]}`)
	r := seeded(3)
	seen := map[int]bool{}
	for range 200 {
		d := tb.Decide(headers{}, r)
		if len(d.SetCookies) == 0 {
			t.Fatalf("no Set-Cookie for a request without the sticky cookie: %+v", d)
		}
		cookie := checkSetCookie(t, d.SetCookies[0], "uid", "; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax")
		if d.Lane == 2 {
			checkSetCookie(t, d.SetCookies[1], "sid", "; Path=/; HttpOnly; SameSite=Lax")
			cookie += "; " + strings.SplitN(d.SetCookies[1], ";", 2)[0]
		}
		again := tb.Decide(headers{"cookie": cookie}, r)
		if again.Lane != d.Lane || len(again.SetCookies) != 0 || again.Cause != CauseSticky {
			t.Fatalf("with cookie %q: %+v, first request %+v", cookie, again, d)
		}
		seen[d.Lane] = true
	}
	if len(seen) != 3 {
		t.Errorf("200 new users reached lanes %v, want all three", seen)
	}
}

// checkSetCookie checks a Set-Cookie value and returns its "name=id" part.
func checkSetCookie(t *testing.T, v, name, attrs string) string {
	t.Helper()
	pair, rest, _ := strings.Cut(v, ";")
	id, ok := strings.CutPrefix(pair, name+"=")
	if !ok || len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" || "; "+strings.TrimPrefix(rest, " ") != attrs {
		t.Fatalf("Set-Cookie %q, want %s=<16 hex>%s", v, name, attrs)
	}
	return pair
}

func TestCookieValue(t *testing.T) {
	cases := []struct {
		header, name, want string
		ok                 bool
	}{
		{"uid=abc", "uid", "abc", true},
		{"a=1; uid=abc; b=2", "uid", "abc", true},
		{"a=1;uid=abc", "uid", "abc", true},
		{"xuid=1; uid=2", "uid", "2", true},
		{"uid=\"q\"", "uid", "q", true},
		{"uid=", "uid", "", true},
		{"uid", "uid", "", false},
		{"uid=1; uid=2", "uid", "1", true},
		{"", "uid", "", false},
		{"a=b=c", "a", "b=c", true},
	}
	for _, tc := range cases {
		if got, ok := CookieValue(tc.header, tc.name); got != tc.want || ok != tc.ok {
			t.Errorf("CookieValue(%q, %q) = %q, %v; want %q, %v", tc.header, tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestDecideDoesNotAllocate(t *testing.T) {
	tb := mustParse(t, fullConfig)
	h := headers{"x-user-id": "user-42", "cookie": "uid=0123456789abcdef; other=1"}
	r := seeded(1)
	if n := testing.AllocsPerRun(1000, func() { tb.Decide(h, r) }); n != 0 {
		t.Errorf("Decide allocates %.1f times per request", n)
	}
}

func TestMetricName(t *testing.T) {
	if got := MetricName("canary"); got != "graylane_lane_requests_total.lane=.=canary;.;" {
		t.Errorf("MetricName = %q", got)
	}
}
