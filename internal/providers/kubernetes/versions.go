package kubernetes

import (
	"cmp"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/graylane/graylane/model"
)

// versionSvc is a Service that serves a version of a unit's Service: the
// Service itself for the baseline, or a version Service.
type versionSvc struct {
	obj  *corev1.Service
	name string
	lane string
}

// versionsOf lists a Service's versions, the baseline first. A version
// Service without a lane is the baseline instead of the Service's own
// endpoints; two of them are an error of the unit. A version whose lane has
// no accepted Lane, or that shares no port with the Service, is left out.
func (m *mapper) versionsOf(u *unit, p *corev1.Service) []versionSvc {
	base := versionSvc{obj: p, name: cmp.Or(p.Labels[LabelVersion], DefaultBaselineVersion)}
	var laneless, out []versionSvc
	for _, obj := range m.versions[nameOf(p)] {
		v := versionSvc{obj: obj, name: cmp.Or(obj.Labels[LabelVersion], obj.Name), lane: obj.Labels[LabelLane]}
		if why := m.leaveOut(p, v); why != "" {
			m.leftOut[nameOf(obj)] = why
			u.warnings = append(u.warnings, &model.Error{Pos: objPos("Service", obj), Message: why + "; the version is left out"})
			continue
		}
		if v.lane == "" {
			laneless = append(laneless, v)
		} else {
			out = append(out, v)
		}
	}
	switch len(laneless) {
	case 0:
	case 1:
		base = laneless[0]
	default:
		u.errs = append(u.errs, tooManyBaselines(p, laneless))
	}
	return append([]versionSvc{base}, out...)
}

// leaveOut says why a version Service cannot serve, or "".
func (m *mapper) leaveOut(p *corev1.Service, v versionSvc) string {
	if v.lane != "" && !m.lanes[v.lane] {
		return fmt.Sprintf("label %s: lane %q has no accepted Lane", LabelLane, v.lane)
	}
	for i := range p.Spec.Ports {
		if isTCP(&p.Spec.Ports[i]) && matchPort(v.obj, &p.Spec.Ports[i]) != nil {
			return ""
		}
	}
	return fmt.Sprintf("no TCP port matches a port of Service %s/%s by name or number", p.Namespace, p.Name)
}

func tooManyBaselines(p *corev1.Service, laneless []versionSvc) error {
	var names []string
	for _, v := range laneless {
		names = append(names, v.obj.Name)
	}
	return &model.Error{
		Pos: objPos("Service", p),
		Message: fmt.Sprintf("Services %s are all versions of it without a %s label; only one may replace its baseline",
			strings.Join(names, ", "), LabelLane),
	}
}

// portVersions adds the versions that serve port to s, and returns the
// version each Service name stands for in routes.
func (m *mapper) portVersions(u *unit, s *model.Service, port *corev1.ServicePort, vs []versionSvc) map[string]string {
	byService := map[string]string{s.Name: vs[0].name}
	for _, v := range vs {
		vp := matchPort(v.obj, port)
		if vp == nil {
			continue
		}
		pos := objPos("Service", v.obj)
		s.Versions = append(s.Versions, model.Version{
			Name: v.name, Lane: v.lane,
			Endpoints: endpointsOf(m.w.slices[nameOf(v.obj)], vp.Name),
			Origin:    u.origin(pos, map[string]string{"name": pos + ": label " + LabelVersion, "lane": pos + ": label " + LabelLane}),
		})
		u.sources[s.Key()+"/"+v.name] = endpointSource{Service: nameOf(v.obj), Port: vp.Name}
		byService[v.obj.Name] = v.name
	}
	return byService
}

// matchPort finds the TCP port of svc that stands for want: the one with
// the same name, else the one with the same number.
func matchPort(svc *corev1.Service, want *corev1.ServicePort) *corev1.ServicePort {
	var byNumber *corev1.ServicePort
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		switch {
		case !isTCP(p):
		case p.Name == want.Name:
			return p
		case p.Port == want.Port && byNumber == nil:
			byNumber = p
		}
	}
	return byNumber
}
