package translators

import (
	"github.com/graylane/graylane/model"
	"regexp"
	"strings"
	"testing"
)

// baggageCases are baggage header values (several headers joined with ","
// as Envoy and gRPC join them) and whether they carry lane canary under
// the key graylane-lane, and a graylane-lane member at all.
var baggageCases = []struct {
	value        string
	canary, lane bool
}{
	{"graylane-lane=canary", true, true},
	{"graylane-lane=canary,userid=42", true, true},
	{"userid=42,graylane-lane=canary", true, true},
	{"a=1,graylane-lane=canary,b=2", true, true},
	{"a=1, graylane-lane=canary , b=2", true, true},
	{"a=1,\tgraylane-lane = canary\t,b=2", true, true},
	{"graylane-lane=canary;ttl=60", true, true},
	{"graylane-lane=canary ; ttl=60;sampled", true, true},
	{"userid=42;p=1,graylane-lane=canary;q", true, true},
	{"userid=42,graylane-lane=canary", true, true},            // two headers joined
	{"graylane-lane=canary,graylane-lane=canary", true, true}, // the member twice
	{"graylane-lane=canary2", false, true},
	{"graylane-lane=canar", false, true},
	{"graylane-lane=xcanary", false, true},
	{"graylane-lane=stable", false, true},
	{"graylane-lane=", false, true},
	{"graylane-lane=beta,userid=canary", false, true},
	{"xgraylane-lane=canary", false, false},
	{"graylane-lane-x=canary", false, false},
	{"x-graylane-lane=canary", false, false},
	{"graylane-lanes=canary", false, false},
	{"Graylane-Lane=canary", false, false}, // keys are case-sensitive
	{"userid=42;graylane-lane=canary", false, false},
	{"userid=42; graylane-lane=canary", false, false},
	{"userid=graylane-lane=canary", false, false},
	{"canary=graylane-lane", false, false},
	{"", false, false},
}

// TestBaggageRegex checks the expressions with full-match semantics, as
// Envoy (RE2::FullMatch) and gRPC (an expression wrapped in ^(?:...)$)
// apply them, and with a plain search, which the anchors make the same.
func TestBaggageRegex(t *testing.T) {
	forms := map[string]func(string) *regexp.Regexp{
		"full match": func(re string) *regexp.Regexp { return regexp.MustCompile("^(?:" + re + ")$") },
		"search":     regexp.MustCompile,
	}
	for form, compile := range forms {
		canary := compile(baggageLaneRegex(model.DefaultLaneBaggageKey, "canary"))
		member := compile(baggageKeyRegex(model.DefaultLaneBaggageKey))
		for _, c := range baggageCases {
			if got := canary.MatchString(c.value); got != c.canary {
				t.Errorf("%s: lane canary in %q = %v, want %v", form, c.value, got, c.canary)
			}
			if got := member.MatchString(c.value); got != c.lane {
				t.Errorf("%s: a lane member in %q = %v, want %v", form, c.value, got, c.lane)
			}
		}
	}
}

// TestBaggageRegexQuotesKeyAndLane: a key or lane with characters that
// mean something in a regular expression matches only itself.
func TestBaggageRegexQuotesKeyAndLane(t *testing.T) {
	re := regexp.MustCompile(baggageLaneRegex("lane.key+", "v1.2"))
	for value, want := range map[string]bool{
		"lane.key+=v1.2": true,
		"lanexkey+=v1.2": false,
		"lane.keyy=v1.2": false,
		"lane.key+=v1x2": false,
	} {
		if got := re.MatchString(value); got != want {
			t.Errorf("%q = %v, want %v", value, got, want)
		}
	}
	if strings.Contains(baggageKeyRegex("a|b"), "a|b") {
		t.Error("the key is not quoted")
	}
}
