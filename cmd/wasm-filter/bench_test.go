//go:build !tinygo && !tinygosdk

package main

import (
	"testing"

	"github.com/graylane/graylane/cmd/wasm-filter/internal/noop"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

// benchConfig has a match-rule lane sticky by header and a lane sticky by
// cookie; benchRequest reaches the cookie lane's weight, the longest path
// without a generated cookie.
const benchConfig = `{"lanes":[
  {"name":"canary","weight":10,"sticky":{"header":"x-user-id"},
   "match":[{"header":{"name":"x-debug-lane","value":"canary"}}]},
  {"name":"beta","weight":20,"sticky":{"cookie":"uid"}}]}`

func benchRequest() [][2]string {
	return baseRequest(
		[2]string{"x-user-id", "5f0e8a3c-2b1d-4c6e-9f7a-0123456789ab"},
		[2]string{"cookie", "session=xyz; uid=0123456789abcdef; theme=dark"},
	)
}

// benchBaggageRequest is benchRequest from a client that also sends
// OpenTelemetry baggage with a lane member of its own, which the filter
// strips.
func benchBaggageRequest() [][2]string {
	return append(benchRequest(),
		[2]string{"baggage", "userId=alice,tenant=acme;scope=org,graylane-lane=canary"})
}

// BenchmarkRequest is the cost of one request (request and response
// headers, stream creation and completion) through the proxytest emulator,
// for the lane filter and for the no-op filter, natively and on wazero.
// The emulator's own cost is in every figure; the ratio to no-op is the
// filter's share.
func BenchmarkRequest(b *testing.B) {
	native := func(*testing.B) types.VMContext { return &vmContext{} }
	wasm := func(b *testing.B) types.VMContext { return wasmVM(b, filterModuleEnv) }
	cases := []struct {
		name string
		vm   func(b *testing.B) types.VMContext
		req  [][2]string
	}{
		{"filter/native", native, benchRequest()},
		{"filter-baggage/native", native, benchBaggageRequest()},
		{"noop/native", func(*testing.B) types.VMContext { return noop.VMContext() }, benchRequest()},
		{"filter/wasm", wasm, benchRequest()},
		{"filter-baggage/wasm", wasm, benchBaggageRequest()},
		{"noop/wasm", func(b *testing.B) types.VMContext { return wasmVM(b, noopModuleEnv) }, benchRequest()},
	}
	for _, c := range cases {
		vm := c.vm(b) // compiled once, outside the timed runs
		b.Run(c.name, func(b *testing.B) { benchRequests(b, vm, c.req) })
	}
}

// benchRequests serves b.N requests, replacing the emulator every 10,000
// requests (outside the timer) because it keeps every stream it has seen.
// Besides ns/op it reports cpu-ns/op, the process's CPU time per request
// (all threads, the garbage collector's included, the restarts not), which
// other processes on a shared machine do not inflate as they do ns/op.
func benchRequests(b *testing.B, vm types.VMContext, req [][2]string) {
	var h *emulatorHost
	b.ReportAllocs()
	b.ResetTimer()
	cpu := -cpuTime()
	for i := 0; i < b.N; i++ {
		if i%10000 == 0 {
			b.StopTimer()
			cpu += cpuTime()
			h = restart(b, h, vm)
			cpu -= cpuTime()
			b.StartTimer()
		}
		h.emu.CompleteHttpContext(h.serve(req))
	}
	b.StopTimer()
	cpu += cpuTime()
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
	h.close()
}

func restart(b *testing.B, h *emulatorHost, vm types.VMContext) *emulatorHost {
	if h != nil {
		h.close()
	}
	h = newEmulatorHost(b, vm, benchConfig)
	if !h.start() {
		b.Fatalf("plugin start failed: %v", h.criticalLogs())
	}
	return h
}
