package loadtest

import (
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/graylane/graylane/internal/benchconfig"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/translators"
)

// The file the workload writes is read back as the very configuration
// benchconfig generates: every role is served the same resources.
func TestWorkloadFileIsTheBenchConfiguration(t *testing.T) {
	w, err := newWorkload(5)
	if err != nil {
		t.Fatal(err)
	}
	data, err := w.yaml()
	if err != nil {
		t.Fatal(err)
	}
	read, err := parse(data)
	if err != nil {
		t.Fatalf("reading the written file: %v\n%s", err, data)
	}
	got, err := translate(read)
	if err != nil {
		t.Fatal(err)
	}
	want, err := translate(benchconfig.Generate(5))
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range model.AllRoles() {
		for _, k := range translators.Kinds() {
			g, wnt := got[role].Of(k), want[role].Of(k)
			if len(g) != len(wnt) {
				t.Fatalf("%s %s: %d resources, want %d", role, k.Name, len(g), len(wnt))
			}
			for i := range g {
				if !proto.Equal(g[i], wnt[i]) {
					t.Errorf("%s %s: resource %d differs:\n%v\nwant\n%v", role, k.Name, i, g[i], wnt[i])
				}
			}
		}
	}
}

// Each change kind changes what it says, for the roles that see it.
func TestChangesUpdateWhatTheySay(t *testing.T) {
	w, err := newWorkload(4)
	if err != nil {
		t.Fatal(err)
	}
	before := mustTranslate(t, w)
	want := map[string]map[model.Role]map[string]int{
		ChangeWeight: {
			model.RoleGRPC:    {"routes": 1},
			model.RoleSidecar: {"routes": 1},
			model.RoleEdge:    {"routes": 1},
		},
		// The baseline's endpoints are the fallback of its two lane
		// versions: all three versions' endpoints change.
		ChangeEndpoint: {
			model.RoleGRPC:    {"endpoints": 3},
			model.RoleSidecar: {"endpoints": 3},
			model.RoleEdge:    {"endpoints": 3},
		},
		ChangeUnrelated: {
			model.RoleGRPC:    {"routes": 1},
			model.RoleSidecar: {"routes": 1},
			model.RoleEdge:    {"routes": 1},
		},
	}
	for _, kind := range ChangeKinds() {
		svc, err := w.change(kind)
		if err != nil {
			t.Fatal(err)
		}
		after := mustTranslate(t, w)
		e := diff(before, after)
		for role, byType := range want[kind] {
			for typ, n := range byType {
				url := typeURLs[mustType(t, typ)]
				if got := e.Changed[role][url]; len(got) != n {
					t.Errorf("%s change of %s: %s %s changed: %v, want %d", kind, svc, role, typ, got, n)
				}
			}
			if got := len(e.Changed[role]); got != len(byType) {
				t.Errorf("%s change: %s sees %d types change: %v", kind, role, got, e.Changed[role])
			}
		}
		if kind == ChangeUnrelated && e.Changed[model.RoleGRPC][typeURLs[typeRoute]][0] != svc {
			t.Errorf("the unrelated change changed %v, want the route of %s", e.Changed[model.RoleGRPC], svc)
		}
		if dialed := w.dialed(); kind == ChangeUnrelated && slices.Contains(dialed, svc) {
			t.Errorf("gRPC clients dial %s, the unrelated service", svc)
		}
		before = after
	}
}

func mustTranslate(t *testing.T, w *workload) translation {
	t.Helper()
	data, err := w.yaml()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := parse(data)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := translate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func mustType(t *testing.T, name string) xdsType {
	t.Helper()
	for typ := range numTypes {
		if typ.name() == name {
			return typ
		}
	}
	t.Fatalf("no type %s", name)
	return 0
}
