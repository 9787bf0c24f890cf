package main

import (
	"strings"

	"github.com/graylane/graylane/cmd/wasm-filter/lane"
)

func init() {
	setVMContext(&vmContext{})
}

// vmContext creates one pluginContext per filter configuration.
type vmContext struct {
	defaultVMContext
}

// NewPluginContext implements the SDK's VMContext.
func (*vmContext) NewPluginContext(uint32) pluginContextType {
	return &pluginContext{}
}

// pluginContext holds the decision table and the per-lane counters of one
// filter configuration.
type pluginContext struct {
	defaultPluginContext
	table         *lane.Table
	counters      []metricCounter
	metricNames   []string // see OnPluginStart
	routeCacheErr bool     // clear_route_cache failed once and was logged
}

// OnPluginStart parses the configuration and defines the counters; a bad
// configuration fails the start and leaves nothing half-applied.
func (p *pluginContext) OnPluginStart(size int) startStatus {
	var data []byte
	if size > 0 {
		var err error
		if data, err = getPluginConfiguration(); err != nil {
			logCriticalf("graylane lane filter: reading the configuration: %v", err)
			return startFailed
		}
	}
	table, err := lane.Parse(data)
	if err != nil {
		logCriticalf("graylane lane filter: %s", lane.LogLine(err))
		return startFailed
	}
	// The names stay referenced as long as the counters: a host may keep
	// the guest memory of a name instead of copying it (the SDK's wazero
	// emulator does, and loses the metric once the module reuses it).
	counters := make([]metricCounter, table.NumLanes())
	names := make([]string, table.NumLanes())
	for i := range counters {
		names[i] = lane.MetricName(table.LaneName(i))
		counters[i] = defineCounterMetric(names[i])
	}
	p.table, p.counters, p.metricNames = table, counters, names
	logInfof("graylane lane filter: %d lanes, lane header %q, thresholds %v",
		table.NumLanes()-1, table.LaneHeader(), table.Thresholds())
	return startOK
}

// NewHttpContext implements the SDK's PluginContext.
func (p *pluginContext) NewHttpContext(uint32) httpContextType {
	return &httpContext{plugin: p}
}

// clearRouteCache asks Envoy (>= 1.33) to pick the route again now that the
// lane header is set. Older hosts lack the function; that is logged once.
func (p *pluginContext) clearRouteCache() {
	if _, err := callForeignFunction("clear_route_cache", nil); err != nil && !p.routeCacheErr {
		p.routeCacheErr = true
		logDebugf("graylane lane filter: clear_route_cache: %v", err)
	}
}

// httpContext decides the lane of one request.
type httpContext struct {
	defaultHttpContext
	plugin     *pluginContext
	setCookies []string
	// baggage is the baggage header written upstream, referenced until
	// the stream ends: a host may keep the guest memory of a header value
	// instead of copying it (the SDK's wazero emulator does).
	baggage string
}

// OnHttpRequestHeaders implements the SDK's HttpContext: it reads the
// request headers once, decides, counts, and writes both carriers of the
// lane, the lane header and the baggage member.
func (h *httpContext) OnHttpRequestHeaders(int, bool) action {
	p := h.plugin
	if p.table == nil {
		return actionContinue
	}
	req := readRequestHeaders(p.table.LaneHeader())
	d := p.table.Decide(&req, lane.RuntimeRandom{})
	p.counters[d.Lane].Increment(1)
	if d.Cause != lane.CauseTrusted { // the lane header is decided, or taken from baggage
		if !setRequestHeader(p.table.LaneHeader(), d.Name, req.laneHeaders) {
			return actionContinue
		}
		p.clearRouteCache()
	}
	if b := p.table.Baggage(req.baggage, d); b != req.baggage || req.baggageHeaders > 1 {
		setRequestHeader(lane.BaggageHeader, b, req.baggageHeaders)
		h.baggage = b
	}
	h.setCookies = d.SetCookies
	return actionContinue
}

// setRequestHeader leaves exactly one header name with value, whichever
// number n of them the request had. A host's replace may keep later
// duplicates (Envoy did before http_set_copy_replace_all_headers, the SDKs'
// emulators do) and its remove may take only the first, so duplicates are
// removed one by one first.
func setRequestHeader(name, value string, n int) bool {
	for ; n > 1; n-- {
		if err := removeHttpRequestHeader(name); err != nil {
			logWarnf("graylane lane filter: removing %s: %v", name, err)
			return false
		}
	}
	if err := replaceHttpRequestHeader(name, value); err != nil {
		logWarnf("graylane lane filter: setting %s: %v", name, err)
		return false
	}
	return true
}

// OnHttpResponseHeaders adds the sticky cookies generated for the request.
func (h *httpContext) OnHttpResponseHeaders(int, bool) action {
	for _, c := range h.setCookies {
		if err := addHttpResponseHeader("set-cookie", c); err != nil {
			logWarnf("graylane lane filter: adding set-cookie: %v", err)
		}
	}
	return actionContinue
}

// requestHeaders are the current request's headers, read from the host in
// one call. Get returns the first value of a header, as the host's
// single-header read does, except for baggage, whose values are joined.
type requestHeaders struct {
	pairs          [][2]string
	laneHeaders    int    // number of lane headers
	baggage        string // every baggage header, joined with ","
	baggageHeaders int    // number of baggage headers
}

var _ lane.Headers = (*requestHeaders)(nil)

// readRequestHeaders reads the request headers; a host that cannot give
// them (none is not an error) is logged and the request decided without.
func readRequestHeaders(laneHeader string) requestHeaders {
	pairs, err := getHttpRequestHeaders()
	if err != nil && !isNotFound(err) {
		logWarnf("graylane lane filter: reading the request headers: %v", err)
	}
	r := requestHeaders{pairs: pairs}
	for _, kv := range pairs {
		switch {
		case equalFold(kv[0], laneHeader):
			r.laneHeaders++
		case equalFold(kv[0], lane.BaggageHeader):
			r.addBaggage(kv[1])
		}
	}
	return r
}

func (r *requestHeaders) addBaggage(v string) {
	r.baggageHeaders++
	switch {
	case v == "":
	case r.baggage == "":
		r.baggage = v
	default:
		r.baggage += "," + v
	}
}

// Get implements lane.Headers.
func (r *requestHeaders) Get(name string) (string, bool) {
	if name == lane.BaggageHeader {
		return r.baggage, r.baggage != ""
	}
	for _, kv := range r.pairs {
		if equalFold(kv[0], name) {
			return kv[1], kv[1] != ""
		}
	}
	return "", false
}

// equalFold compares header names; hosts give them in lower case already.
func equalFold(a, b string) bool { return len(a) == len(b) && strings.EqualFold(a, b) }
