package loadtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

// heapProfileRate is the sampling rate of heap profiles the tool writes:
// a sample every 4 KiB allocated on average, fine enough to see a few
// hundred bytes per client across a thousand clients.
const heapProfileRate = 4096

// profileHeap samples allocations finely enough for per-client costs
// when the run writes heap profiles, from before the control plane
// starts, as the runtime wants; the returned func puts the rate back.
func (c Config) profileHeap() (restore func()) {
	if c.HeapProfiles == "" {
		return func() {}
	}
	was := runtime.MemProfileRate
	runtime.MemProfileRate = heapProfileRate
	return func() { runtime.MemProfileRate = was }
}

// checkHeapProfiles wants the folder for heap profiles to be one the run
// can write to, before the run.
func (c Config) checkHeapProfiles() error {
	if c.HeapProfiles == "" {
		return nil
	}
	f, err := os.CreateTemp(c.HeapProfiles, ".writable-*")
	if err != nil {
		return fmt.Errorf("heap profiles %s: %w", c.HeapProfiles, err)
	}
	return errors.Join(f.Close(), os.Remove(f.Name()))
}

// writeHeapProfile writes the control plane's heap profile, as of the
// garbage collection just made, to the run's folder as server-stage.pprof.
func (ru *run) writeHeapProfile(server, stage string) error {
	if ru.cfg.HeapProfiles == "" {
		return nil
	}
	path := filepath.Join(ru.cfg.HeapProfiles, fmt.Sprintf("%s-%s.pprof", server, stage))
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	err = pprof.Lookup("heap").WriteTo(f, 0)
	return errors.Join(err, f.Close())
}
