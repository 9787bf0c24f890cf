package model

import "time"

// LoadBalancer is the algorithm that picks an endpoint of a version.
type LoadBalancer string

// Load balancers a service may use.
const (
	LBRoundRobin   LoadBalancer = "round_robin"
	LBLeastRequest LoadBalancer = "least_request"
	LBRingHash     LoadBalancer = "ring_hash"
	LBMaglev       LoadBalancer = "maglev"
	LBRandom       LoadBalancer = "random"
)

// IsConsistentHash reports whether the balancer hashes requests to endpoints.
func (lb LoadBalancer) IsConsistentHash() bool { return lb == LBRingHash || lb == LBMaglev }

// Policy is the traffic policy of a service. Zero values mean "not set":
// the proxy's own default applies.
type Policy struct {
	LoadBalancer     LoadBalancer
	HashOn           *HashOn
	ConnectTimeout   time.Duration
	Timeout          time.Duration
	Retries          *Retries
	CircuitBreaker   *CircuitBreaker
	OutlierDetection *OutlierDetection
	RateLimit        *RateLimit
}

// HashOn names the request attribute a consistent-hash balancer hashes.
// Exactly one field is set.
type HashOn struct {
	Header string
	Cookie string
}

// Retries is the retry policy of a service's routes.
type Retries struct {
	Attempts      uint32
	RetryOn       []string
	PerTryTimeout time.Duration
}

// CircuitBreaker limits what the proxy sends to a service at once. A zero
// field keeps the proxy's default.
type CircuitBreaker struct {
	MaxConnections     uint32
	MaxPendingRequests uint32
	MaxRequests        uint32
	MaxRetries         uint32
}

// OutlierDetection ejects endpoints that keep failing. A zero field keeps
// the proxy's default.
type OutlierDetection struct {
	Consecutive5xx     uint32
	Interval           time.Duration
	BaseEjectionTime   time.Duration
	MaxEjectionPercent uint32
}

// RateLimit is a local token bucket applied by each proxy to requests it
// sends to the service.
type RateLimit struct {
	RequestsPerSecond uint32
	Burst             uint32
}
