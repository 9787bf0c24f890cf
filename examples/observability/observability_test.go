// Package observability_test checks that the Grafana dashboard and the
// Prometheus recording rules of this folder name metrics and labels that
// exist: Graylane's own (the registry of internal/metrics), the lane
// filter's (its metric naming, through the stats tag of the edge Envoy
// bootstrap), and Envoy's (the cluster statistics Envoy documents, through
// Envoy's default tag extraction).
package observability_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3" // types in the bootstrap
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	yaml "go.yaml.in/yaml/v4"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/graylane/graylane/cmd/wasm-filter/lane"
	"github.com/graylane/graylane/internal/metrics"
)

const (
	dashboardPath  = "grafana-dashboard.json"
	rulesPath      = "prometheus-rules.yaml"
	envoyStatsPath = "testdata/envoy-cluster-stats.txt"
	edgeBootstrap  = "../envoy-edge.yaml"
)

// catalog maps every metric a query may use to the labels it has.
type catalog map[string]map[string]bool

func (c catalog) add(name string, labels ...string) {
	if c[name] == nil {
		c[name] = map[string]bool{}
	}
	for _, l := range labels {
		c[name][l] = true
	}
}

// addHistogram adds the series Prometheus exposes for a histogram.
func (c catalog) addHistogram(name string, labels ...string) {
	c.add(name+"_bucket", append(labels, "le")...)
	c.add(name+"_sum", labels...)
	c.add(name+"_count", labels...)
}

// graylaneMetrics reads the control plane's metrics from its registry:
// every collector field of metrics.Metrics (vectors included, which a
// registry only gathers once they have a child) and every family the
// registry gathers (Go and process metrics).
func graylaneMetrics(t *testing.T) catalog {
	m := metrics.New()
	c := catalog{}
	v := reflect.ValueOf(m).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if !f.CanInterface() || f.Type() == reflect.TypeOf(m.Registry) || f.IsZero() {
			continue
		}
		col, ok := f.Interface().(prometheus.Collector)
		if !ok {
			continue
		}
		histogram := strings.Contains(f.Type().String(), "Histogram")
		for _, d := range describe(col) {
			name, labels := descParts(t, d)
			if histogram {
				c.addHistogram(name, labels...)
			} else {
				c.add(name, labels...)
			}
		}
	}
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetType() == dto.MetricType_HISTOGRAM {
			c.addHistogram(f.GetName())
		} else {
			c.add(f.GetName())
		}
	}
	if len(c) < 10 {
		t.Fatalf("found only %d metrics in the control plane's registry", len(c))
	}
	return c
}

func describe(c prometheus.Collector) []*prometheus.Desc {
	ch := make(chan *prometheus.Desc, 16)
	go func() { c.Describe(ch); close(ch) }()
	var out []*prometheus.Desc
	for d := range ch {
		out = append(out, d)
	}
	return out
}

var (
	descName   = regexp.MustCompile(`fqName: "([^"]+)"`)
	descLabels = regexp.MustCompile(`variableLabels: \{([^}]*)\}`)
)

// descParts reads a Desc's name and variable labels from its String form,
// the only place client_golang shows them.
func descParts(t *testing.T, d *prometheus.Desc) (string, []string) {
	name := descName.FindStringSubmatch(d.String())
	labels := descLabels.FindStringSubmatch(d.String())
	if name == nil || labels == nil {
		t.Fatalf("cannot read the name and labels of %s", d)
	}
	return name[1], strings.FieldsFunc(labels[1], func(r rune) bool { return r == ',' || r == ' ' })
}

// envoyTag is one of Envoy's tag extraction rules: the first capture group
// is cut from the stat name, the second (else the first) is the value.
type envoyTag struct {
	name  string
	regex *regexp.Regexp
}

// envoyDefaultTags are the default tag extraction rules that apply to
// cluster statistics, in Envoy's order, from Envoy's
// source/common/config/well_known_names.cc.
var envoyDefaultTags = []envoyTag{
	{"envoy.response_code", regexp.MustCompile(`_rq(_(\d{3}))$`)},
	{"envoy.response_code_class", regexp.MustCompile(`_rq_(\d)xx$`)},
	{"envoy.cluster_name", regexp.MustCompile(`^cluster\.(([^\.]+)\.).*`)},
}

// extract applies tag rules to a stat name as Envoy does, returning the
// name left and the tags' Prometheus label names.
func extract(stat string, tags []envoyTag) (string, []string) {
	var labels []string
	for _, tag := range tags {
		m := tag.regex.FindStringSubmatchIndex(stat)
		if m == nil {
			continue
		}
		stat = stat[:m[2]] + stat[m[3]:]
		labels = append(labels, prometheusName(tag.name))
	}
	return stat, labels
}

var nonPrometheus = regexp.MustCompile(`[^a-zA-Z0-9_]`)

func prometheusName(s string) string { return nonPrometheus.ReplaceAllString(s, "_") }

// envoyMetrics turns the documented cluster statistics into the metrics
// Envoy's /stats/prometheus shows: default tags extracted, "envoy_"
// prefixed, histograms as _bucket, _sum and _count.
func envoyMetrics(t *testing.T) catalog {
	f, err := os.Open(envoyStatsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	example := strings.NewReplacer("<name>", "reviews_default_9080_v2", "<*xx>", "5xx", "<*>", "503", "<priority>", "default")
	c := catalog{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		stat, kind, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("%s: %q is not `name type`", envoyStatsPath, line)
		}
		name, labels := extract(example.Replace(stat), envoyDefaultTags)
		name = "envoy_" + prometheusName(name)
		switch kind {
		case "counter", "gauge":
			c.add(name, labels...)
		case "histogram":
			c.addHistogram(name, labels...)
		default:
			t.Fatalf("%s: unknown type %q", envoyStatsPath, kind)
		}
	}
	if len(c) < 50 {
		t.Fatalf("%s lists only %d metrics", envoyStatsPath, len(c))
	}
	return c
}

// filterMetrics names the lane filter's counter as the edge Envoy shows
// it: Envoy puts Wasm metrics in the wasmcustom namespace, the bootstrap's
// stats tags extract the lane, and /stats/prometheus drops the namespace
// (and the "envoy_" prefix) of custom namespaces.
func filterMetrics(t *testing.T) catalog {
	data, err := os.ReadFile(edgeBootstrap)
	if err != nil {
		t.Fatal(err)
	}
	var node yaml.Node
	if err := yaml.Unmarshal(data, &node); err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := node.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var b bootstrapv3.Bootstrap
	if err := protojson.Unmarshal(js, &b); err != nil {
		t.Fatal(err)
	}
	var tags []envoyTag
	for _, st := range b.GetStatsConfig().GetStatsTags() {
		tags = append(tags, envoyTag{st.GetTagName(), regexp.MustCompile(st.GetRegex())})
	}
	stat, labels := extract("wasmcustom."+lane.MetricName("canary"), tags)
	name, ok := strings.CutPrefix(stat, "wasmcustom.")
	if !ok || name != lane.MetricPrefix || !slices.Equal(labels, []string{"lane"}) {
		t.Fatalf("%s turns the lane filter's counter into %q with labels %v, want %s{lane}", edgeBootstrap, stat, labels, lane.MetricPrefix)
	}
	return catalog{prometheusName(name): {"lane": true}}
}

// knownMetrics is every metric the queries may use, before recording
// rules.
func knownMetrics(t *testing.T) catalog {
	c := catalog{}
	for _, part := range []catalog{graylaneMetrics(t), envoyMetrics(t), filterMetrics(t)} {
		for name, labels := range part {
			c.add(name, keys(labels)...)
		}
	}
	return c
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// ruleFile is the Prometheus rule file format, as far as recording rules
// go; unknown fields are errors.
type ruleFile struct {
	Groups []struct {
		Name     string `yaml:"name"`
		Interval string `yaml:"interval"`
		Rules    []struct {
			Record string            `yaml:"record"`
			Expr   string            `yaml:"expr"`
			Labels map[string]string `yaml:"labels"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// recordName is the level:metric:operations form of recording rule names.
var recordName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_]+$`)

// checkRules checks the rules in order, each against the known metrics
// and the rules before it, and adds the metrics they record to known.
func checkRules(data []byte, known catalog) error {
	var rf ruleFile
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&rf); err != nil {
		return fmt.Errorf("%s: %w", rulesPath, err)
	}
	var errs []error
	n := 0
	for _, g := range rf.Groups {
		for _, rule := range g.Rules {
			n++
			if !recordName.MatchString(rule.Record) || known[rule.Record] != nil {
				errs = append(errs, fmt.Errorf("rule %q: not a new level:metric:operations name", rule.Record))
			}
			r, err := checkExpr(rule.Expr, known)
			errs = append(errs, err)
			known.add(rule.Record, outputLabels(r, known)...)
			for l := range rule.Labels {
				known.add(rule.Record, l)
			}
		}
	}
	if n < 5 {
		errs = append(errs, fmt.Errorf("%s has only %d rules", rulesPath, n))
	}
	return errors.Join(errs...)
}

func stringSet(s []string) map[string]bool {
	out := map[string]bool{}
	for _, v := range s {
		out[v] = true
	}
	return out
}

// outputLabels approximates the labels an expression's result has: the
// labels it groups by and writes, and, when it groups by nothing, those of
// the metrics it selects.
func outputLabels(r refs, known catalog) []string {
	out := append(slices.Clone(r.grouping), r.written...)
	if len(r.grouping) == 0 && !slices.ContainsFunc(r.functions, isAggregation) {
		for _, s := range r.selectors {
			out = append(out, keys(known[s.metric])...)
		}
	}
	for _, s := range r.selectors { // recorded metrics keep their labels through joins
		if strings.Contains(s.metric, ":") {
			out = append(out, keys(known[s.metric])...)
		}
	}
	if slices.Contains(r.functions, "histogram_quantile") {
		out = slices.DeleteFunc(out, func(l string) bool { return l == "le" })
	}
	return out
}

func isAggregation(f string) bool {
	return words("sum min max avg group stddev stdvar count count_values bottomk topk quantile limitk limit_ratio")[f]
}

// checkExpr checks that an expression selects known metrics by labels
// they have, and groups, joins and relabels by labels it has.
func checkExpr(expr string, known catalog) (refs, error) {
	r, err := parseRefs(expr)
	if err != nil {
		return r, err
	}
	if len(r.selectors) == 0 {
		return r, fmt.Errorf("%q selects no metric", expr)
	}
	var errs []error
	available := stringSet(r.written)
	for _, s := range r.selectors {
		labels, ok := known[s.metric]
		if !ok {
			errs = append(errs, fmt.Errorf("%q: unknown metric %s", expr, s.metric))
			continue
		}
		for _, l := range s.labels {
			if !labels[l] {
				errs = append(errs, fmt.Errorf("%q: metric %s has no label %s", expr, s.metric, l))
			}
		}
		for l := range labels {
			available[l] = true
		}
	}
	for _, l := range append(slices.Clone(r.grouping), r.read...) {
		if !available[l] {
			errs = append(errs, fmt.Errorf("%q: no metric it selects has the label %s", expr, l))
		}
	}
	return r, errors.Join(errs...)
}

// dashboard is the part of a Grafana dashboard that holds queries.
type dashboard struct {
	Title      string  `json:"title"`
	UID        string  `json:"uid"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	Title      string  `json:"title"`
	Type       string  `json:"type"`
	Panels     []panel `json:"panels"`
	Datasource struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		Expr         string `json:"expr"`
		LegendFormat string `json:"legendFormat"`
	} `json:"targets"`
}

var (
	labelValues = regexp.MustCompile(`^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$`)
	legendLabel = regexp.MustCompile(`\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}`)
)

// checkDashboard checks every panel's queries and legends, and the
// template variables' queries.
func checkDashboard(data []byte, known catalog) error {
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		return fmt.Errorf("%s: %w", dashboardPath, err)
	}
	var errs []error
	queries := 0
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			if len(p.Targets) == 0 || p.Datasource.UID != "${datasource}" {
				errs = append(errs, fmt.Errorf("panel %q: no query, or not on the dashboard's data source", p.Title))
			}
			for _, target := range p.Targets {
				queries++
				r, err := checkExpr(target.Expr, known)
				errs = append(errs, err)
				out := stringSet(outputLabels(r, known))
				for _, m := range legendLabel.FindAllStringSubmatch(target.LegendFormat, -1) {
					if !out[m[1]] {
						errs = append(errs, fmt.Errorf("panel %q: the legend names %s, which %q does not have", p.Title, m[1], target.Expr))
					}
				}
			}
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		if v.Type == "query" {
			errs = append(errs, checkVariable(v.Name, v.Query, known))
		}
	}
	if queries < 5 {
		errs = append(errs, fmt.Errorf("%s has only %d queries", dashboardPath, queries))
	}
	return errors.Join(errs...)
}

// checkVariable checks a label_values(metric, label) variable.
func checkVariable(name string, raw json.RawMessage, known catalog) error {
	var q struct {
		Query string `json:"query"`
	}
	if err := json.Unmarshal(raw, &q); err != nil {
		return fmt.Errorf("variable %s: %w", name, err)
	}
	m := labelValues.FindStringSubmatch(q.Query)
	if m == nil {
		return fmt.Errorf("variable %s: %q is not label_values(metric, label)", name, q.Query)
	}
	r, err := checkExpr(m[1], known)
	if err != nil {
		return fmt.Errorf("variable %s: %w", name, err)
	}
	if !stringSet(outputLabels(r, known))[m[2]] {
		return fmt.Errorf("variable %s: %q has no label %s", name, m[1], m[2])
	}
	return nil
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestQueriesNameMetricsThatExist checks the recording rules, then the
// dashboard, which may use what the rules record.
func TestQueriesNameMetricsThatExist(t *testing.T) {
	known := knownMetrics(t)
	if err := checkRules(readFile(t, rulesPath), known); err != nil {
		t.Error(err)
	}
	if err := checkDashboard(readFile(t, dashboardPath), known); err != nil {
		t.Error(err)
	}
}

// TestChecksCatchMistakes breaks the dashboard and the rules one name at a
// time and wants each mistake reported.
func TestChecksCatchMistakes(t *testing.T) {
	rules, dash := string(readFile(t, rulesPath)), string(readFile(t, dashboardPath))
	cases := []struct {
		name, file, old, new, want string
	}{
		{"Envoy metric", rulesPath, "envoy_cluster_upstream_rq_total", "envoy_cluster_upstream_rq_totl", "unknown metric envoy_cluster_upstream_rq_totl"},
		{"Envoy label", rulesPath, `envoy_response_code_class="5"`, `envoy_response_class="5"`, "has no label envoy_response_class"},
		{"filter metric", rulesPath, "rate(graylane_lane_requests_total[1m])", "rate(graylane_lane_request_total[1m])", "unknown metric graylane_lane_request_total"},
		{"filter label", rulesPath, "sum by (lane) (rate(graylane_lane_requests_total", "sum by (lanes) (rate(graylane_lane_requests_total", "has the label lanes"},
		{"control plane metric", rulesPath, "graylane_xds_nacks_total", "graylane_xds_nack_total", "unknown metric graylane_xds_nack_total"},
		{"control plane label", rulesPath, "sum by (type) (rate(graylane_xds_nacks_total", "sum by (kind) (rate(graylane_xds_nacks_total", "has the label kind"},
		{"function", rulesPath, "histogram_quantile(", "histogram_quantil(", "unknown function histogram_quantil"},
		{"recorded metric", dash, "service_version:graylane_error_ratio:rate1m", "service_version:graylane_errors_ratio:rate1m", "unknown metric service_version:graylane_errors_ratio:rate1m"},
		{"recorded label", dash, `service_version:graylane_requests:rate1m{service=~\"$service\"}`, `service_version:graylane_requests:rate1m{svc=~\"$service\"}`, "has no label svc"},
		{"legend", dash, `"{{role}}"`, `"{{roles}}"`, "the legend names roles"},
		{"variable", dash, "label_values(lane:graylane_lane_requests:rate1m, lane)", "label_values(lane:graylane_lane_requests:rate1m, lanes)", "has no label lanes"},
		{"control plane metric in a panel", dash, "graylane_xds_clients)", "graylane_xds_client)", "unknown metric graylane_xds_client"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			known := knownMetrics(t)
			r, d := rules, dash
			if c.file == rulesPath {
				r = replaceOnce(t, rules, c.old, c.new)
			} else {
				d = replaceOnce(t, dash, c.old, c.new)
			}
			err := errors.Join(checkRules([]byte(r), known), checkDashboard([]byte(d), known))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("replacing %q with %q: %v\nwant an error containing %q", c.old, c.new, err, c.want)
			}
		})
	}
}

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("%q not found", old)
	}
	return strings.Replace(s, old, new, 1)
}

// TestParseRefs pins what the query reader finds in one expression.
func TestParseRefs(t *testing.T) {
	r, err := parseRefs(`label_replace(sum by (a, b) (rate(m_total{x="1", y=~"a|b"}[5m] offset 1h)), "dst", "$1", "a", "(.*)")
	  / on (a) group_left () max(other:rec:rate1m{z!="$var"}) > bool 0.5`)
	if err != nil {
		t.Fatal(err)
	}
	want := refs{
		selectors: []selector{{"m_total", []string{"x", "y"}}, {"other:rec:rate1m", []string{"z"}}},
		grouping:  []string{"a", "b", "a"},
		written:   []string{"dst"},
		read:      []string{"a"},
		functions: []string{"label_replace", "sum", "rate", "max"},
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("parseRefs = %+v\nwant %+v", r, want)
	}
	for _, bad := range []string{`rat(x[1m])`, `sum(x`, `{a="b"}`, `x{a}`} {
		if _, err := parseRefs(bad); err == nil {
			t.Errorf("parseRefs(%q) accepted it", bad)
		}
	}
}

// TestEnvoyNames pins the conversion of Envoy's stat names to the names
// its /stats/prometheus shows, for example
// cluster.reviews_default_9080_v2.upstream_rq_5xx to
// envoy_cluster_upstream_rq_xx{envoy_cluster_name="reviews_default_9080_v2",envoy_response_code_class="5"}.
func TestEnvoyNames(t *testing.T) {
	name, labels := extract("cluster.reviews_default_9080_v2.upstream_rq_5xx", envoyDefaultTags)
	if name != "cluster.upstream_rq_xx" || !slices.Equal(labels, []string{"envoy_response_code_class", "envoy_cluster_name"}) {
		t.Errorf("upstream_rq_5xx: %s %v", name, labels)
	}
	c := envoyMetrics(t)
	for name, want := range map[string][]string{
		"envoy_cluster_upstream_rq_total":       {"envoy_cluster_name"},
		"envoy_cluster_upstream_rq_xx":          {"envoy_cluster_name", "envoy_response_code_class"},
		"envoy_cluster_upstream_rq":             {"envoy_cluster_name", "envoy_response_code"},
		"envoy_cluster_upstream_rq_time_bucket": {"envoy_cluster_name", "le"},
		"envoy_cluster_membership_healthy":      {"envoy_cluster_name"},
	} {
		if got := keys(c[name]); !slices.Equal(got, want) {
			t.Errorf("%s: labels %v, want %v", name, got, want)
		}
	}
}
