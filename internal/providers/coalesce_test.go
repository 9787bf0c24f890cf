package providers

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestCoalescerMergesBurstsAndBoundsTheDelay(t *testing.T) {
	c := Coalescer{HoldOff: 40 * time.Millisecond, MaxDelay: 200 * time.Millisecond}
	events := make(chan struct{})
	var fired atomic.Int32
	firedAt := make(chan time.Time, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Run(ctx, events, func() { fired.Add(1); firedAt <- time.Now() })

	// A short burst fires once, after the hold-off.
	for range 3 {
		events <- struct{}{}
		time.Sleep(5 * time.Millisecond)
	}
	<-firedAt
	time.Sleep(100 * time.Millisecond)
	if n := fired.Load(); n != 1 {
		t.Fatalf("a burst of 3 fired %d times", n)
	}

	// A burst that never goes quiet still fires by MaxDelay.
	start := time.Now()
	stop := time.After(600 * time.Millisecond)
	var first time.Time
loop:
	for {
		select {
		case <-stop:
			break loop
		case events <- struct{}{}:
			time.Sleep(10 * time.Millisecond)
		case at := <-firedAt:
			if first.IsZero() {
				first = at
			}
		}
	}
	if first.IsZero() || first.Sub(start) > 400*time.Millisecond {
		t.Errorf("an endless burst first fired after %v, want about MaxDelay (200ms)", first.Sub(start))
	}
}
