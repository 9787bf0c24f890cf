package file

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
	"go.uber.org/zap"

	"github.com/graylane/graylane/internal/providers"
)

// SourceName is how the file source names itself to a Publisher.
const SourceName = "file"

// DefaultSettle is how long the files of a configuration must have been
// unchanged (size and modification time) before they are read, so that a
// writer that pauses mid-file is not read half-way.
const DefaultSettle = 250 * time.Millisecond

// DefaultResync is how often the source compares the files' size and
// modification time with what it read last, in case a change raised no
// file event (some network and container file systems raise none).
const DefaultResync = 10 * time.Second

// settleRounds bounds the wait for a file that keeps changing: after
// settleRounds times the settle time it is read as it is.
const settleRounds = 20

// Source watches the configuration at a path and publishes it whole after
// every change of its content.
type Source struct {
	path      string
	log       *zap.Logger
	coalescer providers.Coalescer
	settle    time.Duration
	resync    time.Duration
	alone     bool

	digest string                 // of the content handed to the publisher last
	stamp  atomic.Pointer[string] // the files' sizes and times when last read
	parsed parsedFiles            // the files read last, parsed
}

// Option configures a Source.
type Option func(*Source)

// WithLogger sets the logger.
func WithLogger(l *zap.Logger) Option { return func(s *Source) { s.log = l } }

// WithCoalescer sets how bursts of file events are merged into one reload.
func WithCoalescer(c providers.Coalescer) Option { return func(s *Source) { s.coalescer = c } }

// WithSettle sets how long files must be unchanged before they are read
// (default DefaultSettle).
func WithSettle(d time.Duration) Option { return func(s *Source) { s.settle = d } }

// WithResync sets how often the files are checked for a change that
// raised no event (default DefaultResync).
func WithResync(d time.Duration) Option { return func(s *Source) { s.resync = d } }

// WithOtherSources says that the configuration is merged with other
// sources'. A file that does not decode is then reported with its own
// problems only: validated alone, it would report references to what the
// other sources define.
func WithOtherSources() Option { return func(s *Source) { s.alone = false } }

var _ providers.Source = (*Source)(nil)

// NewSource returns a source for a file or a directory of *.yaml files.
func NewSource(path string, opts ...Option) *Source {
	s := &Source{
		path: path, log: zap.NewNop(), coalescer: providers.DefaultCoalescer(),
		settle: DefaultSettle, resync: DefaultResync, alone: true,
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Name is SourceName.
func (s *Source) Name() string { return SourceName }

// Run publishes the configuration once, then after every change, until ctx
// ends. It fails only when the directory of the path cannot be watched.
func (s *Source) Run(ctx context.Context, pub providers.Publisher) error {
	w, err := newWatcher(s.path)
	if err != nil {
		return fmt.Errorf("watching %s: %w", s.path, err)
	}
	defer w.close()
	s.reload(ctx, w, pub)
	events := make(chan struct{}, 1)
	go s.forward(ctx, w, events)
	s.coalescer.Run(ctx, events, func() { s.reload(ctx, w, pub) })
	return nil
}

// forward turns the file events that can change the configuration into
// change notifications, as well as a lost event queue and a change found
// by the periodic check.
func (s *Source) forward(ctx context.Context, w *watcher, events chan<- struct{}) {
	defer close(events)
	tick := time.NewTicker(s.resync)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.fs.Events:
			if !ok {
				return
			}
			if w.relevant(ev) {
				notify(events)
			}
		case err, ok := <-w.fs.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				notify(events) // events were lost: read again
				continue
			}
			s.log.Warn("file watch error", zap.String("path", s.path), zap.Error(err))
		case <-tick.C:
			if last := s.stamp.Load(); last != nil && *last != stamp(s.path).sig {
				notify(events)
			}
		}
	}
}

func notify(events chan<- struct{}) {
	select {
	case events <- struct{}{}:
	default: // a notification is already pending
	}
}

// reload reads the configuration once its files have settled and hands it
// to the publisher, unless its content is what was handed over last: the
// same problems are neither logged nor counted twice, and an event about
// unchanged files costs nothing.
func (s *Source) reload(ctx context.Context, w *watcher, pub providers.Publisher) {
	if err := w.sync(); err != nil {
		s.log.Warn("file watch incomplete", zap.String("path", s.path), zap.Error(err))
	}
	c, err := s.read(ctx)
	if c.Config != nil && w.watchAlso(CertificateFiles(c.Config)) {
		if err := w.sync(); err != nil {
			s.log.Warn("file watch incomplete", zap.String("path", s.path), zap.Error(err))
		}
	}
	if c.Digest == s.digest {
		return
	}
	s.digest = c.Digest
	for _, sk := range c.Skipped {
		s.log.Info("configuration file skipped", zap.String("file", sk.File), zap.String("format", sk.Format))
	}
	if err != nil {
		if s.alone {
			err = Problems(c.Config, err)
		}
		pub.Reject(SourceName, err)
		return
	}
	s.log.Debug("configuration read", zap.String("path", s.path), zap.Stringer("config", c.Config))
	pub.Publish(SourceName, c.Config)
}

// read reads the configuration once no file of it has changed for the
// settle time, and again if one changed while it was read.
func (s *Source) read(ctx context.Context) (*Contents, error) {
	deadline := time.Now().Add(settleRounds * s.settle)
	for {
		before := s.settled(ctx, deadline)
		c, err := readContents(s.path, &s.parsed)
		after := stamp(s.path)
		s.stamp.Store(&after.sig)
		if after.sig == before.sig || time.Now().After(deadline) || ctx.Err() != nil {
			return c, err
		}
	}
}

// settled waits until the files' sizes and modification times have not
// changed for the settle time, or until deadline.
func (s *Source) settled(ctx context.Context, deadline time.Time) fileStamp {
	st := stamp(s.path)
	for {
		age := time.Since(st.newest)
		if age >= s.settle || !time.Now().Before(deadline) {
			return st
		}
		wait := min(s.settle-age, s.settle) // a modification time ahead of the clock waits once
		select {
		case <-ctx.Done():
			return st
		case <-time.After(wait):
		}
		next := stamp(s.path)
		if next.sig == st.sig {
			return st
		}
		st = next
	}
}

// fileStamp is the state of a configuration's files: their names, sizes
// and modification times, and the latest of those times.
type fileStamp struct {
	sig    string
	newest time.Time
}

func stamp(path string) fileStamp {
	files, err := Files(path)
	if err != nil {
		return fileStamp{sig: err.Error()}
	}
	var b strings.Builder
	var st fileStamp
	for _, f := range files {
		info, err := os.Stat(f)
		if err != nil {
			fmt.Fprintf(&b, "%s: %v\n", f, err)
			continue
		}
		fmt.Fprintf(&b, "%s %d %d\n", f, info.Size(), info.ModTime().UnixNano())
		if info.ModTime().After(st.newest) {
			st.newest = info.ModTime()
		}
	}
	st.sig = b.String()
	return st
}
