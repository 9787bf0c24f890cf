package pipeline

import (
	"maps"
	"slices"
	"time"

	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/snapshot"
	"github.com/graylane/graylane/translators"
)

// Status is the state of the configuration: what is served, and what was
// rejected since.
type Status struct {
	// Ready is true once the first snapshots are published.
	Ready bool `json:"ready"`
	// Config summarises the configuration being served.
	Config string `json:"config,omitempty"`
	// PublishedAt is when the served configuration was built.
	PublishedAt time.Time `json:"publishedAt,omitzero"`
	// Rejected holds, by source, the problems of a configuration the source
	// could not read; the source's previous configuration is still served.
	Rejected map[string][]string `json:"rejected,omitempty"`
	// Warnings holds, by source, problems the source worked around: an
	// object left out or kept at its last good state.
	Warnings map[string][]string `json:"warnings,omitempty"`
	// BuildErrors holds the problems of the latest merged configuration,
	// when it did not validate or build.
	BuildErrors []string `json:"buildErrors,omitempty"`
	// LaneFallbacks lists the lane versions served with no endpoint, as
	// KEY/VERSION: their requests go to the service's baseline.
	LaneFallbacks []string `json:"laneFallbacks,omitempty"`
}

// OK reports whether the latest configuration of every source is served
// as written.
func (s Status) OK() bool {
	return len(s.Rejected) == 0 && len(s.Warnings) == 0 && len(s.BuildErrors) == 0
}

// Status returns a copy of the current status.
func (p *Pipeline) Status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.status
	s.Rejected = maps.Clone(p.status.Rejected)
	s.Warnings = maps.Clone(p.status.Warnings)
	s.BuildErrors = slices.Clone(p.status.BuildErrors)
	s.LaneFallbacks = slices.Clone(p.status.LaneFallbacks)
	return s
}

// updateStatus refreshes the derived parts of the status.
func (p *Pipeline) updateStatus() {
	p.status.Rejected, p.status.Warnings = nil, nil
	if len(p.rejected) > 0 {
		p.status.Rejected = maps.Clone(p.rejected)
	}
	if len(p.warnings) > 0 {
		p.status.Warnings = maps.Clone(p.warnings)
	}
	select {
	case <-p.ready:
		p.status.Ready = true
	default:
	}
	if p.status.OK() {
		p.metrics.ConfigValid.Set(1)
	} else {
		p.metrics.ConfigValid.Set(0)
	}
}

func (p *Pipeline) recordResources(role model.Role, s *snapshot.Snapshot) {
	for _, k := range translators.Kinds() {
		p.metrics.Resources.WithLabelValues(string(role), k.Name).Set(float64(s.Len(k.Type)))
	}
}
