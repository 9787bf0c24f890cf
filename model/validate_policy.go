package model

import "time"

// retryOnHTTP are the retry conditions Envoy accepts for HTTP routes.
var retryOnHTTP = map[string]bool{
	"5xx": true, "gateway-error": true, "reset": true, "reset-before-request": true,
	"connect-failure": true, "envoy-ratelimited": true, "retriable-4xx": true,
	"refused-stream": true, "retriable-status-codes": true, "retriable-headers": true,
	"http3-post-connect-failure": true,
}

// retryOnGRPC are the gRPC status conditions, which proxyless gRPC clients
// honour too.
var retryOnGRPC = map[string]bool{
	"cancelled": true, "deadline-exceeded": true, "internal": true,
	"resource-exhausted": true, "unavailable": true,
}

// IsGRPCRetryOn reports whether a retry condition is a gRPC status code,
// the only kind proxyless gRPC clients understand.
func IsGRPCRetryOn(cond string) bool { return retryOnGRPC[cond] }

func (v *validator) policy(s *Service, subject string) {
	p := &s.Policy
	o := s.Origin
	switch p.LoadBalancer {
	case "", LBRoundRobin, LBLeastRequest, LBRingHash, LBMaglev, LBRandom:
	default:
		v.p.add(o.At("policy.loadBalancer"), subject, "loadBalancer %s must be round_robin, least_request, ring_hash, maglev or random", Quote(string(p.LoadBalancer)))
	}
	v.hashOn(s, subject)
	v.positive(o.At("policy.connectTimeout"), subject, "connectTimeout", p.ConnectTimeout)
	v.positive(o.At("policy.timeout"), subject, "timeout", p.Timeout)
	v.retries(s, subject)
	v.limits(s, subject)
	if s.Protocol == ProtocolTCP {
		v.tcpPolicy(s, subject)
	}
}

func (v *validator) hashOn(s *Service, subject string) {
	h := s.Policy.HashOn
	if h == nil {
		return
	}
	pos := s.Origin.At("policy.hashOn")
	if !s.Policy.LoadBalancer.IsConsistentHash() {
		v.p.add(pos, subject, "hashOn needs loadBalancer ring_hash or maglev")
	}
	switch {
	case (h.Header == "") == (h.Cookie == ""):
		v.p.add(pos, subject, "hashOn needs exactly one of header and cookie")
	case h.Header != "":
		v.checkHeader(pos, subject, "hashOn header", h.Header)
	default:
		v.checkCookie(pos, subject, "hashOn cookie", h.Cookie)
	}
}

func (v *validator) positive(pos, subject, what string, d time.Duration) {
	if d < 0 {
		v.p.add(pos, subject, "%s must not be negative", what)
	}
}

func (v *validator) retries(s *Service, subject string) {
	r := s.Policy.Retries
	if r == nil {
		return
	}
	if r.Attempts < 1 || r.Attempts > 10 {
		v.p.add(s.Origin.At("policy.retries.attempts"), subject, "retries attempts %d must be between 1 and 10", r.Attempts)
	}
	for i, cond := range r.RetryOn {
		if !retryOnHTTP[cond] && !retryOnGRPC[cond] {
			v.p.add(s.Origin.At("policy.retries.retryOn"), subject, "retries retryOn[%d] %s is not a known retry condition", i, Quote(cond))
		}
	}
	v.positive(s.Origin.At("policy.retries.perTryTimeout"), subject, "perTryTimeout", r.PerTryTimeout)
}

func (v *validator) limits(s *Service, subject string) {
	o := s.Origin
	if od := s.Policy.OutlierDetection; od != nil {
		if od.MaxEjectionPercent > 100 {
			v.p.add(o.At("policy.outlierDetection.maxEjectionPercent"), subject, "maxEjectionPercent %d must be at most 100", od.MaxEjectionPercent)
		}
		v.positive(o.At("policy.outlierDetection.interval"), subject, "outlierDetection interval", od.Interval)
		v.positive(o.At("policy.outlierDetection.baseEjectionTime"), subject, "outlierDetection baseEjectionTime", od.BaseEjectionTime)
	}
	if rl := s.Policy.RateLimit; rl != nil {
		if rl.RequestsPerSecond < 1 {
			v.p.add(o.At("policy.rateLimit.requestsPerSecond"), subject, "rateLimit requestsPerSecond must be at least 1")
		}
		if rl.Burst < rl.RequestsPerSecond {
			v.p.add(o.At("policy.rateLimit.burst"), subject, "rateLimit burst %d must be at least requestsPerSecond %d", rl.Burst, rl.RequestsPerSecond)
		}
	}
}

// tcpPolicy rejects request-level settings on a TCP service, where they
// would silently do nothing.
func (v *validator) tcpPolicy(s *Service, subject string) {
	p := &s.Policy
	checks := []struct {
		field string
		set   bool
	}{
		{"timeout", p.Timeout != 0}, {"retries", p.Retries != nil},
		{"rateLimit", p.RateLimit != nil}, {"hashOn", p.HashOn != nil},
	}
	for _, c := range checks {
		if c.set {
			v.p.add(s.Origin.At("policy."+c.field), subject, "policy %s applies to HTTP requests and has no effect on a tcp service", c.field)
		}
	}
}
