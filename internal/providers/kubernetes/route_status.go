package kubernetes

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/graylane/graylane/model"
)

// routeResult is the status Graylane wants for one route: a parent status
// per parentRef it serves (none when it has none, which clears what
// Graylane wrote before).
type routeResult struct {
	key        routeKey
	generation int64
	parents    []gatewayv1.RouteParentStatus
}

// noteUnit records in the statuses of the routes attached to a unit's
// Service or Gateway what became of the unit: problems positioned in a
// route make it not accepted; a unit kept at its last good state, or left
// out, is noted.
func (m *mapper) noteUnit(u *unit, errs []error, pending string) {
	atts := m.routes.byParent[u.key.NamespacedName]
	if u.key.Kind == unitGateway {
		atts = m.routes.byGateway[u.key.NamespacedName]
		if gs := m.gateways.byName[u.key.NamespacedName]; gs != nil {
			gs.pending = pending
			for _, e := range errs {
				gs.problems = append(gs.problems, e.Error())
			}
		}
	}
	for _, a := range atts {
		prefix := a.route.pos() + ":"
		for _, e := range errs {
			var me *model.Error
			if errors.As(e, &me) && strings.HasPrefix(me.Pos, prefix) {
				a.parent.invalid = append(a.parent.invalid, e.Error())
			}
		}
		a.parent.pending = pending
	}
}

// routeResults are the statuses of every route.
func (m *mapper) routeResults() []routeResult {
	out := make([]routeResult, 0, len(m.routes.routes))
	for _, pr := range m.routes.routes {
		res := routeResult{key: routeKey{pr.kind, nameOf(pr.obj)}, generation: pr.obj.GetGeneration()}
		for _, ps := range pr.parents {
			conds := []metav1.Condition{accepted(pr, ps), resolvedRefs(ps)}
			if pi := partiallyInvalid(pr, ps); pi != nil && conds[0].Status == metav1.ConditionTrue {
				conds = append(conds, *pi)
			}
			for i := range conds {
				conds[i].ObservedGeneration = pr.obj.GetGeneration()
			}
			res.parents = append(res.parents, gatewayv1.RouteParentStatus{ParentRef: ps.ref, ControllerName: ps.controller, Conditions: conds})
		}
		out = append(out, res)
	}
	return out
}

// droppedRules lists the rules a parent does not serve, with why.
func droppedRules(pr *parsedRoute, ps *parentState) []string {
	var out []string
	for _, r := range pr.rules {
		why := r.dropped
		if why == "" {
			why = ps.dropped[r.index]
		}
		if why != "" {
			out = append(out, fmt.Sprintf("spec.rules[%d]: %s", r.index, why))
		}
	}
	return out
}

func accepted(pr *parsedRoute, ps *parentState) metav1.Condition {
	c := metav1.Condition{Type: string(gatewayv1.RouteConditionAccepted), ObservedGeneration: pr.obj.GetGeneration()}
	dropped := droppedRules(pr, ps)
	switch {
	case ps.noParent != "":
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, string(ps.noParentReason), ps.noParent
	case len(ps.invalid) > 0:
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, string(gatewayv1.RouteReasonUnsupportedValue), strings.Join(dedupe(ps.invalid), "; ")
	case len(pr.rules) > 0 && len(dropped) == len(pr.rules):
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, string(gatewayv1.RouteReasonUnsupportedValue), "no rule is served: "+strings.Join(dropped, "; ")
	default:
		c.Status, c.Reason = metav1.ConditionTrue, string(gatewayv1.RouteReasonAccepted)
		c.Message = strings.Join(slices.Concat([]string{"Accepted by Graylane"}, acceptedNotes(pr, ps)), "; ")
	}
	return c
}

// acceptedNotes are what an accepted route's parent leaves out: rules
// (see PartiallyInvalid), parts of rules, what proxyless gRPC clients do
// not do, and the state of the unit.
func acceptedNotes(pr *parsedRoute, ps *parentState) []string {
	var notes []string
	if n := len(droppedRules(pr, ps)); n > 0 {
		notes = append(notes, fmt.Sprintf("%d of %d rules are not served (see PartiallyInvalid)", n, len(pr.rules)))
	}
	for _, r := range pr.rules {
		if ps.serves(r) {
			for _, n := range r.notes {
				notes = append(notes, fmt.Sprintf("spec.rules[%d]: %s", r.index, n))
			}
		}
	}
	notes = append(notes, dedupe(ps.notes)...)
	if ps.controller == ControllerName {
		if limits := grpcLimits(pr, ps); limits != "" {
			notes = append(notes, limits)
		}
	}
	if ps.pending != "" {
		notes = append(notes, ps.pending)
	}
	return notes
}

// grpcLimits says what proxyless gRPC clients leave out of the rules a
// parent serves; sidecars and the edge do all of it.
func grpcLimits(pr *parsedRoute, ps *parentState) string {
	byLimit := map[string][]string{}
	for _, r := range pr.rules {
		if !ps.serves(r) {
			continue
		}
		for _, l := range dedupe(append(slices.Clone(r.grpcLimits), r.matchLimits()...)) {
			byLimit[l] = append(byLimit[l], fmt.Sprintf("spec.rules[%d]", r.index))
		}
	}
	if len(byLimit) == 0 {
		return ""
	}
	var parts []string
	for _, l := range slices.Sorted(maps.Keys(byLimit)) {
		parts = append(parts, fmt.Sprintf("%s (%s)", l, strings.Join(byLimit[l], ", ")))
	}
	return "proxyless gRPC clients do not apply " + strings.Join(parts, ", ") + "; sidecars and edge proxies do"
}

// partiallyInvalid is the PartiallyInvalid condition of a parent that
// drops some rules and serves the others, or nil.
func partiallyInvalid(pr *parsedRoute, ps *parentState) *metav1.Condition {
	dropped := droppedRules(pr, ps)
	if len(dropped) == 0 {
		return nil
	}
	return &metav1.Condition{
		Type: string(gatewayv1.RouteConditionPartiallyInvalid), Status: metav1.ConditionTrue,
		Reason: string(gatewayv1.RouteReasonUnsupportedValue), ObservedGeneration: pr.obj.GetGeneration(),
		Message: "Dropped Rule(s): " + strings.Join(dropped, "; "),
	}
}

func resolvedRefs(ps *parentState) metav1.Condition {
	c := metav1.Condition{
		Type: string(gatewayv1.RouteConditionResolvedRefs), Status: metav1.ConditionTrue,
		Reason: string(gatewayv1.RouteReasonResolvedRefs), Message: "Every backendRef names a version Graylane routes to",
	}
	if len(ps.unresolved) == 0 {
		return c
	}
	var msgs []string
	for i, name := range slices.Sorted(maps.Keys(ps.unresolved)) {
		p := ps.unresolved[name]
		if i == 0 {
			c.Reason = string(p.reason)
		}
		msgs = append(msgs, p.message)
	}
	c.Status = metav1.ConditionFalse
	c.Message = strings.Join(msgs, "; ") + "; their requests go to the other backendRefs, or to the baseline"
	return c
}
