package kubernetes

import (
	"fmt"
	"strings"
	"time"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/graylane/graylane/model"
)

// What proxyless gRPC clients do not do; the sidecars and the edge do.
const (
	grpcNoHeaders = "header modifiers"
	grpcNoRewrite = "URL rewrites"
	grpcNoMirror  = "request mirrors"
	grpcNoQuery   = "query parameter matches"
	grpcNoMethod  = "method matches"
)

// filters converts a rule's filters. A filter Graylane cannot serve drops
// the rule: it decides what the request becomes, which cannot be left out.
func (r *parsedRule) filters(fs []gatewayv1.HTTPRouteFilter, field string) {
	for k, f := range fs {
		pos := fmt.Sprintf("%s.%s[%d]", r.pos, field, k)
		switch f.Type {
		case gatewayv1.HTTPRouteFilterRequestHeaderModifier:
			r.action.RequestHeaders = headerModifier(f.RequestHeaderModifier)
			r.fields["requestHeaders"] = pos
			r.grpcLimits = append(r.grpcLimits, grpcNoHeaders)
		case gatewayv1.HTTPRouteFilterResponseHeaderModifier:
			r.action.ResponseHeaders = headerModifier(f.ResponseHeaderModifier)
			r.fields["responseHeaders"] = pos
			r.grpcLimits = append(r.grpcLimits, grpcNoHeaders)
		case gatewayv1.HTTPRouteFilterURLRewrite:
			r.rewrite(f.URLRewrite, pos)
		case gatewayv1.HTTPRouteFilterRequestMirror:
			r.mirror(f.RequestMirror, pos)
		case gatewayv1.HTTPRouteFilterRequestRedirect:
			r.redirect = f.RequestRedirect
		default:
			r.drop("%s[%d]: %s filters are not supported", field, k, f.Type)
		}
	}
}

func headerModifier(f *gatewayv1.HTTPHeaderFilter) *model.HeaderModifier {
	if f == nil {
		return nil
	}
	out := &model.HeaderModifier{}
	for _, h := range f.Set {
		out.Set = append(out.Set, model.NameValue{Name: strings.ToLower(string(h.Name)), Value: h.Value})
	}
	for _, h := range f.Add {
		out.Add = append(out.Add, model.NameValue{Name: strings.ToLower(string(h.Name)), Value: h.Value})
	}
	for _, name := range f.Remove {
		out.Remove = append(out.Remove, strings.ToLower(name))
	}
	return out
}

func (r *parsedRule) rewrite(f *gatewayv1.HTTPURLRewriteFilter, pos string) {
	if f == nil {
		return
	}
	rw := &model.Rewrite{}
	if f.Hostname != nil {
		rw.Hostname = string(*f.Hostname)
	}
	if p := f.Path; p != nil {
		switch p.Type {
		case gatewayv1.FullPathHTTPPathModifier:
			rw.FullPath = ptrOr(p.ReplaceFullPath, "")
		case gatewayv1.PrefixMatchHTTPPathModifier:
			rw.PathPrefix = ptrOr(p.ReplacePrefixMatch, "")
		default:
			r.drop("URLRewrite path type %s is not supported", p.Type)
		}
	}
	r.action.Rewrite = rw
	r.fields["rewrite"] = pos
	r.grpcLimits = append(r.grpcLimits, grpcNoRewrite)
}

func (r *parsedRule) mirror(f *gatewayv1.HTTPRequestMirrorFilter, pos string) {
	if f == nil {
		return
	}
	pct := model.WeightFull
	switch {
	case f.Percent != nil:
		pct = model.Weight(min(max(*f.Percent, 0), 100)) * 100
	case f.Fraction != nil && ptrOr(f.Fraction.Denominator, 100) > 0:
		num, den := int64(max(f.Fraction.Numerator, 0)), int64(ptrOr(f.Fraction.Denominator, 100))
		pct = model.Weight(min((num*int64(model.WeightFull)+den/2)/den, int64(model.WeightFull)))
	}
	if pct == 0 {
		return // copies nothing
	}
	r.mirrors = append(r.mirrors, mirrorRef{ref: f.BackendRef, percent: pct, pos: pos})
	r.grpcLimits = append(r.grpcLimits, grpcNoMirror)
}

// timeouts converts a rule's timeouts. Gateway API's zero duration means
// no timeout, which Graylane cannot express on a route: it is left out,
// and the Service's timeout policy applies.
func (r *parsedRule) timeouts(t *gatewayv1.HTTPRouteTimeouts) {
	if t == nil {
		return
	}
	r.action.Timeout = r.duration(t.Request, "timeouts.request", "timeout")
	r.action.BackendTimeout = r.duration(t.BackendRequest, "timeouts.backendRequest", "backendTimeout")
}

func (r *parsedRule) duration(d *gatewayv1.Duration, field, modelField string) time.Duration {
	if d == nil {
		return 0
	}
	v, err := time.ParseDuration(string(*d))
	switch {
	case err != nil:
		r.drop("%s: %q is not a duration", field, *d)
	case v == 0:
		r.notes = append(r.notes, field+": 0s (no timeout) is not supported on a route; the Service's timeout policy applies")
	default:
		r.fields[modelField] = r.pos + "." + field
	}
	return v
}

// matchLimits notes the matches proxyless gRPC clients cannot test.
func (r *parsedRule) matchLimits() []string {
	var out []string
	for _, m := range r.matches {
		if len(m.match.Query) > 0 {
			out = append(out, grpcNoQuery)
		}
		if m.match.Method != "" {
			out = append(out, grpcNoMethod)
		}
	}
	return out
}
