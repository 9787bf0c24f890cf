package file

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	yaml "go.yaml.in/yaml/v4"

	"github.com/graylane/graylane/model"
)

// problems returns the text of every problem in err.
func problems(err error) []string {
	var out []string
	for _, e := range model.Errors(err) {
		out = append(out, e.Error())
	}
	return out
}

func TestParseReportsEveryYAMLProblemWithItsLine(t *testing.T) {
	src := strings.Join([]string{
		"lanes:",                       // 1
		"  - name: canary",             // 2
		"    weight: 10.555",           // 3
		"services:",                    // 4
		"  - name: reviews",            // 5
		"    port: nine",               // 6
		"    colour: red",              // 7
		"    policy:",                  // 8
		"      timeout: soon",          // 9
		"      retries: {attempts: 1}", // 10
		"    versions: {v1: {}}",       // 11
	}, "\n")
	_, err := Parse("c.yaml", []byte(src))
	got := problems(err)
	want := []string{
		`c.yaml:3: weight "10.555" must be a number from 0 to 100 with at most 2 decimals`,
		`c.yaml:6: want a whole number, got the string "nine"`,
		`c.yaml:7: unknown field "colour"`,
		`c.yaml:9: duration "soon" must look like 250ms, 5s or 1m30s`,
		`c.yaml:11: want a list, got a mapping`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseSyntaxDuplicatesAndDocuments(t *testing.T) {
	cases := map[string]string{
		"lanes: [\n":                          "c.yaml:2: while parsing a flow node",
		"laneHeader: a\nlaneHeader: b\n":      `c.yaml:2: mapping key "laneHeader" already defined at line 1`,
		"services: []\n---\nservices: []\n":   "c.yaml:2: a configuration file holds one YAML document",
		"- name: x\n":                         "c.yaml:1: the top level must be a mapping",
		"gateways:\n  - routes: [{match: 1}]": "c.yaml:2: want a mapping",
		"gateways:\n  - name: public\n    routes:\n      - match: {pathPrefix: !!binary L/8=}\n": "c.yaml:4: a binary value (!!binary) is not a setting",
	}
	for src, want := range cases {
		_, err := Parse("c.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", src, err, want)
		}
	}
}

func TestParseRefusesEmptyFiles(t *testing.T) {
	for src, line := range map[string]int{"": 1, "\n\n": 1, "# nothing yet\n": 1, "~\n": 1, "\n{}\n": 2, "---\n": 2} {
		_, err := Parse("c.yaml", []byte(src))
		want := fmt.Sprintf("c.yaml:%d: the file is empty", line)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want %q", src, err, want)
		}
	}
	if _, err := Parse("c.yaml", []byte("lanes:\n  - name: a\nservices:\n")); err == nil ||
		!strings.Contains(err.Error(), "c.yaml:3: services has no value") {
		t.Errorf("a file cut short after services: gives %v", err)
	}
}

func TestServicesNoneIsTheExplicitEmptyConfiguration(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte("# withdraw everything\nservices: none\n"))
	if err != nil || !cfg.NoServices || len(cfg.Services) != 0 {
		t.Fatalf("services: none gives %+v, %v", cfg, err)
	}
	if got := cfg.Origin.At("services"); got != "c.yaml:2" {
		t.Errorf("services: none is at %s, want c.yaml:2", got)
	}
	for _, src := range []string{"services: []\n", "services:\n  - name: a\n    port: 80\n    versions: [{name: v1}]\n"} {
		if cfg, err := Parse("c.yaml", []byte(src)); err != nil || cfg.NoServices {
			t.Errorf("Parse(%q) says no services: %+v, %v", src, cfg, err)
		}
	}
	if _, err := Parse("c.yaml", []byte("services: nothing\n")); err == nil || !strings.Contains(err.Error(), "want a list") {
		t.Errorf("services: nothing gives %v", err)
	}
}

// TestNoCutOfAFileSaysNoServices cuts a configuration short at every byte:
// no prefix of a file that lists services may read as `services: none`.
func TestNoCutOfAFileSaysNoServices(t *testing.T) {
	data, err := os.ReadFile("../../../examples/graylane.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(data) {
		if cfg, _ := Parse("c.yaml", data[:n]); cfg != nil && cfg.NoServices {
			t.Fatalf("the first %d bytes say services: none", n)
		}
	}
}

func TestParsePlacesEncodingAndTabErrors(t *testing.T) {
	cases := map[string]string{
		"services:\n\t- name: a\n":                "c.yaml:2: a tab character: YAML indents with spaces, never tabs",
		"laneHeader: x\nlanes:\n  - name: \xff\n": "c.yaml:3: invalid UTF-8 (byte 0xff at column 11)",
		"laneHeader: \"a\x00b\"\n":                "c.yaml:1: control character U+0000 at column 15",
		"lanes: []\nlaneHeader: x\n  \xc3\x28\n":  "c.yaml:3: invalid UTF-8 (byte 0xc3 at column 3)",
	}
	for src, want := range cases {
		_, err := Parse("c.yaml", []byte(src))
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want %q", src, err, want)
		}
	}
	if _, err := Parse("c.yaml", make([]byte, MaxFileSize+1)); err == nil || !strings.Contains(err.Error(), "c.yaml:1: the file is larger than the 32 MiB") {
		t.Errorf("a file over the limit gives %v", err)
	}
}

func TestLoadReportsTypeRangeAndValidationProblemsInOnePass(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "c.yaml", strings.Join([]string{
		"services:", // 1
		"  - name: reviews",
		"    port: 9080",
		"    versions:",
		"      - name: v1", // 5
		"        endpoints:",
		"          - {address: 10.0.0.1, weight: 0}",
		"          - {address: 10.0.0.2, weight: -1}",
		"          - {address: 10.0.0.3, port: -5}",
		"      - name: v2", // 10
		"        lane: blue",
		"    weights: {v1: 50, v2: 40}",
		"    policy: {timeout: 5}",
		"gateways:",
		"  - name: public", // 15
		"    port: 8080",
		"    routes: [{match: {pathPrefix: /}, service: ratings}]",
		"",
	}, "\n"))
	_, err := Load(filepath.Join(dir, "c.yaml"))
	f := filepath.Join(dir, "c.yaml")
	want := []string{
		f + `:7: endpoint weight "0" must be a whole number from 1 to 1000000`,
		f + `:8: endpoint weight "-1" must be a whole number from 1 to 1000000`,
		f + `:9: want a whole number from 0 to 4294967295, got -5`,
		f + `:11: service reviews.default:9080: version v2: lane "blue" is not defined in lanes`,
		f + `:12: service reviews.default:9080: weights add up to 90%, not 100%`,
		f + `:13: duration "5" must look like 250ms, 5s or 1m30s`,
		f + `:17: gateway public: route 1: service ratings.default is not defined`,
	}
	if got := problems(err); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseConvertsTheExample(t *testing.T) {
	cfg, err := Load("../../../examples/graylane.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	reviews := cfg.Service(model.ServiceRef{Name: "reviews", Namespace: "default"})
	if reviews == nil || reviews.Protocol != model.ProtocolGRPC || reviews.Weights["v2"] != 1000 {
		t.Fatalf("reviews = %+v", reviews)
	}
	p := reviews.Policy
	if p.Timeout != 5*time.Second || p.Retries.PerTryTimeout != time.Second || p.CircuitBreaker.MaxRetries != 3 ||
		p.OutlierDetection.BaseEjectionTime != 30*time.Second {
		t.Errorf("policy = %+v", p)
	}
	v1 := reviews.Versions[0]
	if v1.Endpoints[1].Weight != 2 || v1.Endpoints[1].Zone != "a" || v1.Endpoints[0].Port != 7001 {
		t.Errorf("endpoints = %+v", v1.Endpoints)
	}
	lane := cfg.Lanes[0]
	if lane.Weight != 1000 || lane.Sticky.Header != "x-user-id" || lane.Match[1].Cookie.Value != "canary" {
		t.Errorf("lane = %+v", lane)
	}
}

func TestLoadPointsValidationErrorsAtTheField(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.yaml", "lanes:\n  - name: canary\n    weight: 60\nlaneBaggageKey: lane=x\n")
	write(t, dir, "b.yaml", strings.Join([]string{
		"lanes:",
		"  - name: beta",
		"    weight: 50",
		"services:",
		"  - name: reviews",
		"    port: 9080",
		"    versions:",
		"      - name: v1",
		"        endpoints: [{address: 10.0.0.1}]",
		"      - name: v2",
		"        lane: gamma",
		"    weights: {v1: 50, v3: 50}",
		"",
	}, "\n"))
	write(t, dir, ".hidden.yaml", "not: [valid")
	write(t, dir, "notes.txt", "ignored")
	_, err := Load(dir)
	got := strings.Join(problems(err), "\n")
	for _, want := range []string{
		filepath.Join(dir, "b.yaml") + ":3: lane beta: lane weights add up to 110% with this lane, more than 100%",
		filepath.Join(dir, "a.yaml") + `:4: laneBaggageKey: "lane=x" is not a W3C baggage key (header-name characters, at most 64)`,
		filepath.Join(dir, "b.yaml") + `:11: service reviews.default:9080: version v2: lane "gamma" is not defined in lanes`,
		filepath.Join(dir, "b.yaml") + `:12: service reviews.default:9080: weights name version "v3", which service reviews.default:9080 does not have`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
}

func TestFilesOfADirectory(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"b.yaml", "a.yml", ".x.yaml", "c.json"} {
		write(t, dir, n, "")
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	files, err := Files(dir)
	if err != nil || strings.Join(files, ",") != filepath.Join(dir, "a.yml")+","+filepath.Join(dir, "b.yaml") {
		t.Errorf("Files = %v, %v", files, err)
	}
	if _, err := Files(t.TempDir()); err == nil {
		t.Error("an empty directory is not a configuration")
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestParseBoundsAliasExpansion(t *testing.T) {
	bomb := "lanes: &a [{name: x}, {name: x}, {name: x}, {name: x}, {name: x}, {name: x}, {name: x}, {name: x}]\n"
	for i, prev := range []string{"a", "b", "c", "d", "e"} {
		bomb += fmt.Sprintf("x%d: &%c [%s]\n", i, 'b'+i, strings.Repeat("*"+prev+", ", 9)+"*"+prev)
	}
	_, err := Parse("c.yaml", []byte(bomb))
	if err == nil || !strings.Contains(err.Error(), "c.yaml:1: YAML aliases expand the file to") {
		t.Errorf("an alias bomb gives %v", err)
	}
	shared := "services:\n  - name: a\n    port: 80\n    versions: [{name: v1}]\n    policy: &p {timeout: 5s}\n" +
		"  - name: b\n    port: 80\n    versions: [{name: v1}]\n    policy: *p\n"
	if cfg, err := Parse("c.yaml", []byte(shared)); err != nil || cfg.Services[1].Policy.Timeout != 5*time.Second {
		t.Errorf("a shared policy gives %+v, %v", cfg, err)
	}
}

// TestOriginsKeepTheirOwnObjectsFields wants each field's position in the
// origin of the object it belongs to, and an object with an origin of its
// own (a version, an endpoint, a match, a route, a mirror, a certificate)
// only placed in its parent's: the parent does not repeat its fields.
func TestOriginsKeepTheirOwnObjectsFields(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte(strings.Join([]string{
		"services:",
		"  - name: reviews",                      // 2
		"    port: 9080",                         // 3
		"    versions:",                          // 4
		"      - name: v1",                       // 5
		"        endpoints:",                     // 6
		"          - zone: a",                    // 7
		"            address: 10.0.0.1",          // 8
		"    match:",                             // 9
		"      - version: v1",                    // 10
		"        headers: [{name: x, value: y}]", // 11
		"    mirror:",                            // 12
		"      - version: v1",                    // 13
		"        percent: 1",                     // 14
		"    routes:",                            // 15
		"      - version: v1",                    // 16
		"        mirror:",                        // 17
		"          - version: v1",                // 18
		"            percent: 2",                 // 19
		"gateways:",                              // 20
		"  - name: public",                       // 21
		"    port: 8080",                         // 22
		"    tls:",                               // 23
		"      certificates:",                    // 24
		"        - name: shop",                   // 25
		"          certFile: shop.pem",           // 26
		"    routes:",                            // 27
		"      - service: reviews",               // 28
		"        match: {pathPrefix: /}",         // 29
		"",
	}, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	s, g := cfg.Services[0], cfg.Gateways[0]
	for _, c := range []struct {
		origin model.Origin
		field  string
		want   string
	}{
		{s.Origin, "port", "c.yaml:3"},
		{s.Origin, "versions[0]", "c.yaml:5"},
		{s.Origin, "versions[0].endpoints", "c.yaml:5"}, // the version's, not the service's
		{s.Versions[0].Origin, "endpoints", "c.yaml:6"},
		{s.Versions[0].Origin, "endpoints[0]", "c.yaml:7"},
		{s.Versions[0].Origin, "endpoints[0].address", "c.yaml:7"},
		{s.Versions[0].Endpoints[0].Origin, "address", "c.yaml:8"},
		{s.Origin, "match[0].headers", "c.yaml:10"},
		{s.Matches[0].Origin, "headers", "c.yaml:11"},
		{s.Origin, "mirror[0].percent", "c.yaml:13"},
		{s.Mirrors[0].Origin, "percent", "c.yaml:14"},
		{s.Origin, "routes[0].mirror", "c.yaml:16"},
		{s.Routes[0].Origin, "mirror", "c.yaml:17"},
		{s.Routes[0].Origin, "mirror[0].percent", "c.yaml:18"},
		{s.Routes[0].Action.Mirrors[0].Origin, "percent", "c.yaml:19"},
		{g.Origin, "tls.certificates[0]", "c.yaml:25"},
		{g.Origin, "tls.certificates[0].certFile", "c.yaml:25"},
		{g.TLS.Certificates[0].Origin, "certFile", "c.yaml:26"},
		{g.Origin, "routes[0]", "c.yaml:28"},
		{g.Origin, "routes[0].match", "c.yaml:28"},
		{g.Routes[0].Origin, "match", "c.yaml:29"},
	} {
		if got := c.origin.At(c.field); got != c.want {
			t.Errorf("%s of %s is at %s, want %s", c.field, c.origin, got, c.want)
		}
	}
}

// TestExpandedSizeCountsEachAlias counts documents with aliases by hand:
// each alias adds what it names, an alias inside its own anchor counts
// once, and a node is written once however often it is named.
func TestExpandedSizeCountsEachAlias(t *testing.T) {
	for _, c := range []struct {
		doc               string
		expanded, written int
	}{
		{"services: []\nlanes: [{name: a}]\n", 9, 9},
		{"a: &x [1, 2]\nb: *x\nc: *x\n", 14, 10},
		{"a: &x [1, *x]\n", 6, 6},
		{"a: &x {k: &y [1, *x, *y]}\nb: [*x, *y]\n", 21, 13},
	} {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(c.doc), &n); err != nil {
			t.Fatal(err)
		}
		if e, w := expandedSize(&n); e != c.expanded || w != c.written {
			t.Errorf("%q: %d values expanded, %d written; want %d, %d", c.doc, e, w, c.expanded, c.written)
		}
	}
}

// TestAliasChainsDoNotWrapTheCount doubles the values on every line, for
// more lines than an int has bits: the count must not wrap round to a
// small number that passes the bound.
func TestAliasChainsDoNotWrapTheCount(t *testing.T) {
	doc := "x0: &a0 [1, 1]\n"
	for i := 1; i < 70; i++ {
		doc += fmt.Sprintf("x%d: &a%d [*a%d, *a%d]\n", i, i, i-1, i-1)
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
		t.Fatal(err)
	}
	if e, w := expandedSize(&n); e <= maxAliasExpansion*w+aliasSlack {
		t.Errorf("70 lines of doubling aliases count %d values (%d written): want them over the bound", e, w)
	}
}
