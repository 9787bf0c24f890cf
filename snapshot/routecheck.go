package snapshot

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/cespare/xxhash/v2"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/graylane/graylane/internal/parallel"
)

// routeCheck is what checking one route learnt: the digest of its
// deterministic encoding, the clusters it names, or its problem; and the
// last check of its route configuration that saw it.
type routeCheck struct {
	digest uint64
	refs   references
	err    error
	seenAt uint64
}

// routeMemo remembers the checks of a route configuration's routes by
// identity. A route configuration that aggregates many services (a
// gateway's) is rebuilt on every change to any of them, but from the same
// route messages for the services that did not change (translators.Memo):
// those are not validated, encoded or hashed again. Routes are immutable
// once built, so what it holds stays true whether or not the build that
// checked them succeeds; it forgets the routes a check did not see.
type routeMemo struct {
	mu       sync.Mutex
	checks   map[*routev3.Route]*routeCheck
	pass     uint64 // checks begun
	clusters int    // clusters named, at the last check
}

// routeMemos are a group's route memories, by route configuration name.
type routeMemos map[string]*routeMemo

// memoFor is the memory of the named route configuration's routes: the
// one known, else a new one.
func (ms routeMemos) memoFor(name string) *routeMemo {
	if m, ok := ms[name]; ok {
		return m
	}
	return &routeMemo{checks: map[*routev3.Route]*routeCheck{}}
}

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
// whole, each route on its own unless the memory has it. Its version
// digests the encoding without routes and each route's digest, in order.
func checkRouteConfig(rc *routev3.RouteConfiguration, m *routeMemo) checked {
	c := checked{name: rc.GetName()}
	shell := withoutRoutes(rc)
	if err := validateAll(shell); err != nil {
		c.err = fmt.Errorf("RouteConfiguration %q: %w", c.name, err)
		return c
	}
	h := xxhash.New()
	if err := encode(shell, func(b []byte) { _, _ = h.Write(b) }); err != nil {
		c.err = fmt.Errorf("RouteConfiguration %q: %w", c.name, err)
		return c
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.checkNew(rc)
	m.pass++
	seen := 0
	clusters := make(references, 0, m.clusters)
	var buf [8]byte
	for i, vh := range rc.GetVirtualHosts() {
		binary.LittleEndian.PutUint64(buf[:], uint64(i))
		_, _ = h.Write(buf[:]) // which virtual host the next routes are of
		for j, r := range vh.GetRoutes() {
			got := m.check(r, &seen)
			if got.err != nil && c.err == nil { // the first, once every route is seen
				c.err = fmt.Errorf("RouteConfiguration %q: virtual host %q: route %d: %w", c.name, vh.GetName(), j, got.err)
			}
			binary.LittleEndian.PutUint64(buf[:], got.digest)
			_, _ = h.Write(buf[:])
			clusters = append(clusters, got.refs...)
		}
	}
	m.forgetUnseen(seen)
	if c.err != nil {
		return c
	}
	m.clusters, c.refs = len(clusters), clusters
	c.version = digestVersion(h.Sum64())[1:]
	return c
}

// check checks one route, or recalls its check, and counts the routes
// seen in this pass.
func (m *routeMemo) check(r *routev3.Route, seen *int) *routeCheck {
	rc, ok := m.checks[r]
	if !ok {
		rc = checkRoute(r)
		m.checks[r] = rc
	}
	if rc.seenAt != m.pass {
		rc.seenAt = m.pass
		*seen++
	}
	return rc
}

// routesAWorker is how many new routes of one route configuration make
// it worth checking them on another core.
const routesAWorker = 128

// checkNew checks, on every core, the routes of rc the memory does not
// have: a gateway's route configuration is one resource, but holds
// routes for every service.
func (m *routeMemo) checkNew(rc *routev3.RouteConfiguration) {
	var fresh []*routev3.Route
	for _, vh := range rc.GetVirtualHosts() {
		for _, r := range vh.GetRoutes() {
			if _, ok := m.checks[r]; !ok {
				fresh = append(fresh, r)
			}
		}
	}
	checks := make([]*routeCheck, len(fresh))
	parallel.For(len(fresh), routesAWorker, func(i int) { checks[i] = checkRoute(fresh[i]) })
	for i, r := range fresh {
		m.checks[r] = checks[i]
	}
}

// forgetUnseen drops the checks of the routes this pass did not see, once
// they are a quarter of those it saw: a change to one service of
// thousands does not sweep the memory of every route, and what is kept
// unseen stays bounded.
func (m *routeMemo) forgetUnseen(seen int) {
	if len(m.checks)-seen <= seen/4 {
		return
	}
	for r, rc := range m.checks {
		if rc.seenAt != m.pass {
			delete(m.checks, r)
		}
	}
}

// checkRoute checks one route.
func checkRoute(r *routev3.Route) *routeCheck {
	rc := &routeCheck{}
	if rc.err = validateAll(r); rc.err == nil {
		rc.err = encode(r, func(b []byte) { rc.digest = xxhash.Sum64(b) })
	}
	rc.refs.route(r)
	return rc
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
