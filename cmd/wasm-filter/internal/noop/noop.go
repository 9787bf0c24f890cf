// Package noop is a proxy-wasm HTTP filter that does nothing. Graylane's
// lane filter benchmarks run it in the same harness as the lane filter, so
// the ratio of the two isolates the cost of the lane decision from the cost
// of the SDK and the host.
package noop

import "github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

// VMContext returns the no-op filter's VM context.
func VMContext() types.VMContext { return &vmContext{} }

type vmContext struct {
	types.DefaultVMContext
}

func (*vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginContext{} }

type pluginContext struct {
	types.DefaultPluginContext
}

func (*pluginContext) NewHttpContext(uint32) types.HttpContext { return &types.DefaultHttpContext{} }
