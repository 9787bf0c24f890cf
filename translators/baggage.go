package translators

import (
	"regexp"

	"github.com/graylane/graylane/model"
)

// baggageHeader is the W3C baggage header.
const baggageHeader = "baggage"

// laneBaggageKey is the baggage member key of cfg; "" turns the baggage
// carrier off.
func laneBaggageKey(cfg *model.Config) string { return cfg.LaneBaggageKey }

// A W3C baggage header is a list of members "key=value;property...",
// separated by commas with optional spaces and tabs around them (OWS).
// Several baggage headers reach the matchers joined with "," (Envoy and
// gRPC both join a repeated header so). Keys are case-sensitive tokens and
// values cannot hold a comma or a semicolon, so a comma always starts a
// member and a semicolon always starts a property.
//
// The expressions below are anchored at both ends: Envoy's and gRPC's
// matchers require the whole value to match, and the explicit anchors keep
// that true for any matcher that would search instead.

// baggageLaneRegex matches a baggage value with the member key=lane: the
// member starts the value or follows a comma, and its value ends at the
// end, a comma or a semicolon. "xkey=lane", "key-x=lane", "key=lane2" and
// a property key=lane do not match.
func baggageLaneRegex(key, lane string) string {
	return `^(?:.*,)?[ \t]*` + regexp.QuoteMeta(key) + `[ \t]*=[ \t]*` + regexp.QuoteMeta(lane) + `[ \t]*(?:[;,].*)?$`
}

// baggageKeyRegex matches a baggage value with a member of the key,
// whatever its value.
func baggageKeyRegex(key string) string {
	return `^(?:.*,)?[ \t]*` + regexp.QuoteMeta(key) + `[ \t]*=.*$`
}
