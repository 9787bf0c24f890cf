package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/graylane/graylane/internal/xdsserver"
	"github.com/graylane/graylane/model"
)

// run executes the command line and returns its output, errors and error.
func run(args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	cmd := NewRootCommand(&out, &errOut)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "graylane.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestValidate(t *testing.T) {
	out, _, err := run("validate", "../../examples/graylane.yaml")
	if err != nil || !strings.Contains(out, "valid (1 lanes, 2 services, 1 gateways)") {
		t.Errorf("validate examples: %q, %v", out, err)
	}
	bad := writeConfig(t, "lanes:\n  - name: stable\n    weight: 200\nservices:\n  - name: x\n    port: 0\n    versions: [{name: v1}]\n")
	_, errOut, err := run("validate", bad)
	if !errors.Is(err, ErrReported) {
		t.Fatalf("validate of a bad file returned %v", err)
	}
	for _, want := range []string{bad + `:3: weight "200" must be a number from 0 to 100`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("validate output lacks %q:\n%s", want, errOut)
		}
	}
	semantic := writeConfig(t, "lanes:\n  - name: stable\nservices:\n  - name: x\n    port: 0\n    versions: [{name: v1}]\n")
	_, errOut, _ = run("validate", semantic)
	for _, want := range []string{semantic + `:2: lane stable: "stable" is the implicit baseline lane`, semantic + ":5: service x.default:0: port 0 must be between 1 and 65535"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("validate output lacks %q:\n%s", want, errOut)
		}
	}
}

func TestValidateTheExamplesFolder(t *testing.T) {
	out, errOut, err := run("validate", "../../examples/")
	if err != nil {
		t.Fatalf("validate examples/: %v\n%s", err, errOut)
	}
	for _, want := range []string{
		"../../examples/envoy-edge.yaml: skipped: an Envoy bootstrap, not Graylane configuration\n",
		"../../examples/envoy-sidecar.yaml: skipped: an Envoy bootstrap, not Graylane configuration\n",
		"../../examples/: valid (1 lanes, 2 services, 1 gateways)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("validate examples/ lacks %q:\n%s", want, out)
		}
	}
}

func TestValidateAgreesWithServeOnEmptyConfigurations(t *testing.T) {
	_, errOut, err := run("validate", writeConfig(t, "# emptied\n"))
	if !errors.Is(err, ErrReported) || !strings.Contains(errOut, "graylane.yaml:1: the file is empty") {
		t.Errorf("validate of an empty file: %v\n%s", err, errOut)
	}
	out, _, err := run("validate", writeConfig(t, "laneHeader: x-lane\n"))
	if err != nil || !strings.Contains(out, "note: no services; serve refuses this configuration in place of one with services") {
		t.Errorf("validate of a configuration without services: %v\n%s", err, out)
	}
	out, _, err = run("validate", writeConfig(t, "services: none\n"))
	if err != nil || strings.Contains(out, "note:") {
		t.Errorf("validate of services: none: %v\n%s", err, out)
	}
}

func TestRender(t *testing.T) {
	out, _, err := run("render", "--config", "../../examples/graylane.yaml", "--role", "edge")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"name: gateway_public", "name: graylane.lane_filter.public", "filename: /etc/envoy/lane-filter.wasm"} {
		if !strings.Contains(out, want) {
			t.Errorf("render --role edge lacks %q", want)
		}
	}
	if _, _, err := run("render", "--config", "../../examples/graylane.yaml", "--role", "mesh"); err == nil || !strings.Contains(err.Error(), `unknown role "mesh"`) {
		t.Errorf("render --role mesh: %v", err)
	}
}

func TestStatusPrintsClients(t *testing.T) {
	clients := []xdsserver.ClientStatus{{
		StreamID: 4, NodeID: "edge-1", Role: model.RoleEdge,
		Types: map[string]*xdsserver.TypeStatus{
			"listeners": {Sent: "b2", Acked: "a1", LastNack: &xdsserver.Nack{Version: "b2", Message: "bad filter"}},
		},
	}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/debug/clients" {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(clients)
	}))
	defer srv.Close()
	out, _, err := run("status", "--admin-address", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "edge-1") || !strings.Contains(out, "listeners") || !strings.Contains(out, "b2: bad filter") {
		t.Errorf("status output:\n%s", out)
	}
	if _, _, err := run("status", "--admin-address", "127.0.0.1:1"); err == nil {
		t.Error("status against nothing succeeded")
	}
}

func TestServeStopsWhenTheSourceCannotRun(t *testing.T) {
	done := make(chan error, 1)
	go func() {
		_, _, err := run("serve", "--config", filepath.Join(t.TempDir(), "missing", "graylane.yaml"),
			"--xds-address", "127.0.0.1:0", "--admin-address", "127.0.0.1:0")
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "missing") {
			t.Errorf("serve of a missing configuration returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve kept running with a source that cannot run")
	}
}
