package kubernetes

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	graylanev1alpha1 "github.com/graylane/graylane/api/v1alpha1"
)

// world is every object the source reads, at one moment, sorted by
// namespace and name. Its objects are the cache's own: never modify them.
type world struct {
	services []corev1.Service
	// slices are by the Service they belong to (kubernetes.io/service-name).
	slices     map[types.NamespacedName][]discoveryv1.EndpointSlice
	lanes      []graylanev1alpha1.Lane
	httpRoutes []gatewayv1.HTTPRoute
	grpcRoutes []gatewayv1.GRPCRoute
	classes    []gatewayv1.GatewayClass
	gateways   []gatewayv1.Gateway
	// secrets are the Secrets the listeners of Graylane's Gateways name.
	secrets map[types.NamespacedName]*corev1.Secret
	// stored are the ConfigMaps of last good states, by name.
	stored map[string]*corev1.ConfigMap
}

// kinds says which optional APIs the cluster serves, and where the last
// good states are kept.
type kinds struct {
	lanes      bool
	routes     bool
	grpcRoutes bool
	gateways   bool
	store      *store
}

// secretReader reads the Secrets that listeners name.
type secretReader interface {
	read(ctx context.Context, keys []types.NamespacedName) (map[types.NamespacedName]*corev1.Secret, error)
}

// readers are where the source reads: its cache of objects, its cache of
// last good states, and the Secrets the Gateways name.
type readers struct {
	objects client.Reader
	stored  client.Reader
	secrets secretReader
}

// readWorld lists everything the source reads.
func readWorld(ctx context.Context, rs readers, k kinds) (*world, error) {
	r := rs.objects
	var (
		services   corev1.ServiceList
		slices     discoveryv1.EndpointSliceList
		lanes      graylanev1alpha1.LaneList
		httpRoutes gatewayv1.HTTPRouteList
		grpcRoutes gatewayv1.GRPCRouteList
		classes    gatewayv1.GatewayClassList
		gateways   gatewayv1.GatewayList
		stored     corev1.ConfigMapList
	)
	lists := []client.ObjectList{&services, &slices}
	for _, opt := range []struct {
		on   bool
		list client.ObjectList
	}{{k.lanes, &lanes}, {k.routes, &httpRoutes}, {k.grpcRoutes, &grpcRoutes}, {k.gateways, &classes}, {k.gateways, &gateways}} {
		if opt.on {
			lists = append(lists, opt.list)
		}
	}
	for _, l := range lists {
		if err := r.List(ctx, l, client.UnsafeDisableDeepCopy); err != nil {
			return nil, fmt.Errorf("listing %T: %w", l, err)
		}
	}
	if k.store != nil {
		if err := rs.stored.List(ctx, &stored, client.UnsafeDisableDeepCopy, client.InNamespace(k.store.namespace),
			client.MatchingLabels{LabelLastGood: k.store.ownerLabel()}); err != nil {
			return nil, fmt.Errorf("listing the last good states: %w", err)
		}
	}
	w := &world{
		services:   sortByName(services.Items),
		slices:     slicesByService(sortByName(slices.Items)),
		lanes:      sortByName(lanes.Items),
		httpRoutes: sortByName(httpRoutes.Items),
		grpcRoutes: sortByName(grpcRoutes.Items),
		classes:    sortByName(classes.Items),
		gateways:   sortByName(gateways.Items),
		stored:     map[string]*corev1.ConfigMap{},
	}
	for i := range stored.Items {
		w.stored[stored.Items[i].Name] = &stored.Items[i]
	}
	var err error
	if keys := w.secretKeys(); len(keys) > 0 && rs.secrets != nil {
		w.secrets, err = rs.secrets.read(ctx, keys)
	}
	return w, err
}

// secretKeys are the Secrets the HTTPS listeners of the Gateways of
// Graylane's classes name, in the Gateway's namespace.
func (w *world) secretKeys() []types.NamespacedName {
	ours := map[string]bool{}
	for _, c := range w.classes {
		if c.Spec.ControllerName == GatewayControllerName {
			ours[c.Name] = true
		}
	}
	var out []types.NamespacedName
	for _, g := range w.gateways {
		if !ours[string(g.Spec.GatewayClassName)] {
			continue
		}
		for _, l := range g.Spec.Listeners {
			if l.Protocol != gatewayv1.HTTPSProtocolType || l.TLS == nil {
				continue
			}
			for _, ref := range l.TLS.CertificateRefs {
				if ptrOr(ref.Namespace, gatewayv1.Namespace(g.Namespace)) == gatewayv1.Namespace(g.Namespace) {
					out = append(out, types.NamespacedName{Namespace: g.Namespace, Name: string(ref.Name)})
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b types.NamespacedName) int { return cmp.Compare(a.String(), b.String()) })
	return slices.Compact(out)
}

// parseRoutes parses every route once, HTTPRoutes first.
func parseRoutes(w *world) []*parsedRoute {
	out := make([]*parsedRoute, 0, len(w.httpRoutes)+len(w.grpcRoutes))
	for i := range w.httpRoutes {
		out = append(out, parseHTTPRoute(&w.httpRoutes[i]))
	}
	for i := range w.grpcRoutes {
		out = append(out, parseGRPCRoute(&w.grpcRoutes[i]))
	}
	return out
}

// sortByName sorts objects by namespace, then name.
func sortByName[T any, P interface {
	*T
	metav1.Object
}](items []T) []T {
	slices.SortFunc(items, func(a, b T) int {
		pa, pb := P(&a), P(&b)
		return cmp.Or(cmp.Compare(pa.GetNamespace(), pb.GetNamespace()), cmp.Compare(pa.GetName(), pb.GetName()))
	})
	return items
}

func slicesByService(all []discoveryv1.EndpointSlice) map[types.NamespacedName][]discoveryv1.EndpointSlice {
	out := map[types.NamespacedName][]discoveryv1.EndpointSlice{}
	for _, s := range all {
		name := s.Labels[discoveryv1.LabelServiceName]
		if name == "" {
			continue
		}
		key := types.NamespacedName{Namespace: s.Namespace, Name: name}
		out[key] = append(out[key], s)
	}
	return out
}

// nameOf is an object's namespace and name.
func nameOf(o metav1.Object) types.NamespacedName {
	return types.NamespacedName{Namespace: o.GetNamespace(), Name: o.GetName()}
}

// objPos is how errors point at an object: "Service default/reviews", or
// "Lane canary" for a cluster-scoped one.
func objPos(kind string, o metav1.Object) string {
	if o.GetNamespace() == "" {
		return kind + " " + o.GetName()
	}
	return kind + " " + o.GetNamespace() + "/" + o.GetName()
}
