package model

import (
	"reflect"
	"testing"
)

func TestNormalizeDefaultsAndSorts(t *testing.T) {
	c := &Config{
		Lanes: []Lane{{Name: "b", Sticky: &Sticky{Cookie: "uid"}}, {Name: "a"}},
		Services: []Service{
			{Name: "z", Port: 80, Versions: []Version{{Name: "v2"}, {Name: "v1", Endpoints: []Endpoint{{Address: "10.0.0.2", Zone: "b"}, {Address: "10.0.0.9", Zone: "a"}}}},
				Policy: Policy{RateLimit: &RateLimit{RequestsPerSecond: 5}, Retries: &Retries{Attempts: 1}}},
			{Name: "a", Namespace: "x", Port: 80, Protocol: ProtocolGRPC, Policy: Policy{Retries: &Retries{Attempts: 1}}},
		},
	}
	c.Normalize()
	if c.LaneHeader != DefaultLaneHeader || c.LaneBaggageKey != DefaultLaneBaggageKey || c.SidecarPort != DefaultSidecarPort {
		t.Errorf("defaults: laneHeader %q, laneBaggageKey %q, sidecarPort %d", c.LaneHeader, c.LaneBaggageKey, c.SidecarPort)
	}
	if c.Lanes[0].Name != "b" || c.Lanes[0].Sticky.CookieMaxAge != DefaultCookieMaxAge {
		t.Errorf("lanes must keep their order and get a cookie max age: %+v", c.Lanes)
	}
	z := c.Services[0] // namespace "default" sorts before "x"
	if z.Name != "z" || z.Namespace != DefaultNamespace || z.Protocol != ProtocolHTTP {
		t.Fatalf("service defaults or order wrong: %+v", c.Services)
	}
	if z.Versions[0].Name != "v1" || z.Versions[0].Endpoints[0].Zone != "a" {
		t.Errorf("versions and endpoints not sorted: %+v", z.Versions)
	}
	e := z.Versions[0].Endpoints[0]
	if e.Port != 80 || e.Weight != 1 {
		t.Errorf("endpoint defaults: %+v", e)
	}
	if z.Policy.RateLimit.Burst != 5 || !reflect.DeepEqual(z.Policy.Retries.RetryOn, DefaultRetryOn(ProtocolHTTP)) {
		t.Errorf("policy defaults: %+v %+v", z.Policy.RateLimit, z.Policy.Retries)
	}
	if got := c.Services[1].Policy.Retries.RetryOn; !reflect.DeepEqual(got, DefaultRetryOn(ProtocolGRPC)) {
		t.Errorf("grpc retryOn default %v", got)
	}
}

func TestDeepCopySharesNothingMutable(t *testing.T) {
	c := valid()
	c.Lanes[0].Match = []MatchRule{{Header: &NameValue{Name: "x-debug", Value: "1"}}}
	c.Services[0].Policy.Retries.RetryOn = []string{"5xx"}
	c.Services[0].Policy.RateLimit = &RateLimit{RequestsPerSecond: 1, Burst: 1}
	c.Gateways[0].Routes[0].Match.Headers = []NameValue{{Name: "a", Value: "b"}}
	cp := c.DeepCopy()
	if !reflect.DeepEqual(c, cp) {
		t.Fatal("copy differs from the original")
	}
	cp.Lanes[0].Sticky.Header = "changed"
	cp.Lanes[0].Match[0].Header.Value = "changed"
	cp.Services[0].Versions[0].Endpoints[0].Address = "changed"
	cp.Services[0].Weights["v1"] = 1
	cp.Services[0].Policy.Retries.RetryOn[0] = "changed"
	cp.Services[0].Policy.RateLimit.Burst = 99
	cp.Services[0].Policy.HashOn.Header = "changed"
	cp.Gateways[0].Routes[0].Match.Headers[0].Value = "changed"
	if !reflect.DeepEqual(c, valid2(t)) {
		t.Errorf("changing the copy changed the original: %+v", c)
	}
}

// valid2 rebuilds what TestDeepCopySharesNothingMutable started from.
func valid2(t *testing.T) *Config {
	t.Helper()
	c := valid()
	c.Lanes[0].Match = []MatchRule{{Header: &NameValue{Name: "x-debug", Value: "1"}}}
	c.Services[0].Policy.Retries.RetryOn = []string{"5xx"}
	c.Services[0].Policy.RateLimit = &RateLimit{RequestsPerSecond: 1, Burst: 1}
	c.Gateways[0].Routes[0].Match.Headers = []NameValue{{Name: "a", Value: "b"}}
	return c
}

func TestMergeRejectsConflictingSettings(t *testing.T) {
	a := &Config{LaneHeader: "x-lane", Origin: NewOrigin("a.yaml:1", map[string]string{"laneHeader": "a.yaml:1"}),
		Services: []Service{{Name: "a"}}}
	b := &Config{LaneHeader: "x-other", Origin: NewOrigin("b.yaml:1", map[string]string{"laneHeader": "b.yaml:4"}),
		Services: []Service{{Name: "b"}}}
	_, err := Merge(a, b)
	if err == nil || err.Error() != "b.yaml:4: laneHeader: set to x-other here and to x-lane at a.yaml:1" {
		t.Errorf("Merge error = %v", err)
	}
	same := &Config{LaneHeader: "x-lane", Services: []Service{{Name: "c"}}}
	m, err := Merge(a, same)
	if err != nil || m.LaneHeader != "x-lane" || len(m.Services) != 2 {
		t.Errorf("Merge of agreeing parts = %+v, %v", m, err)
	}
	if m.Services[0].Name = "changed"; a.Services[0].Name != "a" {
		t.Error("Merge shares services with its parts")
	}
}

func TestParseRole(t *testing.T) {
	for _, r := range AllRoles() {
		if got, err := ParseRole(string(r)); got != r || err != nil {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	if _, err := ParseRole("router"); err == nil {
		t.Error("ParseRole accepted router")
	}
}
