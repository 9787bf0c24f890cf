package kubernetes

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/graylane/graylane/model"
)

// mapper turns one world into units; it lives for one build.
type mapper struct {
	w        *world
	lanes    map[string]bool
	services map[types.NamespacedName]*corev1.Service
	// versions are the version Services of each Service, by its name.
	versions map[types.NamespacedName][]*corev1.Service
	// leftOut says why a version Service is not a version, for routes
	// that name it.
	leftOut map[types.NamespacedName]string
	// parsed are the routes, parsed once per build.
	parsed []*parsedRoute
	routes *routeIndex
	// named are, by Service port, the version each Service name stands
	// for in routes (see portVersions).
	named    map[servicePort]map[string]string
	gateways *gatewayIndex
	certs    *certificates
	warnings []error
}

// servicePort is a Service's port by number.
type servicePort struct {
	svc  types.NamespacedName
	port int32
}

func newMapper(w *world, lanes []model.Lane, parsed []*parsedRoute, certs *certificates) *mapper {
	m := &mapper{
		w: w, lanes: map[string]bool{}, parsed: parsed, certs: certs,
		services: map[types.NamespacedName]*corev1.Service{},
		versions: map[types.NamespacedName][]*corev1.Service{},
		leftOut:  map[types.NamespacedName]string{},
		named:    map[servicePort]map[string]string{},
	}
	for _, l := range lanes {
		m.lanes[l.Name] = true
	}
	for i := range w.services {
		if s := &w.services[i]; s.Spec.Type != corev1.ServiceTypeExternalName {
			m.services[nameOf(s)] = s
		}
	}
	for i := range w.services {
		m.classify(&w.services[i])
	}
	m.gateways = m.indexGateways()
	m.routes = m.indexRoutes()
	return m
}

// classify files a version Service under the Service it is a version of.
func (m *mapper) classify(s *corev1.Service) {
	of, ok := s.Labels[LabelVersionOf]
	if !ok || m.services[nameOf(s)] == nil {
		return
	}
	parent := m.services[types.NamespacedName{Namespace: s.Namespace, Name: of}]
	if parent == nil || parent == s || m.isVersion(parent) {
		m.warnings = append(m.warnings, &model.Error{
			Pos:     objPos("Service", s) + ": label " + LabelVersionOf,
			Message: fmt.Sprintf("there is no Service %s/%s that is not itself a version; the Service is left out", s.Namespace, of),
		})
		return
	}
	m.versions[nameOf(parent)] = append(m.versions[nameOf(parent)], s)
}

func (m *mapper) isVersion(s *corev1.Service) bool {
	_, ok := s.Labels[LabelVersionOf]
	return ok
}

// parents are the Services that map to units: all but version Services
// and ExternalName ones, sorted by namespace and name.
func (m *mapper) parents() []*corev1.Service {
	var out []*corev1.Service
	for i := range m.w.services {
		s := &m.w.services[i]
		if m.services[nameOf(s)] != nil && !m.isVersion(s) {
			out = append(out, s)
		}
	}
	return out
}

// unit maps a Service, its versions, policy and routes.
func (m *mapper) unit(p *corev1.Service) *unit {
	u := newUnit(serviceKey(nameOf(p)))
	policy, fields := policyOf(u, p)
	vs := m.versionsOf(u, p)
	for i := range p.Spec.Ports {
		if isTCP(&p.Spec.Ports[i]) {
			u.services = append(u.services, m.service(u, p, i, vs, policy, fields))
		}
	}
	return u
}

// service maps one port of a unit's Service.
func (m *mapper) service(u *unit, p *corev1.Service, i int, vs []versionSvc, policy model.Policy, policyFields map[string]string) model.Service {
	port := &p.Spec.Ports[i]
	s := model.Service{Name: p.Name, Namespace: p.Namespace, Port: uint32(port.Port), Protocol: protocolOf(port), Policy: policy}
	pos := objPos("Service", p)
	fields := map[string]string{"port": fmt.Sprintf("%s: spec.ports[%d]", pos, i), "versions": pos}
	fields["protocol"] = fields["port"]
	for k, v := range policyFields {
		fields[k] = v
	}
	byService := m.portVersions(u, &s, port, vs)
	m.named[servicePort{nameOf(p), port.Port}] = byService
	m.applyRoutes(u, &s, p, port, byService, fields)
	s.Origin = u.origin(pos, fields)
	return s
}
