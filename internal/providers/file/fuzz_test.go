package file

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/graylane/graylane/internal/lanefilter"
	"github.com/graylane/graylane/internal/pipeline"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/translators"
)

// seeds are configurations to start fuzzing from: the example, the
// translators' golden inputs, and files at the edges of the rules.
func seeds(f *testing.F) [][]byte {
	f.Helper()
	paths, _ := filepath.Glob("../../../translators/testdata/*.in.yaml")
	paths = append(paths, "../../../examples/graylane.yaml")
	var out [][]byte
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, data)
	}
	for _, s := range []string{
		"", "# nothing\n", "{}\n", "services: none\n", "services:\n", "services: []\n",
		"services: none\nlanes: [{name: c, weight: 1}]\n",
		"services:\n  - name: a\n    port: 80\n    versions: [{name: v1, endpoints: [{address: 10.0.0.1, weight: 1000000, zone: a}, {address: 10.0.0.2, weight: 1000000, zone: a}]}]\n",
		"services:\n  - name: a\n    port: 80\n    versions: [{name: v1, endpoints: [{address: 10.0.0.1, weight: 0}]}]\n    policy: {timeout: 5}\n",
		"laneHeader: x-lane\nlanes: [{name: c, weight: 99.99, sticky: {cookie: uid, maxAge: 1h}, match: [{header: {name: x-a, value: b}}]}]\n",
		"node: {id: a}\nstatic_resources: {}\n", "apiVersion: v1\nkind: Service\n---\nkind: x\n",
		"services:\n\t- name: a\n", "laneHeader: \xff\n",
	} {
		out = append(out, []byte(s))
	}
	return out
}

var lineRE = regexp.MustCompile(`^c\.yaml:[1-9][0-9]*$`)

// FuzzParse checks the whole path of a file: it never panics, every
// problem has a line, and whatever decodes and validates translates and
// builds for every role.
func FuzzParse(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := parseBuilds(t, data)
		if cfg != nil && cfg.NoServices && len(cfg.Services) > 0 {
			t.Fatalf("services: none with %d services", len(cfg.Services))
		}
	})
}

var buildOptions = []translators.Option{translators.WithEdgeFilters(lanefilter.New(lanefilter.Local(lanefilter.DefaultLocalPath)))}

// parseBuilds parses a file and checks that every problem has a line, and
// that it builds for every role if it validates. It returns what parsed
// without problems, else nil.
func parseBuilds(t *testing.T, data []byte) *model.Config {
	t.Helper()
	cfg, err := Parse("c.yaml", data)
	everyProblemHasALine(t, Problems(cfg, err))
	if err != nil {
		return nil
	}
	normalized := cfg.DeepCopy()
	normalized.Normalize()
	if model.Validate(normalized) != nil {
		return cfg
	}
	if _, err := pipeline.Build([]*model.Config{cfg}, buildOptions...); err != nil {
		t.Fatalf("valid, but does not build: %v\n%s", err, data)
	}
	return cfg
}

func everyProblemHasALine(t *testing.T, err error) {
	t.Helper()
	for _, e := range model.Errors(err) {
		var me *model.Error
		if !errors.As(e, &me) || !lineRE.MatchString(me.Pos) {
			t.Fatalf("a problem without a line: %v", e)
		}
	}
}

// FuzzCutShort cuts a file short anywhere: a file that lists services
// never reads as the explicit `services: none`, however it is cut.
func FuzzCutShort(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s, uint(len(s)/2))
	}
	f.Fuzz(func(t *testing.T, data []byte, cut uint) {
		cfg, err := Parse("c.yaml", data)
		if err != nil || cfg.NoServices || len(cfg.Services) == 0 {
			return
		}
		short := data[:cut%uint(len(data)+1)]
		if cut, err := Parse("c.yaml", short); err == nil && cut.NoServices {
			t.Fatalf("cut to %d bytes, a file with %d services says services: none:\n%s", len(short), len(cfg.Services), short)
		}
	})
}

// ruleTemplate is a configuration whose names, values and weights come
// from the fuzzer, so that most inputs reach translation.
const ruleTemplate = `laneHeader: %s
lanes:
  - name: canary
    weight: %d.%02d
    sticky: {cookie: %s}
    match: [{header: {name: x-debug, value: %s}}]
services:
  - name: reviews
    port: %d
    protocol: %s
    versions:
      - name: v1
        endpoints:
          - {address: 10.0.0.1, weight: %d, zone: %s}
          - {address: 10.0.0.2, weight: %d, zone: %s}
          - {address: 10.0.0.3, weight: %d}
      - name: v2
        lane: canary
        endpoints: [{address: 10.0.0.4}]
    weights: {v1: %d, v2: %d}
    match: [{headers: [{name: %s, value: %s}], version: v2}]
gateways:
  - name: public
    port: 8080
    routes: [{match: {pathPrefix: %s}, service: reviews}]
`

// FuzzRules fills a configuration with fuzzed names, values, weights and
// ports: whatever validates must build, limits and sums included.
func FuzzRules(f *testing.F) {
	f.Add("x-canary", uint16(10), uint8(0), "uid", "on", uint32(9080), true, uint32(1), "a", uint32(2), "b", uint32(1), uint8(90), uint8(10), "x-beta", "1", "/")
	f.Add("x-lane", uint16(100), uint8(0), "c", "", uint32(1), false, uint32(1000000), "a", uint32(1000000), "a", uint32(1000000), uint8(100), uint8(0), "x-a", "", "/a")
	f.Fuzz(func(t *testing.T, header string, lane uint16, laneFrac uint8, cookie, value string, port uint32, grpc bool,
		w1 uint32, z1 string, w2 uint32, z2 string, w3 uint32, v1, v2 uint8, matchHeader, matchValue, path string) {
		protocol := "http"
		if grpc {
			protocol = "grpc"
		}
		q := strconv.Quote
		data := fmt.Sprintf(ruleTemplate, q(header), lane, laneFrac%100, q(cookie), q(value), port, protocol,
			w1, q(z1), w2, q(z2), w3, v1, v2, q(matchHeader), q(matchValue), q(path))
		parseBuilds(t, []byte(data))
	})
}
