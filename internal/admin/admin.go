// Package admin is Graylane's admin HTTP server: health and readiness,
// Prometheus metrics, and debug views of the snapshots served and the
// clients connected. The control plane serves it on loopback by default;
// the probes and metrics can also be served on a listener of their own.
package admin

import (
	"encoding/json"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/graylane/graylane/internal/pipeline"
	"github.com/graylane/graylane/internal/xdsserver"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/snapshot"
)

// StatusReporter tells whether the first snapshots are built and what
// configuration problems are pending.
type StatusReporter interface {
	Status() pipeline.Status
}

// SnapshotReader returns a role's current snapshot.
type SnapshotReader interface {
	Current(role model.Role) *snapshot.Snapshot
}

// ClientLister lists the connected xDS clients.
type ClientLister interface {
	Clients() []xdsserver.ClientStatus
}

var (
	_ StatusReporter = (*pipeline.Pipeline)(nil)
	_ SnapshotReader = (*snapshot.Cache)(nil)
	_ ClientLister   = (*xdsserver.Server)(nil)
)

// Sources are what the admin server reports on.
type Sources struct {
	Status    StatusReporter
	Snapshots SnapshotReader
	Clients   ClientLister
	Metrics   *prometheus.Registry
}

// NewHandler returns the admin server's handler for src: probes, metrics
// and the debug views, which show every role's configuration and so
// belong on loopback.
func NewHandler(src Sources) http.Handler {
	mux := probesAndMetrics(src)
	mux.HandleFunc("GET /debug/snapshot", debugSnapshot(src.Status, src.Snapshots))
	mux.HandleFunc("GET /debug/clients", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, src.Clients.Clients()) })
	return mux
}

// NewMetricsHandler returns the handler of the metrics server: /metrics,
// /healthz and /readyz, none of which shows configuration, so that it can
// listen where Prometheus and the kubelet reach it.
func NewMetricsHandler(src Sources) http.Handler { return probesAndMetrics(src) }

func probesAndMetrics(src Sources) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", readyz(src.Status))
	mux.Handle("GET /metrics", promhttp.HandlerFor(src.Metrics, promhttp.HandlerOpts{Registry: src.Metrics}))
	return mux
}

func readyz(st StatusReporter) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if !st.Status().Ready {
			http.Error(w, "no snapshot built yet", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
