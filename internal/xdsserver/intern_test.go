package xdsserver

import (
	"runtime"
	"testing"
	"unique"
	"unsafe"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
)

// sameCopy reports whether a and b are the very same bytes.
func sameCopy(a, b string) bool { return a == b && unsafe.StringData(a) == unsafe.StringData(b) }

// serve holds handles on names, as a snapshot cache does on the names of
// the resources it serves; names nothing holds are shared only until the
// next garbage collection.
func serve(names []string) []unique.Handle[string] {
	out := make([]unique.Handle[string], len(names))
	for i, n := range names {
		out[i] = unique.Make(n)
	}
	return out
}

// wantShared wants a and b to hold the very same copies of equal names.
func wantShared(t *testing.T, a, b []string) {
	t.Helper()
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("%d and %d names", len(a), len(b))
	}
	for i, n := range a {
		if !sameCopy(n, b[i]) {
			t.Errorf("name %q: two copies after interning", n)
		}
	}
}

func TestRequestNamesAreSharedBetweenStreams(t *testing.T) {
	c, _, _ := newTestCallbacks(nil)
	served := serve(names(3))
	var reqs []*discoveryv3.DiscoveryRequest
	for id := range int64(2) {
		runtime.GC()
		req := &discoveryv3.DiscoveryRequest{Node: grpcNode, TypeUrl: resourcev3.EndpointType, ResourceNames: names(3)}
		if err := c.OnStreamRequest(id+1, req); err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, req)
	}
	wantShared(t, reqs[0].ResourceNames, reqs[1].ResourceNames)
	runtime.KeepAlive(served)
}

func TestDeltaRequestNamesAreSharedBetweenStreams(t *testing.T) {
	c, _, _ := newTestCallbacks(nil)
	served := serve(names(3))
	var reqs []*discoveryv3.DeltaDiscoveryRequest
	for id := range int64(2) {
		runtime.GC()
		req := &discoveryv3.DeltaDiscoveryRequest{Node: grpcNode, TypeUrl: resourcev3.EndpointType,
			ResourceNamesSubscribe: names(2), InitialResourceVersions: map[string]string{names(3)[2]: "v2"}}
		if err := c.OnStreamDeltaRequest(id+1, req); err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, req)
	}
	wantShared(t, reqs[0].ResourceNamesSubscribe, reqs[1].ResourceNamesSubscribe)
	held := func(r *discoveryv3.DeltaDiscoveryRequest) string {
		for n, v := range r.InitialResourceVersions {
			if v != "v2" {
				t.Errorf("%q held at %q, want v2", n, v)
			}
			return n
		}
		t.Fatal("the held version is gone")
		return ""
	}
	if a, b := held(reqs[0]), held(reqs[1]); !sameCopy(a, b) {
		t.Errorf("held name %q: two copies after interning", a)
	}
	runtime.KeepAlive(served)
}
