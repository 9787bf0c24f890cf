package kubernetes

import (
	"cmp"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// classResult is the status Graylane wants for a GatewayClass it owns.
type classResult struct {
	name       string
	generation int64
	conditions []metav1.Condition
}

// gatewayResult is the status Graylane wants for a Gateway it serves.
type gatewayResult struct {
	key        types.NamespacedName
	generation int64
	conditions []metav1.Condition
	listeners  []gatewayv1.ListenerStatus
}

func (m *mapper) classResults() []classResult {
	out := make([]classResult, 0, len(m.gateways.classes))
	for _, c := range m.gateways.classes {
		out = append(out, classResult{name: c.Name, generation: c.Generation, conditions: []metav1.Condition{{
			Type: string(gatewayv1.GatewayClassConditionStatusAccepted), Status: metav1.ConditionTrue,
			Reason: string(gatewayv1.GatewayClassReasonAccepted), Message: "Graylane serves this class's Gateways as edge gateways",
			ObservedGeneration: c.Generation,
		}}})
	}
	return out
}

// programmed marks the Gateway of a unit in the published model, when it
// serves a port there.
func (m *mapper) programmed(u *unit) {
	if gs := m.gateways.byName[u.key.NamespacedName]; u.key.Kind == unitGateway && gs != nil && len(u.gateways) > 0 {
		gs.programmed = true
	}
}

// namedSecrets are the Secrets the served HTTPS listeners name.
func (m *mapper) namedSecrets() map[types.NamespacedName]bool {
	out := map[types.NamespacedName]bool{}
	for _, gs := range m.gateways.gateways {
		for _, l := range gs.listeners {
			if key, why := l.certificateRef(); l.https() && why == "" {
				out[key] = true
			}
		}
	}
	return out
}

func (m *mapper) gatewayResults() []gatewayResult {
	out := make([]gatewayResult, 0, len(m.gateways.gateways))
	for _, gs := range m.gateways.gateways {
		res := gatewayResult{key: nameOf(gs.obj), generation: gs.obj.Generation}
		res.conditions = gatewayConditions(gs)
		for _, l := range gs.listeners {
			res.listeners = append(res.listeners, listenerStatus(gs, l))
		}
		out = append(out, res)
	}
	return out
}

func gatewayConditions(gs *gatewayState) []metav1.Condition {
	gen := gs.obj.Generation
	acc := metav1.Condition{Type: string(gatewayv1.GatewayConditionAccepted), Status: metav1.ConditionTrue,
		Reason: string(gatewayv1.GatewayReasonAccepted), Message: "Accepted by Graylane", ObservedGeneration: gen}
	prog := metav1.Condition{Type: string(gatewayv1.GatewayConditionProgrammed), Status: metav1.ConditionTrue,
		Reason: string(gatewayv1.GatewayReasonProgrammed), Message: "Served to edge proxies", ObservedGeneration: gen}
	if invalid := invalidListeners(gs); invalid != "" {
		acc.Reason, acc.Message = string(gatewayv1.GatewayReasonListenersNotValid), "some listeners are not served: "+invalid
	}
	switch {
	case !gs.programmed:
		prog.Status, prog.Reason = metav1.ConditionFalse, string(gatewayv1.GatewayReasonInvalid)
		prog.Message = strings.Join(append(gs.problems, cmp.Or(gs.pending, "no listener is served")), "; ")
	case gs.pending != "":
		prog.Message += "; " + strings.Join(append(gs.problems, gs.pending), "; ")
	}
	return []metav1.Condition{acc, prog}
}

// invalidListeners names the listeners that are not served, or "".
func invalidListeners(gs *gatewayState) string {
	var names []string
	for _, l := range gs.listeners {
		if !l.serving() {
			names = append(names, string(l.l.Name))
		}
	}
	return strings.Join(names, ", ")
}

func listenerStatus(gs *gatewayState, l *listenerState) gatewayv1.ListenerStatus {
	gen := gs.obj.Generation
	cond := func(t gatewayv1.ListenerConditionType, ok bool, reason gatewayv1.ListenerConditionReason, msg string) metav1.Condition {
		c := metav1.Condition{Type: string(t), Status: metav1.ConditionTrue, Reason: string(reason), Message: msg, ObservedGeneration: gen}
		if !ok {
			c.Status = metav1.ConditionFalse
		}
		return c
	}
	accepted := cond(gatewayv1.ListenerConditionAccepted, true, gatewayv1.ListenerReasonAccepted, "Accepted by Graylane")
	if l.unsupported != "" {
		accepted = cond(gatewayv1.ListenerConditionAccepted, false, l.unsupportedReason, l.unsupported)
	}
	resolved := cond(gatewayv1.ListenerConditionResolvedRefs, true, gatewayv1.ListenerReasonResolvedRefs, "References resolved")
	switch {
	case l.refProblem != "":
		resolved = cond(gatewayv1.ListenerConditionResolvedRefs, false, l.refProblemReason, l.refProblem)
	case l.keptCertificate != "":
		resolved = cond(gatewayv1.ListenerConditionResolvedRefs, false, gatewayv1.ListenerReasonInvalidCertificateRef, l.keptCertificate)
	}
	conflicted := cond(gatewayv1.ListenerConditionConflicted, false, gatewayv1.ListenerReasonNoConflicts, "No conflicts")
	if l.conflicted != "" {
		conflicted = cond(gatewayv1.ListenerConditionConflicted, true, l.conflictedReason, l.conflicted)
	}
	programmed := cond(gatewayv1.ListenerConditionProgrammed, l.serving() && gs.programmed, gatewayv1.ListenerReasonProgrammed, "Served to edge proxies")
	if programmed.Status == metav1.ConditionFalse {
		programmed.Reason, programmed.Message = string(gatewayv1.ListenerReasonInvalid), "not served"
	}
	return gatewayv1.ListenerStatus{Name: l.l.Name, SupportedKinds: l.supportedKinds(), AttachedRoutes: l.attached,
		Conditions: []metav1.Condition{accepted, resolved, conflicted, programmed}}
}
