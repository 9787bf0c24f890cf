package kubernetes

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
)

// statusWriter writes what the latest build wants written, while this
// replica holds the Lease: the statuses of Lanes, GatewayClasses,
// Gateways, and Graylane's parent statuses of routes; and the last good
// states. Every replica builds the same; only the leader writes.
type statusWriter struct {
	client client.Client
	// stored reads the last good states written.
	stored client.Reader
	log    *zap.Logger
	notify chan struct{}

	mu     sync.Mutex
	latest *result

	// leading lets one election's writer end before the next one's starts.
	leading sync.Mutex
}

// statusRetry is how soon a failed write (a conflict, an unreachable API
// server) is tried again.
const statusRetry = time.Second

func newStatusWriter(c client.Client, stored client.Reader, log *zap.Logger) *statusWriter {
	return &statusWriter{client: c, stored: stored, log: log, notify: make(chan struct{}, 1)}
}

// set hands over what a build wants written.
func (w *statusWriter) set(res *result) {
	w.mu.Lock()
	w.latest = res
	w.mu.Unlock()
	w.poke()
}

func (w *statusWriter) poke() {
	select {
	case w.notify <- struct{}{}:
	default:
	}
}

// leader is the runnable that writes; a manager starts it once elected.
func (w *statusWriter) leader() manager.Runnable { return manager.RunnableFunc(w.lead) }

func (w *statusWriter) lead(ctx context.Context) error {
	w.leading.Lock()
	defer w.leading.Unlock()
	w.log.Info("leading: writing statuses and last good states")
	w.poke()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-w.notify:
			if !w.writeAll(ctx) && ctx.Err() == nil {
				time.AfterFunc(statusRetry, w.poke)
			}
		}
	}
}

// writeAll writes everything that differs from what is written; it
// reports whether all writes succeeded.
func (w *statusWriter) writeAll(ctx context.Context) bool {
	w.mu.Lock()
	res := w.latest
	w.mu.Unlock()
	if res == nil {
		return true
	}
	ok := true
	fail := func(what, name string, err error) {
		if err != nil {
			w.log.Info("not written; retrying", zap.String("object", what), zap.String("name", name), zap.Error(err))
			ok = false
		}
	}
	for _, l := range res.lanes {
		fail("Lane status", l.name, w.writeLane(ctx, l))
	}
	for _, c := range res.classes {
		fail("GatewayClass status", c.name, w.writeClass(ctx, c))
	}
	for _, g := range res.gateways {
		fail("Gateway status", g.key.String(), w.writeGateway(ctx, g))
	}
	for _, r := range res.routes {
		fail(r.key.kind+" status", r.key.String(), w.writeRoute(ctx, r))
	}
	if res.records != nil {
		for _, cm := range res.records.put {
			fail("last good state", cm.Name, w.writeRecord(ctx, cm))
		}
		for _, name := range res.records.del {
			fail("last good state", name, w.deleteRecord(ctx, res.records, name))
		}
	}
	return ok
}
