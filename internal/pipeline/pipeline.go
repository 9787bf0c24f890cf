package pipeline

import (
	"context"
	"fmt"
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

// Pipeline is the Publisher sources hand their configurations to. It is a
// Component too: Start runs its builds, one at a time, each from the latest
// configuration of every source, so that a burst of publications costs one
// build. Publishing, Status and Ready never wait for a build.
type Pipeline struct {
	cache   *snapshot.Cache
	metrics *metrics.Metrics
	log     *zap.Logger
	opts    []translators.Option
	waitFor []string
	builder *builder // used by the build loop only
	kick    chan struct{}

	mu      sync.Mutex
	parts   map[string]*model.Config
	trigger string // the source that published last
	// recovering is set when a source's rejected configuration was
	// replaced by one not yet built.
	recovering bool
	rejected   map[string][]string
	served     map[string]int // services each source has in the served configuration
	warnings   map[string][]string
	status     Status
	ready      chan struct{}
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
		served: map[string]int{},
		ready:  make(chan struct{}), builder: newBuilder(), kick: make(chan struct{}, 1),
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Ready is closed once the first snapshots are published.
func (p *Pipeline) Ready() <-chan struct{} { return p.ready }

// Publish takes a source's whole configuration; a build follows. A
// configuration without services from a source whose services are served
// is rejected instead, unless it says it means to have none.
func (p *Pipeline) Publish(source string, cfg *model.Config) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.emptied(source, cfg); err != nil {
		p.reject(source, err)
		return
	}
	p.parts[source] = cfg
	p.trigger = source
	if _, wasRejected := p.rejected[source]; wasRejected {
		p.recovering = true
	}
	delete(p.rejected, source)
	if !p.haveAllSources() {
		p.log.Info("waiting for every source before the first build", zap.String("source", source), zap.Strings("sources", p.waitFor))
		return
	}
	select {
	case p.kick <- struct{}{}:
	default: // a build is pending already; it will read this configuration
	}
}

// Start runs builds until ctx ends.
func (p *Pipeline) Start(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-p.kick:
			p.rebuild()
		}
	}
}

// Reject records a configuration a source could not read; what it
// published before stays in effect. The problems the source is already
// rejected for are neither logged nor counted again.
func (p *Pipeline) Reject(source string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reject(source, err)
}

// Warn records problems a source worked around; nil clears them. The same
// problems reported again are neither logged nor counted again.
func (p *Pipeline) Warn(source string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	problems := texts(err)
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

// rebuild builds from the latest part of every source and publishes,
// holding the lock only to read the parts and to write the status.
func (p *Pipeline) rebuild() {
	p.mu.Lock()
	parts, trigger, counts := p.partsInOrder(), p.trigger, p.serviceCounts()
	p.mu.Unlock()
	start := time.Now()
	res, err := p.builder.build(parts, p.opts)
	p.metrics.BuildDuration.Observe(time.Since(start).Seconds())
	if err == nil {
		err = p.publish(res)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.buildFailed(trigger, err)
		return
	}
	recovering := len(p.status.BuildErrors) > 0
	p.status.BuildErrors = nil
	p.recordFallbacks(res.Config)
	p.status.Config = res.Config.String()
	p.status.PublishedAt = time.Now()
	p.served = counts
	if recovering || p.recovering {
		p.recovering = false
		p.log.Info("configuration accepted again", zap.String("source", trigger), zap.Stringer("config", res.Config))
	}
	p.markReady()
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

// publish hands every role's snapshot to the cache.
func (p *Pipeline) publish(res *Result) error {
	changed := false
	for _, role := range model.AllRoles() {
		c, err := p.cache.Publish(context.Background(), role, res.Snapshots[role])
		if err != nil {
			return fmt.Errorf("publishing the %s snapshot: %w", role, err)
		}
		changed = changed || c
		p.recordResources(role, res.Snapshots[role])
	}
	p.metrics.SnapshotBuilds.Inc()
	if changed {
		p.log.Info("snapshots published", zap.Stringer("config", res.Config))
	}
	return nil
}

func (p *Pipeline) markReady() {
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
