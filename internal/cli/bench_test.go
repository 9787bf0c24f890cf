package cli

import (
	"strings"
	"testing"

	"github.com/graylane/graylane/model"
)

func TestParseRoles(t *testing.T) {
	got, err := parseRoles("grpc=8, sidecar=1,edge=0")
	if err != nil || got[model.RoleGRPC] != 8 || got[model.RoleSidecar] != 1 || got[model.RoleEdge] != 0 || len(got) != 3 {
		t.Errorf("parseRoles = %v, %v", got, err)
	}
	for _, bad := range []string{"grpc", "grpc=x", "grpc=-1", "mesh=1"} {
		if _, err := parseRoles(bad); err == nil {
			t.Errorf("parseRoles(%q) accepted", bad)
		}
	}
}

func TestBenchRefusesABadRun(t *testing.T) {
	for args, want := range map[string]string{
		"--roles grpc=0":                              "no role weighs anything",
		"--protocol rest":                             `protocol "rest"`,
		"--changes weight,colour":                     `change "colour"`,
		"--services 1":                                "1 services",
		"--heap-profiles /nonexistent/graylane":       "heap profiles /nonexistent/graylane",
		"--heap-profiles . --xds-address 127.0.0.1:1": "with --xds-address it starts none",
	} {
		_, _, err := run(append([]string{"bench"}, strings.Fields(args)...)...)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bench %s: %v, want an error saying %q", args, err, want)
		}
	}
}
