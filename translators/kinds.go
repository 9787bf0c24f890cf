package translators

import (
	"cmp"
	"slices"

	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
)

// Kind is a type of resource Graylane serves. Kinds is the one list of
// them: translation sorts by it, the snapshot layer versions, checks and
// publishes by it, and render, metrics and status name types by it.
type Kind struct {
	// Type is go-control-plane's name for the type.
	Type types.ResponseType
	// URL is the type URL clients subscribe with.
	URL string
	// Name names the type in logs, metrics, status and rendered output:
	// "clusters".
	Name string
	// Noun names one resource of the kind in messages: "route
	// configuration".
	Noun string
	// Referenced is set for kinds whose every resource must be referred
	// to by another: endpoints by a cluster, a route configuration by a
	// listener. Such a resource is removed only after what referred to it.
	Referenced bool
	// RemoveLast is set for kinds that resources of later kinds refer to:
	// a removal of one of them waits until those no longer do.
	RemoveLast bool
	// FullStateInSotw is set for kinds that Envoy takes, over
	// state-of-the-world xDS, as the whole set in every response, though
	// the protocol lets a server send only what changed: a scope a
	// response leaves out is removed (SRDS). Every resource of such a kind
	// is sent again when one changes.
	FullStateInSotw bool

	of   func(*Lists) []types.Resource
	sort func(*Lists)
	add  func(dst, src *Lists)
}

// kinds are in the order a new configuration reaches clients, make before
// break: what a resource refers to arrives before it.
var kinds = []Kind{
	{Type: types.Cluster, URL: resourcev3.ClusterType, Name: "clusters", Noun: "cluster", RemoveLast: true,
		of: func(r *Lists) []types.Resource { return resources(r.Clusters) }, sort: func(r *Lists) { sortByName(r.Clusters) },
		add: func(d, s *Lists) { d.Clusters = append(d.Clusters, s.Clusters...) }},
	{Type: types.Endpoint, URL: resourcev3.EndpointType, Name: "endpoints", Noun: "endpoints", Referenced: true, RemoveLast: true,
		of: func(r *Lists) []types.Resource { return resources(r.Endpoints) }, sort: func(r *Lists) { sortBy(r.Endpoints, (*endpointv3.ClusterLoadAssignment).GetClusterName) },
		add: func(d, s *Lists) { d.Endpoints = append(d.Endpoints, s.Endpoints...) }},
	{Type: types.Secret, URL: resourcev3.SecretType, Name: "secrets", Noun: "secret", Referenced: true, RemoveLast: true,
		of: func(r *Lists) []types.Resource { return resources(r.Secrets) }, sort: func(r *Lists) { sortByName(r.Secrets) },
		add: func(d, s *Lists) { d.Secrets = append(d.Secrets, s.Secrets...) }},
	{Type: types.ExtensionConfig, URL: resourcev3.ExtensionConfigType, Name: "extension_configs", Noun: "extension config", Referenced: true, RemoveLast: true,
		of: func(r *Lists) []types.Resource { return resources(r.ExtensionConfigs) }, sort: func(r *Lists) { sortByName(r.ExtensionConfigs) },
		add: func(d, s *Lists) { d.ExtensionConfigs = append(d.ExtensionConfigs, s.ExtensionConfigs...) }},
	{Type: types.Listener, URL: resourcev3.ListenerType, Name: "listeners", Noun: "listener",
		of: func(r *Lists) []types.Resource { return resources(r.Listeners) }, sort: func(r *Lists) { sortByName(r.Listeners) },
		add: func(d, s *Lists) { d.Listeners = append(d.Listeners, s.Listeners...) }},
	{Type: types.ScopedRoute, URL: resourcev3.ScopedRouteType, Name: "scoped_routes", Noun: "scoped route configuration",
		FullStateInSotw: true,
		of:              func(r *Lists) []types.Resource { return resources(r.ScopedRoutes) }, sort: func(r *Lists) { sortByName(r.ScopedRoutes) },
		add: func(d, s *Lists) { d.ScopedRoutes = append(d.ScopedRoutes, s.ScopedRoutes...) }},
	{Type: types.Route, URL: resourcev3.RouteType, Name: "routes", Noun: "route configuration", Referenced: true,
		of: func(r *Lists) []types.Resource { return resources(r.Routes) }, sort: func(r *Lists) { sortByName(r.Routes) },
		add: func(d, s *Lists) { d.Routes = append(d.Routes, s.Routes...) }},
}

// Kinds lists the kinds Graylane serves, in the order a new configuration
// reaches clients.
func Kinds() []Kind { return slices.Clone(kinds) }

// KindOf returns the kind of a type URL; ok is false for a type Graylane
// does not serve.
func KindOf(typeURL string) (k Kind, ok bool) {
	for _, k := range kinds {
		if k.URL == typeURL {
			return k, true
		}
	}
	return Kind{}, false
}

// KindName names a type URL in logs, metrics and status: "clusters", or
// "unknown" for a type Graylane does not serve.
func KindName(typeURL string) string {
	if k, ok := KindOf(typeURL); ok {
		return k.Name
	}
	return "unknown"
}

// Of returns the resources of a kind.
func (l *Lists) Of(k Kind) []types.Resource { return k.of(l) }

// append adds src's resources to l's.
func (l *Lists) append(src *Lists) {
	for _, k := range kinds {
		k.add(l, src)
	}
}

// Empty reports whether l holds no resource.
func (l *Lists) Empty() bool {
	for _, k := range kinds {
		if len(k.of(l)) > 0 {
			return false
		}
	}
	return true
}

// sort orders every list by resource name.
func (r *Lists) sort() {
	for _, k := range kinds {
		k.sort(r)
	}
}

func resources[T types.Resource](in []T) []types.Resource {
	out := make([]types.Resource, len(in))
	for i, r := range in {
		out[i] = r
	}
	return out
}

type named interface{ GetName() string }

func sortByName[T named](s []T) { sortBy(s, T.GetName) }

func sortBy[T any](s []T, key func(T) string) {
	slices.SortFunc(s, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
}
