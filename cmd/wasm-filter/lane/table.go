package lane

import (
	"fmt"
	"strconv"
	"strings"
)

// MetricPrefix starts the name of the per-lane request counter. The full
// name embeds the lane as a tag in the Istio-style "name=.=value;.;" form so
// that an Envoy stats_tags regex can extract it; see MetricName.
const MetricPrefix = "graylane_lane_requests_total"

// MetricName is the name of the request counter of a lane, for example
// "graylane_lane_requests_total.lane=.=canary;.;". Envoy exposes it as
// "wasmcustom.graylane_lane_requests_total.lane=.=canary;.;"; the stats tag
// regex `(\.lane=\.=(.*?);\.;)` turns it into
// graylane_lane_requests_total{lane="canary"}.
func MetricName(lane string) string {
	return MetricPrefix + ".lane=.=" + lane + ";.;"
}

// Table is the compiled, immutable decision table of one configuration.
// It is safe for concurrent use.
type Table struct {
	header     string
	baggageKey string
	trust      bool
	lanes      []compiledLane
	cookies    []cookieSlot
	members    []string // baggage member per lane index, stable last
}

type stickyKind uint8

const (
	stickyNone stickyKind = iota
	stickyHeader
	stickyCookie
)

type compiledLane struct {
	name      string
	threshold uint64 // the lane takes a bucket below this, 0..Buckets
	seed      uint64 // laneSeed(name)
	sticky    stickyKind
	key       string // sticky header (lower case) or cookie name
	slot      int    // index into Table.cookies when sticky is stickyCookie
	match     []rule
}

// rule is a compiled match rule: a header (lower-case name) or a cookie
// that must equal value.
type rule struct {
	cookie      bool
	name, value string
}

// cookieSlot is a distinct sticky cookie name; lanes that share the name
// share one generated id per request.
type cookieSlot struct {
	name  string
	attrs string // "; Path=/; Max-Age=...; HttpOnly; SameSite=Lax"
}

// Parse decodes, validates and compiles a plugin configuration.
func Parse(data []byte) (*Table, error) {
	cfg, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("invalid lane filter configuration: %w", err)
	}
	return NewTable(cfg)
}

// NewTable validates cfg and compiles it into a Table.
func NewTable(cfg Config) (*Table, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid lane filter configuration: %w", err)
	}
	t := &Table{header: strings.ToLower(cfg.LaneHeader), baggageKey: cfg.LaneBaggageKey, trust: cfg.TrustLaneHeader}
	if t.header == "" {
		t.header = DefaultLaneHeader
	}
	if t.baggageKey == "" {
		t.baggageKey = DefaultBaggageKey
	}
	var prefix int64 // basis points taken by the lanes before
	for _, l := range cfg.Lanes {
		bp, _ := basisPoints(l.Weight, "") // validated above
		t.lanes = append(t.lanes, t.compileLane(l, threshold(bp, prefix)))
		prefix += bp
	}
	for i := range t.NumLanes() {
		t.members = append(t.members, BaggageMember(t.baggageKey, t.LaneName(i)))
	}
	return t, nil
}

// threshold is T_i = round(Buckets * w_i / (100% - sum of the weights
// before)), in buckets: among the requests no earlier lane took, lane i
// takes the share that makes w_i an absolute share of all requests.
func threshold(bp, prefix int64) uint64 {
	den := Buckets - prefix
	if den <= 0 || bp <= 0 {
		return 0
	}
	t := (2*Buckets*bp + den) / (2 * den)
	return uint64(min(t, Buckets))
}

func (t *Table) compileLane(l LaneConfig, threshold uint64) compiledLane {
	c := compiledLane{name: l.Name, threshold: threshold, seed: laneSeed(l.Name)}
	switch {
	case l.Sticky == nil:
	case l.Sticky.Header != "":
		c.sticky, c.key = stickyHeader, strings.ToLower(l.Sticky.Header)
	default:
		c.sticky, c.key = stickyCookie, l.Sticky.Cookie
		c.slot = t.cookieSlot(l.Sticky)
	}
	for _, m := range l.Match {
		if m.Header != nil {
			c.match = append(c.match, rule{name: strings.ToLower(m.Header.Name), value: m.Header.Value})
		} else {
			c.match = append(c.match, rule{cookie: true, name: m.Cookie.Name, value: m.Cookie.Value})
		}
	}
	return c
}

// cookieSlot returns the slot of a sticky cookie name, adding it on first
// use; the first lane that names a cookie sets its Max-Age.
func (t *Table) cookieSlot(s *Sticky) int {
	for i, c := range t.cookies {
		if c.name == s.Cookie {
			return i
		}
	}
	maxAge := DefaultCookieMaxAge
	if s.MaxAgeSeconds != nil {
		maxAge = *s.MaxAgeSeconds
	}
	attrs := "; Path=/"
	if maxAge > 0 {
		attrs += "; Max-Age=" + strconv.FormatInt(maxAge, 10)
	}
	t.cookies = append(t.cookies, cookieSlot{name: s.Cookie, attrs: attrs + "; HttpOnly; SameSite=Lax"})
	return len(t.cookies) - 1
}

// LaneHeader is the lower-case name of the lane header.
func (t *Table) LaneHeader() string { return t.header }

// BaggageKey is the key of the lane's baggage member.
func (t *Table) BaggageKey() string { return t.baggageKey }

// Baggage returns the baggage header value to forward with decision d:
// the incoming value (every baggage header joined with ",") without any
// lane member, followed by the member of d's lane (see RewriteBaggage).
// It allocates nothing when the request has no baggage.
func (t *Table) Baggage(incoming string, d Decision) string {
	member := t.members[d.Lane]
	if d.Name != t.LaneName(d.Lane) { // a kept lane that is not configured
		member = BaggageMember(t.baggageKey, d.Name)
	}
	return RewriteBaggage(incoming, t.baggageKey, member)
}

// NumLanes is the number of outcomes of a decision: the configured lanes
// plus stable, which has index NumLanes()-1.
func (t *Table) NumLanes() int { return len(t.lanes) + 1 }

// LaneName is the name of the lane with index i, Stable for the last one.
func (t *Table) LaneName(i int) string {
	if i < len(t.lanes) {
		return t.lanes[i].name
	}
	return Stable
}

// Thresholds are the per-lane bucket thresholds T_i, in lane order.
func (t *Table) Thresholds() []uint64 {
	out := make([]uint64, len(t.lanes))
	for i, l := range t.lanes {
		out[i] = l.threshold
	}
	return out
}

// index is the lane index of a lane name; unknown names are stable, the
// lane every later hop routes them to.
func (t *Table) index(name string) int {
	for i, l := range t.lanes {
		if l.name == name {
			return i
		}
	}
	return len(t.lanes)
}

// LogLine formats a configuration error on one line, its joined errors
// separated by "; ", for a proxy log.
func LogLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}
