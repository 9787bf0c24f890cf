// Package parallel runs independent steps of one job on every core.
package parallel

import (
	"runtime"
	"sync"
)

// For calls f(0) to f(n-1) on every core, a worker per grain steps (and
// at most one per core); it returns when every call has. Calls must not
// depend on one another. Workers take runs of steps in turn: a run keeps
// a worker's writes to neighbouring elements off the other workers' cache
// lines, and taking turns shares out uneven steps.
func For(n, grain int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n/grain+1)
	if workers == 1 {
		run(0, n, 1, f)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { run(w*stepsARun, n, workers, f) })
	}
	wg.Wait()
}

// stepsARun is how many consecutive steps a worker takes at a time.
const stepsARun = 64

// run calls f for the steps of the runs that begin at from, every
// workers runs.
func run(from, n, workers int, f func(i int)) {
	for start := from; start < n; start += workers * stepsARun {
		for i := start; i < min(start+stepsARun, n); i++ {
			f(i)
		}
	}
}
