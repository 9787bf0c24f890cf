//go:build tinygo || tinygosdk

package main

import (
	"github.com/graylane/graylane/cmd/wasm-filter/lane"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

func init() {
	proxywasm.SetVMContext(&vmContext{})
}

// vmContext creates one pluginContext per filter configuration.
type vmContext struct {
	types.DefaultVMContext
}

// NewPluginContext implements types.VMContext.
func (*vmContext) NewPluginContext(uint32) types.PluginContext {
	return &pluginContext{}
}

// pluginContext holds the decision table and the per-lane counters of one
// filter configuration.
type pluginContext struct {
	types.DefaultPluginContext
	table         *lane.Table
	counters      []proxywasm.MetricCounter
	routeCacheErr bool // clear_route_cache failed once and was logged
}

// OnPluginStart parses the configuration and defines the counters; a bad
// configuration fails the start and leaves nothing half-applied.
func (p *pluginContext) OnPluginStart(size int) types.OnPluginStartStatus {
	var data []byte
	if size > 0 {
		var err error
		if data, err = proxywasm.GetPluginConfiguration(); err != nil {
			proxywasm.LogCriticalf("graylane lane filter: reading the configuration: %v", err)
			return types.OnPluginStartStatusFailed
		}
	}
	table, err := lane.Parse(data)
	if err != nil {
		proxywasm.LogCriticalf("graylane lane filter: %s", lane.LogLine(err))
		return types.OnPluginStartStatusFailed
	}
	counters := make([]proxywasm.MetricCounter, table.NumLanes())
	for i := range counters {
		counters[i] = proxywasm.DefineCounterMetric(lane.MetricName(table.LaneName(i)))
	}
	p.table, p.counters = table, counters
	proxywasm.LogInfof("graylane lane filter: %d lanes, lane header %q, thresholds %v",
		table.NumLanes()-1, table.LaneHeader(), table.Thresholds())
	return types.OnPluginStartStatusOK
}

// NewHttpContext implements types.PluginContext.
func (p *pluginContext) NewHttpContext(uint32) types.HttpContext {
	return &httpContext{plugin: p}
}

// clearRouteCache asks Envoy (>= 1.33) to pick the route again now that the
// lane header is set. Older hosts lack the function; that is logged once.
func (p *pluginContext) clearRouteCache() {
	if _, err := proxywasm.CallForeignFunction("clear_route_cache", nil); err != nil && !p.routeCacheErr {
		p.routeCacheErr = true
		proxywasm.LogDebugf("graylane lane filter: clear_route_cache: %v", err)
	}
}

// httpContext decides the lane of one request.
type httpContext struct {
	types.DefaultHttpContext
	plugin     *pluginContext
	setCookies []string
}

// OnHttpRequestHeaders implements types.HttpContext.
func (h *httpContext) OnHttpRequestHeaders(int, bool) types.Action {
	p := h.plugin
	if p.table == nil {
		return types.ActionContinue
	}
	d := p.table.Decide(requestHeaders{}, lane.RuntimeRandom{})
	p.counters[d.Lane].Increment(1)
	if d.Keep {
		return types.ActionContinue
	}
	if err := proxywasm.ReplaceHttpRequestHeader(p.table.LaneHeader(), d.Name); err != nil {
		proxywasm.LogWarnf("graylane lane filter: setting %s: %v", p.table.LaneHeader(), err)
		return types.ActionContinue
	}
	p.clearRouteCache()
	h.setCookies = d.SetCookies
	return types.ActionContinue
}

// OnHttpResponseHeaders adds the sticky cookies generated for the request.
func (h *httpContext) OnHttpResponseHeaders(int, bool) types.Action {
	for _, c := range h.setCookies {
		if err := proxywasm.AddHttpResponseHeader("set-cookie", c); err != nil {
			proxywasm.LogWarnf("graylane lane filter: adding set-cookie: %v", err)
		}
	}
	return types.ActionContinue
}

// requestHeaders reads the current request's headers from the host.
type requestHeaders struct{}

// Get implements lane.Headers.
func (requestHeaders) Get(name string) (string, bool) {
	v, err := proxywasm.GetHttpRequestHeader(name)
	return v, err == nil && v != ""
}
