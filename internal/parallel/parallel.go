// Package parallel runs independent steps of one job on every core.
package parallel

import (
	"runtime"
	"sync"
)

// For calls f(0) to f(n-1) on every core, a worker per grain steps (and
// at most one per core), each worker taking every so many steps; it
// returns when every call has. Calls must not depend on one another.
func For(n, grain int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n/grain+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				f(i)
			}
		})
	}
	wg.Wait()
}
