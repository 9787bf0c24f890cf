package file

import (
	"fmt"
	"strconv"
	"time"

	yaml "go.yaml.in/yaml/v4"

	"github.com/graylane/graylane/model"
)

// document is the configuration file format (see docs/configuration.md).
type document struct {
	LaneHeader     string       `yaml:"laneHeader"`
	LaneBaggageKey string       `yaml:"laneBaggageKey"`
	SidecarPort    uint32       `yaml:"sidecarPort"`
	Lanes          []laneDoc    `yaml:"lanes"`
	Services       []serviceDoc `yaml:"services"`
	Gateways       []gatewayDoc `yaml:"gateways"`
}

type laneDoc struct {
	Name   string     `yaml:"name"`
	Weight percent    `yaml:"weight"`
	Sticky *stickyDoc `yaml:"sticky"`
	Match  []matchDoc `yaml:"match"`
}

type stickyDoc struct {
	Header string   `yaml:"header"`
	Cookie string   `yaml:"cookie"`
	MaxAge duration `yaml:"maxAge"`
}

type matchDoc struct {
	Header *nameValueDoc `yaml:"header"`
	Cookie *nameValueDoc `yaml:"cookie"`
}

type nameValueDoc struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}

type serviceDoc struct {
	Name      string             `yaml:"name"`
	Namespace string             `yaml:"namespace"`
	Port      uint32             `yaml:"port"`
	Protocol  string             `yaml:"protocol"`
	Versions  []versionDoc       `yaml:"versions"`
	Match     []serviceMatchDoc  `yaml:"match"`
	Weights   map[string]percent `yaml:"weights"`
	Routes    []serviceRouteDoc  `yaml:"routes"`
	Mirror    []mirrorDoc        `yaml:"mirror"`
	Policy    *policyDoc         `yaml:"policy"`
}

// serviceRouteDoc is a rule of a service's own routing.
type serviceRouteDoc struct {
	Match     *routeMatchDoc     `yaml:"match"`
	Version   string             `yaml:"version"`
	Weights   map[string]percent `yaml:"weights"`
	actionDoc `yaml:",inline"`
}

// actionDoc is what a route does besides choosing where requests go.
type actionDoc struct {
	Timeout         duration           `yaml:"timeout"`
	BackendTimeout  duration           `yaml:"backendTimeout"`
	RequestHeaders  *headerModifierDoc `yaml:"requestHeaders"`
	ResponseHeaders *headerModifierDoc `yaml:"responseHeaders"`
	Rewrite         *rewriteDoc        `yaml:"rewrite"`
	Mirror          []mirrorDoc        `yaml:"mirror"`
}

type headerModifierDoc struct {
	Set    []nameValueDoc `yaml:"set"`
	Add    []nameValueDoc `yaml:"add"`
	Remove []string       `yaml:"remove"`
}

type rewriteDoc struct {
	Hostname   string `yaml:"hostname"`
	FullPath   string `yaml:"fullPath"`
	PathPrefix string `yaml:"pathPrefix"`
}

type mirrorDoc struct {
	Version string  `yaml:"version"`
	Percent percent `yaml:"percent"`
}

type serviceMatchDoc struct {
	Headers []nameValueDoc `yaml:"headers"`
	Version string         `yaml:"version"`
}

type versionDoc struct {
	Name      string        `yaml:"name"`
	Lane      string        `yaml:"lane"`
	Endpoints []endpointDoc `yaml:"endpoints"`
}

type endpointDoc struct {
	Address string         `yaml:"address"`
	Port    uint32         `yaml:"port"`
	Weight  endpointWeight `yaml:"weight"`
	Zone    string         `yaml:"zone"`
}

type policyDoc struct {
	LoadBalancer     string               `yaml:"loadBalancer"`
	HashOn           *hashOnDoc           `yaml:"hashOn"`
	ConnectTimeout   duration             `yaml:"connectTimeout"`
	Timeout          duration             `yaml:"timeout"`
	Retries          *retriesDoc          `yaml:"retries"`
	CircuitBreaker   *circuitBreakerDoc   `yaml:"circuitBreaker"`
	OutlierDetection *outlierDetectionDoc `yaml:"outlierDetection"`
	RateLimit        *rateLimitDoc        `yaml:"rateLimit"`
}

type hashOnDoc struct {
	Header string `yaml:"header"`
	Cookie string `yaml:"cookie"`
}

type retriesDoc struct {
	Attempts      uint32   `yaml:"attempts"`
	RetryOn       []string `yaml:"retryOn"`
	PerTryTimeout duration `yaml:"perTryTimeout"`
}

type circuitBreakerDoc struct {
	MaxConnections     uint32 `yaml:"maxConnections"`
	MaxPendingRequests uint32 `yaml:"maxPendingRequests"`
	MaxRequests        uint32 `yaml:"maxRequests"`
	MaxRetries         uint32 `yaml:"maxRetries"`
}

type outlierDetectionDoc struct {
	Consecutive5xx     uint32   `yaml:"consecutive5xx"`
	Interval           duration `yaml:"interval"`
	BaseEjectionTime   duration `yaml:"baseEjectionTime"`
	MaxEjectionPercent uint32   `yaml:"maxEjectionPercent"`
}

type rateLimitDoc struct {
	RequestsPerSecond uint32 `yaml:"requestsPerSecond"`
	Burst             uint32 `yaml:"burst"`
}

type gatewayDoc struct {
	Name            string     `yaml:"name"`
	Port            uint32     `yaml:"port"`
	TrustLaneHeader bool       `yaml:"trustLaneHeader"`
	TLS             *tlsDoc    `yaml:"tls"`
	Routes          []routeDoc `yaml:"routes"`
}

type tlsDoc struct {
	Certificates []certificateDoc `yaml:"certificates"`
	RedirectPort uint32           `yaml:"redirectPort"`
}

// certificateDoc names PEM files, relative to the configuration file's
// folder.
type certificateDoc struct {
	Name      string   `yaml:"name"`
	Hostnames []string `yaml:"hostnames"`
	CertFile  string   `yaml:"certFile"`
	KeyFile   string   `yaml:"keyFile"`
}

type routeDoc struct {
	Hostnames []string           `yaml:"hostnames"`
	Match     routeMatchDoc      `yaml:"match"`
	Service   string             `yaml:"service"` // "name" or "name.namespace"
	Port      uint32             `yaml:"port"`    // needed when the service has several ports
	Weights   map[string]percent `yaml:"weights"`
	actionDoc `yaml:",inline"`
}

type routeMatchDoc struct {
	PathPrefix string          `yaml:"pathPrefix"`
	Path       string          `yaml:"path"`
	PathRegex  string          `yaml:"pathRegex"`
	Headers    []valueMatchDoc `yaml:"headers"`
	Query      []valueMatchDoc `yaml:"query"`
	Method     string          `yaml:"method"`
}

// valueMatchDoc tests a header or query parameter: equal to value, or with
// regex: true, wholly matched by value as an RE2 expression.
type valueMatchDoc struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
	Regex bool   `yaml:"regex"`
}

// percent is a weight written as a percentage with at most two decimals.
type percent model.Weight

// UnmarshalYAML parses the scalar exactly, without going through a float.
func (p *percent) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("weight %w", model.ErrWeightFormat)
	}
	w, err := model.ParseWeight(n.Value)
	if err != nil {
		return fmt.Errorf("weight %w", err)
	}
	*p = percent(w)
	return nil
}

// endpointWeight is an endpoint's weight, a whole number from 1 to
// model.MaxEndpointWeight; 0 stands for "not written" (weight 1).
type endpointWeight uint32

// UnmarshalYAML rejects a written 0 rather than read it as the default.
func (w *endpointWeight) UnmarshalYAML(n *yaml.Node) error {
	v, err := strconv.ParseUint(n.Value, 10, 32)
	if n.Kind != yaml.ScalarNode || err != nil || v < 1 || v > model.MaxEndpointWeight {
		return fmt.Errorf("endpoint weight %s must be a whole number from 1 to %d", model.Quote(n.Value), model.MaxEndpointWeight)
	}
	*w = endpointWeight(v)
	return nil
}

// duration is written as a Go duration: "250ms", "5s", "1m30s".
type duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return fmt.Errorf("duration %s must look like 250ms, 5s or 1m30s", model.Quote(n.Value))
	}
	if v < 0 {
		return fmt.Errorf("duration %s must not be negative", model.Quote(n.Value))
	}
	*d = duration(v)
	return nil
}
