// Package metrics defines Graylane's Prometheus metrics. They live in a
// registry of their own, served at /metrics by the admin server and, when
// one is set, by the metrics server.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the control plane's metrics.
type Metrics struct {
	Registry *prometheus.Registry

	// SnapshotBuilds counts snapshot builds that were published.
	SnapshotBuilds prometheus.Counter
	// SnapshotBuildErrors counts builds that failed, leaving the last good
	// snapshot in place.
	SnapshotBuildErrors prometheus.Counter
	// BuildDuration times whole builds: merge, validate, translate, snapshot.
	BuildDuration prometheus.Histogram
	// ConfigErrors counts configurations rejected, by source.
	ConfigErrors *prometheus.CounterVec
	// ConfigValid is 1 while the latest configuration is in effect, 0 while
	// a rejected one is waiting to be fixed.
	ConfigValid prometheus.Gauge
	// Resources is the number of resources served, by role and type.
	Resources *prometheus.GaugeVec
	// Clients is the number of connected xDS streams, by role.
	Clients *prometheus.GaugeVec
	// Pushes counts responses sent, by type.
	Pushes *prometheus.CounterVec
	// Acks and Nacks count client replies, by type.
	Acks  *prometheus.CounterVec
	Nacks *prometheus.CounterVec
	// Refusals counts xDS streams ended for breaking the role policy or a
	// limit, by gRPC status code.
	Refusals *prometheus.CounterVec
	// SlowClients counts clients disconnected for not reading their
	// responses.
	SlowClients prometheus.Counter
	// TLSReloads counts reads of the TLS files after a change, by result
	// (ok, error: the last good files stay in use).
	TLSReloads *prometheus.CounterVec
	// LogsDropped counts client event log lines left out past the rate
	// limit, by message.
	LogsDropped *prometheus.CounterVec
	// LaneFallback is 1 while a lane version has no endpoint and its
	// requests go to the service's baseline, 0 while it has one.
	LaneFallback *prometheus.GaugeVec
}

// New creates the metrics in a fresh registry, with Go and process metrics.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		SnapshotBuilds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graylane_snapshot_builds_total", Help: "Snapshot builds published to clients.",
		}),
		SnapshotBuildErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graylane_snapshot_build_errors_total", Help: "Snapshot builds that failed; the last good snapshot stays.",
		}),
		BuildDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "graylane_snapshot_build_duration_seconds", Help: "Time to validate, translate and snapshot a configuration.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
		ConfigErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graylane_config_errors_total", Help: "Configurations rejected, by source.",
		}, []string{"source"}),
		ConfigValid: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "graylane_config_valid", Help: "1 when the latest configuration is served, 0 when it was rejected.",
		}),
		Resources: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "graylane_snapshot_resources", Help: "Resources in the current snapshot, by role and type.",
		}, []string{"role", "type"}),
		Clients: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "graylane_xds_clients", Help: "Connected xDS streams, by role.",
		}, []string{"role"}),
		Pushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graylane_xds_pushes_total", Help: "xDS responses sent, by type.",
		}, []string{"type"}),
		Acks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graylane_xds_acks_total", Help: "xDS responses acknowledged, by type.",
		}, []string{"type"}),
		Nacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graylane_xds_nacks_total", Help: "xDS responses rejected by clients, by type.",
		}, []string{"type"}),
		Refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graylane_xds_refusals_total", Help: "xDS streams ended for breaking the role policy or a limit, by gRPC status code.",
		}, []string{"code"}),
		SlowClients: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graylane_xds_slow_clients_total", Help: "xDS clients disconnected for not reading their responses.",
		}),
		TLSReloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graylane_tls_reloads_total", Help: "Reads of the TLS certificate, key and client CA after a change, by result.",
		}, []string{"result"}),
		LogsDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graylane_xds_log_lines_dropped_total", Help: "Client event log lines left out past the rate limit, by message.",
		}, []string{"message"}),
		LaneFallback: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "graylane_lane_fallback", Help: "1 while a lane version has no endpoint and its requests go to the baseline, by service and version.",
		}, []string{"service", "version"}),
	}
	m.Registry.MustRegister(
		m.SnapshotBuilds, m.SnapshotBuildErrors, m.BuildDuration, m.ConfigErrors, m.ConfigValid,
		m.Resources, m.Clients, m.Pushes, m.Acks, m.Nacks, m.Refusals, m.SlowClients, m.TLSReloads,
		m.LogsDropped, m.LaneFallback,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// WatchEgressViews registers the sidecar egress views views reports: how
// many there are, and how many times a sidecar was served every service
// for want of room for its view.
func (m *Metrics) WatchEgressViews(views func() (int, int64)) {
	m.Registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "graylane_egress_views", Help: "Sidecar egresses served views of their own.",
		}, func() float64 { n, _ := views(); return float64(n) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "graylane_egress_views_exhausted_total", Help: "Sidecars served every service because every egress view was in use.",
		}, func() float64 { _, n := views(); return float64(n) }),
	)
}
