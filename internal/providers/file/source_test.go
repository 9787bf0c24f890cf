package file

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"

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

func (r *recorder) last() *model.Config {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.published[len(r.published)-1]
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

// service is a configuration of one service on a port of its own, to tell
// configurations apart.
func service(port int) string {
	return fmt.Sprintf("services:\n  - name: web\n    port: %d\n    versions: [{name: v1}]\n", port)
}

// run runs a source on path until the test ends, with short delays.
func run(t *testing.T, path string, opts ...Option) *recorder {
	t.Helper()
	rec := newRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	opts = append([]Option{
		WithCoalescer(providers.Coalescer{HoldOff: 30 * time.Millisecond, MaxDelay: 300 * time.Millisecond}),
		WithSettle(40 * time.Millisecond),
	}, opts...)
	src := NewSource(path, opts...)
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, rec) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	rec.wait(t)
	return rec
}

// servedPort waits until the last configuration published serves web on
// port.
func servedPort(t *testing.T, rec *recorder, port int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if p, _ := rec.counts(); p > 0 {
			if s := rec.last().Services; len(s) == 1 && s[0].Port == uint32(port) {
				return
			}
		}
		if time.Now().After(deadline) {
			p, r := rec.counts()
			t.Fatalf("port %d not published (published %d, rejected %d)", port, p, r)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// quiet waits long enough for any reload to have happened.
func quiet() { time.Sleep(400 * time.Millisecond) }

func TestSourcePublishesChangesAndRejectsEachContentOnce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "graylane.yaml")
	write(t, dir, "graylane.yaml", oneService)
	rec := run(t, path)
	if p, r := rec.counts(); p != 1 || r != 0 {
		t.Fatalf("at start: %d published, %d rejected", p, r)
	}

	// A burst of writes is one reload.
	for i := range 5 {
		write(t, dir, "graylane.yaml", oneService+"# edit "+string(rune('a'+i))+"\n")
		time.Sleep(5 * time.Millisecond)
	}
	rec.wait(t)
	quiet()
	if p, _ := rec.counts(); p != 2 {
		t.Errorf("a burst of 5 writes published %d times, want once", p-1)
	}

	// A broken file is rejected once, however often it is written or
	// touched, and whatever happens next to it.
	write(t, dir, "graylane.yaml", "services: [\n")
	rec.wait(t)
	for range 3 {
		write(t, dir, "graylane.yaml", "services: [\n")
		now := time.Now()
		if err := os.Chtimes(path, now, now); err != nil {
			t.Fatal(err)
		}
		write(t, dir, "app.log", "a line\n")
		time.Sleep(50 * time.Millisecond)
	}
	quiet()
	if p, r := rec.counts(); p != 2 || r != 1 {
		t.Errorf("after a broken file written 4 times: %d published, %d rejected; want 2, 1", p, r)
	}

	// Replaced by rename, as editors do.
	if err := os.Rename(path, path+".bak"); err != nil {
		t.Fatal(err)
	}
	write(t, dir, ".graylane.yaml.new", service(81))
	if err := os.Rename(filepath.Join(dir, ".graylane.yaml.new"), path); err != nil {
		t.Fatal(err)
	}
	servedPort(t, rec, 81)
}

func TestSourceFollowsADirectoryReplacedByRemoveThenMove(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "conf")
	mkdir(t, dir)
	write(t, dir, "graylane.yaml", service(80))
	rec := run(t, dir)
	for i := 1; i <= 3; i++ {
		next := filepath.Join(parent, fmt.Sprintf("conf.%d", i))
		mkdir(t, next)
		write(t, next, "graylane.yaml", service(80+i))
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(next, dir); err != nil {
			t.Fatal(err)
		}
		servedPort(t, rec, 80+i)
		write(t, dir, "graylane.yaml", service(90+i)) // and its files are watched
		servedPort(t, rec, 90+i)
	}
	if _, r := rec.counts(); r > 3 {
		t.Errorf("%d rejections; at most one per moment without a directory", r)
	}
}

// TestSourceFollowsConfigMapUpdates swaps a "..data" link as the kubelet
// updates a mounted ConfigMap: the files are links through "..data" to a
// directory of the current version.
func TestSourceFollowsConfigMapUpdates(t *testing.T) {
	for _, mount := range []string{"directory", "file"} {
		t.Run(mount, func(t *testing.T) {
			dir := t.TempDir()
			configMapVersion(t, dir, 0)
			symlink(t, "..data/graylane.yaml", filepath.Join(dir, "graylane.yaml"))
			path := dir
			if mount == "file" {
				path = filepath.Join(dir, "graylane.yaml")
			}
			rec := run(t, path)
			servedPort(t, rec, 80)
			for i := 1; i <= 3; i++ {
				configMapVersion(t, dir, i)
				servedPort(t, rec, 80+i)
			}
		})
	}
}

// configMapVersion writes version i of a ConfigMap mount as the kubelet
// does: a new directory, a "..data_tmp" link to it renamed over "..data",
// the old directory removed.
func configMapVersion(t *testing.T, dir string, i int) {
	t.Helper()
	version := fmt.Sprintf("..v%d", i)
	mkdir(t, filepath.Join(dir, version))
	write(t, filepath.Join(dir, version), "graylane.yaml", service(80+i))
	symlink(t, version, filepath.Join(dir, "..data_tmp"))
	if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if i > 0 {
		if err := os.RemoveAll(filepath.Join(dir, fmt.Sprintf("..v%d", i-1))); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSourceFollowsALinkSwappedToAnotherDirectory(t *testing.T) {
	root := t.TempDir()
	link := filepath.Join(root, "current")
	for i := range 4 {
		dir := filepath.Join(root, fmt.Sprintf("release-%d", i))
		mkdir(t, dir)
		write(t, dir, "graylane.yaml", service(80+i))
	}
	symlink(t, "release-0", link)
	rec := run(t, link)
	servedPort(t, rec, 80)
	for i := 1; i <= 3; i++ {
		symlink(t, fmt.Sprintf("release-%d", i), link+".tmp")
		if err := os.Rename(link+".tmp", link); err != nil {
			t.Fatal(err)
		}
		servedPort(t, rec, 80+i)
		write(t, filepath.Join(root, fmt.Sprintf("release-%d", i)), "graylane.yaml", service(90+i)) // edited in place
		servedPort(t, rec, 90+i)
	}
}

func TestSourceWaitsForAFileToSettle(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "graylane.yaml")
	write(t, dir, "graylane.yaml", service(80))
	rec := run(t, path, WithSettle(300*time.Millisecond))
	// A writer that pauses mid-file, for less than the settle time.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	full := service(81)
	if _, err := f.WriteString(full[:len(full)/2]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if _, err := f.WriteString(full[len(full)/2:]); err != nil {
		t.Fatal(err)
	}
	f.Close()
	servedPort(t, rec, 81)
	if p, r := rec.counts(); p != 2 || r != 0 {
		t.Errorf("a paused write gave %d publications and %d rejections; want one publication", p-1, r)
	}
}

// TestSourceNoticesChangesWithoutEvents drops the file watch: the periodic
// check still finds the change.
func TestSourceNoticesChangesWithoutEvents(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "graylane.yaml")
	write(t, dir, "graylane.yaml", service(80))
	w, err := newWatcher(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	if err := w.fs.Remove(dir); err != nil {
		t.Fatal(err)
	}
	s := NewSource(path, WithResync(20*time.Millisecond))
	st := stamp(path)
	s.stamp.Store(&st.sig)
	events := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.forward(ctx, w, events)
	select {
	case <-events:
		t.Fatal("notified of a change before any")
	case <-time.After(100 * time.Millisecond):
	}
	write(t, dir, "graylane.yaml", service(81))
	select {
	case <-events:
	case <-time.After(2 * time.Second):
		t.Fatal("a change without a file event went unnoticed")
	}
}

func TestWatcherIgnoresUnrelatedFiles(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "conf")
	mkdir(t, dir)
	write(t, dir, "graylane.yaml", oneService)
	cases := []struct {
		path     string
		relevant []string
		ignored  []string
	}{
		{filepath.Join(dir, "graylane.yaml"),
			[]string{"conf/graylane.yaml", "conf/..data", "conf"},
			[]string{"conf/app.log", "conf/other.yaml", "conf/.graylane.yaml.swp", "conf/graylane.yaml~", "conf/4913", "other"}},
		{dir,
			[]string{"conf/graylane.yaml", "conf/new.yml", "conf/..data", "conf"},
			[]string{"conf/app.log", "conf/.hidden.yaml", "conf/notes.txt", "app.log", "other.yaml"}},
	}
	for _, c := range cases {
		w, err := newWatcher(c.path)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range c.relevant {
			if !w.relevant(fsnotify.Event{Name: filepath.Join(parent, name), Op: fsnotify.Write}) {
				t.Errorf("watching %s: an event about %s is ignored", c.path, name)
			}
		}
		for _, name := range c.ignored {
			if w.relevant(fsnotify.Event{Name: filepath.Join(parent, name), Op: fsnotify.Write}) {
				t.Errorf("watching %s: an event about %s counts", c.path, name)
			}
		}
		w.close()
	}
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}
