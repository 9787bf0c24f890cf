package file

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/graylane/graylane/internal/providers"
	"github.com/graylane/graylane/model"
)

// recorder is a Publisher that records what it is handed.
type recorder struct {
	mu        sync.Mutex
	published []*model.Config
	rejected  []error
	changed   chan struct{}
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{}, 100)} }

func (r *recorder) Publish(_ string, cfg *model.Config) {
	r.mu.Lock()
	r.published = append(r.published, cfg)
	r.mu.Unlock()
	r.changed <- struct{}{}
}

func (r *recorder) Reject(_ string, err error) {
	r.mu.Lock()
	r.rejected = append(r.rejected, err)
	r.mu.Unlock()
	r.changed <- struct{}{}
}

func (r *recorder) Warn(string, error) {}

func (r *recorder) counts() (int, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.published), len(r.rejected)
}

func (r *recorder) wait(t *testing.T) {
	t.Helper()
	select {
	case <-r.changed:
	case <-time.After(5 * time.Second):
		t.Fatal("nothing published or rejected")
	}
}

var _ providers.Publisher = (*recorder)(nil)

const oneService = "services:\n  - name: web\n    port: 80\n    versions: [{name: v1}]\n"

func TestSourcePublishesChangesAndRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "graylane.yaml")
	write(t, dir, "graylane.yaml", oneService)
	rec := newRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := NewSource(path, WithCoalescer(providers.Coalescer{HoldOff: 50 * time.Millisecond, MaxDelay: 500 * time.Millisecond}))
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, rec) }()
	rec.wait(t)
	if p, r := rec.counts(); p != 1 || r != 0 {
		t.Fatalf("at start: %d published, %d rejected", p, r)
	}

	// A burst of writes is one reload.
	for i := range 5 {
		write(t, dir, "graylane.yaml", oneService+"# edit "+string(rune('a'+i))+"\n")
		time.Sleep(10 * time.Millisecond)
	}
	rec.wait(t)
	time.Sleep(300 * time.Millisecond)
	if p, _ := rec.counts(); p != 2 {
		t.Errorf("a burst of 5 writes published %d times, want once", p-1)
	}

	write(t, dir, "graylane.yaml", "services: [\n")
	rec.wait(t)
	if _, r := rec.counts(); r != 1 {
		t.Errorf("a broken file was rejected %d times, want once", r)
	}
	if err := os.Rename(path, path+".bak"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".new", []byte(oneService), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil { // replaced by rename, as editors do
		t.Fatal(err)
	}
	eventuallyPublished(t, rec, 3)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

func eventuallyPublished(t *testing.T, rec *recorder, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if p, _ := rec.counts(); p >= n {
			return
		}
		if time.Now().After(deadline) {
			p, r := rec.counts()
			t.Fatalf("published %d (rejected %d), want %d", p, r, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
