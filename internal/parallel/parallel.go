// Package parallel runs independent steps of one job on every core.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// For calls f(0) to f(n-1) on every core, a worker per grain steps (and
// at most one per core); it returns when every call has. Calls must not
// depend on one another. Each worker takes the next run of steps as soon
// as it is done with its last: a run keeps a worker's writes to
// neighbouring elements off the other workers' cache lines, and taking
// runs as they come shares out steps of uneven cost.
func For(n, grain int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n/grain+1)
	var next atomic.Int64
	if workers == 1 {
		run(&next, n, f)
		return
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() { run(&next, n, f) })
	}
	wg.Wait()
}

// stepsARun is how many consecutive steps a worker takes at a time.
const stepsARun = 64

// run calls f for the steps of each run it takes from next, until there
// are none left.
func run(next *atomic.Int64, n int, f func(i int)) {
	for {
		start := int(next.Add(stepsARun)) - stepsARun
		if start >= n {
			return
		}
		for i := start; i < min(start+stepsARun, n); i++ {
			f(i)
		}
	}
}
