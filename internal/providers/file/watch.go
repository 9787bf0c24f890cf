package file

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/fsnotify/fsnotify"
)

// watcher keeps fsnotify watches on every directory whose changes can
// change the configuration at a path, and tells the events that matter
// from the others. The configuration's directory (or the file's) is
// watched, and its parent, so that a directory replaced by another one is
// noticed; so are the directories that the files' symbolic links lead to.
type watcher struct {
	path string // absolute and clean
	fs   *fsnotify.Watcher

	mu    sync.Mutex
	dirs  map[string]os.FileInfo // watched directories, as they were when added
	files map[string]bool        // the configuration's files and their links' targets
	isDir bool                   // path is a directory
	// also are files the configuration names, such as certificates.
	also []string
}

func newWatcher(path string) (*watcher, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	fs, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	w := &watcher{path: abs, fs: fs, dirs: map[string]os.FileInfo{}, files: map[string]bool{}}
	if err := w.sync(); err != nil {
		fs.Close()
		return nil, err
	}
	if _, ok := w.dirs[filepath.Dir(abs)]; !ok {
		fs.Close()
		return nil, fmt.Errorf("%s is not a directory that can be watched", filepath.Dir(abs))
	}
	return w, nil
}

func (w *watcher) close() error { return w.fs.Close() }

// sync watches what the configuration is made of now: a directory that
// was replaced since it was added is watched again, and one no longer part
// of it is left.
func (w *watcher) sync() error {
	dirs, files, isDir := w.wanted()
	w.mu.Lock()
	defer w.mu.Unlock()
	for dir := range w.dirs {
		if _, ok := dirs[dir]; !ok {
			_ = w.fs.Remove(dir) // gone already when the directory was removed
			delete(w.dirs, dir)
		}
	}
	var errs []error
	for dir, info := range dirs {
		if old, ok := w.dirs[dir]; ok && os.SameFile(old, info) {
			continue
		}
		_ = w.fs.Remove(dir)
		delete(w.dirs, dir)
		if err := w.fs.Add(dir); err != nil {
			errs = append(errs, fmt.Errorf("watching %s: %w", dir, err))
			continue
		}
		w.dirs[dir] = info
	}
	w.files, w.isDir = files, isDir
	return errors.Join(errs...)
}

// wanted lists the directories to watch and the files whose events count.
func (w *watcher) wanted() (map[string]os.FileInfo, map[string]bool, bool) {
	dirs, files := map[string]os.FileInfo{}, map[string]bool{w.path: true}
	addDir := func(dir string) {
		if info, err := os.Stat(dir); err == nil && info.IsDir() {
			dirs[dir] = info
		}
	}
	addDir(filepath.Dir(w.path))
	info, err := os.Stat(w.path)
	isDir := err == nil && info.IsDir()
	if isDir {
		addDir(w.path)
	}
	list, _ := Files(w.path) // what cannot be listed now is retried on the next event
	w.mu.Lock()
	list = append(list, w.also...)
	w.mu.Unlock()
	for _, f := range list {
		if f, err := filepath.Abs(f); err == nil {
			files[f] = true
			addDir(filepath.Dir(f))
		}
		files[f] = true
		if target, err := filepath.EvalSymlinks(f); err == nil && target != f {
			if target, err = filepath.Abs(target); err == nil {
				files[target] = true
				addDir(filepath.Dir(target))
			}
		}
	}
	return dirs, files, isDir
}

// watchAlso makes the watcher follow files the configuration names too,
// from its next sync, so that a rotated certificate is read again; it
// reports whether they are others than before.
func (w *watcher) watchAlso(files []string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	changed := !slices.Equal(files, w.also)
	w.also = files
	return changed
}

// relevant reports whether an event can change the configuration: one
// about a configuration file, a file it names or a link's target, about
// the path itself or a watched directory, about a *.yaml or *.yml file
// appearing in the configuration's directory, or about a Kubernetes
// ConfigMap or Secret mount's "..data" link being swapped. Events about
// any other file are ignored.
func (w *watcher) relevant(ev fsnotify.Event) bool {
	name := filepath.Clean(ev.Name)
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.dirs[name]; ok || w.files[name] {
		return true
	}
	dir, base := filepath.Dir(name), filepath.Base(name)
	if _, watched := w.dirs[dir]; strings.HasPrefix(base, "..") && watched {
		return true
	}
	return w.isDir && dir == w.path && !strings.HasPrefix(base, ".") && isYAML(base)
}
