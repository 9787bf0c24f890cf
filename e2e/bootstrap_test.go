package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	_ "google.golang.org/grpc/xds" // registers the xds:/// resolver for the default pool
)

// childEnv marks the test binary run as the client of
// TestExampleBootstrapThroughTheEnvironment.
const childEnv = "GRAYLANE_E2E_BOOTSTRAP_CHILD"

// TestExampleBootstrapThroughTheEnvironment dials as a user does: the
// bootstrap of examples/ in GRPC_XDS_BOOTSTRAP_CONFIG and the default
// xds:/// resolver. gRPC reads the variable when the process starts, so the
// client runs in a child process of the test binary.
func TestExampleBootstrapThroughTheEnvironment(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		dialFromEnvironment(t)
		return
	}
	f := newFleet(t)
	e := newEnv(t, render(t, fleetConfig, f))
	data, err := os.ReadFile("../examples/grpc-bootstrap.json")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestExampleBootstrapThroughTheEnvironment$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"=1",
		"GRPC_XDS_BOOTSTRAP_CONFIG="+strings.Replace(string(data), "127.0.0.1:18000", e.cp.XDSAddress(), 1))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Errorf("the client failed: %v\n%s", err, out)
	}
}

func dialFromEnvironment(t *testing.T) {
	conn, err := grpc.NewClient("xds:///ratings.shop:9090", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := allFrom(conn, 50, "ratings-v2", "x-canary", "canary"); err != nil {
		t.Error(err)
	}
	if err := allFrom(conn, 50, "ratings-v1"); err != nil {
		t.Error(err)
	}
}
