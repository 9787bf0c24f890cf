package translators

import (
	"cmp"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	"slices"
	"strconv"
)

func itoa(i int) string { return strconv.Itoa(i) }

type named interface{ GetName() string }

func byName[T named](a, b T) int { return cmp.Compare(a.GetName(), b.GetName()) }

// sort orders every list by resource name.
func (r *Resources) sort() {
	slices.SortFunc(r.Clusters, byName)
	slices.SortFunc(r.Listeners, byName)
	slices.SortFunc(r.Routes, byName)
	slices.SortFunc(r.ExtensionConfigs, byName)
	slices.SortFunc(r.Endpoints, func(a, b *endpointv3.ClusterLoadAssignment) int {
		return cmp.Compare(a.GetClusterName(), b.GetClusterName())
	})
}
