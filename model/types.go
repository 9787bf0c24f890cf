package model

import "time"

// DefaultLaneHeader is the header that carries the lane name between hops
// when the configuration does not name one.
const DefaultLaneHeader = "x-canary"

// DefaultLaneBaggageKey is the key of the W3C baggage member that also
// carries the lane between hops when the configuration does not name one.
const DefaultLaneBaggageKey = "graylane-lane"

// StableLane is the implicit baseline lane. A request tagged with it, or with
// any lane a service has no version for, goes to the service's baseline.
const StableLane = "stable"

// DefaultNamespace is the namespace of a service that does not name one.
const DefaultNamespace = "default"

// Config is the whole configuration Graylane serves at one moment.
type Config struct {
	// LaneHeader carries the lane name from the edge to every later hop.
	LaneHeader string
	// LaneBaggageKey is the key of the W3C baggage member
	// (LaneBaggageKey=<lane>) that carries the lane as well, for
	// applications that forward baggage; the lane header wins when both
	// are present.
	LaneBaggageKey string
	// Lanes are the release lanes, in the order the edge filter checks them.
	Lanes []Lane
	// Services are sorted by Key.
	Services []Service
	// Gateways are the edge listeners, sorted by name.
	Gateways []Gateway
	// SidecarPort is the port of the sidecar's outbound HTTP listener.
	SidecarPort uint32
	// Origin is where the top-level settings were written.
	Origin Origin
}

// Lane is a release lane that edge traffic can enter.
type Lane struct {
	Name string
	// Weight is the share of edge traffic that enters the lane.
	Weight Weight
	// Sticky names where the key that keeps a user in one lane is found;
	// nil means the lane is chosen per request.
	Sticky *Sticky
	// Match rules send a request into the lane regardless of its weight.
	Match  []MatchRule
	Origin Origin
}

// Sticky names the request attribute that keeps a user in one lane.
// Exactly one of Header and Cookie is set.
type Sticky struct {
	Header string
	Cookie string
	// CookieMaxAge is the lifetime of a cookie the edge assigns to a user
	// who has none; zero means DefaultCookieMaxAge.
	CookieMaxAge time.Duration
}

// DefaultCookieMaxAge is how long an assigned sticky cookie lives.
const DefaultCookieMaxAge = 30 * 24 * time.Hour

// MatchRule is a header or cookie equality test. Exactly one of Header and
// Cookie is set.
type MatchRule struct {
	Header *NameValue
	Cookie *NameValue
}

// NameValue is a name and the exact value it must have.
type NameValue struct {
	Name  string
	Value string
}

// Protocol is the application protocol a service speaks.
type Protocol string

// Protocols a service may speak.
const (
	ProtocolHTTP Protocol = "http"
	ProtocolGRPC Protocol = "grpc"
	ProtocolTCP  Protocol = "tcp"
)

// IsHTTP reports whether requests of the protocol carry HTTP headers, and so
// can be routed by lane.
func (p Protocol) IsHTTP() bool { return p == ProtocolHTTP || p == ProtocolGRPC }

// Service is one port of a named service with its versions.
type Service struct {
	Name      string
	Namespace string
	Port      uint32
	Protocol  Protocol
	// Versions are sorted by name; exactly one has no lane (the baseline).
	Versions []Version
	// Matches send untagged requests that match them to a version, in
	// order, before the weights split the rest.
	Matches []ServiceMatch
	// Weights split untagged traffic among versions by version name. Empty
	// means all untagged traffic goes to the baseline.
	Weights map[string]Weight
	Policy  Policy
	Origin  Origin
}

// Version is one deployed version of a service.
type Version struct {
	Name string
	// Lane is the release lane the version serves; empty for the baseline.
	Lane      string
	Endpoints []Endpoint
	Origin    Origin
}

// ServiceMatch sends untagged requests whose headers all equal the given
// values to one version (header-based canaries, A/B tests). Requests that
// carry the lane header are routed by lane first.
type ServiceMatch struct {
	Headers []NameValue
	Version string
	Origin  Origin
}

// Endpoint is one backend address of a version.
type Endpoint struct {
	Address string
	Port    uint32
	// Weight is the endpoint's relative load balancing weight (>= 1).
	Weight uint32
	Zone   string
	Origin Origin
}

// Gateway is an edge listener served to proxies of role edge.
type Gateway struct {
	Name string
	Port uint32
	// TrustLaneHeader keeps a lane header that arrives from the client
	// instead of removing it and deciding the lane again.
	TrustLaneHeader bool
	// Routes are checked in order; the first match wins.
	Routes []GatewayRoute
	Origin Origin
}

// GatewayRoute sends matching requests to a service.
type GatewayRoute struct {
	Match   RouteMatch
	Service ServiceRef
	Origin  Origin
}

// RouteMatch selects requests by path and headers. Exactly one of
// PathPrefix and Path is set.
type RouteMatch struct {
	PathPrefix string
	Path       string
	Headers    []NameValue
}

// ServiceRef names a service; Port may be zero when the service has one port.
type ServiceRef struct {
	Name      string
	Namespace string
	Port      uint32
}
