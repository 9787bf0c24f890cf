package lane

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

const fullConfig = `{
  "laneHeader": "X-Lane",
  "laneBaggageKey": "graylane-lane",
  "trustLaneHeader": true,
  "lanes": [
    {"name": "canary", "weight": 10.5,
     "sticky": {"header": "x-user-id"},
     "match": [{"header": {"name": "x-debug-lane", "value": "canary"}},
               {"cookie": {"name": "lane", "value": "canary"}}]},
    {"name": "beta", "weight": 20, "sticky": {"cookie": "uid", "maxAgeSeconds": 3600}},
    {"name": "gamma"}
  ]
}`

func TestDecodeFullConfig(t *testing.T) {
	cfg, err := Decode([]byte(fullConfig))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if cfg.LaneHeader != "X-Lane" || cfg.LaneBaggageKey != "graylane-lane" || !cfg.TrustLaneHeader || len(cfg.Lanes) != 3 {
		t.Fatalf("top level decoded wrong: %+v", cfg)
	}
	c := cfg.Lanes[0]
	if c.Name != "canary" || c.Weight != 10.5 || c.Sticky.Header != "x-user-id" || len(c.Match) != 2 {
		t.Fatalf("lanes[0] decoded wrong: %+v", c)
	}
	if c.Match[0].Header.Value != "canary" || c.Match[1].Cookie.Name != "lane" {
		t.Fatalf("lanes[0].match decoded wrong: %+v", c.Match)
	}
	if b := cfg.Lanes[1]; b.Sticky.Cookie != "uid" || *b.Sticky.MaxAgeSeconds != 3600 {
		t.Fatalf("lanes[1] decoded wrong: %+v", b.Sticky)
	}
	if g := cfg.Lanes[2]; g.Weight != 0 || g.Sticky != nil {
		t.Fatalf("lanes[2] decoded wrong: %+v", g)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}

func TestParseDefaults(t *testing.T) {
	for _, doc := range []string{"", "  ", "{}", `{"lanes": null, "laneHeader": null}`} {
		tb, err := Parse([]byte(doc))
		if err != nil {
			t.Fatalf("Parse(%q): %v", doc, err)
		}
		if tb.LaneHeader() != DefaultLaneHeader || tb.BaggageKey() != DefaultBaggageKey || tb.trust || tb.NumLanes() != 1 {
			t.Errorf("Parse(%q) = header %q baggage key %q trust %v lanes %d", doc, tb.LaneHeader(), tb.BaggageKey(), tb.trust, tb.NumLanes())
		}
	}
}

func TestParseErrorsNameTheField(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want []string // substrings of the error, each naming a field
	}{
		{"not json", `{"lanes": [`, []string{"not valid JSON"}},
		{"not an object", `[]`, []string{"must be an object"}},
		{"unknown top field", `{"laneheader": "x"}`, []string{"laneheader: unknown field"}},
		{"unknown lane field", `{"lanes":[{"name":"a","wieght":1}]}`, []string{"lanes[0].wieght: unknown field"}},
		{"unknown sticky field", `{"lanes":[{"name":"a","sticky":{"header":"h","ttl":1}}]}`, []string{"lanes[0].sticky.ttl: unknown field"}},
		{"unknown match field", `{"lanes":[{"name":"a","match":[{"query":{"name":"q"}}]}]}`, []string{"lanes[0].match[0].query: unknown field"}},
		{"wrong type", `{"trustLaneHeader": "yes"}`, []string{"trustLaneHeader: must be a boolean"}},
		{"weight type", `{"lanes":[{"name":"a","weight":"10"}]}`, []string{"lanes[0].weight: must be a number"}},
		{"lanes type", `{"lanes":{}}`, []string{"lanes: must be an array"}},
		{"lane null", `{"lanes":[null]}`, []string{"lanes[0]: must be an object"}},
		{"empty name", `{"lanes":[{"weight":1}]}`, []string{"lanes[0].name: must not be empty"}},
		{"stable name", `{"lanes":[{"name":"stable"}]}`, []string{"lanes[0].name: \"stable\" is the implicit baseline"}},
		{"bad name", `{"lanes":[{"name":"can ary"}]}`, []string{"lanes[0].name: \"can ary\" must use header-name characters"}},
		{"duplicate name", `{"lanes":[{"name":"a"},{"name":"b"},{"name":"a"}]}`, []string{"lanes[2].name: \"a\" is already the name of lanes[0]"}},
		{"weight range", `{"lanes":[{"name":"a"},{"name":"b","weight":101}]}`, []string{"lanes[1].weight: must be between 0 and 100"}},
		{"negative weight", `{"lanes":[{"name":"a","weight":-1}]}`, []string{"lanes[0].weight: must be between 0 and 100"}},
		{"weight decimals", `{"lanes":[{"name":"a","weight":10.505}]}`, []string{"lanes[0].weight: must have at most 2 decimals"}},
		{"weights sum", `{"lanes":[{"name":"a","weight":60},{"name":"b","weight":40.01}]}`, []string{"lanes: weights sum to 100.01, must be at most 100"}},
		{"sticky both", `{"lanes":[{"name":"a","sticky":{"header":"h","cookie":"c"}}]}`, []string{"lanes[0].sticky: must set exactly one of header or cookie"}},
		{"sticky none", `{"lanes":[{"name":"a","sticky":{}}]}`, []string{"lanes[0].sticky: must set exactly one of header or cookie"}},
		{"sticky header name", `{"lanes":[{"name":"a","sticky":{"header":"x y"}}]}`, []string{"lanes[0].sticky.header: must be a valid header name"}},
		{"sticky cookie name", `{"lanes":[{"name":"a","sticky":{"cookie":"a;b"}}]}`, []string{"lanes[0].sticky.cookie: must be a valid cookie name"}},
		{"max age negative", `{"lanes":[{"name":"a","sticky":{"cookie":"c","maxAgeSeconds":-5}}]}`, []string{"lanes[0].sticky.maxAgeSeconds: must be at least 0"}},
		{"max age type", `{"lanes":[{"name":"a","sticky":{"cookie":"c","maxAgeSeconds":1.5}}]}`, []string{"lanes[0].sticky.maxAgeSeconds: must be an integer"}},
		{"max age with header", `{"lanes":[{"name":"a","sticky":{"header":"h","maxAgeSeconds":5}}]}`, []string{"lanes[0].sticky.maxAgeSeconds: is only valid with cookie"}},
		{"match both", `{"lanes":[{"name":"a","match":[{"header":{"name":"h","value":"v"},"cookie":{"name":"c","value":"v"}}]}]}`, []string{"lanes[0].match[0]: must set exactly one of header or cookie"}},
		{"match empty name", `{"lanes":[{"name":"a","match":[{"header":{"value":"v"}}]}]}`, []string{"lanes[0].match[0].header.name: must not be empty"}},
		{"match bad name", `{"lanes":[{"name":"a","match":[{"cookie":{"name":"a b","value":"v"}}]}]}`, []string{"lanes[0].match[0].cookie.name: must be a valid cookie name"}},
		{"lane header", `{"laneHeader": "x canary"}`, []string{"laneHeader: must be a valid header name"}},
		{"baggage key", `{"laneBaggageKey": "lane=x"}`, []string{"laneBaggageKey: must be a W3C baggage key"}},
		{"baggage key length", `{"laneBaggageKey": "` + strings.Repeat("k", MaxBaggageKeyLength+1) + `"}`, []string{"laneBaggageKey: must be a W3C baggage key (header-name characters) of at most 64 bytes"}},
		{"baggage key type", `{"laneBaggageKey": 1}`, []string{"laneBaggageKey: must be a string"}},
		{"several errors", `{"lanes":[{"name":""},{"name":"b","weight":200}]}`, []string{"lanes[0].name: must not be empty", "lanes[1].weight: must be between 0 and 100"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tb, err := Parse([]byte(tc.doc))
			if err == nil {
				t.Fatalf("Parse accepted %s", tc.doc)
			}
			if tb != nil {
				t.Errorf("Parse returned a table with an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Errorf("error %v wraps no *FieldError", err)
			}
		})
	}
}

func TestLogLineIsOneLine(t *testing.T) {
	_, err := Parse([]byte(`{"lanes":[{"name":""},{"name":"b","weight":200}]}`))
	line := LogLine(err)
	if strings.Contains(line, "\n") || !strings.Contains(line, "; lanes[1].weight") {
		t.Errorf("LogLine = %q", line)
	}
}

func TestWeightsExactlyHundredAccepted(t *testing.T) {
	doc := `{"lanes":[{"name":"a","weight":33.33},{"name":"b","weight":33.33},{"name":"c","weight":33.34}]}`
	if _, err := Parse([]byte(doc)); err != nil {
		t.Fatalf("Parse: %v", err)
	}
}

func TestFormatBasisPoints(t *testing.T) {
	for bp, want := range map[int64]string{10000: "100", 10001: "100.01", 10010: "100.1", 12000: "120", 5: "0.05"} {
		if got := formatBasisPoints(bp); got != want {
			t.Errorf("formatBasisPoints(%d) = %q, want %q", bp, got, want)
		}
	}
}

// TestMarshalledConfigDecodes keeps the json tags of Config, which a control
// plane may use to write the configuration, in line with Decode.
func TestMarshalledConfigDecodes(t *testing.T) {
	cfg, err := Decode([]byte(fullConfig))
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Decode(out)
	if err != nil {
		t.Fatalf("Decode(%s): %v", out, err)
	}
	if !reflect.DeepEqual(cfg, again) {
		t.Errorf("round trip changed the configuration:\n%+v\n%+v", cfg, again)
	}
}
