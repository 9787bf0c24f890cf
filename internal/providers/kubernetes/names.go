package kubernetes

// SourceName is how the Kubernetes source names itself to a Publisher.
const SourceName = "kubernetes"

// Labels and annotations Graylane reads.
const (
	// LabelVersionOf makes a Service a version of the Service it names, in
	// the same namespace.
	LabelVersionOf = "graylane.io/version-of"
	// LabelVersion names the version a Service serves.
	LabelVersion = "graylane.io/version"
	// LabelLane names the lane a version Service serves.
	LabelLane = "graylane.io/lane"
	// AnnotationPrefix starts the policy annotations of a Service:
	// graylane.io/timeout, graylane.io/retries, ...
	AnnotationPrefix = "graylane.io/"
)

// DefaultBaselineVersion names the baseline version of a Service that has
// no graylane.io/version label.
const DefaultBaselineVersion = "stable"

// ControllerName is how Graylane signs the HTTPRoute parent statuses it
// writes.
const ControllerName = "graylane.io/mesh"

// Defaults of the status writers' leader election.
const (
	DefaultLeaseName      = "graylane-status"
	DefaultLeaseNamespace = "default"
)

// GatewayControllerName is the controllerName of the GatewayClasses whose
// Gateways Graylane serves as edge gateways; it also signs the route
// parent statuses it writes for them.
const GatewayControllerName = "graylane.io/gateway-controller"
