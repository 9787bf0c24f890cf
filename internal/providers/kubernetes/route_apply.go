package kubernetes

import (
	"cmp"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/graylane/graylane/model"
)

// portRoutes is what the routes on one Service port resolve to.
type portRoutes struct {
	u         *unit
	p         *corev1.Service
	port      int32
	byService map[string]string
	// split is the rule that matches every request and splits the rest.
	split   *resolvedRule
	matches []rankedMatch
	rules   map[*parsedRule]*resolvedRule
}

// resolvedRule is a rule whose backends and mirrors name versions.
type resolvedRule struct {
	rule    *parsedRule
	parent  *parentState
	weights map[string]model.Weight
	mirrors []model.Mirror
}

// applyRoutes sets the routing of one port of a unit's Service from the
// routes attached to it, merged as Gateway API merges routes: the oldest
// route's rule that matches every request splits what no other rule
// matches; every other rule's matches are checked first, the most
// specific first, then the oldest route's.
func (m *mapper) applyRoutes(u *unit, s *model.Service, p *corev1.Service, port *corev1.ServicePort, byService map[string]string, fields map[string]string) {
	pr := &portRoutes{u: u, p: p, port: port.Port, byService: byService, rules: map[*parsedRule]*resolvedRule{}}
	for _, a := range m.routes.attachedTo(nameOf(p), port.Port) {
		for _, r := range a.route.rules {
			if a.parent.serves(r) {
				m.collect(pr, a, r)
			}
		}
	}
	sortMatches(pr.matches)
	if s.Protocol == model.ProtocolTCP {
		for _, rm := range pr.matches {
			pr.rules[rm.rule].parent.dropped[rm.rule.index] = fmt.Sprintf("port %d is a tcp port: only a rule that matches every request splits its connections", port.Port)
		}
		pr.matches = nil
	}
	if pr.split != nil {
		s.Weights = pr.split.weights
		fields["weights"] = pr.split.rule.pos + ".backendRefs"
		u.rules[fields["weights"]] = rulePlace{pr.split.rule, pr.split.parent}
	}
	if pr.legacy() {
		s.Matches = pr.serviceMatches()
		return
	}
	s.Routes = pr.serviceRoutes()
}

// collect resolves a rule for the port: the first rule that matches every
// request is the split (later ones never apply); any other rule with a
// backend that resolves adds its matches.
func (m *mapper) collect(pr *portRoutes, a attachment, r *parsedRule) {
	rr := &resolvedRule{rule: r, parent: a.parent, weights: m.ruleWeights(pr, a, r)}
	rr.mirrors = m.mirrors(pr, a, r)
	pr.rules[r] = rr
	if r.matchesAll() {
		if pr.split == nil {
			pr.split = rr
		}
		return
	}
	if rr.weights == nil {
		return // on this port: ResolvedRefs says why
	}
	for _, rm := range r.matches {
		pr.matches = append(pr.matches, rankedMatch{rule: r, match: rm})
	}
}

func (rr *resolvedRule) place() rulePlace { return rulePlace{rr.rule, rr.parent} }

// ruleWeights splits a rule's requests by its resolved backendRefs'
// weights, made exact shares of 100%. backendRefs that name no version are
// left out and the others share their traffic; with no weight left it
// returns nil.
func (m *mapper) ruleWeights(pr *portRoutes, a attachment, r *parsedRule) map[string]model.Weight {
	var split versionSplit
	for _, b := range r.backends {
		if v, ok := m.resolve(a, b.ref, pr.p, pr.port, pr.byService); ok {
			split.add(v, b.weight)
		}
	}
	return split.weights()
}

// versionSplit adds up the weights of backendRefs by the version they
// name, in the order versions first appear.
type versionSplit struct {
	names  []string
	totals map[string]int64
}

func (s *versionSplit) add(version string, weight int64) {
	if s.totals == nil {
		s.totals = map[string]int64{}
	}
	if _, seen := s.totals[version]; !seen {
		s.names = append(s.names, version)
	}
	s.totals[version] += weight
}

// weights are the versions' exact shares of 100%, or nil when no weight
// is above 0.
func (s *versionSplit) weights() map[string]model.Weight {
	ws := make([]int64, len(s.names))
	for i, n := range s.names {
		ws[i] = s.totals[n]
	}
	sh := shares(ws)
	if sh == nil {
		return nil
	}
	out := make(map[string]model.Weight, len(s.names))
	for i, n := range s.names {
		out[n] = sh[i]
	}
	return out
}

// mirrors resolves a rule's RequestMirror filters to versions.
func (m *mapper) mirrors(pr *portRoutes, a attachment, r *parsedRule) []model.Mirror {
	var out []model.Mirror
	for _, mr := range r.mirrors {
		v, ok := m.resolve(a, mr.ref, pr.p, pr.port, pr.byService)
		if !ok {
			continue
		}
		fields := map[string]string{"version": mr.pos + ".requestMirror.backendRef", "percent": mr.pos + ".requestMirror"}
		out = append(out, model.Mirror{Version: v, Percent: mr.percent, Origin: pr.u.ruleOrigin(rulePlace{r, a.parent}, mr.pos, fields)})
	}
	return out
}

// legacy reports whether the routes need nothing but header matches with
// one version each besides the split: they are then the service's header
// matches, which every role has always served.
func (pr *portRoutes) legacy() bool {
	if pr.split != nil && (!pr.split.rule.action.IsZero() || len(pr.split.mirrors) > 0) {
		return false
	}
	for _, rm := range pr.matches {
		rr := pr.rules[rm.rule]
		if !rm.rule.action.IsZero() || len(rr.mirrors) > 0 || len(rr.weights) != 1 || !headersOnly(rm.match.match) {
			return false
		}
	}
	return true
}

// headersOnly reports whether a match tests exact header values only.
func headersOnly(m model.RouteMatch) bool {
	if m.Path != "" || m.PathRegex != "" || (m.PathPrefix != "" && m.PathPrefix != "/") || m.Method != "" || len(m.Query) > 0 {
		return false
	}
	for _, h := range m.Headers {
		if h.Regex {
			return false
		}
	}
	return len(m.Headers) > 0
}

func (pr *portRoutes) serviceMatches() []model.ServiceMatch {
	out := make([]model.ServiceMatch, 0, len(pr.matches))
	for _, rm := range pr.matches {
		rr := pr.rules[rm.rule]
		pos := fmt.Sprintf("%s.matches[%d]", rm.rule.pos, rm.match.index)
		sm := model.ServiceMatch{Version: onlyVersion(rr.weights),
			Origin: pr.u.ruleOrigin(rr.place(), pos, map[string]string{"headers": pos + ".headers", "version": rm.rule.pos + ".backendRefs"})}
		for _, h := range rm.match.match.Headers {
			sm.Headers = append(sm.Headers, model.NameValue{Name: h.Name, Value: h.Value})
		}
		out = append(out, sm)
	}
	return out
}

func onlyVersion(ws map[string]model.Weight) string {
	for v := range ws {
		return v
	}
	return ""
}

// serviceRoutes are the ordered matches as service routes, the adjacent
// matches of one rule merged, and last the split's action, if it has one.
func (pr *portRoutes) serviceRoutes() []model.ServiceRoute {
	var out []model.ServiceRoute
	for i := 0; i < len(pr.matches); {
		r := pr.matches[i].rule
		var ms []model.RouteMatch
		var indexes []int
		for ; i < len(pr.matches) && pr.matches[i].rule == r; i++ {
			ms = append(ms, pr.matches[i].match.match)
			indexes = append(indexes, pr.matches[i].match.index)
		}
		rr := pr.rules[r]
		out = append(out, model.ServiceRoute{Matches: ms, Weights: rr.weights, Action: withMirrors(r.action, rr.mirrors),
			Origin: pr.u.ruleOrigin(rr.place(), r.pos, ruleFields(r, indexes))})
	}
	if s := pr.split; s != nil && (!s.rule.action.IsZero() || len(s.mirrors) > 0) {
		out = append(out, model.ServiceRoute{Action: withMirrors(s.rule.action, s.mirrors), Origin: pr.u.ruleOrigin(s.place(), s.rule.pos, ruleFields(s.rule, nil))})
	}
	return out
}

func withMirrors(a model.RouteAction, ms []model.Mirror) model.RouteAction {
	a.Mirrors = ms
	return a
}

// ruleFields are the positions of a route made of a rule: its action's
// fields, its weights, and each of its matches at the rule's match it came
// from.
func ruleFields(r *parsedRule, indexes []int) map[string]string {
	fields := map[string]string{"weights": r.pos + ".backendRefs"}
	for k, v := range r.fields {
		fields[k] = v
	}
	for i, j := range indexes {
		fields[fmt.Sprintf("match[%d]", i)] = fmt.Sprintf("%s.matches[%d]", r.pos, j)
	}
	return fields
}

// shares divides 100% among ws in proportion, exactly: each gets the floor
// of its share in hundredths of a percent, and what is left goes one
// hundredth at a time to the largest remainders, the earliest first. It
// returns nil when ws add up to 0.
func shares(ws []int64) []model.Weight {
	var total int64
	for _, w := range ws {
		total += w
	}
	if total == 0 {
		return nil
	}
	out := make([]model.Weight, len(ws))
	rem := make([]int64, len(ws))
	left := int64(model.WeightFull)
	for i, w := range ws {
		q := w * int64(model.WeightFull)
		out[i], rem[i] = model.Weight(q/total), q%total
		left -= q / total
	}
	order := make([]int, len(ws))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rem[b], rem[a]) })
	for k := range int(left) {
		out[order[k]]++
	}
	return out
}
