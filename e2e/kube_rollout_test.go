package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	wasmfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/wrapperspb"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/graylane/graylane/internal/controlplane"
	"github.com/graylane/graylane/internal/kubetest"
	"github.com/graylane/graylane/internal/lanefilter"
	"github.com/graylane/graylane/model"
)

// What the rollout tests measure at every step.
const (
	// edgeUsers are the user ids run through the lane filter.
	edgeUsers = 20000
	// splitCalls are the untagged calls a grpc-go client makes to measure
	// its split: at 50% one standard deviation is 0.5 points, so the
	// tolerance is four of them.
	splitCalls = 10000
	// tolerance is how far, in points, a measured share may be from the
	// route's.
	tolerance = 2.0
)

// rollout is a canary driven by a rollout tool, replayed from the objects
// the tool writes (e2e/testdata): a namespace of its own, the stable and
// canary backends, a control plane serving the edge its lane filter, an
// edge client of its filter configuration, and a grpc-go client of the
// Service.
type rollout struct {
	t          *testing.T
	c          *cluster
	dir        string
	rename     *strings.Replacer
	stable     *backend
	canary     *backend
	e          *env
	ecds       *sotwClient
	conn       *grpc.ClientConn
	gateway    string // the model gateway the lane filter serves
	latest     *discoveryv3.DiscoveryResponse
	namespaces []string
	inLane     map[int]bool
	weight     float64
	measured   []string
}

// rolloutStep is one step of a canary: the file of the objects the tool
// writes, and the canary's share of the route.
type rolloutStep struct {
	file   string
	canary float64
}

// canarySteps walk a canary 0 -> 10 -> 50 -> 100, then abort it.
var canarySteps = []rolloutStep{{"step-0.yaml", 0}, {"step-10.yaml", 10}, {"step-50.yaml", 50}, {"step-100.yaml", 100}, {"step-abort.yaml", 0}}

// newRollout applies the tool's set-up in fresh namespaces, one for each
// of the fixtures' namespaces, writes the EndpointSlices of pods with
// pods, and starts a control plane reading those namespaces.
func newRollout(t *testing.T, tool string, pods func(r *rollout, ns []string), namespaces ...string) *rollout {
	t.Helper()
	c := kube(t)
	var pairs []string
	var own []string
	for _, ns := range namespaces {
		n := c.namespace(t)
		own = append(own, n)
		pairs = append(pairs, "namespace: "+ns+"\n", "namespace: "+n+"\n", "namespace: "+ns+",", "namespace: "+n+",")
	}
	ip := hostIP(t)
	r := &rollout{t: t, c: c, dir: filepath.Join("testdata", tool), rename: strings.NewReplacer(pairs...),
		stable: startBackendOn(t, ip, "stable"), canary: startBackendOn(t, ip, "canary"), inLane: map[int]bool{}}
	r.namespaces = own
	r.apply(r.read("setup.yaml")...)
	pods(r, own)
	module := fakeModule(t)
	r.e = newKubeEnv(t, c, "", kubeOptions{namespaces: own, controlPlane: []controlplane.Option{controlplane.WithLaneFilter(lanefilter.Local(module))}})
	return r
}

// read decodes a fixture, in the test's namespaces.
func (r *rollout) read(name string) []client.Object {
	r.t.Helper()
	data, err := os.ReadFile(filepath.Join(r.dir, name))
	if err != nil {
		r.t.Fatal(err)
	}
	path := filepath.Join(r.t.TempDir(), name)
	if err := os.WriteFile(path, []byte(r.rename.Replace(string(data))), 0o600); err != nil {
		r.t.Fatal(err)
	}
	objs, err := kubetest.Decode(path, r.c.client.Scheme())
	if err != nil {
		r.t.Fatal(err)
	}
	out := make([]client.Object, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.(client.Object))
	}
	return out
}

// apply creates the objects, or updates them in full as both tools do;
// a GatewayClass already there is left as it is.
func (r *rollout) apply(objs ...client.Object) {
	r.t.Helper()
	for _, obj := range objs {
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			current := obj.DeepCopyObject().(client.Object)
			err := r.c.client.Get(context.Background(), client.ObjectKeyFromObject(obj), current)
			if apierrors.IsNotFound(err) {
				err = r.c.client.Create(context.Background(), obj.DeepCopyObject().(client.Object))
				if err == nil && obj.GetNamespace() == "" {
					r.t.Cleanup(func() { _ = client.IgnoreNotFound(r.c.client.Delete(context.Background(), obj)) })
				}
				return err
			}
			if err != nil || obj.GetObjectKind().GroupVersionKind().Kind == "GatewayClass" {
				return err
			}
			next := obj.DeepCopyObject().(client.Object)
			next.SetResourceVersion(current.GetResourceVersion())
			copyStatus(current, next)
			return r.c.client.Update(context.Background(), next)
		})
		if err != nil {
			r.t.Fatalf("apply %T %s: %v", obj, obj.GetName(), err)
		}
	}
}

// copyStatus keeps an object's status across a full update, as an update
// does not change it.
func copyStatus(from, to runtime.Object) {
	src, dst := reflect.ValueOf(from).Elem().FieldByName("Status"), reflect.ValueOf(to).Elem().FieldByName("Status")
	if src.IsValid() && dst.IsValid() && dst.CanSet() {
		dst.Set(src)
	}
}

// endpoints writes the EndpointSlice of a Service: its pods are the
// backend's (the stable's or the canary's), or none.
func (r *rollout) endpoints(ns, service, port string, b *backend) {
	r.t.Helper()
	var eps []discoveryv1.Endpoint
	if b != nil {
		eps = append(eps, kubetest.Endpoint(hostIP(r.t), kubetest.Ready, ""))
	}
	s := kubetest.EndpointSlice(ns, service+"-x", service, port, 0, eps...)
	if b != nil {
		p := int32(b.Port)
		s.Ports[0].Port = &p
	}
	r.apply(s)
}

// edge subscribes, as an edge Envoy, to the lane filter's configuration
// of the model gateway named gateway, and takes the first.
func (r *rollout) edge(gateway string) {
	r.t.Helper()
	r.gateway = gateway
	r.ecds = r.e.sotw(edgeNode())
	r.ecds.send(&discoveryv3.DiscoveryRequest{TypeUrl: resourcev3.ExtensionConfigType,
		ResourceNames: []string{lanefilter.ResourceName(&model.Gateway{Name: gateway})}})
	r.latest = r.ecds.recv()
	r.ecds.ack(r.latest)
}

// served is the lane filter configuration the edge has once the control
// plane built a step (its statuses are written after it publishes): what
// it pushed since, if anything, else what it served before.
func (r *rollout) served() string {
	r.t.Helper()
	quiet := 2 * time.Second // the first push follows the publish within the pipeline's coalescing
	for {
		select {
		case next, ok := <-r.ecds.in:
			if !ok {
				r.t.Fatal("the edge's stream closed")
			}
			r.latest = next
			r.ecds.ack(next)
			quiet = 300 * time.Millisecond
			continue
		case <-time.After(quiet):
		}
		break
	}
	resp := r.latest
	if len(resp.GetResources()) != 1 {
		r.t.Fatalf("the edge got %d lane filter configurations, want its gateway's: nothing may be withdrawn", len(resp.GetResources()))
	}
	var tec corev3.TypedExtensionConfig
	var w wasmfilterv3.Wasm
	var conf wrapperspb.StringValue
	if err := firstError(resp.GetResources()[0].UnmarshalTo(&tec), tec.GetTypedConfig().UnmarshalTo(&w),
		w.GetConfig().GetConfiguration().UnmarshalTo(&conf)); err != nil {
		r.t.Fatal(err)
	}
	return conf.GetValue()
}

// step applies a step's objects and checks what Graylane makes of them:
// the routes accepted at their generation, the lane filter putting the
// route's share of 20,000 users in the lane (no user leaving it while its
// weight rises), and a grpc-go client's untagged calls split as the route
// says.
func (r *rollout) step(s rolloutStep) {
	r.t.Helper()
	objs := r.read(s.file)
	r.apply(objs...)
	for _, obj := range objs {
		r.accepted(obj)
	}
	if w := r.e.cp.Pipeline().Status().Warnings; len(w) > 0 {
		r.t.Errorf("%s: problems reported: %v", s.file, w)
	}
	lanes := usersInLanes(r.t, r.served(), "x-user-id", edgeUsers)
	in := map[int]bool{}
	for i, l := range lanes {
		if l == "canary" {
			in[i] = true
		}
	}
	share := 100 * float64(len(in)) / edgeUsers
	left := 0
	if s.canary >= r.weight {
		for i := range r.inLane {
			if !in[i] {
				left++
			}
		}
	}
	split := r.split(s.canary)
	r.measured = append(r.measured, fmt.Sprintf("%s: route %.0f%%, edge lane %.2f%%, grpc-go untagged %.2f%%", s.file, s.canary, share, split))
	r.t.Logf("%s", r.measured[len(r.measured)-1])
	if share < s.canary-tolerance || share > s.canary+tolerance {
		r.t.Errorf("%s: the lane filter put %.2f%% of %d users in the lane, want %.0f%% ± %.0f", s.file, share, edgeUsers, s.canary, tolerance)
	}
	if left > 0 {
		r.t.Errorf("%s: %d users left the lane while its weight rose from %.0f%% to %.0f%%", s.file, left, r.weight, s.canary)
	}
	if s.canary == 0 && len(in) > 0 {
		r.t.Errorf("%s: %d users are still in the lane at 0%%", s.file, len(in))
	}
	r.inLane, r.weight = in, s.canary
}

// accepted waits until every parent status Graylane writes for a route
// reads Accepted=True at the route's generation, as Flagger's gate checks
// them: the status's parentRef equal to the spec's.
func (r *rollout) accepted(obj client.Object) {
	r.t.Helper()
	var route client.Object
	var parents *[]gatewayv1.RouteParentStatus
	var refs *[]gatewayv1.ParentReference
	switch obj.(type) {
	case *gatewayv1.HTTPRoute:
		hr := &gatewayv1.HTTPRoute{}
		route, parents, refs = hr, &hr.Status.Parents, &hr.Spec.ParentRefs
	case *gatewayv1.GRPCRoute:
		gr := &gatewayv1.GRPCRoute{}
		route, parents, refs = gr, &gr.Status.Parents, &gr.Spec.ParentRefs
	default:
		return
	}
	eventually(r.t, 20*time.Second, func() error {
		if err := r.c.client.Get(context.Background(), client.ObjectKeyFromObject(obj), route); err != nil {
			return err
		}
		for _, ref := range *refs {
			if err := parentAccepted(*parents, ref, route.GetGeneration()); err != nil {
				return fmt.Errorf("%s %s: %w", obj.GetObjectKind().GroupVersionKind().Kind, obj.GetName(), err)
			}
		}
		return nil
	})
}

func parentAccepted(statuses []gatewayv1.RouteParentStatus, ref gatewayv1.ParentReference, generation int64) error {
	for _, ps := range statuses {
		if !reflect.DeepEqual(ps.ParentRef, ref) {
			continue
		}
		for _, c := range ps.Conditions {
			if c.Type == string(gatewayv1.RouteConditionAccepted) && c.Status == metav1.ConditionTrue && c.ObservedGeneration == generation {
				return nil
			}
		}
		return fmt.Errorf("parent %s: %+v at generation %d", ref.Name, ps.Conditions, generation)
	}
	return fmt.Errorf("no status for parent %s", ref.Name)
}

// split waits until the client's calls follow the new weights roughly,
// then measures its untagged split once and checks it: the canary's
// share in percent.
func (r *rollout) split(want float64) float64 {
	r.t.Helper()
	eventually(r.t, 20*time.Second, func() error {
		_, err := r.canaryShare(500, want, 6)
		return err
	})
	n := splitCalls
	if want == 0 || want == 100 {
		n = splitCalls / 10 // checked exactly
	}
	share, err := r.canaryShare(n, want, tolerance)
	if err != nil {
		r.t.Error(err)
	}
	return share
}

// canaryShare makes n untagged calls and checks the canary's share is
// within tol points of want, exactly at 0 and 100.
func (r *rollout) canaryShare(n int, want, tol float64) (float64, error) {
	got := count(r.t, r.conn, n)
	if got["stable"]+got["canary"] != n {
		return 0, fmt.Errorf("answers from outside the Service: %v", got)
	}
	share := 100 * float64(got["canary"]) / float64(n)
	if want == 0 || want == 100 {
		tol = 0
	}
	if share < want-tol || share > want+tol {
		return share, fmt.Errorf("the canary took %.2f%% of %d untagged calls, want %.0f%% ± %.0f", share, n, want, tol)
	}
	return share, nil
}

func TestArgoRolloutsCanaryMovesUsersStepByStep(t *testing.T) {
	r := newRollout(t, "argo-rollouts", func(r *rollout, ns []string) {
		r.endpoints(ns[0], "argo-rollouts-service", "http", r.stable)
		r.endpoints(ns[0], "argo-rollouts-stable-service", "http", r.stable)
		r.endpoints(ns[0], "argo-rollouts-canary-service", "http", r.canary)
	}, "default")
	ns := r.namespaces[0]
	r.edge(ns + "-eg-80")
	r.conn = r.e.dial("argo-rollouts-service." + ns + ":80")
	for _, s := range canarySteps {
		r.step(s)
	}
}

func TestFlaggerCanaryMovesUsersStepByStep(t *testing.T) {
	r := newRollout(t, "flagger", func(r *rollout, ns []string) {
		r.endpoints(ns[0], "podinfo", "http", r.stable)
		r.endpoints(ns[0], "podinfo-primary", "http", r.stable)
		r.endpoints(ns[0], "podinfo-canary", "http", r.canary)
	}, "test", "istio-ingress")
	r.edge(r.namespaces[1] + "-gateway-80")
	r.conn = r.e.dial("podinfo." + r.namespaces[0] + ":9898")
	for _, s := range canarySteps {
		r.step(s)
	}
}
