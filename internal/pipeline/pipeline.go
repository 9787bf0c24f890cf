package pipeline

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/graylane/graylane/internal/metrics"
	"github.com/graylane/graylane/internal/providers"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/snapshot"
	"github.com/graylane/graylane/translators"
)

// Pipeline is the Publisher sources hand their configurations to.
type Pipeline struct {
	cache   *snapshot.Cache
	metrics *metrics.Metrics
	log     *zap.Logger
	opts    []translators.Option
	waitFor []string
	builder *builder

	mu       sync.Mutex
	parts    map[string]*model.Config
	rejected map[string][]string
	warnings map[string][]string
	status   Status
	ready    chan struct{}
	// fallbacks holds whether each lane version fell back, as published.
	fallbacks map[laneVersion]bool
}

var _ providers.Publisher = (*Pipeline)(nil)

// Option configures a Pipeline.
type Option func(*Pipeline)

// WithLogger sets the logger.
func WithLogger(l *zap.Logger) Option { return func(p *Pipeline) { p.log = l } }

// WithTranslatorOptions passes options to every translation.
func WithTranslatorOptions(opts ...translators.Option) Option {
	return func(p *Pipeline) { p.opts = append(p.opts, opts...) }
}

// WithSources names the sources that must all publish before the first
// build, so that clients never see a half-loaded configuration.
func WithSources(names ...string) Option { return func(p *Pipeline) { p.waitFor = names } }

// New returns a pipeline that publishes to cache.
func New(cache *snapshot.Cache, m *metrics.Metrics, opts ...Option) *Pipeline {
	p := &Pipeline{
		cache: cache, metrics: m, log: zap.NewNop(),
		parts: map[string]*model.Config{}, rejected: map[string][]string{}, warnings: map[string][]string{},
		ready: make(chan struct{}), builder: newBuilder(),
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Ready is closed once the first snapshots are published.
func (p *Pipeline) Ready() <-chan struct{} { return p.ready }

// Publish takes a source's whole configuration and rebuilds.
func (p *Pipeline) Publish(source string, cfg *model.Config) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.parts[source] = cfg
	delete(p.rejected, source)
	if !p.haveAllSources() {
		p.log.Info("waiting for every source before the first build", zap.String("source", source), zap.Strings("sources", p.waitFor))
		return
	}
	p.rebuild(source)
}

// Reject records a configuration a source could not read; what it
// published before stays in effect.
func (p *Pipeline) Reject(source string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rejected[source] = p.logProblems(source, err)
	p.metrics.ConfigErrors.WithLabelValues(source).Inc()
	p.updateStatus()
}

// Warn records problems a source worked around; nil clears them. The same
// problems reported again are neither logged nor counted again.
func (p *Pipeline) Warn(source string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var problems []string
	for _, e := range model.Errors(err) {
		problems = append(problems, e.Error())
	}
	if slices.Equal(problems, p.warnings[source]) {
		return
	}
	if len(problems) == 0 {
		delete(p.warnings, source)
	} else {
		p.warnings[source] = p.logProblems(source, err)
		p.metrics.ConfigErrors.WithLabelValues(source).Inc()
	}
	p.updateStatus()
}

func (p *Pipeline) haveAllSources() bool {
	for _, s := range p.waitFor {
		if _, ok := p.parts[s]; !ok {
			return false
		}
	}
	return true
}

// rebuild builds from the latest part of every source and publishes.
func (p *Pipeline) rebuild(trigger string) {
	start := time.Now()
	res, err := p.builder.build(p.partsInOrder(), p.opts)
	p.metrics.BuildDuration.Observe(time.Since(start).Seconds())
	if err != nil {
		p.status.BuildErrors = p.logProblems(trigger, err)
		p.metrics.ConfigErrors.WithLabelValues(trigger).Inc()
		p.metrics.SnapshotBuildErrors.Inc()
		p.updateStatus()
		return
	}
	p.status.BuildErrors = nil
	p.publish(res)
	p.updateStatus()
}

// partsInOrder lists the sources' parts by source name, so that a merge is
// the same whichever source published last.
func (p *Pipeline) partsInOrder() []*model.Config {
	var out []*model.Config
	for _, name := range slices.Sorted(maps.Keys(p.parts)) {
		out = append(out, p.parts[name])
	}
	return out
}

func (p *Pipeline) publish(res *Result) {
	changed := false
	for _, role := range model.AllRoles() {
		c, err := p.cache.Publish(context.Background(), role, res.Snapshots[role])
		if err != nil {
			p.log.Error("publishing snapshot failed", zap.String("role", string(role)), zap.Error(err))
			p.metrics.SnapshotBuildErrors.Inc()
			return
		}
		changed = changed || c
		p.recordResources(role, res.Snapshots[role])
	}
	p.metrics.SnapshotBuilds.Inc()
	p.recordFallbacks(res.Config)
	p.status.Config = res.Config.String()
	p.status.PublishedAt = time.Now()
	if changed {
		p.log.Info("snapshots published", zap.Stringer("config", res.Config))
	}
	select {
	case <-p.ready:
	default:
		close(p.ready)
	}
}

// logProblems logs each problem of err on a line of its own and returns them.
func (p *Pipeline) logProblems(source string, err error) []string {
	var out []string
	for _, e := range model.Errors(err) {
		p.log.Error("configuration rejected", zap.String("source", source), zap.String("problem", e.Error()))
		out = append(out, e.Error())
	}
	return out
}
