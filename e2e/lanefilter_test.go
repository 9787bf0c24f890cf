package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

// laneFilterWASM names a prebuilt lane filter module to use instead of
// building one (as cmd/wasm-filter's tests read it).
const laneFilterWASM = "LANE_FILTER_WASM"

// compiledFilter is the lane filter module, built once per test binary.
var compiledFilter struct {
	once sync.Once
	vm   types.VMContext
	err  error
}

// laneFilterVM is the lane filter compiled to wasm, the way `make wasm`
// builds it, loaded on wazero by proxy-wasm-go-sdk's host emulator.
func laneFilterVM(t *testing.T) types.VMContext {
	t.Helper()
	compiledFilter.once.Do(func() {
		module, err := buildLaneFilter()
		if err == nil {
			compiledFilter.vm, err = proxytest.NewWasmVMContext(module)
		}
		compiledFilter.err = err
	})
	if compiledFilter.err != nil {
		t.Fatalf("the lane filter module: %v", compiledFilter.err)
	}
	return compiledFilter.vm
}

func buildLaneFilter() ([]byte, error) {
	if path := os.Getenv(laneFilterWASM); path != "" {
		return os.ReadFile(path)
	}
	_, here, _, _ := runtime.Caller(0)
	dir, err := os.MkdirTemp("", "lane-filter-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "lane-filter.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, ".")
	cmd.Dir = filepath.Join(filepath.Dir(filepath.Dir(here)), "cmd", "wasm-filter")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the lane filter for wasip1: %w\n%s", err, msg)
	}
	return os.ReadFile(out)
}

// usersInLanes runs n requests of users user-0 ... user-(n-1), each with
// its id in header, through the compiled lane filter configured with the
// configuration a control plane served, and returns the lane the filter
// put each user in.
func usersInLanes(t *testing.T, config string, header string, n int) []string {
	t.Helper()
	opt := proxytest.NewEmulatorOption().WithVMContext(laneFilterVM(t)).WithPluginConfiguration([]byte(config))
	host, reset := proxytest.NewHostEmulator(opt)
	defer reset()
	host.RegisterForeignFunction("clear_route_cache", func([]byte) []byte { return []byte{1} })
	if host.StartVM() != types.OnVMStartStatusOK || host.StartPlugin() != types.OnPluginStartStatusOK {
		t.Fatalf("the lane filter refused the served configuration %s: %v", config, host.GetCriticalLogs())
	}
	lanes := make([]string, n)
	for i := range n {
		id := host.InitializeHttpContext()
		req := [][2]string{{":method", "GET"}, {":path", "/"}, {":authority", "www.example.com"}, {header, fmt.Sprintf("user-%d", i)}}
		if a := host.CallOnRequestHeaders(id, req, false); a != types.ActionContinue {
			t.Fatalf("request headers: action %v", a)
		}
		for _, h := range host.GetCurrentRequestHeaders(id) {
			if strings.EqualFold(h[0], "x-canary") {
				lanes[i] = h[1]
			}
		}
		host.CompleteHttpContext(id)
		if lanes[i] == "" {
			t.Fatalf("user %d: the filter set no lane", i)
		}
	}
	return lanes
}
