package examples_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v4"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	"github.com/graylane/graylane/internal/kubetest"
	"github.com/graylane/graylane/internal/providers/kubernetes"
)

// manifests decodes every YAML file of examples/kubernetes and
// config/crd strictly, with the types of what they hold.
func manifests(t *testing.T) []runtime.Object {
	t.Helper()
	scheme, err := kubernetes.NewScheme()
	if err == nil {
		err = clientgoscheme.AddToScheme(scheme)
	}
	if err == nil {
		err = apiextensionsv1.AddToScheme(scheme)
	}
	if err != nil {
		t.Fatal(err)
	}
	paths, _ := filepath.Glob("kubernetes/*.yaml")
	crds, _ := filepath.Glob("../config/crd/*.yaml")
	canary, _ := filepath.Glob("kubernetes/canary/*.yaml")
	tools, _ := filepath.Glob("kubernetes/*/*.yaml")
	// The cert-manager folder is a variant of the deployment, checked on its own.
	tools = slices.DeleteFunc(tools, func(p string) bool { return filepath.Dir(p) == filepath.Join("kubernetes", "cert-manager") })
	var out []runtime.Object
	for _, p := range slices.Compact(slices.Sorted(slices.Values(slices.Concat(paths, crds, canary, tools)))) {
		// The Rollout and the Canary are Argo Rollouts' and Flagger's kinds.
		if name := filepath.Base(p); name == "kustomization.yaml" || name == "rollout.yaml" || name == "flagger-canary.yaml" {
			continue
		}
		objs, err := kubetest.Decode(p, scheme)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out = append(out, objs...)
	}
	return out
}

func TestKubernetesManifestsDecode(t *testing.T) {
	objs := manifests(t)
	var kinds []string
	for _, obj := range objs {
		kinds = append(kinds, obj.GetObjectKind().GroupVersionKind().Kind)
	}
	for _, want := range []string{"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
		"Deployment", "Service", "NetworkPolicy", "CustomResourceDefinition", "Lane", "HTTPRoute", "GatewayClass", "Gateway"} {
		if !slices.Contains(kinds, want) {
			t.Errorf("no %s among the manifests (%v)", want, kinds)
		}
	}
}

func TestKubernetesDeploymentServesFromTheCluster(t *testing.T) {
	for _, obj := range manifests(t) {
		d, ok := obj.(*appsv1.Deployment)
		if !ok {
			continue
		}
		c := d.Spec.Template.Spec.Containers[0]
		args := strings.Join(c.Args, " ")
		if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 || !strings.HasPrefix(args, "serve --source=kubernetes") {
			t.Errorf("deployment: %d replicas, args %q", *d.Spec.Replicas, args)
		}
		if p := c.ReadinessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/readyz" || p.HTTPGet.Port.StrVal != "http-metrics" {
			t.Errorf("readiness probe = %+v, want /readyz on the metrics port", p)
		}
		for _, want := range []string{"--xds-address=0.0.0.0:18000", "--metrics-address=0.0.0.0:19001", "--admin-address=127.0.0.1:19000",
			"--tls-cert-file=/etc/graylane/tls/tls.crt", "--tls-key-file=/etc/graylane/tls/tls.key", "--client-ca-file=/etc/graylane/tls/ca.crt"} {
			if !strings.Contains(args, want) {
				t.Errorf("args %q lack %s: clients and probes reach the pod's address, admin stays on loopback, xDS is mutual TLS", args, want)
			}
		}
		if v := d.Spec.Template.Spec.Volumes; len(v) != 1 || v[0].Secret == nil || v[0].Secret.SecretName != "graylane-xds-tls" {
			t.Errorf("volumes = %+v, want the Secret graylane-xds-tls", v)
		}
		if d.Spec.Template.Spec.ServiceAccountName != "graylane" {
			t.Errorf("service account = %q", d.Spec.Template.Spec.ServiceAccountName)
		}
		return
	}
	t.Fatal("no Deployment")
}

// TestKubernetesRBACIsExactlyWhatTheSourceUses pins the rules: reads of
// what the source watches, writes of the statuses it writes, the Lease
// and the last good states in Graylane's namespace, the Secrets of HTTPS
// listeners (bound per namespace). e2e's TestExampleRBACIsAllTheSourceNeeds
// runs the source with them.
func TestKubernetesRBACIsExactlyWhatTheSourceUses(t *testing.T) {
	want := []string{
		"ClusterRole: /secrets: get,list,watch",
		"ClusterRole: /services: get,list,watch",
		"ClusterRole: discovery.k8s.io/endpointslices: get,list,watch",
		"ClusterRole: gateway.networking.k8s.io/gatewayclasses/status: update",
		"ClusterRole: gateway.networking.k8s.io/gatewayclasses: get,list,watch",
		"ClusterRole: gateway.networking.k8s.io/gateways/status: update",
		"ClusterRole: gateway.networking.k8s.io/gateways: get,list,watch",
		"ClusterRole: gateway.networking.k8s.io/grpcroutes/status: update",
		"ClusterRole: gateway.networking.k8s.io/grpcroutes: get,list,watch",
		"ClusterRole: gateway.networking.k8s.io/httproutes/status: update",
		"ClusterRole: gateway.networking.k8s.io/httproutes: get,list,watch",
		"ClusterRole: graylane.io/lanes/status: update",
		"ClusterRole: graylane.io/lanes: get,list,watch",
		"Role graylane-system: /configmaps: create,delete,get,list,update,watch",
		"Role graylane-system: coordination.k8s.io/leases: create,get,update",
	}
	var got []string
	for _, obj := range manifests(t) {
		switch r := obj.(type) {
		case *rbacv1.ClusterRole:
			got = append(got, rules("ClusterRole", r.Rules)...)
		case *rbacv1.Role:
			got = append(got, rules("Role "+r.Namespace, r.Rules)...)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("rules:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func rules(who string, rs []rbacv1.PolicyRule) []string {
	var out []string
	for _, r := range rs {
		verbs := slices.Sorted(slices.Values(r.Verbs))
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				out = append(out, who+": "+g+"/"+res+": "+strings.Join(verbs, ","))
			}
		}
	}
	return out
}

func TestKubernetesServiceExposesXDSOnly(t *testing.T) {
	for _, obj := range manifests(t) {
		if s, ok := obj.(*corev1.Service); ok && s.Namespace == "graylane-system" {
			if len(s.Spec.Ports) != 1 || s.Spec.Ports[0].Port != 18000 {
				t.Errorf("service ports = %+v, want the xDS port only", s.Spec.Ports)
			}
			return
		}
	}
	t.Fatal("no Service for the control plane")
}

func TestKustomizationListsEveryManifest(t *testing.T) {
	var k struct{ Resources []string }
	data, err := os.ReadFile("kubernetes/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Load(data, &k); err != nil {
		t.Fatal(err)
	}
	paths, _ := filepath.Glob("kubernetes/*.yaml")
	for _, p := range paths {
		if name := filepath.Base(p); name != "kustomization.yaml" && !slices.Contains(k.Resources, name) {
			t.Errorf("kustomization.yaml does not list %s", name)
		}
	}
	if !slices.Contains(k.Resources, "../../config/crd") {
		t.Error("kustomization.yaml does not install the CRDs")
	}
}

func TestKubernetesNetworkPolicyAdmitsXDSAndMetricsOnly(t *testing.T) {
	for _, obj := range manifests(t) {
		np, ok := obj.(*networkingv1.NetworkPolicy)
		if !ok {
			continue
		}
		var ports []string
		for _, rule := range np.Spec.Ingress {
			for _, p := range rule.Ports {
				ports = append(ports, p.Port.String())
			}
		}
		slices.Sort(ports)
		if !slices.Equal(ports, []string{"grpc-xds", "http-metrics"}) || np.Spec.PodSelector.MatchLabels["app.kubernetes.io/name"] != "graylane" {
			t.Errorf("network policy admits %v for %v", ports, np.Spec.PodSelector.MatchLabels)
		}
		return
	}
	t.Fatal("no NetworkPolicy")
}

// TestCertManagerVariant checks the cert-manager manifests: the server
// certificate is the Secret the Deployment mounts, and every certificate
// comes from the graylane-ca issuer or its self-signed root.
func TestCertManagerVariant(t *testing.T) {
	var k struct{ Resources []string }
	data, err := os.ReadFile("kubernetes/cert-manager/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Load(data, &k); err != nil || !slices.Contains(k.Resources, "..") {
		t.Fatalf("kustomization %+v: %v", k, err)
	}
	type certificate struct {
		Kind     string
		Metadata struct{ Name, Namespace string }
		Spec     struct {
			SecretName string   `yaml:"secretName"`
			URIs       []string `yaml:"uris"`
			Usages     []string
			IssuerRef  struct{ Kind, Name string } `yaml:"issuerRef"`
		}
	}
	var certs []certificate
	for _, name := range k.Resources[1:] {
		data, err := os.ReadFile(filepath.Join("kubernetes/cert-manager", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range strings.Split(string(data), "\n---\n") {
			var c certificate
			if err := yaml.Load([]byte(doc), &c); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if c.Kind == "Certificate" {
				certs = append(certs, c)
			}
		}
	}
	var server, client bool
	for _, c := range certs {
		if c.Spec.IssuerRef.Name != "graylane-ca" && c.Spec.IssuerRef.Name != "graylane-selfsigned" {
			t.Errorf("%s: issuer %s", c.Metadata.Name, c.Spec.IssuerRef.Name)
		}
		server = server || c.Spec.SecretName == "graylane-xds-tls" && c.Metadata.Namespace == "graylane-system"
		client = client || slices.Contains(c.Spec.Usages, "client auth") && len(c.Spec.URIs) == 1 && strings.HasPrefix(c.Spec.URIs[0], "spiffe://")
	}
	if !server || !client {
		t.Errorf("want the server's certificate graylane-xds-tls and a client certificate with a SPIFFE ID: %+v", certs)
	}
}
