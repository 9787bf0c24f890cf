//go:build !tinygo && !tinygosdk

package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

const (
	// filterModuleEnv names a prebuilt lane filter module to test instead of
	// building one, for example an optimized bin/lane-filter.wasm.
	filterModuleEnv = "LANE_FILTER_WASM"
	// noopModuleEnv names a prebuilt no-op filter module for benchmarks.
	noopModuleEnv = "LANE_NOOP_WASM"
)

// prepareModules builds the lane filter module (and the no-op module when
// benchmarks run) into a temporary directory, unless the environment names
// prebuilt ones, and records their paths in the environment.
func prepareModules() (cleanup func(), err error) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "lane-filter-test")
	if err != nil {
		return nil, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	modules := map[string]string{filterModuleEnv: "."}
	if f := flag.Lookup("test.bench"); f != nil && f.Value.String() != "" {
		modules[noopModuleEnv] = "./internal/noop/wasm"
	}
	var errs []error
	for env, pkg := range modules {
		errs = append(errs, buildModule(env, pkg, dir))
	}
	if err := errors.Join(errs...); err != nil {
		cleanup()
		return nil, err
	}
	return cleanup, nil
}

// buildModule compiles pkg for wasip1 as a WASI reactor, the same way as
// `make wasm`, and sets env to its path unless env is already set.
func buildModule(env, pkg, dir string) error {
	if os.Getenv(env) != "" {
		return nil
	}
	out := filepath.Join(dir, filepath.Base(env)+".wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building %s for wasip1: %w\n%s", pkg, err, msg)
	}
	return os.Setenv(env, out)
}

// readModule reads the module whose path env holds.
func readModule(tb testing.TB, env string) []byte {
	tb.Helper()
	path := os.Getenv(env)
	if path == "" {
		tb.Fatalf("%s is not set; run with -bench to build the no-op module", env)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("reading %s: %v", env, err)
	}
	return b
}
