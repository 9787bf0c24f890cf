package kubernetes

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
)

// statusWriter writes the statuses of the latest build, while this replica
// holds the Lease: the Accepted condition of Lanes, and Graylane's parent
// statuses of HTTPRoutes. Every replica builds the same statuses; only the
// leader writes them.
type statusWriter struct {
	client client.Client
	log    *zap.Logger
	notify chan struct{}

	mu     sync.Mutex
	lanes  []laneResult
	routes []routeResult

	// leading lets one election's writer end before the next one's starts.
	leading sync.Mutex
}

// statusRetry is how soon a failed write (a conflict, an unreachable API
// server) is tried again.
const statusRetry = time.Second

func newStatusWriter(c client.Client, log *zap.Logger) *statusWriter {
	return &statusWriter{client: c, log: log, notify: make(chan struct{}, 1)}
}

// set hands over the statuses of a build.
func (w *statusWriter) set(lanes []laneResult, routes []routeResult) {
	w.mu.Lock()
	w.lanes, w.routes = lanes, routes
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
	w.log.Info("leading: writing Lane and HTTPRoute statuses")
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

// writeAll writes every status that differs from what is written; it
// reports whether all writes succeeded.
func (w *statusWriter) writeAll(ctx context.Context) bool {
	w.mu.Lock()
	lanes, routes := w.lanes, w.routes
	w.mu.Unlock()
	ok := true
	for _, l := range lanes {
		if err := w.writeLane(ctx, l); err != nil {
			w.log.Info("lane status not written; retrying", zap.String("lane", l.name), zap.Error(err))
			ok = false
		}
	}
	for _, r := range routes {
		if err := w.writeRoute(ctx, r); err != nil {
			w.log.Info("HTTPRoute status not written; retrying", zap.Stringer("route", r.route), zap.Error(err))
			ok = false
		}
	}
	return ok
}
