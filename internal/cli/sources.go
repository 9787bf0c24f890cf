package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/go-logr/zapr"
	"github.com/spf13/pflag"
	"go.uber.org/zap"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/graylane/graylane/internal/controlplane"
	"github.com/graylane/graylane/internal/providers/kubernetes"
)

// Source names of --source.
const (
	sourceFile       = "file"
	sourceKubernetes = "kubernetes"
)

// inClusterNamespaceFile holds the pod's namespace inside a cluster.
const inClusterNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// sourceFlags say where serve reads its configuration from.
type sourceFlags struct {
	sources        []string
	config         string
	kubeconfig     string
	namespaces     []string
	leaseNamespace string
	leaseName      string
}

func (f *sourceFlags) register(fs *pflag.FlagSet) {
	fs.StringSliceVar(&f.sources, "source", []string{sourceFile}, "configuration sources, comma-separated: file, kubernetes")
	fs.StringVar(&f.config, "config", "", "with --source file: configuration file, or directory of *.yaml files")
	fs.StringVar(&f.kubeconfig, "kubeconfig", "", "with --source kubernetes: kubeconfig file (default $KUBECONFIG, else the in-cluster config, else ~/.kube/config)")
	fs.StringSliceVar(&f.namespaces, "watch-namespace", nil, "with --source kubernetes: read Services, EndpointSlices and HTTPRoutes in these namespaces only (default all)")
	fs.StringVar(&f.leaseNamespace, "lease-namespace", "", "with --source kubernetes: namespace of the Lease that elects the replica writing statuses (default the pod's own, else default)")
	fs.StringVar(&f.leaseName, "lease-name", kubernetes.DefaultLeaseName, "with --source kubernetes: name of that Lease")
}

// options are the control plane's sources; with processLogs, the
// Kubernetes libraries log to log too.
func (f *sourceFlags) options(log *zap.Logger, processLogs bool) ([]controlplane.Option, error) {
	var opts []controlplane.Option
	seen := map[string]bool{}
	for _, name := range f.sources {
		name = strings.TrimSpace(name)
		if seen[name] {
			return nil, fmt.Errorf("--source %s is given twice", name)
		}
		seen[name] = true
		opt, err := f.source(name, log, processLogs)
		if err != nil {
			return nil, err
		}
		opts = append(opts, opt)
	}
	if f.config != "" && !seen[sourceFile] {
		return nil, errors.New("--config is read by --source file only")
	}
	return opts, nil
}

func (f *sourceFlags) source(name string, log *zap.Logger, processLogs bool) (controlplane.Option, error) {
	switch name {
	case sourceFile:
		if f.config == "" {
			return nil, errors.New("--source file needs --config PATH")
		}
		return controlplane.WithConfigPath(f.config), nil
	case sourceKubernetes:
		src, err := f.kubernetes(log, processLogs)
		if err != nil {
			return nil, err
		}
		return controlplane.WithSource(src), nil
	}
	return nil, fmt.Errorf("--source %q: want %s or %s", name, sourceFile, sourceKubernetes)
}

// kubernetes builds the Kubernetes source from the kubeconfig.
func (f *sourceFlags) kubernetes(log *zap.Logger, processLogs bool) (*kubernetes.Source, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = f.kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("--source kubernetes: %w", err)
	}
	if processLogs {
		logger := zapr.NewLogger(log)
		ctrllog.SetLogger(logger)
		klog.SetLogger(logger)
	}
	return kubernetes.New(cfg, kubernetes.WithLogger(log), kubernetes.WithNamespaces(f.namespaces...),
		kubernetes.WithLease(f.leaseNamespaceOrDefault(), f.leaseName)), nil
}

// leaseNamespaceOrDefault is --lease-namespace, else the pod's namespace
// when running in a cluster, else kubernetes.DefaultLeaseNamespace.
func (f *sourceFlags) leaseNamespaceOrDefault() string {
	if f.leaseNamespace != "" {
		return f.leaseNamespace
	}
	if data, err := os.ReadFile(inClusterNamespaceFile); err == nil && len(strings.TrimSpace(string(data))) > 0 {
		return strings.TrimSpace(string(data))
	}
	return kubernetes.DefaultLeaseNamespace
}
