package lanegrpc

import (
	"context"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/baggage"
	"google.golang.org/grpc/metadata"
)

const (
	// DefaultLaneHeader is the lane header of Graylane's default
	// configuration (laneHeader).
	DefaultLaneHeader = "x-canary"
	// DefaultBaggageKey is the baggage key of Graylane's default
	// configuration (laneBaggageKey).
	DefaultBaggageKey = "graylane-lane"
	// StableLane is the lane of requests in no release lane; a lane header
	// that names no valid lane counts as stable, as every hop routes it to
	// the baseline.
	StableLane = "stable"
	// MaxLaneLength bounds a lane name read from a call, in bytes.
	MaxLaneLength = 128

	baggageHeader = "baggage"
)

// Option configures the interceptors; use the same options as the
// Graylane configuration the application runs under.
type Option func(*options)

// WithLaneHeader names the lane header (Graylane's laneHeader), when it is
// not DefaultLaneHeader. The name is matched in lower case.
func WithLaneHeader(name string) Option {
	return func(o *options) { o.header = strings.ToLower(name) }
}

// WithBaggageKey names the lane's baggage key (Graylane's
// laneBaggageKey), when it is not DefaultBaggageKey.
func WithBaggageKey(key string) Option {
	return func(o *options) { o.key = key }
}

type options struct {
	header, key string
}

// newOptions applies opts; a name that is not an HTTP token is a
// programming error and panics, as the interceptors could not send it.
func newOptions(opts []Option) *options {
	o := &options{header: DefaultLaneHeader, key: DefaultBaggageKey}
	for _, opt := range opts {
		opt(o)
	}
	if !isToken(o.header) || !isToken(o.key) {
		panic(fmt.Sprintf("lanegrpc: lane header %q and baggage key %q must be HTTP tokens", o.header, o.key))
	}
	return o
}

type laneKey struct{}

// WithLane returns a copy of ctx that carries lane: calls made with it
// through the client interceptors are in that lane.
func WithLane(ctx context.Context, lane string) context.Context {
	return context.WithValue(ctx, laneKey{}, lane)
}

// FromContext returns the lane that WithLane or a server interceptor put in
// ctx.
func FromContext(ctx context.Context) (string, bool) {
	lane, ok := ctx.Value(laneKey{}).(string)
	return lane, ok && lane != ""
}

// fromMetadata reads the lane of gRPC metadata: the lane header wins, and a
// header that names no valid lane counts as stable; else the baggage
// member, when it is a valid lane.
func (o *options) fromMetadata(md metadata.MD) (string, bool) {
	if v := md.Get(o.header); len(v) > 0 && v[0] != "" {
		if !validLane(v[0]) {
			return StableLane, true
		}
		return v[0], true
	}
	if v := md.Get(baggageHeader); len(v) > 0 {
		bag, err := baggage.Parse(strings.Join(v, ","))
		if err == nil {
			return o.fromBaggage(bag)
		}
	}
	return "", false
}

// fromBaggage reads the lane member of OpenTelemetry baggage.
func (o *options) fromBaggage(bag baggage.Baggage) (string, bool) {
	lane := bag.Member(o.key).Value()
	return lane, validLane(lane)
}

// laneOf finds the lane of an outgoing call; see the package documentation
// for the order.
func (o *options) laneOf(ctx context.Context) (string, bool) {
	if md, ok := metadata.FromOutgoingContext(ctx); ok {
		if lane, ok := o.fromMetadata(md); ok {
			return lane, true
		}
	}
	if lane, ok := FromContext(ctx); ok && validLane(lane) {
		return lane, true
	}
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if lane, ok := o.fromMetadata(md); ok {
			return lane, true
		}
	}
	return o.fromBaggage(baggage.FromContext(ctx))
}

// outgoing returns ctx with the lane in the outgoing metadata, as the lane
// header and the baggage member, and in the OpenTelemetry baggage.
func (o *options) outgoing(ctx context.Context, lane string) context.Context {
	ctx = o.withBaggageMember(ctx, lane)
	md, _ := metadata.FromOutgoingContext(ctx)
	md = md.Copy()
	md.Set(o.header, lane)
	md.Set(baggageHeader, o.outgoingBaggage(md.Get(baggageHeader), lane))
	return metadata.NewOutgoingContext(ctx, md)
}

// outgoingBaggage is the call's baggage metadata with the lane member set.
// Baggage that does not parse (which OpenTelemetry would drop whole at the
// next hop) is replaced by the lane member alone.
func (o *options) outgoingBaggage(values []string, lane string) string {
	member := o.member(lane)
	bag, err := baggage.Parse(strings.Join(values, ","))
	if err != nil {
		return member.String()
	}
	if bag, err = bag.SetMember(member); err != nil {
		return member.String()
	}
	return bag.String()
}

// withBaggageMember sets the lane member in the OpenTelemetry baggage of
// ctx, keeping its other members.
func (o *options) withBaggageMember(ctx context.Context, lane string) context.Context {
	bag := baggage.FromContext(ctx)
	if bag.Member(o.key).Value() == lane {
		return ctx
	}
	if bag, err := bag.SetMember(o.member(lane)); err == nil {
		return baggage.ContextWithBaggage(ctx, bag)
	}
	return ctx
}

// member is the lane's baggage member; lane and key are valid tokens, so
// it cannot fail.
func (o *options) member(lane string) baggage.Member {
	m, _ := baggage.NewMemberRaw(o.key, lane)
	return m
}

// validLane reports whether a lane read from a call can be sent on: an
// HTTP token of at most MaxLaneLength bytes, like Graylane's lane names.
func validLane(lane string) bool {
	return len(lane) <= MaxLaneLength && isToken(lane)
}

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}
