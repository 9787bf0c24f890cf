package model

import (
	"fmt"
	"strings"
	"testing"
)

// valid is a small configuration that passes Validate; each case below
// breaks one rule of it.
func valid() *Config {
	c := &Config{
		Lanes: []Lane{{Name: "canary", Weight: 1000, Sticky: &Sticky{Header: "x-user-id"}}},
		Services: []Service{{
			Name: "reviews", Port: 9080, Protocol: ProtocolGRPC,
			Versions: []Version{
				{Name: "v1", Endpoints: []Endpoint{{Address: "10.0.0.1"}}},
				{Name: "v2", Lane: "canary", Endpoints: []Endpoint{{Address: "10.0.0.2"}}},
			},
			Weights: map[string]Weight{"v1": 9000, "v2": 1000},
			Policy:  Policy{LoadBalancer: LBRingHash, HashOn: &HashOn{Header: "x-user-id"}, Retries: &Retries{Attempts: 2}},
		}},
		Gateways: []Gateway{{Name: "public", Port: 8080, Routes: []GatewayRoute{{
			Match: RouteMatch{PathPrefix: "/"}, Service: ServiceRef{Name: "reviews"},
		}}}},
	}
	c.Normalize()
	return c
}

func TestValidConfigPasses(t *testing.T) {
	if err := Validate(valid()); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}

// TestFileNamesNeedNotBeUTF8 places a configuration in a file whose name
// is not UTF-8, as a Linux file name may be: positions are never sent,
// and the configuration is valid.
func TestFileNamesNeedNotBeUTF8(t *testing.T) {
	c := valid()
	c.Services[0].Origin = NewOrigin("conf/caf\xe9.yaml:7", map[string]string{"name": "conf/caf\xe9.yaml:8"})
	c.Lanes[0].Origin = NewOrigin("conf/caf\xe9.yaml:2", nil)
	if err := Validate(c); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}

func TestValidateReportsEachRule(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(c *Config)
		want   string
	}{
		{"lane named stable", func(c *Config) { c.Lanes[0].Name = StableLane }, "implicit baseline lane"},
		{"duplicate lane", func(c *Config) { c.Lanes = append(c.Lanes, c.Lanes[0]) }, "lane canary: defined twice"},
		{"lane weights over 100", func(c *Config) { c.Lanes = append(c.Lanes, Lane{Name: "b", Weight: 9500}) }, "lane b: lane weights add up to 105% with this lane"},
		{"sticky with both keys", func(c *Config) { c.Lanes[0].Sticky.Cookie = "uid" }, "exactly one of header and cookie"},
		{"match on the lane header", func(c *Config) {
			c.Lanes[0].Match = []MatchRule{{Header: &NameValue{Name: "x-canary", Value: "1"}}}
		}, "is the lane header"},
		{"bad lane header", func(c *Config) { c.LaneHeader = "Host" }, "laneHeader"},
		{"bad baggage key", func(c *Config) { c.LaneBaggageKey = "lane=x" }, `laneBaggageKey: "lane=x" is not a W3C baggage key`},
		{"long baggage key", func(c *Config) { c.LaneBaggageKey = strings.Repeat("k", 65) }, "laneBaggageKey: \"kkkk"},
		{"service port out of range", func(c *Config) { c.Services[0].Port = 70000 }, "port 70000 must be between 1 and 65535"},
		{"bad protocol", func(c *Config) { c.Services[0].Protocol = "udp" }, `protocol "udp"`},
		{"bad service name", func(c *Config) { c.Services[0].Name = "Reviews_1" }, "name \"Reviews_1\""},
		{"text not UTF-8 in a service", func(c *Config) {
			c.Services[0].Matches = []ServiceMatch{{Headers: []NameValue{{Name: "x-tier", Value: "gold\xff"}}, Version: "v2"}}
		}, `service reviews.default:9080: text "gold\xff" is not valid UTF-8`},
		{"text not UTF-8 in a lane", func(c *Config) { c.Lanes[0].Sticky.Header = "x-\xff" }, `lane canary: text "x-\xff" is not valid UTF-8`},
		{"duplicate service", func(c *Config) { c.Services = append(c.Services, c.Services[0]) }, "defined twice"},
		{"two baselines", func(c *Config) { c.Services[0].Versions[1].Lane = "" }, "exactly one baseline version"},
		{"undefined lane", func(c *Config) { c.Services[0].Versions[1].Lane = "blue" }, `lane "blue" is not defined`},
		{"two versions in a lane", func(c *Config) {
			c.Services[0].Versions = append(c.Services[0].Versions, Version{Name: "v3", Lane: "canary"})
		}, "also served by version"},
		{"endpoint not an IP", func(c *Config) { c.Services[0].Versions[0].Endpoints[0].Address = "db.local" }, "is not an IP address"},
		{"duplicate endpoint", func(c *Config) {
			v := &c.Services[0].Versions[0]
			v.Endpoints = append(v.Endpoints, v.Endpoints[0])
		}, "listed twice"},
		{"endpoint weight", func(c *Config) { c.Services[0].Versions[0].Endpoints[0].Weight = 0 }, "endpoint weight 0"},
		{"weights not 100", func(c *Config) { c.Services[0].Weights["v1"] = 8000 }, "weights add up to 90%, not 100%"},
		{"weights name unknown version", func(c *Config) { c.Services[0].Weights = map[string]Weight{"v1": 5000, "v9": 5000} }, `version "v9"`},
		{"bad load balancer", func(c *Config) { c.Services[0].Policy.LoadBalancer = "fastest" }, `loadBalancer "fastest"`},
		{"hashOn without hashing", func(c *Config) { c.Services[0].Policy.LoadBalancer = LBRoundRobin }, "hashOn needs loadBalancer ring_hash or maglev"},
		{"retries attempts", func(c *Config) { c.Services[0].Policy.Retries.Attempts = 0 }, "attempts 0"},
		{"unknown retry condition", func(c *Config) { c.Services[0].Policy.Retries.RetryOn = []string{"sometimes"} }, `"sometimes" is not a known retry condition`},
		{"negative timeout", func(c *Config) { c.Services[0].Policy.Timeout = -1 }, "timeout must not be negative"},
		{"ejection over 100", func(c *Config) {
			c.Services[0].Policy.OutlierDetection = &OutlierDetection{MaxEjectionPercent: 101}
		}, "maxEjectionPercent 101"},
		{"burst below rate", func(c *Config) {
			c.Services[0].Policy.RateLimit = &RateLimit{RequestsPerSecond: 10, Burst: 5}
		}, "burst 5 must be at least"},
		{"tcp with retries", func(c *Config) {
			c.Services[0].Protocol = ProtocolTCP
			c.Gateways = nil
			c.Services[0].Policy.HashOn = nil
		}, "policy retries applies to HTTP requests"},
		{"route to unknown service", func(c *Config) { c.Gateways[0].Routes[0].Service.Name = "nope" }, "service nope.default is not defined"},
		{"route to tcp service", func(c *Config) {
			c.Services[0].Protocol = ProtocolTCP
			c.Services[0].Policy = Policy{}
		}, "is a tcp service"},
		{"route with two paths", func(c *Config) { c.Gateways[0].Routes[0].Match.Path = "/x" }, "at most one of pathPrefix, path and pathRegex"},
		{"route regex", func(c *Config) { c.Gateways[0].Routes[0].Match = RouteMatch{PathRegex: "/(a"} }, "not an RE2 regular expression"},
		{"route regex too long", func(c *Config) {
			c.Gateways[0].Routes[0].Match = RouteMatch{PathRegex: strings.Repeat("a", 1025)}
		}, "more than 1024"},
		{"route method", func(c *Config) { c.Gateways[0].Routes[0].Match.Method = "FETCH" }, `method "FETCH"`},
		{"route query without name", func(c *Config) { c.Gateways[0].Routes[0].Match.Query = []ValueMatch{{Value: "1"}} }, "query parameter needs a name"},
		{"route hostname", func(c *Config) { c.Gateways[0].Routes[0].Hostnames = []string{"Shop.example"} }, `hostname "Shop.example"`},
		{"route weights", func(c *Config) { c.Gateways[0].Routes[0].Weights = map[string]Weight{"v1": 100} }, "weights add up to 1%"},
		{"route weights unknown version", func(c *Config) { c.Gateways[0].Routes[0].Weights = map[string]Weight{"v7": WeightFull} }, `version "v7"`},
		{"route changes the lane header", func(c *Config) {
			c.Gateways[0].Routes[0].Action.RequestHeaders = &HeaderModifier{Remove: []string{"x-canary"}}
		}, `cannot change "x-canary"`},
		{"route changes a header twice", func(c *Config) {
			c.Gateways[0].Routes[0].Action.ResponseHeaders = &HeaderModifier{Set: []NameValue{{Name: "a"}}, Remove: []string{"a"}}
		}, `changes header "a" twice`},
		{"prefix rewrite without prefix match", func(c *Config) {
			c.Gateways[0].Routes[0].Match = RouteMatch{Path: "/x"}
			c.Gateways[0].Routes[0].Action.Rewrite = &Rewrite{PathPrefix: "/y"}
		}, "every match of the route needs pathPrefix"},
		{"backend timeout over timeout", func(c *Config) {
			c.Gateways[0].Routes[0].Action.Timeout, c.Gateways[0].Routes[0].Action.BackendTimeout = 1, 2
		}, "longer than timeout"},
		{"mirror of an unknown version", func(c *Config) { c.Services[0].Mirrors = []Mirror{{Version: "v9", Percent: 100}} }, `mirror version "v9"`},
		{"mirror of nothing", func(c *Config) { c.Services[0].Mirrors = []Mirror{{Version: "v2"}} }, "mirror percent 0 must be above 0"},
		{"service route weights", func(c *Config) {
			c.Services[0].Routes = []ServiceRoute{{Weights: map[string]Weight{"v1": 5000}}}
		}, "route 1: weights add up to 50%"},
		{"service route header regex", func(c *Config) {
			c.Services[0].Routes = []ServiceRoute{{Matches: []RouteMatch{{Headers: []ValueMatch{{Name: "x-a", Value: "(", Regex: true}}}}}}
		}, "header x-a regex"},
		{"tls without certificates", func(c *Config) { c.Gateways[0].TLS = &GatewayTLS{} }, "at least one certificate"},
		{"tls certificate that is not PEM", func(c *Config) {
			c.Gateways[0].TLS = &GatewayTLS{Certificates: []Certificate{{Name: "shop", Chain: []byte("x"), Key: []byte("y")}}}
		}, "certificate shop () is not a usable PEM"},
		{"tls two default certificates", func(c *Config) {
			c.Gateways[0].TLS = &GatewayTLS{Certificates: []Certificate{{Name: "a"}, {Name: "b"}}}
		}, "2 certificates have no hostnames"},
		{"tls hostname served twice", func(c *Config) {
			c.Gateways[0].TLS = &GatewayTLS{Certificates: []Certificate{{Name: "a", Hostnames: []string{"a.example"}}, {Name: "b", Hostnames: []string{"a.example"}}}}
		}, `"a.example" is also served by certificate a`},
		{"tls redirect port taken", func(c *Config) {
			c.Gateways[0].TLS = &GatewayTLS{RedirectPort: 8080, Certificates: []Certificate{{Name: "a"}}}
		}, "port 8080 is also used by gateway public"},
		{"route path without slash", func(c *Config) { c.Gateways[0].Routes[0].Match.PathPrefix = "api" }, "must start with '/'"},
		{"duplicate gateway port", func(c *Config) {
			c.Gateways = append(c.Gateways, Gateway{Name: "other", Port: 8080})
		}, "port 8080 is also used by gateway public (at <unknown>)"},
		{"lane header too long", func(c *Config) { c.LaneHeader = "x-" + strings.Repeat("a", MaxHeaderNameLength) }, "is 258 bytes long, more than 256"},
		{"sticky cookie too long", func(c *Config) {
			c.Lanes[0].Sticky = &Sticky{Cookie: strings.Repeat("c", MaxCookieNameLength+1)}
		}, "sticky cookie \"ccc"},
		{"match value too long", func(c *Config) {
			c.Lanes[0].Match = []MatchRule{{Cookie: &NameValue{Name: "lane", Value: strings.Repeat("v", MaxValueLength+1)}}}
		}, "match cookie value \"vvv"},
		{"route header value too long", func(c *Config) {
			c.Gateways[0].Routes[0].Match.Headers = []ValueMatch{{Name: "x-a", Value: strings.Repeat("v", MaxValueLength+1)}}
		}, "is 4097 bytes long, more than 4096"},
		{"route path too long", func(c *Config) { c.Gateways[0].Routes[0].Match.PathPrefix = "/" + strings.Repeat("p", MaxPathLength) }, "match path \"/ppp"},
		{"zone too long", func(c *Config) { c.Services[0].Versions[0].Endpoints[0].Zone = strings.Repeat("z", 64) }, "endpoint zone"},
		{"endpoint weights overflow", func(c *Config) {
			v := &c.Services[0].Versions[0]
			v.Endpoints = nil
			for i := range 4295 {
				v.Endpoints = append(v.Endpoints, Endpoint{Address: fmt.Sprintf("10.1.%d.%d", i/250, i%250+1), Port: 80, Weight: MaxEndpointWeight})
			}
		}, "endpoint weights add up to 4295000000, more than 4294967295"},
		{"duplicate version", func(c *Config) {
			c.Services[0].Versions[1].Name = "v1"
			c.Services[0].Versions[0].Origin = NewOrigin("f.yaml:5", nil)
		}, "version v1: defined twice (also at f.yaml:5)"},
		{"duplicate gateway", func(c *Config) {
			c.Gateways[0].Origin = NewOrigin("f.yaml:20", nil)
			c.Gateways = append(c.Gateways, Gateway{Name: "public", Port: 8081})
		}, "gateway public: defined twice (also at f.yaml:20)"},
		{"duplicate endpoint position", func(c *Config) {
			v := &c.Services[0].Versions[0]
			v.Endpoints[0].Origin = NewOrigin("f.yaml:9", nil)
			v.Endpoints = append(v.Endpoints, v.Endpoints[0])
		}, "endpoint 10.0.0.1:9080 is listed twice (also at f.yaml:9)"},
		{"tcp port is the sidecar's", func(c *Config) {
			c.Services = append(c.Services, Service{Name: "db", Namespace: "default", Port: DefaultSidecarPort, Protocol: ProtocolTCP,
				Versions: []Version{{Name: "v1"}}})
		}, "is the sidecar's outbound HTTP port"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := valid()
			c.break_(cfg)
			err := Validate(cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Validate = %v\nwant an error containing %q", err, c.want)
			}
		})
	}
}

func TestValidateReportsEveryProblemSortedByPosition(t *testing.T) {
	cfg := valid()
	cfg.Services[0].Port = 0
	cfg.Services[0].Origin = NewOrigin("b.yaml:3", map[string]string{"port": "b.yaml:5"})
	cfg.Lanes[0].Name = StableLane
	cfg.Lanes[0].Origin = NewOrigin("a.yaml:10", map[string]string{"name": "a.yaml:11"})
	cfg.Gateways[0].Port = 0
	cfg.Gateways[0].Origin = NewOrigin("a.yaml:2", nil)
	errs := Errors(Validate(cfg))
	var got []string
	for _, e := range errs {
		got = append(got, strings.SplitN(e.Error(), ": ", 2)[0])
	}
	// The version's lane is now undefined too; it has no position of its own.
	want := []string{"<unknown>", "a.yaml:2", "a.yaml:11", "b.yaml:5"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("positions %v, want %v (errors: %v)", got, want, errs)
	}
}

func TestOriginAtFallsBackToParents(t *testing.T) {
	o := NewOrigin("f.yaml:3", map[string]string{"policy": "f.yaml:7", "policy.retries.attempts": "f.yaml:9", "match[1]": "f.yaml:12"})
	for field, want := range map[string]string{
		"policy.retries.attempts": "f.yaml:9", "policy.retries.retryOn": "f.yaml:7",
		"match[1].header": "f.yaml:12", "port": "f.yaml:3",
	} {
		if got := o.At(field); got != want {
			t.Errorf("At(%q) = %q, want %q", field, got, want)
		}
	}
	if got := (Origin{}).At("x"); got != "<unknown>" {
		t.Errorf("zero origin At = %q", got)
	}
}

func TestValidateServiceMatches(t *testing.T) {
	cfg := valid()
	cfg.Services[0].Matches = []ServiceMatch{
		{Version: "v2", Headers: []NameValue{{Name: "x-beta", Value: "1"}}},
		{Version: "v9", Headers: []NameValue{{Name: "x-canary", Value: "1"}}},
		{Version: "v1"},
	}
	got := Validate(cfg)
	for _, want := range []string{`match 2: version "v9" is not a version`, `match 2: header "x-canary" is the lane header`, "match 3: needs at least one header"} {
		if got == nil || !strings.Contains(got.Error(), want) {
			t.Errorf("Validate = %v\nwant %q", got, want)
		}
	}
	if strings.Contains(got.Error(), "match 1") {
		t.Errorf("a good match was reported: %v", got)
	}
}

func TestMessagesNeverQuoteAHugeValueWhole(t *testing.T) {
	cfg := valid()
	huge := strings.Repeat("é", 1<<20)
	cfg.LaneHeader = huge
	cfg.Services[0].Protocol = Protocol(huge)
	cfg.Services[0].Policy.Retries.RetryOn = []string{huge}
	err := Validate(cfg)
	if err == nil {
		t.Fatal("a huge lane header and protocol validated")
	}
	for _, e := range Errors(err) {
		if len(e.Error()) > 400 {
			t.Errorf("a message of %d bytes: %.120s...", len(e.Error()), e.Error())
		}
	}
	if q := Quote(huge); !strings.HasSuffix(q, `é"...`) || len(q) > quoteLimit+8 {
		t.Errorf("Quote cuts to %q", q)
	}
}

// TestSumsDoNotWrap gives weights whose 32-bit sums would wrap around to
// an acceptable figure: 4294967295 + 10001 would be 10000, exactly 100%.
func TestSumsDoNotWrap(t *testing.T) {
	cfg := valid()
	cfg.Services[0].Weights = map[string]Weight{"v1": ^Weight(0), "v2": 10001}
	cfg.Lanes = append(cfg.Lanes, Lane{Name: "b", Weight: ^Weight(0) - 999})
	err := Validate(cfg)
	for _, want := range []string{"weights add up to 42949772.96%, not 100%", "lane weights add up to 42949672.96% with this lane"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate = %v\nwant %q", err, want)
		}
	}
}
