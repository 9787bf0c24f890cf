//go:build !tinygo && !tinygosdk

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tetratelabs/wazero"
)

// envoyWASI are the wasi_snapshot_preview1 functions that Envoy's Wasm
// runtimes (proxy-wasm-cpp-host) provide. A module importing anything else
// fails to load in Envoy.
func envoyWASI() []string {
	return []string{
		"fd_write", "fd_read", "fd_seek", "fd_close", "fd_fdstat_get", "fd_fdstat_set_flags",
		"environ_get", "environ_sizes_get", "args_get", "args_sizes_get", "clock_time_get",
		"random_get", "proc_exit", "path_open", "fd_prestat_get", "fd_prestat_dir_name",
		"sched_yield", "poll_oneoff",
	}
}

// proxyWasmABI are the host functions of the Proxy-Wasm ABI v0.2.1
// specification (github.com/proxy-wasm/spec, abi-versions/v0.2.1), module
// "env", in the order the specification lists them.
func proxyWasmABI() []string {
	return []string{
		"proxy_done", "proxy_set_effective_context", "proxy_log", "proxy_get_log_level",
		"proxy_get_current_time_nanoseconds", "proxy_set_tick_period_milliseconds",
		"proxy_set_buffer_bytes", "proxy_get_buffer_bytes", "proxy_get_buffer_status",
		"proxy_get_header_map_size", "proxy_get_header_map_pairs", "proxy_set_header_map_pairs",
		"proxy_get_header_map_value", "proxy_add_header_map_value", "proxy_replace_header_map_value",
		"proxy_remove_header_map_value", "proxy_continue_stream", "proxy_close_stream",
		"proxy_send_local_response", "proxy_http_call", "proxy_grpc_call", "proxy_grpc_stream",
		"proxy_grpc_send", "proxy_grpc_cancel", "proxy_grpc_close", "proxy_get_status",
		"proxy_set_shared_data", "proxy_get_shared_data", "proxy_register_shared_queue",
		"proxy_resolve_shared_queue", "proxy_enqueue_shared_queue", "proxy_dequeue_shared_queue",
		"proxy_define_metric", "proxy_record_metric", "proxy_increment_metric", "proxy_get_metric",
		"proxy_get_property", "proxy_set_property", "proxy_call_foreign_function",
	}
}

// allowedImports are the imports Envoy can satisfy, by module.
func allowedImports() map[string][]string {
	return map[string][]string{"wasi_snapshot_preview1": envoyWASI(), "env": proxyWasmABI()}
}

// strayImports returns the "module.name" imports outside allowed.
func strayImports(imports [][2]string, allowed map[string][]string) []string {
	var stray []string
	for _, imp := range imports {
		if !slices.Contains(allowed[imp[0]], imp[1]) {
			stray = append(stray, imp[0]+"."+imp[1])
		}
	}
	return stray
}

// moduleImports lists the functions a compiled module imports.
func moduleImports(t *testing.T, wasm []byte) [][2]string {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	compiled, err := r.CompileModule(ctx, wasm)
	if err != nil {
		t.Fatalf("compiling the module: %v", err)
	}
	var imports [][2]string
	for _, f := range compiled.ImportedFunctions() {
		module, name, _ := f.Import()
		imports = append(imports, [2]string{module, name})
	}
	return imports
}

// TestModuleLoadsInEnvoy fails when the lane filter imports a function that
// Envoy does not provide.
func TestModuleLoadsInEnvoy(t *testing.T) {
	imports := moduleImports(t, readModule(t, filterModuleEnv))
	if len(imports) == 0 {
		t.Fatal("the module imports nothing; the import list cannot be right")
	}
	if stray := strayImports(imports, allowedImports()); len(stray) > 0 {
		t.Errorf("imports Envoy does not provide: %v", stray)
	}
	t.Logf("%d imports, all provided by Envoy: %v", len(imports), imports)
}

// TestStrayImportsCaught shows that the guard rejects what Envoy lacks: on
// a fake import list, and on a real module whose os.Stat call imports
// wasi_snapshot_preview1.path_filestat_get.
func TestStrayImportsCaught(t *testing.T) {
	imports := [][2]string{
		{"wasi_snapshot_preview1", "fd_write"},
		{"wasi_snapshot_preview1", "path_filestat_get"},
		{"env", "proxy_log"},
		{"env", "proxy_clear_route_cache"},
		{"gojs", "runtime.wasmExit"},
	}
	got := strayImports(imports, allowedImports())
	want := []string{"wasi_snapshot_preview1.path_filestat_get", "env.proxy_clear_route_cache", "gojs.runtime.wasmExit"}
	if !slices.Equal(got, want) {
		t.Errorf("strayImports = %v, want %v", got, want)
	}

	stray := strayImports(moduleImports(t, buildStatModule(t)), allowedImports())
	if !slices.Contains(stray, "wasi_snapshot_preview1.path_filestat_get") {
		t.Errorf("a module calling os.Stat passed the guard; stray imports %v", stray)
	}
}

// buildStatModule compiles a WASI reactor that calls os.Stat.
func buildStatModule(t *testing.T) []byte {
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module stat\n\ngo 1.24\n",
		"main.go": `package main

import "os"

//go:wasmexport probe
func probe() int32 {
	if _, err := os.Stat("/"); err != nil {
		return 1
	}
	return 0
}

func main() {}
`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "stat.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOFLAGS=-mod=mod")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the os.Stat module: %v\n%s", err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
