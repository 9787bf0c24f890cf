package benchconfig

import (
	"syscall"
	"testing"
	"time"
)

// Loop runs f b.N times and reports, besides the wall time, the process's
// CPU time per operation (user and system, every thread: GC included) as
// "cpu-ns/op": a figure that other work on a shared machine disturbs less.
func Loop(b *testing.B, f func()) {
	b.Helper()
	b.ReportAllocs()
	start := cpuTime()
	n := 0
	for b.Loop() {
		f()
		n++
	}
	b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(n), "cpu-ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
