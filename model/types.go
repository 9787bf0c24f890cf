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
	// NoServices says explicitly that the configuration has no services.
	// Without it, a source that had services and publishes none is taken
	// to have been emptied by accident (a truncated or half-written file),
	// and the services it had keep being served.
	NoServices bool
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
	// Routes are rules checked before Matches and Weights: requests that
	// match one get its action and its own split.
	Routes []ServiceRoute
	// Mirrors copy a share of every request to the service to versions of
	// it; a route's own mirrors replace them.
	Mirrors []Mirror
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
	// TLS makes the listener serve HTTPS; nil serves plain HTTP.
	TLS *GatewayTLS
	// Routes are checked in order; the first match wins.
	Routes []GatewayRoute
	Origin Origin
}

// GatewayTLS is how a gateway terminates TLS.
type GatewayTLS struct {
	// Certificates are chosen by SNI: the first whose hostnames match the
	// name the client asked for; a certificate without hostnames is the
	// default for every other name (at most one).
	Certificates []Certificate
	// RedirectPort, when set, is a plain HTTP listener that redirects every
	// request to HTTPS on the gateway's port.
	RedirectPort uint32
}

// Certificate is a TLS certificate chain and its private key, in PEM.
type Certificate struct {
	// Name identifies the certificate among the configuration's; it names
	// the secret proxies receive.
	Name string
	// Hostnames are the SNI names it serves ("shop.example.com",
	// "*.example.com"); none makes it the default certificate.
	Hostnames []string
	// Chain and Key are the PEM blocks; the source reads them (from files,
	// or a Kubernetes Secret) and reads them again when they change.
	Chain []byte
	Key   []byte
	// CertFile and KeyFile are the files they are read from, when files.
	CertFile string
	KeyFile  string
	// From says where they were read, for messages: the files, a Secret.
	From   string
	Origin Origin
}

// GatewayRoute sends matching requests to a service.
type GatewayRoute struct {
	// Hostnames are the Host values the route serves; none serves any.
	Hostnames []string
	Match     RouteMatch
	Service   ServiceRef
	// Weights split the untagged requests of the route among the service's
	// versions; empty uses the service's own weights.
	Weights map[string]Weight
	Action  RouteAction
	Origin  Origin
}

// ServiceRef names a service; Port may be zero when the service has one port.
type ServiceRef struct {
	Name      string
	Namespace string
	Port      uint32
}
