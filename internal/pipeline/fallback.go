package pipeline

import (
	"go.uber.org/zap"

	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/translators"
)

// laneVersion names a version of a service.
type laneVersion struct{ service, version string }

// recordFallbacks reports which lane versions of the published
// configuration fall back to their baseline: in the graylane_lane_fallback
// metric, in the status, and in a log line when one starts or stops. Only
// what changed since the last publication touches the metric.
func (p *Pipeline) recordFallbacks(cfg *model.Config) {
	next := map[laneVersion]bool{}
	var active []string
	for _, f := range translators.Fallbacks(cfg) {
		key := laneVersion{f.Service, f.Version}
		next[key] = f.Active
		if was, known := p.fallbacks[key]; !known || was != f.Active {
			p.metrics.LaneFallback.WithLabelValues(f.Service, f.Version).Set(gauge(f.Active))
			p.logFallback(f, known)
		}
		if f.Active {
			active = append(active, f.Service+"/"+f.Version)
		}
	}
	for key := range p.fallbacks {
		if _, ok := next[key]; !ok {
			p.metrics.LaneFallback.DeleteLabelValues(key.service, key.version)
		}
	}
	p.fallbacks, p.status.LaneFallbacks = next, active
}

// logFallback logs a lane version that starts falling back, or that stops
// after it had.
func (p *Pipeline) logFallback(f translators.Fallback, known bool) {
	fields := []zap.Field{zap.String("service", f.Service), zap.String("version", f.Version), zap.String("lane", f.Lane)}
	switch {
	case f.Active:
		p.log.Warn("lane version has no endpoint; its requests go to the baseline", fields...)
	case known:
		p.log.Info("lane version has endpoints again; its requests return to it", fields...)
	}
}

func gauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
