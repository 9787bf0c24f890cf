package pipeline

import (
	"fmt"
	"slices"

	"github.com/graylane/graylane/model"
)

// emptied refuses a configuration without services from a source whose
// services are served, unless the configuration says it means to have
// none: a file emptied or cut short must not withdraw every service
// clients have.
func (p *Pipeline) emptied(source string, cfg *model.Config) error {
	n := p.served[source]
	if pending, ok := p.parts[source]; ok {
		n = max(n, len(pending.Services)) // accepted, maybe not built yet
	}
	if n == 0 || len(cfg.Services) > 0 || cfg.NoServices {
		return nil
	}
	return &model.Error{Pos: cfg.Origin.At("services"), Message: fmt.Sprintf(
		"the configuration has no services, while %d of this source's are served; "+
			"to withdraw them all, say so explicitly (in a file: `services: none`)", n)}
}

// serviceCounts counts each source's services in its latest part.
func (p *Pipeline) serviceCounts() map[string]int {
	out := make(map[string]int, len(p.parts))
	for name, part := range p.parts {
		out[name] = len(part.Services)
	}
	return out
}

// reject records the problems of a source's configuration; the problems
// it is already rejected for are neither logged nor counted again.
func (p *Pipeline) reject(source string, err error) {
	if slices.Equal(texts(err), p.rejected[source]) {
		return
	}
	p.rejected[source] = p.logProblems(source, err)
	p.metrics.ConfigErrors.WithLabelValues(source).Inc()
	p.updateStatus()
}

// buildFailed records a merged configuration that did not validate or
// build; the problems already recorded are neither logged nor counted
// again when another source's change rebuilds it.
func (p *Pipeline) buildFailed(trigger string, err error) {
	p.metrics.SnapshotBuildErrors.Inc()
	if !slices.Equal(texts(err), p.status.BuildErrors) {
		p.status.BuildErrors = p.logProblems(trigger, err)
		p.metrics.ConfigErrors.WithLabelValues(trigger).Inc()
	}
	p.updateStatus()
}

// texts lists the problems of err.
func texts(err error) []string {
	var out []string
	for _, e := range model.Errors(err) {
		out = append(out, e.Error())
	}
	return out
}
