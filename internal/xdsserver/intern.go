package xdsserver

import (
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"

	"github.com/graylane/graylane/snapshot"
)

// internDeltaRequest interns the names a delta request subscribes to and
// says it holds (see snapshot.Intern).
func internDeltaRequest(req *discoveryv3.DeltaDiscoveryRequest) {
	snapshot.Intern(req.ResourceNamesSubscribe)
	req.InitialResourceVersions = snapshot.InternVersions(req.InitialResourceVersions)
}
