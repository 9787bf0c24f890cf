package main

import "github.com/graylane/graylane/cmd/wasm-filter/lane"

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
	routeCacheErr bool // clear_route_cache failed once and was logged
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
	counters := make([]metricCounter, table.NumLanes())
	for i := range counters {
		counters[i] = defineCounterMetric(lane.MetricName(table.LaneName(i)))
	}
	p.table, p.counters = table, counters
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
}

// OnHttpRequestHeaders implements the SDK's HttpContext.
func (h *httpContext) OnHttpRequestHeaders(int, bool) action {
	p := h.plugin
	if p.table == nil {
		return actionContinue
	}
	d := p.table.Decide(requestHeaders{}, lane.RuntimeRandom{})
	p.counters[d.Lane].Increment(1)
	if d.Keep {
		return actionContinue
	}
	if err := replaceHttpRequestHeader(p.table.LaneHeader(), d.Name); err != nil {
		logWarnf("graylane lane filter: setting %s: %v", p.table.LaneHeader(), err)
		return actionContinue
	}
	p.clearRouteCache()
	h.setCookies = d.SetCookies
	return actionContinue
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

// requestHeaders reads the current request's headers from the host.
type requestHeaders struct{}

// Get implements lane.Headers.
func (requestHeaders) Get(name string) (string, bool) {
	v, err := getHttpRequestHeader(name)
	return v, err == nil && v != ""
}
