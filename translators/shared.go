package translators

import (
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	routerv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"github.com/envoyproxy/go-control-plane/pkg/wellknown"
	"google.golang.org/protobuf/types/known/anypb"
)

// shared holds the sub-messages every resource of a translation can point
// to, built once: a thousand clusters need one ADS config source.
type shared struct {
	ads    *corev3.ConfigSource
	router *hcmv3.HttpFilter
	http2  map[string]*anypb.Any
	// laneTagged and laneIs test the lane header, baggageTagged and
	// baggageIs the baggage carrier (nil and empty when it is off): lists
	// of one matcher, shared by the routes that test nothing else.
	laneTagged    []*routev3.HeaderMatcher
	laneIs        map[string][]*routev3.HeaderMatcher
	baggageTagged []*routev3.HeaderMatcher
	baggageIs     map[string][]*routev3.HeaderMatcher
	// paths are the default path prefixes of blocks, by prefix.
	paths         map[string]baseMatch
	rateLimitHTTP *hcmv3.HttpFilter
}

func (t *translator) newShared() shared {
	s := shared{
		ads: &corev3.ConfigSource{
			ResourceApiVersion:    corev3.ApiVersion_V3,
			ConfigSourceSpecifier: &corev3.ConfigSource_Ads{Ads: &corev3.AggregatedConfigSource{}},
		},
		router: &hcmv3.HttpFilter{
			Name:       wellknown.Router,
			ConfigType: &hcmv3.HttpFilter_TypedConfig{TypedConfig: t.anyOf(&routerv3.Router{})},
		},
		http2:      map[string]*anypb.Any{httpProtocolOptionsKey: t.anyOf(http2Options())},
		laneTagged: one(t.headerPresent(t.cfg.LaneHeader)),
		laneIs:     map[string][]*routev3.HeaderMatcher{},
		baggageIs:  map[string][]*routev3.HeaderMatcher{},
		paths:      map[string]baseMatch{"": prefixMatch(""), "/": prefixMatch("/")},
	}
	key := laneBaggageKey(t.cfg)
	for _, l := range t.cfg.Lanes {
		s.laneIs[l.Name] = one(t.headerExact(t.cfg.LaneHeader, l.Name))
		if key != "" {
			s.baggageIs[l.Name] = one(t.headerRegex(baggageHeader, baggageLaneRegex(key, l.Name)))
		}
	}
	if key != "" {
		s.baggageTagged = one(t.headerRegex(baggageHeader, baggageKeyRegex(key)))
	}
	s.rateLimitHTTP = t.rateLimitFilter()
	return s
}

func one(m *routev3.HeaderMatcher) []*routev3.HeaderMatcher { return []*routev3.HeaderMatcher{m} }

// defaultPath is the match of a block on every path under prefix.
func (t *translator) defaultPath(prefix string) baseMatch {
	if m, ok := t.shared.paths[prefix]; ok {
		return m
	}
	return prefixMatch(prefix)
}
