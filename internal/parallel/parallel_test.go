package parallel

import (
	"sync/atomic"
	"testing"
)

func TestForCallsEveryStepOnce(t *testing.T) {
	for _, n := range []int{0, 1, 63, 64, 1000, 4097} {
		calls := make([]atomic.Int32, n)
		For(n, 64, func(i int) { calls[i].Add(1) })
		for i := range calls {
			if got := calls[i].Load(); got != 1 {
				t.Fatalf("n=%d: step %d called %d times", n, i, got)
			}
		}
	}
}
