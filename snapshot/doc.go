// Package snapshot builds versioned, consistent xDS snapshots from
// translated resources and publishes them to the ADS server's cache.
//
// Every node of a role shares one snapshot. Each resource type is versioned
// by a hash of its content, so an unchanged input never changes a version,
// not even across restarts, and never causes a push. A snapshot is published
// only after every resource passed ValidateAll and every reference resolves
// (API listeners included); otherwise the last good snapshot stays. A new
// snapshot is published in stages, make before break, as the xDS protocol
// asks, in the order of translators.Kinds: clusters, endpoints, secrets,
// extension configs, listeners, scoped routes, routes; and only then are
// the clusters, endpoints, secrets and extension configs nothing refers to
// any more removed.
//
// The Cache serves each role through go-control-plane's LinearCaches, one
// per kind, which answer a client only when a resource it subscribes to
// changed; sidecars that name their egress are served views of their own.
package snapshot
