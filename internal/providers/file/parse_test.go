package file

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	}
	for src, want := range cases {
		_, err := Parse("c.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", src, err, want)
		}
	}
	if cfg, err := Parse("empty.yaml", []byte("# nothing yet\n")); err != nil || len(cfg.Services) != 0 {
		t.Errorf("an empty file gives %+v, %v; want an empty configuration", cfg, err)
	}
}

func TestParseConvertsTheContractExample(t *testing.T) {
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
		filepath.Join(dir, "b.yaml") + `:12: service reviews.default:9080: weights name version "v3", which the service does not have`,
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
