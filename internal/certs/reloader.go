package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"go.uber.org/zap"

	"github.com/graylane/graylane/internal/providers"
)

// Files names the PEM files of a TLS server: its certificate chain and key
// and, for mutual TLS, the CAs that sign client certificates.
type Files struct {
	Cert     string
	Key      string
	ClientCA string
}

// Reloader serves TLS from Files, reading them again when they change. A
// read that fails (a file half written, a key that does not match) keeps
// the last good certificate and CA in use and is logged.
type Reloader struct {
	files     Files
	log       *zap.Logger
	coalescer providers.Coalescer
	onReload  func(error)

	mu        sync.RWMutex
	cert      *tls.Certificate
	clientCAs *x509.CertPool
}

// Option configures a Reloader.
type Option func(*Reloader)

// WithLogger sets the logger.
func WithLogger(l *zap.Logger) Option { return func(r *Reloader) { r.log = l } }

// WithCoalescer sets how bursts of file events are merged into one read.
func WithCoalescer(c providers.Coalescer) Option { return func(r *Reloader) { r.coalescer = c } }

// WithReloadHook calls f after every read triggered by a change, with its
// error (nil when the new files are in use).
func WithReloadHook(f func(error)) Option { return func(r *Reloader) { r.onReload = f } }

// NewReloader reads the files once; it fails when they cannot be used.
func NewReloader(files Files, opts ...Option) (*Reloader, error) {
	if files.Cert == "" || files.Key == "" {
		return nil, errors.New("a TLS certificate needs both a certificate and a key file")
	}
	r := &Reloader{files: files, log: zap.NewNop(), coalescer: providers.DefaultCoalescer(), onReload: func(error) {}}
	for _, o := range opts {
		o(r)
	}
	if err := r.read(); err != nil {
		return nil, err
	}
	return r, nil
}

// MutualTLS reports whether clients must present a certificate.
func (r *Reloader) MutualTLS() bool { return r.files.ClientCA != "" }

// ServerConfig is a TLS configuration that uses the current certificate
// and client CAs for every handshake.
func (r *Reloader) ServerConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetConfigForClient: r.configForClient}
}

func (r *Reloader) configForClient(*tls.ClientHelloInfo) (*tls.Config, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{*r.cert}}
	if r.clientCAs != nil {
		cfg.ClientCAs = r.clientCAs
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// Certificate returns the certificate in use.
func (r *Reloader) Certificate() *tls.Certificate {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.cert
}

// read loads every file and, when all of them are good, puts them in use.
func (r *Reloader) read() error {
	cert, err := tls.LoadX509KeyPair(r.files.Cert, r.files.Key)
	if err != nil {
		return fmt.Errorf("TLS certificate %s, key %s: %w", r.files.Cert, r.files.Key, err)
	}
	var pool *x509.CertPool
	if r.files.ClientCA != "" {
		if pool, err = readPool(r.files.ClientCA); err != nil {
			return err
		}
	}
	r.mu.Lock()
	r.cert, r.clientCAs = &cert, pool
	r.mu.Unlock()
	return nil
}

func readPool(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("client CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("client CA %s: no PEM certificate in it", path)
	}
	return pool, nil
}

// Start reads the files again after every change in their directories
// until ctx ends. Kubernetes Secret volumes and most rotation tools replace
// files by renaming, which only a watch of the directory sees.
func (r *Reloader) Start(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watching TLS files: %w", err)
	}
	defer w.Close()
	for _, dir := range r.dirs() {
		if err := w.Add(dir); err != nil {
			return fmt.Errorf("watching TLS files in %s: %w", dir, err)
		}
	}
	events := make(chan struct{}, 1)
	go r.forward(ctx, w, events)
	r.coalescer.Run(ctx, events, r.reload)
	return nil
}

func (r *Reloader) dirs() []string {
	var dirs []string
	for _, f := range []string{r.files.Cert, r.files.Key, r.files.ClientCA} {
		if f != "" {
			dirs = append(dirs, filepath.Dir(f))
		}
	}
	slices.Sort(dirs)
	return slices.Compact(dirs)
}

func (r *Reloader) forward(ctx context.Context, w *fsnotify.Watcher, events chan<- struct{}) {
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
			default:
			}
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			r.log.Warn("TLS file watch error", zap.Error(err))
		}
	}
}

func (r *Reloader) reload() {
	err := r.read()
	if err != nil {
		r.log.Error("TLS files not reloaded; the last good ones stay in use", zap.Error(err))
	} else {
		cert := r.Certificate()
		r.log.Info("TLS files reloaded", zap.String("certificate", r.files.Cert),
			zap.Time("notAfter", notAfter(cert)), zap.Bool("clientCA", r.files.ClientCA != ""))
	}
	r.onReload(err)
}

func notAfter(cert *tls.Certificate) time.Time {
	if cert.Leaf == nil {
		return time.Time{}
	}
	return cert.Leaf.NotAfter
}
