//go:build !tinygo && !tinygosdk

package main

import (
	"testing"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

// testHosts runs the filter natively and as the compiled module on wazero.
// The module is compiled once per test and shared by its cases: every case
// creates a new plugin context in it.
func testHosts(t *testing.T) []hostFactory {
	return []hostFactory{
		{"native", func(t *testing.T, config string) host {
			return newEmulatorHost(t, &vmContext{}, config)
		}},
		{"wasm", wasmHosts(t, filterModuleEnv)},
	}
}

// wasmHosts compiles the module named by an environment variable (see
// prepareModules) into one wazero VM for the whole test.
func wasmHosts(tb testing.TB, env string) newHost {
	vm := wasmVM(tb, env)
	return func(t *testing.T, config string) host {
		return newEmulatorHost(t, vm, config)
	}
}

func wasmVM(tb testing.TB, env string) types.VMContext {
	vm, err := proxytest.NewWasmVMContext(readModule(tb, env))
	if err != nil {
		tb.Fatalf("loading %s: %v", env, err)
	}
	tb.Cleanup(func() { vm.Close() })
	return vm
}

// emulatorHost is a host on github.com/proxy-wasm/proxy-wasm-go-sdk's
// proxytest emulator.
type emulatorHost struct {
	t      testing.TB
	emu    proxytest.HostEmulator
	reset  func()
	clears int
}

func newEmulatorHost(t testing.TB, vm types.VMContext, config string) *emulatorHost {
	opt := proxytest.NewEmulatorOption().WithVMContext(vm).WithPluginConfiguration([]byte(config))
	emu, reset := proxytest.NewHostEmulator(opt)
	h := &emulatorHost{t: t, emu: emu, reset: reset}
	// Envoy's clear_route_cache returns no data; the emulator needs a
	// non-empty result.
	emu.RegisterForeignFunction("clear_route_cache", func([]byte) []byte {
		h.clears++
		return []byte{1}
	})
	t.Cleanup(h.close)
	return h
}

func (h *emulatorHost) start() bool {
	return h.emu.StartVM() == types.OnVMStartStatusOK && h.emu.StartPlugin() == types.OnPluginStartStatusOK
}

func (h *emulatorHost) exchange(req [][2]string) (upstream, downstream [][2]string) {
	id := h.serve(req)
	upstream, downstream = h.emu.GetCurrentRequestHeaders(id), h.emu.GetCurrentResponseHeaders(id)
	h.emu.CompleteHttpContext(id)
	return upstream, downstream
}

// serve runs request and response headers through a new HTTP stream and
// returns its id.
func (h *emulatorHost) serve(req [][2]string) uint32 {
	id := h.emu.InitializeHttpContext()
	if a := h.emu.CallOnRequestHeaders(id, req, false); a != types.ActionContinue {
		h.t.Fatalf("request headers: action %v", a)
	}
	if a := h.emu.CallOnResponseHeaders(id, [][2]string{{":status", "200"}}, false); a != types.ActionContinue {
		h.t.Fatalf("response headers: action %v", a)
	}
	return id
}

func (h *emulatorHost) counter(name string) (uint64, error) { return h.emu.GetCounterMetric(name) }
func (h *emulatorHost) criticalLogs() []string              { return h.emu.GetCriticalLogs() }
func (h *emulatorHost) routeCacheClears() int               { return h.clears }

func (h *emulatorHost) close() {
	if h.reset != nil {
		h.reset()
		h.reset = nil
	}
}
