package translators

import (
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	localratelimitv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/local_ratelimit/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"github.com/envoyproxy/go-control-plane/pkg/wellknown"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/graylane/graylane/model"
)

// localRateLimitFilter is the local rate limit filter's name; routes of a
// service with a rateLimit configure it per route.
const localRateLimitFilter = "envoy.filters.http.local_ratelimit"

// hcm is an HTTP connection manager that takes its routes from RDS.
func (t *translator) hcm(statPrefix, routeConfig string, filters []*hcmv3.HttpFilter) *hcmv3.HttpConnectionManager {
	return &hcmv3.HttpConnectionManager{
		StatPrefix: statPrefix,
		CodecType:  hcmv3.HttpConnectionManager_AUTO,
		RouteSpecifier: &hcmv3.HttpConnectionManager_Rds{Rds: &hcmv3.Rds{
			ConfigSource:    t.shared.ads,
			RouteConfigName: routeConfig,
		}},
		HttpFilters: filters,
	}
}

// scopedHCM is an HTTP connection manager that picks a route
// configuration by the request's Host (its :authority), among the scoped
// routes SRDS delivers; a scope's key is a whole Host value.
func (t *translator) scopedHCM(name string, filters []*hcmv3.HttpFilter) *hcmv3.HttpConnectionManager {
	return &hcmv3.HttpConnectionManager{
		StatPrefix: name,
		CodecType:  hcmv3.HttpConnectionManager_AUTO,
		RouteSpecifier: &hcmv3.HttpConnectionManager_ScopedRoutes{ScopedRoutes: &hcmv3.ScopedRoutes{
			Name: name,
			ScopeKeyBuilder: &hcmv3.ScopedRoutes_ScopeKeyBuilder{Fragments: []*hcmv3.ScopedRoutes_ScopeKeyBuilder_FragmentBuilder{{
				Type: &hcmv3.ScopedRoutes_ScopeKeyBuilder_FragmentBuilder_HeaderValueExtractor_{
					HeaderValueExtractor: &hcmv3.ScopedRoutes_ScopeKeyBuilder_FragmentBuilder_HeaderValueExtractor{
						Name:        ":authority",
						ExtractType: &hcmv3.ScopedRoutes_ScopeKeyBuilder_FragmentBuilder_HeaderValueExtractor_Index{Index: 0},
					},
				},
			}}},
			RdsConfigSource: t.shared.ads,
			ConfigSpecifier: &hcmv3.ScopedRoutes_ScopedRds{ScopedRds: &hcmv3.ScopedRds{ScopedRdsConfigSource: t.shared.ads}},
		}},
		HttpFilters: filters,
	}
}

// rateLimitFilter is installed, with no bucket of its own, when some
// service's routes carry a rate limit.
func (t *translator) rateLimitFilter() *hcmv3.HttpFilter {
	return &hcmv3.HttpFilter{
		Name: localRateLimitFilter,
		ConfigType: &hcmv3.HttpFilter_TypedConfig{TypedConfig: t.anyOf(&localratelimitv3.LocalRateLimit{
			StatPrefix: "graylane_rate_limit",
		})},
	}
}

// rateLimitConfig is the per-filter configuration that applies a service's
// rate limit where it is attached (a virtual host or a route), or nil.
func (t *translator) rateLimitConfig(s *svc) map[string]*anypb.Any {
	if s.Policy.RateLimit == nil {
		return nil
	}
	return map[string]*anypb.Any{localRateLimitFilter: t.anyOf(localRateLimit(s.key, s.Policy.RateLimit))}
}

// localRateLimit is a token bucket of burst tokens, refilled with
// requestsPerSecond every second, enforced on every request.
func localRateLimit(key string, rl *model.RateLimit) *localratelimitv3.LocalRateLimit {
	all := &corev3.RuntimeFractionalPercent{DefaultValue: &typev3.FractionalPercent{
		Numerator: 100, Denominator: typev3.FractionalPercent_HUNDRED,
	}}
	return &localratelimitv3.LocalRateLimit{
		StatPrefix: statName(key),
		TokenBucket: &typev3.TokenBucket{
			MaxTokens:     rl.Burst,
			TokensPerFill: wrapperspb.UInt32(rl.RequestsPerSecond),
			FillInterval:  durationpb.New(time.Second),
		},
		FilterEnabled:  all,
		FilterEnforced: all,
	}
}

// envoyFilters is the filter chain of an Envoy listener: extra filters, the
// rate limit filter when a service needs it, then the router.
func (t *translator) envoyFilters(rateLimit bool, extra ...*hcmv3.HttpFilter) []*hcmv3.HttpFilter {
	filters := extra
	if rateLimit {
		filters = append(filters, t.shared.rateLimitHTTP)
	}
	return append(filters, t.shared.router)
}

// anyRateLimit reports whether a service has a rate limit.
func anyRateLimit(services []*svc) bool {
	for _, s := range services {
		if s.Policy.RateLimit != nil {
			return true
		}
	}
	return false
}

// httpListener is an Envoy listener on ip:port running m.
func (t *translator) httpListener(name, ip string, port uint32, m *hcmv3.HttpConnectionManager) *listenerv3.Listener {
	return &listenerv3.Listener{
		Name:    name,
		Address: socketAddress(ip, port),
		FilterChains: []*listenerv3.FilterChain{{Filters: []*listenerv3.Filter{{
			Name:       wellknown.HTTPConnectionManager,
			ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: t.anyOf(m)},
		}}}},
	}
}
