package providers

import (
	"context"
	"time"
)

// Coalescer turns a burst of change notifications into one reload: it fires
// once the notifications have been quiet for HoldOff, or MaxDelay after the
// first one of the burst, whichever comes first.
type Coalescer struct {
	HoldOff  time.Duration
	MaxDelay time.Duration
}

// DefaultCoalescer waits for 100 ms of quiet, and at most 1 s.
func DefaultCoalescer() Coalescer {
	return Coalescer{HoldOff: 100 * time.Millisecond, MaxDelay: time.Second}
}

// Run calls fire for each burst received on events until ctx ends or events
// is closed. fire runs on Run's goroutine.
func (c Coalescer) Run(ctx context.Context, events <-chan struct{}, fire func()) {
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-events:
			if !ok {
				return
			}
		}
		if !c.waitQuiet(ctx, events) {
			return
		}
		fire()
	}
}

// waitQuiet absorbs the rest of a burst. It returns false when Run must stop.
func (c Coalescer) waitQuiet(ctx context.Context, events <-chan struct{}) bool {
	deadline := time.NewTimer(c.MaxDelay)
	defer deadline.Stop()
	quiet := time.NewTimer(c.HoldOff)
	defer quiet.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case _, ok := <-events:
			if !ok {
				return false
			}
			quiet.Reset(c.HoldOff)
		case <-quiet.C:
			return true
		case <-deadline.C:
			return true
		}
	}
}
