//go:build tinygosdk && !tinygo

package main

import (
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// prepareModules has nothing to build: TinyGo, which builds the module of
// this entry point, is not needed to test it natively.
func prepareModules() (cleanup func(), err error) { return func() {}, nil }

// testHosts runs the TinyGo entry point natively on
// github.com/tetratelabs/proxy-wasm-go-sdk's proxytest emulator.
func testHosts(*testing.T) []hostFactory {
	return []hostFactory{
		{"tinygo-sdk-native", func(t *testing.T, config string) host {
			return newEmulatorHost(t, &vmContext{}, config)
		}},
	}
}

// emulatorHost is a host on github.com/tetratelabs/proxy-wasm-go-sdk's
// proxytest emulator.
type emulatorHost struct {
	t      *testing.T
	emu    proxytest.HostEmulator
	reset  func()
	clears int
}

func newEmulatorHost(t *testing.T, vm types.VMContext, config string) host {
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
	id := h.emu.InitializeHttpContext()
	if a := h.emu.CallOnRequestHeaders(id, req, false); a != types.ActionContinue {
		h.t.Fatalf("request headers: action %v", a)
	}
	if a := h.emu.CallOnResponseHeaders(id, [][2]string{{":status", "200"}}, false); a != types.ActionContinue {
		h.t.Fatalf("response headers: action %v", a)
	}
	upstream, downstream = h.emu.GetCurrentRequestHeaders(id), h.emu.GetCurrentResponseHeaders(id)
	h.emu.CompleteHttpContext(id)
	return upstream, downstream
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
