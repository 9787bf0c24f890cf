package file

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/fsnotify/fsnotify"
	"go.uber.org/zap"

	"github.com/graylane/graylane/internal/providers"
)

// SourceName is how the file source names itself to a Publisher.
const SourceName = "file"

// Source watches the configuration at a path and publishes it whole on
// every change.
type Source struct {
	path      string
	log       *zap.Logger
	coalescer providers.Coalescer
}

// Option configures a Source.
type Option func(*Source)

// WithLogger sets the logger.
func WithLogger(l *zap.Logger) Option { return func(s *Source) { s.log = l } }

// WithCoalescer sets how bursts of file events are merged into one reload.
func WithCoalescer(c providers.Coalescer) Option { return func(s *Source) { s.coalescer = c } }

var _ providers.Source = (*Source)(nil)

// NewSource returns a source for a file or a directory of *.yaml files.
func NewSource(path string, opts ...Option) *Source {
	s := &Source{path: path, log: zap.NewNop(), coalescer: providers.DefaultCoalescer()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Name is SourceName.
func (s *Source) Name() string { return SourceName }

// Run publishes the configuration once, then after every change, until ctx
// ends. It fails only when the path cannot be watched.
func (s *Source) Run(ctx context.Context, pub providers.Publisher) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watching %s: %w", s.path, err)
	}
	defer w.Close()
	if err := w.Add(s.watchDir()); err != nil {
		return fmt.Errorf("watching %s: %w", s.path, err)
	}
	s.reload(pub)
	events := make(chan struct{}, 1)
	go s.forward(ctx, w, events)
	s.coalescer.Run(ctx, events, func() { s.reload(pub) })
	return nil
}

// watchDir is the directory to watch: editors and Kubernetes ConfigMap
// mounts replace files by renaming, which only the directory sees.
func (s *Source) watchDir() string {
	if st, err := os.Stat(s.path); err == nil && st.IsDir() {
		return s.path
	}
	return filepath.Dir(s.path)
}

// forward turns fsnotify events into change notifications; every event in
// the directory counts, as a reload of unchanged content is harmless.
func (s *Source) forward(ctx context.Context, w *fsnotify.Watcher, events chan<- struct{}) {
	defer close(events)
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-w.Events:
			if !ok {
				return
			}
			select {
			case events <- struct{}{}:
			default: // a notification is already pending
			}
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			s.log.Warn("file watch error", zap.String("path", s.path), zap.Error(err))
		}
	}
}

func (s *Source) reload(pub providers.Publisher) {
	cfg, err := Read(s.path)
	if err != nil {
		pub.Reject(SourceName, err)
		return
	}
	s.log.Debug("configuration read", zap.String("path", s.path), zap.Stringer("config", cfg))
	pub.Publish(SourceName, cfg)
}
