package model

import (
	"encoding/json"
	"fmt"
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
	c := full()
	cp := c.DeepCopy()
	if !reflect.DeepEqual(c, cp) {
		t.Fatal("copy differs from the original")
	}
	if path := shared(reflect.ValueOf(c).Elem(), reflect.ValueOf(cp).Elem(), "Config"); path != "" {
		t.Errorf("the copy shares %s with the original", path)
	}
}

// full is a configuration with every list, map and pointer of the model
// set, so that shared finds any the copy forgets.
func full() *Config {
	c := valid()
	c.Lanes[0].Match = []MatchRule{{Header: &NameValue{Name: "x-debug", Value: "1"}, Cookie: &NameValue{Name: "c", Value: "1"}}}
	s := &c.Services[0]
	s.Policy.Retries.RetryOn = []string{"5xx"}
	s.Policy.RateLimit = &RateLimit{RequestsPerSecond: 1, Burst: 1}
	s.Policy.CircuitBreaker = &CircuitBreaker{MaxConnections: 1}
	s.Policy.OutlierDetection = &OutlierDetection{Consecutive5xx: 1}
	s.Matches = []ServiceMatch{{Headers: []NameValue{{Name: "x-beta", Value: "1"}}, Version: "v2"}}
	s.Mirrors = []Mirror{{Version: "v2", Percent: 500}}
	action := RouteAction{
		RequestHeaders:  &HeaderModifier{Set: []NameValue{{Name: "a", Value: "b"}}, Add: []NameValue{{Name: "c", Value: "d"}}, Remove: []string{"e"}},
		ResponseHeaders: &HeaderModifier{Set: []NameValue{{Name: "f", Value: "g"}}, Add: []NameValue{{Name: "h", Value: "i"}}, Remove: []string{"j"}},
		Rewrite:         &Rewrite{Hostname: "x"},
		Mirrors:         []Mirror{{Version: "v2", Percent: 100}},
	}
	match := RouteMatch{Headers: []ValueMatch{{Name: "k", Value: "l"}}, Query: []ValueMatch{{Name: "m", Value: "n"}}}
	s.Routes = []ServiceRoute{{Matches: []RouteMatch{match}, Weights: map[string]Weight{"v1": WeightFull}, Action: action}}
	g := &c.Gateways[0]
	g.TLS = &GatewayTLS{Certificates: []Certificate{{Name: "c", Hostnames: []string{"a.example"}, Chain: []byte("x"), Key: []byte("y")}}}
	r := &g.Routes[0]
	r.Hostnames, r.Match, r.Weights, r.Action = []string{"a.example"}, match, map[string]Weight{"v1": WeightFull}, action
	return c
}

// shared returns the path of a list, map or pointer that a and b share,
// or "". Strings and Origins are immutable and may be shared.
func shared(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() {
			return ""
		}
		if a.Pointer() == b.Pointer() {
			return path
		}
		return shared(a.Elem(), b.Elem(), path)
	case reflect.Slice:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			return path
		}
		for i := range a.Len() {
			if p := shared(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
	case reflect.Map:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			return path
		}
	case reflect.Struct:
		if a.Type() == reflect.TypeFor[Origin]() {
			return ""
		}
		for i := range a.NumField() {
			if p := shared(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); p != "" {
				return p
			}
		}
	}
	return ""
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

func TestOriginJSONRoundTrip(t *testing.T) {
	for _, o := range []Origin{{}, NewOrigin("Service shop/reviews", nil),
		NewOrigin("Service shop/reviews", map[string]string{"policy.timeout": "Service shop/reviews: annotation graylane.io/timeout", "port": "p"})} {
		data, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		var back Origin
		if err := json.Unmarshal(data, &back); err != nil || back != o {
			t.Errorf("%s read back as %#v (%v), want %#v", data, back, err, o)
		}
	}
}
