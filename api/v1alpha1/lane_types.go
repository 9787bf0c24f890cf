package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Lane is a release lane that edge traffic can enter; its name is the lane's
// name, the value the lane header carries. A Service labelled
// graylane.io/lane: NAME serves the lane for the Service it is a version of.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=graylane
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Order",type=integer,JSONPath=`.spec.order`
// +kubebuilder:printcolumn:name="Weight",type=string,JSONPath=`.status.weight`
// +kubebuilder:printcolumn:name="Follows",type=string,JSONPath=`.spec.weightFrom.name`
// +kubebuilder:printcolumn:name="Accepted",type=string,JSONPath=`.status.conditions[?(@.type=="Accepted")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Lane struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec LaneSpec `json:"spec,omitempty"`
	// +optional
	Status LaneStatus `json:"status,omitempty"`
}

// LaneSpec is what a platform team writes: the lane's share of edge
// traffic, how a user stays in it, and the requests that always enter it.
type LaneSpec struct {
	// Order is where the lane stands among the lanes the edge checks: lower
	// first, then by name. Match rules and weights are checked in this order.
	// +optional
	Order int32 `json:"order,omitempty"`

	// Weight is the percentage of edge traffic that enters the lane, from 0
	// to 100 with at most two decimals, written as a number (10, 12.5) or a
	// string ("0.25"). The weights of all lanes add up to at most 100.
	// Default 0: only match rules send requests into the lane. Not with
	// weightFrom.
	// +optional
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:XPreserveUnknownFields
	Weight Percent `json:"weight,omitzero"`

	// WeightFrom makes the lane's weight follow a route that a rollout tool
	// (Argo Rollouts, Flagger) steps: the weight is the share the route's
	// split gives the backendRefs that name a version Service of this lane
	// (labelled graylane.io/lane: NAME). The split is the route's first
	// rule that matches every request, else its first rule that tests no
	// header, query parameter or method and names such a Service. Not with
	// weight.
	// +optional
	WeightFrom *WeightFrom `json:"weightFrom,omitempty"`

	// Sticky names where the key that keeps a user in one lane is found;
	// absent, the lane is chosen per request.
	// +optional
	Sticky *Sticky `json:"sticky,omitempty"`

	// Match rules send a request into the lane whatever its weight; they
	// are checked before the weights. A rule cannot test the lane header.
	// +optional
	// +listType=atomic
	Match []MatchRule `json:"match,omitempty"`
}

// WeightFrom names the route a lane's weight follows.
type WeightFrom struct {
	// Kind is the route's kind.
	// +optional
	// +kubebuilder:default=HTTPRoute
	// +kubebuilder:validation:Enum=HTTPRoute;GRPCRoute
	Kind string `json:"kind,omitempty"`
	// Namespace is the route's namespace.
	// +kubebuilder:validation:MinLength=1
	Namespace string `json:"namespace"`
	// Name is the route's name.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
}

// Sticky names the request attribute that keeps a user in one lane: exactly
// one of header and cookie.
type Sticky struct {
	// Header is a lower-case request header name, such as x-user-id.
	// +optional
	Header string `json:"header,omitempty"`
	// Cookie is a cookie name. A user without the cookie is assigned a
	// random one by the edge.
	// +optional
	Cookie string `json:"cookie,omitempty"`
	// MaxAge is the lifetime of a cookie the edge assigns, as a Go duration
	// (default 720h, 30 days).
	// +optional
	MaxAge *metav1.Duration `json:"maxAge,omitempty"`
}

// MatchRule is an equality test on a request header or cookie: exactly one
// of header and cookie.
type MatchRule struct {
	// +optional
	Header *NameValue `json:"header,omitempty"`
	// +optional
	Cookie *NameValue `json:"cookie,omitempty"`
}

// NameValue is a name and the exact value it must have.
type NameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Condition types and reasons of a Lane's status.
const (
	// ConditionAccepted is True when the lane is served as written, False
	// when it is not valid; the lane's last accepted spec stays in effect.
	ConditionAccepted = "Accepted"
	// ReasonAccepted goes with Accepted True.
	ReasonAccepted = "Accepted"
	// ReasonInvalid goes with Accepted False; the message lists every problem.
	ReasonInvalid = "Invalid"
	// ConditionResolvedRefs is set on a lane with weightFrom: True when the
	// route and its split are found, False when the weight is 0 for want
	// of them.
	ConditionResolvedRefs = "ResolvedRefs"
	// ReasonResolvedRefs goes with ResolvedRefs True.
	ReasonResolvedRefs = "ResolvedRefs"
	// ReasonRouteNotFound goes with ResolvedRefs False: no such route.
	ReasonRouteNotFound = "RouteNotFound"
	// ReasonNoLaneBackend goes with ResolvedRefs False: the route has no
	// split with a backendRef in the lane.
	ReasonNoLaneBackend = "NoLaneBackend"
)

// LaneStatus is what Graylane observed about the lane.
type LaneStatus struct {
	// ObservedGeneration is the generation of the spec the status is about.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Weight is the percentage of edge traffic the lane takes now: its
	// weight, or the share of the route it follows.
	// +optional
	Weight string `json:"weight,omitempty"`
	// Conditions hold Accepted, and ResolvedRefs for a lane with
	// weightFrom.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// LaneList is a list of Lanes.
//
// +kubebuilder:object:root=true
type LaneList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Lane `json:"items"`
}
