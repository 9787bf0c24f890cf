package snapshot

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/envoyproxy/go-control-plane/pkg/cache/types"

	"github.com/graylane/graylane/model"
)

// internedAfterGC interns a copy of name of its own after collecting
// garbage, as a client connecting later would.
func internedAfterGC(name string) string {
	runtime.GC()
	runtime.GC()
	names := []string{strings.Clone(name)}
	Intern(names)
	return names[0]
}

// TestServedNamesStayInterned wants clients that ask for a served name at
// different times, garbage collected in between, to share one copy of it.
func TestServedNamesStayInterned(t *testing.T) {
	c := NewCache(nil)
	snap := build(t, config(0), model.RoleEdge)
	if _, err := c.Publish(context.Background(), model.RoleEdge, snap); err != nil {
		t.Fatal(err)
	}
	for name := range snap.Resources(types.Cluster) {
		first, later := internedAfterGC(name), internedAfterGC(name)
		if first != name || unsafe.StringData(first) != unsafe.StringData(later) {
			t.Errorf("cluster %q: a later client got a copy of its own", name)
		}
	}
	runtime.KeepAlive(c) // it serves them
}
