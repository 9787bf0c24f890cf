package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/graylane/graylane/internal/cli"
	"github.com/graylane/graylane/internal/controlplane"
)

// outsideConfig is what lives outside the cluster: a service on VMs whose
// canary serves the cluster's canary Lane, and an edge gateway to reviews,
// a Kubernetes service.
const outsideConfig = `
services:
  - name: legacy
    port: 9100
    protocol: grpc
    versions:
      - name: v1
        endpoints: [{address: 127.0.0.1, port: {{.V1}}}]
      - name: v2
        lane: canary
        endpoints: [{address: 127.0.0.1, port: {{.V2}}}]
gateways:
  - name: public
    port: 8080
    routes:
      - match: {pathPrefix: /}
        service: reviews.{{.NS}}
`

func TestFileAndKubernetesSourcesServeTogether(t *testing.T) {
	k := kube(t)
	ns := k.namespace(t)
	dir := t.TempDir()
	v1, v2 := startBackend(t, "legacy-v1"), startBackend(t, "legacy-v2")
	config := render(t, outsideConfig, map[string]any{"V1": v1.Port, "V2": v2.Port, "NS": ns})
	if err := os.WriteFile(filepath.Join(dir, "outside.yaml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	// The Kubernetes objects of the canary walk-through, and a control plane
	// that reads both.
	c := newCanaryIn(t, k, ns, kubeOptions{controlPlane: []controlplane.Option{controlplane.WithConfigPath(dir)}})
	legacy := c.e.dial("legacy.default:9100")
	if err := allFrom(legacy, 100, "legacy-v1"); err != nil {
		t.Error(err)
	}
	if err := allFrom(legacy, 100, "legacy-v2", "x-canary", "canary"); err != nil {
		t.Errorf("the file's service in the cluster's lane: %v", err)
	}
	if err := c.splitIs(1000, 0.90, 0.05); err != nil {
		t.Error(err)
	}
	if st := c.e.cp.Pipeline().Status(); !st.OK() {
		t.Errorf("status = %+v", st)
	}
}

func TestServeCommandWithKubernetesSource(t *testing.T) {
	k := kube(t)
	ns := k.namespace(t)
	admin := freeAddress(t)
	var out, errOut bytesBuffer
	cmd := cli.NewRootCommand(&out, &errOut)
	cmd.SetArgs([]string{"serve", "--source", "kubernetes", "--kubeconfig", k.kubeconfig(t), "--watch-namespace", ns,
		"--lease-namespace", ns, "--xds-address", freeAddress(t), "--admin-address", admin})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	eventually(t, 30*time.Second, func() error { return readyz(admin) })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v\n%s", err, errOut.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !contains(errOut.String(), "kubernetes caches synced") {
		t.Errorf("logs lack the cache sync:\n%s", errOut.String())
	}
}

// kubeconfig writes a kubeconfig file for a user of the cluster.
func (c *cluster) kubeconfig(t *testing.T) string {
	t.Helper()
	user, err := c.env.ControlPlane.AddUser(envtest.User{Name: "graylane", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// readyz is nil once the admin server at addr says ready.
func readyz(addr string) error {
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/readyz = %d", resp.StatusCode)
	}
	return nil
}

// freeAddress is a loopback address with a port free a moment ago.
func freeAddress(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	return lis.Addr().String()
}
