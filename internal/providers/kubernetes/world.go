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
	slices map[types.NamespacedName][]discoveryv1.EndpointSlice
	lanes  []graylanev1alpha1.Lane
	routes []gatewayv1.HTTPRoute
}

// readWorld lists everything from r, the source's cache.
func readWorld(ctx context.Context, r client.Reader, k kinds) (*world, error) {
	var (
		services corev1.ServiceList
		slices   discoveryv1.EndpointSliceList
		lanes    graylanev1alpha1.LaneList
		routes   gatewayv1.HTTPRouteList
	)
	lists := []client.ObjectList{&services, &slices}
	if k.lanes {
		lists = append(lists, &lanes)
	}
	if k.routes {
		lists = append(lists, &routes)
	}
	for _, l := range lists {
		if err := r.List(ctx, l, client.UnsafeDisableDeepCopy); err != nil {
			return nil, fmt.Errorf("listing %T: %w", l, err)
		}
	}
	w := &world{
		services: sortByName(services.Items),
		slices:   slicesByService(sortByName(slices.Items)),
		lanes:    sortByName(lanes.Items),
		routes:   sortByName(routes.Items),
	}
	return w, nil
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
