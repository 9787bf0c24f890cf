package xdsserver

import (
	"unique"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
)

// Every client of a role asks for the same resource names, and the server
// keeps what each asks for (its subscription, its watches and the versions
// it was sent) for as long as its stream lasts. A name decoded from a
// request is a string of the client's own; interning the names before the
// server keeps them lets every client's subscription share one copy of
// each name, instead of holding a copy per client.

// intern replaces each name with the one copy every stream shares.
func intern(names []string) {
	for i, n := range names {
		names[i] = unique.Make(n).Value()
	}
}

// internVersions is versions with its names interned.
func internVersions(versions map[string]string) map[string]string {
	if len(versions) == 0 {
		return versions
	}
	out := make(map[string]string, len(versions))
	for n, v := range versions {
		out[unique.Make(n).Value()] = v
	}
	return out
}

// internRequest interns the names a state-of-the-world request subscribes
// to.
func internRequest(req *discoveryv3.DiscoveryRequest) { intern(req.ResourceNames) }

// internDeltaRequest interns the names a delta request subscribes to and
// says it holds.
func internDeltaRequest(req *discoveryv3.DeltaDiscoveryRequest) {
	intern(req.ResourceNamesSubscribe)
	req.InitialResourceVersions = internVersions(req.InitialResourceVersions)
}
