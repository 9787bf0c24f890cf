package lane

import (
	"fmt"
	"strings"
	"testing"
)

const member = "graylane-lane=canary"

func TestBaggageMember(t *testing.T) {
	cases := []struct{ value, want string }{
		{"canary", "graylane-lane=canary"},
		{"50%", "graylane-lane=50%25"},
		{"a b,c;d\"e\\f", "graylane-lane=a%20b%2Cc%3Bd%22e%5Cf"},
		{"ü", "graylane-lane=%C3%BC"},
	}
	for _, c := range cases {
		if got := BaggageMember(DefaultBaggageKey, c.value); got != c.want {
			t.Errorf("BaggageMember(%q) = %q, want %q", c.value, got, c.want)
		}
		if v, ok := BaggageValue(BaggageMember(DefaultBaggageKey, c.value), DefaultBaggageKey); !ok || v != c.value {
			t.Errorf("BaggageValue(BaggageMember(%q)) = %q, %v", c.value, v, ok)
		}
	}
}

func TestBaggageValue(t *testing.T) {
	cases := []struct {
		baggage, want string
		ok            bool
	}{
		{"graylane-lane=canary", "canary", true},
		{"userId=alice, graylane-lane = canary ;p1;p2=v ,b=2", "canary", true},
		{"\tgraylane-lane=canary\t", "canary", true},
		{"graylane-lane=beta,a=1,graylane-lane=canary", "canary", true}, // the last wins
		{"graylane-lane=canary,graylane-lane=x y", "canary", true},      // an invalid member is not one
		{"graylane-lane=%63anary", "canary", true},                      // percent-decoded
		{"graylane-lane=can%zzary", "", false},                          // an invalid escape
		{"graylane-lane=", "", false},                                   // empty
		{"Graylane-Lane=canary", "", false},                             // keys are case-sensitive
		{"graylane-lane2=canary,xgraylane-lane=canary", "", false},      // other keys
		{"graylane-lane;p=1", "", false},                                // no value
		{"a=b=c,graylane-lane=x=y", "x=y", true},                        // '=' in a value
		{"", "", false},
	}
	for _, c := range cases {
		got, ok := BaggageValue(c.baggage, DefaultBaggageKey)
		if got != c.want || ok != c.ok {
			t.Errorf("BaggageValue(%q) = %q, %v; want %q, %v", c.baggage, got, ok, c.want, c.ok)
		}
	}
}

func TestRewriteBaggage(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", member},
		{"a=1", "a=1," + member},
		{"userId=alice;p1;p2=v , graylane-lane=beta;x=y, b = 2", "userId=alice;p1;p2=v,b = 2," + member},
		{"graylane-lane=beta", member},
		{"graylane-lane=beta,graylane-lane=gamma", member},
		{"Graylane-Lane=beta,a=1,GRAYLANE-LANE=x", "a=1," + member},
		{"graylane-lane2=x,x-graylane-lane=y", "graylane-lane2=x,x-graylane-lane=y," + member},
		{"a=%20b,c=d%2C", "a=%20b,c=d%2C," + member},
		{" , ,a=1,,", "a=1," + member},
		// Not list-members: dropped.
		{"novalue,=x,a b=1,c=\"q\",d=%zz,e=1;bad prop,f=ü,g=1", "g=1," + member},
	}
	for _, c := range cases {
		if got := RewriteBaggage(c.in, DefaultBaggageKey, member); got != c.want {
			t.Errorf("RewriteBaggage(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRewriteBaggageLimits(t *testing.T) {
	var many []string
	for i := range 100 {
		many = append(many, fmt.Sprintf("k%d=v%d", i, i))
	}
	got := strings.Split(RewriteBaggage(strings.Join(many, ","), DefaultBaggageKey, member), ",")
	if len(got) != MaxBaggageMembers || got[len(got)-1] != member {
		t.Fatalf("100 members: kept %d, last %q; want %d ending with the lane", len(got), got[len(got)-1], MaxBaggageMembers)
	}
	for i, m := range got[:len(got)-1] {
		if m != many[i] {
			t.Fatalf("member %d is %q, want %q: members are kept from the left, in order", i, m, many[i])
		}
	}

	big := strings.Repeat("x", 1000)
	var large []string
	for i := range 10 {
		large = append(large, fmt.Sprintf("k%d=%s", i, big))
	}
	out := RewriteBaggage(strings.Join(large, ",")+",graylane-lane=beta", DefaultBaggageKey, member)
	if len(out) > MaxBaggageBytes || !strings.HasSuffix(out, ","+member) {
		t.Fatalf("10 kB of baggage: %d bytes, ends %q", len(out), out[max(0, len(out)-30):])
	}
	if kept := strings.Count(out, ",") + 1; kept != 9 {
		t.Errorf("10 kB of baggage: %d members kept, want the 8 that fit and the lane", kept)
	}
}

func TestTableBaggage(t *testing.T) {
	tb := mustParse(t, `{"laneBaggageKey":"lane","trustLaneHeader":true,"lanes":[{"name":"canary"}]}`)
	if tb.BaggageKey() != "lane" {
		t.Fatalf("BaggageKey = %q", tb.BaggageKey())
	}
	cases := []struct {
		h    headers
		want string
	}{
		{headers{}, "lane=stable"},
		{headers{"x-canary": "canary", "baggage": "a=1,lane=beta"}, "a=1,lane=canary"},
		{headers{"x-canary": "odd value%", "baggage": "a=1"}, "a=1,lane=odd%20value%25"},
		{headers{"baggage": "lane=canary,graylane-lane=x"}, "graylane-lane=x,lane=canary"},
	}
	for _, c := range cases {
		b, _ := c.h.Get(BaggageHeader)
		if got := tb.Baggage(b, tb.Decide(c.h, seeded(1))); got != c.want {
			t.Errorf("%v: baggage %q, want %q", c.h, got, c.want)
		}
	}
	d := tb.Decide(headers{}, seeded(1))
	if n := testing.AllocsPerRun(100, func() { tb.Baggage("", d) }); n != 0 {
		t.Errorf("a request without baggage allocates %.0f times", n)
	}
}

func TestTrustedBaggage(t *testing.T) {
	doc := `{"trustLaneHeader":%v,"lanes":[{"name":"canary","weight":0}]}`
	trusted := mustParse(t, fmt.Sprintf(doc, true))
	cases := []struct {
		h     headers
		name  string
		lane  int
		cause Cause
	}{
		{headers{"baggage": "a=1,graylane-lane=canary"}, "canary", 0, CauseTrustedBaggage},
		{headers{"baggage": "graylane-lane=other"}, "other", 1, CauseTrustedBaggage},
		{headers{"baggage": "graylane-lane=canary", "x-canary": "beta"}, "beta", 1, CauseTrusted},
		{headers{"baggage": "graylane-lane=can%0D%0Aary"}, Stable, 1, CauseDefault}, // not a token
		{headers{"baggage": "graylane-lane=can%zz"}, Stable, 1, CauseDefault},
		{headers{"baggage": "a=1"}, Stable, 1, CauseDefault},
	}
	for _, c := range cases {
		d := trusted.Decide(c.h, seeded(1))
		if d.Name != c.name || d.Lane != c.lane || d.Cause != c.cause || d.Keep != (c.cause != CauseDefault) {
			t.Errorf("trusted %v: %+v, want %s (lane %d, cause %d)", c.h, d, c.name, c.lane, c.cause)
		}
	}
	untrusted := mustParse(t, fmt.Sprintf(doc, false))
	if d := untrusted.Decide(headers{"baggage": "graylane-lane=canary"}, seeded(1)); d.Keep || d.Name != Stable {
		t.Errorf("an untrusted baggage lane must be decided again: %+v", d)
	}
	h := headers{"baggage": "a=1,graylane-lane=canary;p=1"}
	if n := testing.AllocsPerRun(1000, func() { trusted.Decide(h, nil) }); n != 0 {
		t.Errorf("a trusted baggage lane allocates %.0f times", n)
	}
}

// FuzzRewriteBaggage checks, for any incoming baggage, that the result is
// valid baggage within the limits, ends with the lane member, holds no
// other member of the lane key, and keeps other members in order.
func FuzzRewriteBaggage(f *testing.F) {
	f.Add("userId=alice;p1;p2=v , graylane-lane=beta;x=y, b = 2")
	f.Add("Graylane-Lane=x,,=,a=%2,b=\"\",c=1;;")
	f.Add(strings.Repeat("k=v,", 100))
	f.Fuzz(func(t *testing.T, in string) {
		out := RewriteBaggage(in, DefaultBaggageKey, member)
		entries := strings.Split(out, ",")
		if len(out) > MaxBaggageBytes || len(entries) > MaxBaggageMembers || entries[len(entries)-1] != member {
			t.Fatalf("RewriteBaggage(%q) = %q", in, out)
		}
		if v, ok := BaggageValue(out, DefaultBaggageKey); !ok || v != "canary" {
			t.Fatalf("the lane of %q is %q, %v", out, v, ok)
		}
		rest := in
		for _, e := range entries[:len(entries)-1] {
			k, _, ok := splitMember(e)
			if !ok || strings.EqualFold(k, DefaultBaggageKey) {
				t.Fatalf("RewriteBaggage(%q) kept %q", in, e)
			}
			i := strings.Index(rest, e)
			if i < 0 {
				t.Fatalf("RewriteBaggage(%q) = %q: %q is not from the input, in order", in, out, e)
			}
			rest = rest[i+len(e):]
		}
	})
}
