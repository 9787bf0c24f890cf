package snapshot

import (
	"encoding/binary"
	"fmt"

	"github.com/cespare/xxhash/v2"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// routeCheck is what checking one route learnt: the digest of its
// deterministic encoding, the clusters it names, or its problem.
type routeCheck struct {
	digest   uint64
	clusters []string
	err      error
}

// routeChecks remembers the checks of routes by identity. A route
// configuration that aggregates many services (a gateway's) is rebuilt on
// every change to any of them, but from the same route messages for the
// services that did not change (translators.Memo): those are not
// validated, encoded or hashed again.
type routeChecks map[*routev3.Route]routeCheck

// routeByRouteAt is the number of routes from which a route configuration
// is checked route by route: one that aggregates services. A smaller one,
// a service's own, costs less checked whole. Which way a configuration is
// checked depends only on its content, so its version does too.
const routeByRouteAt = 64

// routeCount counts a route configuration's routes.
func routeCount(rc *routev3.RouteConfiguration) int {
	n := 0
	for _, vh := range rc.GetVirtualHosts() {
		n += len(vh.GetRoutes())
	}
	return n
}

var (
	virtualHostsField = (&routev3.RouteConfiguration{}).ProtoReflect().Descriptor().Fields().ByName("virtual_hosts")
	routesField       = (&routev3.VirtualHost{}).ProtoReflect().Descriptor().Fields().ByName("routes")
)

// checkRouteConfig checks a route configuration as check does, route by
// route: the configuration without its routes is validated and encoded
// whole, each route on its own unless known has it. Its version digests
// the encoding without routes and each route's digest, in order. used
// collects the checks of its routes.
func checkRouteConfig(rc *routev3.RouteConfiguration, known routeChecks, used routeChecks) checked {
	c := checked{name: rc.GetName(), refs: references{}}
	shell := withoutRoutes(rc)
	if err := validateAll(shell); err != nil {
		c.err = fmt.Errorf("RouteConfiguration %q: %w", c.name, err)
		return c
	}
	bytes, err := proto.MarshalOptions{Deterministic: true}.Marshal(shell)
	if err != nil {
		c.err = fmt.Errorf("RouteConfiguration %q: %w", c.name, err)
		return c
	}
	h := xxhash.New()
	_, _ = h.Write(bytes)
	var buf [8]byte
	for i, vh := range rc.GetVirtualHosts() {
		binary.LittleEndian.PutUint64(buf[:], uint64(i))
		_, _ = h.Write(buf[:]) // which virtual host the next routes are of
		for j, r := range vh.GetRoutes() {
			got := checkRoute(r, known, used)
			if got.err != nil {
				c.err = fmt.Errorf("RouteConfiguration %q: virtual host %q: route %d: %w", c.name, vh.GetName(), j, got.err)
				return c
			}
			binary.LittleEndian.PutUint64(buf[:], got.digest)
			_, _ = h.Write(buf[:])
			c.refs[types.Cluster] = append(c.refs[types.Cluster], got.clusters...)
		}
	}
	c.version = digestVersion(h.Sum64())[1:]
	return c
}

// checkRoute checks one route, or recalls its check.
func checkRoute(r *routev3.Route, known, used routeChecks) routeCheck {
	if rc, ok := known[r]; ok {
		used[r] = rc
		return rc
	}
	var rc routeCheck
	if rc.err = validateAll(r); rc.err == nil {
		var bytes []byte
		bytes, rc.err = proto.MarshalOptions{Deterministic: true}.Marshal(r)
		rc.digest = xxhash.Sum64(bytes)
	}
	refs := references{}
	refs.route(r)
	rc.clusters = refs[types.Cluster]
	used[r] = rc
	return rc
}

func validateAll(v validator) error {
	if v.Validate() == nil {
		return nil
	}
	return v.ValidateAll()
}

// withoutRoutes is a route configuration with virtual hosts that have no
// routes; it shares every other field with rc, which it leaves as is.
func withoutRoutes(rc *routev3.RouteConfiguration) *routev3.RouteConfiguration {
	out := shallowCopy(rc, virtualHostsField).(*routev3.RouteConfiguration)
	for _, vh := range rc.GetVirtualHosts() {
		out.VirtualHosts = append(out.VirtualHosts, shallowCopy(vh, routesField).(*routev3.VirtualHost))
	}
	return out
}

// shallowCopy copies a message's fields but skip, sharing their values.
func shallowCopy(m proto.Message, skip protoreflect.FieldDescriptor) proto.Message {
	src := m.ProtoReflect()
	dst := src.New()
	src.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd != skip {
			dst.Set(fd, v)
		}
		return true
	})
	return dst.Interface()
}
