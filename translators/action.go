package translators

import (
	"slices"
	"strings"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/graylane/graylane/model"
)

// routeAction is what every route of a block shares besides its match and
// its clusters: the service's policy with the route's overrides, and the
// route's header changes, rewrites and mirrors. Its messages are shared by
// the block's routes.
type routeAction struct {
	hash              []*routev3.RouteAction_HashPolicy
	retry             *routev3.RetryPolicy
	timeout           *durationpb.Duration
	maxStreamDuration *routev3.RouteAction_MaxStreamDuration
	mirrors           []*routev3.RouteAction_RequestMirrorPolicy
	mirrorOf          []string             // the version cluster each mirror copies to
	rewrite           *routev3.RouteAction // its prefix, regex and host rewrites only
	headers           *routev3.Route       // its header changes only
	perFilter         map[string]*anypb.Any
}

// applyAction sets the shared parts of a route action; cluster is where
// its routes send every request, or "" for a split.
func (a *routeAction) applyAction(ra *routev3.RouteAction, cluster string) {
	ra.HashPolicy, ra.RetryPolicy = a.hash, a.retry
	ra.Timeout, ra.MaxStreamDuration = a.timeout, a.maxStreamDuration
	ra.RequestMirrorPolicies = a.mirrorsFor(cluster)
	if rw := a.rewrite; rw != nil {
		ra.PrefixRewrite, ra.RegexRewrite, ra.HostRewriteSpecifier = rw.PrefixRewrite, rw.RegexRewrite, rw.HostRewriteSpecifier
	}
}

// applyRoute sets the shared parts of a route outside its action.
func (a *routeAction) applyRoute(r *routev3.Route) {
	if h := a.headers; h != nil {
		r.RequestHeadersToAdd, r.RequestHeadersToRemove = h.RequestHeadersToAdd, h.RequestHeadersToRemove
		r.ResponseHeadersToAdd, r.ResponseHeadersToRemove = h.ResponseHeadersToAdd, h.ResponseHeadersToRemove
	}
	r.TypedPerFilterConfig = a.perFilter
}

// mirrorsFor leaves out the mirrors that copy to the version a route sends
// every request to: that version has the request already.
func (a *routeAction) mirrorsFor(cluster string) []*routev3.RouteAction_RequestMirrorPolicy {
	if cluster == "" || !slices.Contains(a.mirrorOf, cluster) {
		return a.mirrors
	}
	var out []*routev3.RouteAction_RequestMirrorPolicy
	for i, m := range a.mirrors {
		if a.mirrorOf[i] != cluster {
			out = append(out, m)
		}
	}
	return out
}

// servicePolicy is the action of a service's routes that no route rule
// changes: its policy and its mirrors.
func (t *translator) servicePolicy(s *svc) *routeAction {
	a := &routeAction{hash: hashPolicy(s.Policy.HashOn), retry: t.retryPolicy(s.Policy.Retries)}
	t.timeout(a, s.Policy.Timeout)
	a.mirrors, a.mirrorOf = t.mirrorPolicies(s, s.Mirrors)
	return a
}

// withAction is the service's action changed by a route's: its timeouts
// replace the policy's, its mirrors the service's. Proxyless gRPC clients
// change no header, rewrite nothing and mirror nothing, so they get only
// the timeout.
func (t *translator) withAction(base *routeAction, s *svc, a *model.RouteAction) *routeAction {
	if a.IsZero() || (t.role == model.RoleGRPC && a.Timeout == 0) {
		return base
	}
	out := *base
	t.timeout(&out, a.Timeout)
	out.retry = t.backendTimeout(base.retry, a.BackendTimeout)
	if t.role == model.RoleGRPC {
		return &out
	}
	if len(a.Mirrors) > 0 {
		out.mirrors, out.mirrorOf = t.mirrorPolicies(s, a.Mirrors)
	}
	out.rewrite = rewrite(a.Rewrite)
	out.headers = headerChanges(a.RequestHeaders, a.ResponseHeaders)
	return &out
}

// timeout sets the request timeout. Proxyless gRPC clients read it from
// max_stream_duration; Envoy from the route timeout.
func (t *translator) timeout(a *routeAction, d time.Duration) {
	if d == 0 {
		return
	}
	if t.role == model.RoleGRPC {
		a.maxStreamDuration = &routev3.RouteAction_MaxStreamDuration{MaxStreamDuration: durationpb.New(d)}
		return
	}
	a.timeout = durationpb.New(d)
}

// backendTimeout bounds each try: Envoy's per_try_timeout, on the
// service's retry policy or on a policy of its own (which retries
// nothing). Proxyless gRPC clients have no per-try timeout.
func (t *translator) backendTimeout(retry *routev3.RetryPolicy, d time.Duration) *routev3.RetryPolicy {
	if d == 0 || t.role == model.RoleGRPC {
		return retry
	}
	out := &routev3.RetryPolicy{PerTryTimeout: durationpb.New(d)}
	if retry != nil {
		out.RetryOn, out.NumRetries = retry.RetryOn, retry.NumRetries
	}
	return out
}

// rewrite maps a rewrite: the prefix a prefix match matched, or the whole
// path (a regular expression that matches any path, replaced by the new
// one), and the Host header.
func rewrite(r *model.Rewrite) *routev3.RouteAction {
	if r == nil {
		return nil
	}
	out := &routev3.RouteAction{PrefixRewrite: r.PathPrefix}
	if r.FullPath != "" {
		out.RegexRewrite = &matcherv3.RegexMatchAndSubstitute{
			Pattern:      &matcherv3.RegexMatcher{Regex: "^.*$"},
			Substitution: strings.ReplaceAll(r.FullPath, `\`, `\\`),
		}
	}
	if r.Hostname != "" {
		out.HostRewriteSpecifier = &routev3.RouteAction_HostRewriteLiteral{HostRewriteLiteral: r.Hostname}
	}
	return out
}

// headerChanges maps the request and response header changes to a route's
// fields; nil when there are none.
func headerChanges(req, resp *model.HeaderModifier) *routev3.Route {
	if req == nil && resp == nil {
		return nil
	}
	r := &routev3.Route{}
	r.RequestHeadersToAdd, r.RequestHeadersToRemove = headerOptions(req), removed(req)
	r.ResponseHeadersToAdd, r.ResponseHeadersToRemove = headerOptions(resp), removed(resp)
	return r
}

// headerOptions sets headers (replacing any value) and adds them
// (appending a value).
func headerOptions(h *model.HeaderModifier) []*corev3.HeaderValueOption {
	if h == nil || len(h.Set)+len(h.Add) == 0 {
		return nil
	}
	out := make([]*corev3.HeaderValueOption, 0, len(h.Set)+len(h.Add))
	for _, nv := range h.Set {
		out = append(out, headerOption(nv, corev3.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD))
	}
	for _, nv := range h.Add {
		out = append(out, headerOption(nv, corev3.HeaderValueOption_APPEND_IF_EXISTS_OR_ADD))
	}
	return out
}

func headerOption(nv model.NameValue, action corev3.HeaderValueOption_HeaderAppendAction) *corev3.HeaderValueOption {
	return &corev3.HeaderValueOption{Header: &corev3.HeaderValue{Key: nv.Name, Value: nv.Value}, AppendAction: action}
}

func removed(h *model.HeaderModifier) []string {
	if h == nil {
		return nil
	}
	return h.Remove
}

// mirrorPolicies copy a share of requests to versions of s, and name the
// version cluster each copies to. The share is a weight, hundredths of a
// percent: per ten thousand. Proxyless gRPC clients do not mirror.
func (t *translator) mirrorPolicies(s *svc, ms []model.Mirror) (out []*routev3.RouteAction_RequestMirrorPolicy, of []string) {
	if len(ms) == 0 || t.role == model.RoleGRPC {
		return nil, nil
	}
	for _, m := range ms {
		i := s.versionIndex(m.Version)
		of = append(of, s.clusters[i])
		out = append(out, &routev3.RouteAction_RequestMirrorPolicy{
			Cluster: s.mirrorCluster(i),
			RuntimeFraction: &corev3.RuntimeFractionalPercent{DefaultValue: &typev3.FractionalPercent{
				Numerator: uint32(m.Percent), Denominator: typev3.FractionalPercent_TEN_THOUSAND,
			}},
		})
	}
	return out, of
}
