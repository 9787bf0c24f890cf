package file

import (
	"fmt"
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
	Policy    *policyDoc         `yaml:"policy"`
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
	Address string `yaml:"address"`
	Port    uint32 `yaml:"port"`
	Weight  uint32 `yaml:"weight"`
	Zone    string `yaml:"zone"`
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
	Routes          []routeDoc `yaml:"routes"`
}

type routeDoc struct {
	Match   routeMatchDoc `yaml:"match"`
	Service string        `yaml:"service"` // "name" or "name.namespace"
	Port    uint32        `yaml:"port"`    // needed when the service has several ports
}

type routeMatchDoc struct {
	PathPrefix string         `yaml:"pathPrefix"`
	Path       string         `yaml:"path"`
	Headers    []nameValueDoc `yaml:"headers"`
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

// duration is written as a Go duration: "250ms", "5s", "1m30s".
type duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return fmt.Errorf("duration %q must look like 250ms, 5s or 1m30s", n.Value)
	}
	if v < 0 {
		return fmt.Errorf("duration %q must not be negative", n.Value)
	}
	*d = duration(v)
	return nil
}
