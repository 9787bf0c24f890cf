package e2e

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestExampleBootstrapsInEveryStack loads every gRPC bootstrap of
// examples/ in the xDS client of every stack of the compatibility contract
// and routes calls through it: grpc-js-xds, for one, refuses a bootstrap
// without node.locality, and its channel then never resolves.
func TestExampleBootstrapsInEveryStack(t *testing.T) {
	f := newInteropFleet(t)
	e := newEnv(t, render(t, interopConfig, f))
	for _, path := range exampleBootstraps(t) {
		for _, s := range stacks {
			t.Run(s.name+"/"+strings.TrimPrefix(path, "../examples/"), func(t *testing.T) {
				p := s.start(t, exampleBootstrap(t, path, e))
				req := callsRequest{Target: "reviews.default:9080", N: 20, StopAfterErrors: 1,
					Metadata: map[string]string{"x-canary": "canary"}}
				r, err := p.Calls(req)
				if err != nil || r.IDs["reviews-v2"] != req.N {
					t.Errorf("%s %s with %s: %v (%v), want all %d calls to reviews-v2\npeer log:\n%s",
						s.name, p.Version(), path, r, err, req.N, tail(p.Logs(), 4000))
				}
			})
		}
	}
	if nacks := e.nacks(); nacks != "" {
		t.Errorf("clients rejected the configuration:\n%s", nacks)
	}
}

// exampleBootstraps are the gRPC bootstrap files of examples/.
func exampleBootstraps(t *testing.T) []string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir("../examples", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), "grpc-bootstrap") && strings.HasSuffix(d.Name(), ".json") {
			paths = append(paths, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 2 {
		t.Fatalf("found the gRPC bootstraps %v, want examples/grpc-bootstrap.json and examples/kubernetes/canary/grpc-bootstrap.json", paths)
	}
	return paths
}
