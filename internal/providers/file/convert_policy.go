package file

import (
	"strings"
	"time"

	"github.com/graylane/graylane/model"
)

func toPolicy(d *policyDoc) model.Policy {
	p := model.Policy{
		LoadBalancer:   model.LoadBalancer(d.LoadBalancer),
		ConnectTimeout: time.Duration(d.ConnectTimeout),
		Timeout:        time.Duration(d.Timeout),
	}
	if h := d.HashOn; h != nil {
		p.HashOn = &model.HashOn{Header: h.Header, Cookie: h.Cookie}
	}
	if r := d.Retries; r != nil {
		p.Retries = &model.Retries{Attempts: r.Attempts, RetryOn: r.RetryOn, PerTryTimeout: time.Duration(r.PerTryTimeout)}
	}
	if cb := d.CircuitBreaker; cb != nil {
		p.CircuitBreaker = &model.CircuitBreaker{
			MaxConnections: cb.MaxConnections, MaxPendingRequests: cb.MaxPendingRequests,
			MaxRequests: cb.MaxRequests, MaxRetries: cb.MaxRetries,
		}
	}
	if od := d.OutlierDetection; od != nil {
		p.OutlierDetection = &model.OutlierDetection{
			Consecutive5xx: od.Consecutive5xx, Interval: time.Duration(od.Interval),
			BaseEjectionTime: time.Duration(od.BaseEjectionTime), MaxEjectionPercent: od.MaxEjectionPercent,
		}
	}
	if rl := d.RateLimit; rl != nil {
		p.RateLimit = &model.RateLimit{RequestsPerSecond: rl.RequestsPerSecond, Burst: rl.Burst}
	}
	return p
}

// parseServiceRef reads "name" or "name.namespace".
func parseServiceRef(service string, port uint32) model.ServiceRef {
	name, ns, _ := strings.Cut(service, ".")
	return model.ServiceRef{Name: name, Namespace: ns, Port: port}
}
