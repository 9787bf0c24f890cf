package e2e

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	crzap "sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/graylane/graylane/internal/providers/kubernetes"
)

// cluster is the API server every Kubernetes test of the package shares:
// it starts once, on first use, and TestMain stops it. Tests isolate
// themselves by namespace.
type cluster struct {
	once   sync.Once
	env    *envtest.Environment
	config *rest.Config
	client client.Client
	err    error
}

var shared cluster // the test package's one API server, like a TestMain fixture

func TestMain(m *testing.M) {
	// The lane filter's host emulator logs every host call through the
	// standard logger; the tests read what they need from the emulator.
	log.SetOutput(io.Discard)
	code := m.Run()
	if shared.env != nil {
		if err := shared.env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping envtest:", err)
		}
	}
	os.Exit(code)
}

// kube returns the shared API server, starting it on first use. It fails
// the test when the API server binaries are not there, except under
// -short, where the test is skipped.
func kube(t *testing.T) *cluster {
	t.Helper()
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		if testing.Short() {
			t.Skip("-short: no API server (KUBEBUILDER_ASSETS is unset)")
		}
		t.Fatal("KUBEBUILDER_ASSETS is unset: run `make test`, or `export KUBEBUILDER_ASSETS=$(hack/envtest-assets.sh)` (make envtest-assets builds the API server once)")
	}
	shared.once.Do(shared.start)
	if shared.err != nil {
		t.Fatalf("starting the API server: %v", shared.err)
	}
	return &shared
}

func (c *cluster) start() {
	logf.SetLogger(crzap.New(crzap.Level(zapcore.ErrorLevel)))
	certs, err := os.MkdirTemp("", "graylane-envtest-")
	if err != nil {
		c.err = err
		return
	}
	c.env = &envtest.Environment{
		CRDInstallOptions:     envtest.CRDInstallOptions{Paths: crdPaths()},
		ErrorIfCRDPathMissing: true,
	}
	// A fixed certificate folder and a short watch grace period let a test
	// stop and start the API server on the same port and CA.
	c.env.ControlPlane.APIServer = &envtest.APIServer{CertDir: certs}
	c.env.ControlPlane.APIServer.Configure().Set("shutdown-watch-termination-grace-period", "2s")
	if c.config, c.err = c.env.Start(); c.err != nil {
		return
	}
	scheme, err := kubernetes.NewScheme()
	if err == nil {
		err = clientgoscheme.AddToScheme(scheme) // RBAC and the rest of the examples
	}
	if err != nil {
		c.err = err
		return
	}
	c.client, c.err = client.New(c.config, client.Options{Scheme: scheme})
}

// crdPaths are Graylane's CRDs and the Gateway API kinds the source reads
// (standard channel), from the module the source is built with.
func crdPaths() []string {
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(here))
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/gateway-api").Output()
	gateway := strings.TrimSpace(string(out))
	if err != nil || gateway == "" {
		gateway = "gateway-api-module-not-found"
	}
	paths := []string{filepath.Join(root, "config", "crd")}
	for _, kind := range []string{"httproutes", "grpcroutes", "gateways", "gatewayclasses"} {
		paths = append(paths, filepath.Join(gateway, "config", "crd", "standard", "gateway.networking.k8s.io_"+kind+".yaml"))
	}
	return paths
}

// namespace creates a namespace of the test's own.
func (c *cluster) namespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "e2e-"}}
	if err := c.client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// hostIP is an address of this machine other than loopback, which the API
// server accepts in EndpointSlices: a private IPv4 address if there is one,
// else any global unicast IPv4 one.
func hostIP(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	var global string
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok || n.IP.To4() == nil || !n.IP.IsGlobalUnicast() {
			continue
		}
		if n.IP.IsPrivate() {
			return n.IP.String()
		}
		if global == "" {
			global = n.IP.String()
		}
	}
	if global == "" {
		t.Fatal("this machine has no non-loopback IPv4 address; the API server rejects loopback addresses in EndpointSlices, so the backends cannot be reached")
	}
	return global
}
