package snapshot

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	"google.golang.org/protobuf/proto"
)

// validator is what every generated Envoy resource implements: Validate
// stops at the first problem, ValidateAll finds them all.
type validator interface {
	Validate() error
	ValidateAll() error
}

// validateAll finds every problem of a resource that has one; Validate,
// which stops at the first, is cheaper for the many that have none.
func validateAll(v validator) error {
	if v.Validate() == nil {
		return nil
	}
	return v.ValidateAll()
}

// check validates one resource, hashes its deterministic encoding and reads
// its references; a large route configuration route by route, recalling
// the routes its memory has checked.
func check(r types.Resource, known routeMemos) checked {
	if rc, ok := r.(*routev3.RouteConfiguration); ok && routeCount(rc) >= routeByRouteAt {
		m := known.memoFor(rc.GetName())
		c := checkRouteConfig(rc, m)
		c.routes = m
		return c
	}
	c := checked{name: cachev3.GetResourceName(r)}
	fail := func(err error) checked {
		c.err = fmt.Errorf("%s %q: %w", typeName(r), c.name, err)
		return c
	}
	v, ok := r.(validator)
	if !ok {
		return fail(errors.New("resource has no validation"))
	}
	if err := validateAll(v); err != nil {
		return fail(err)
	}
	if err := encode(r, func(b []byte) { c.version = contentVersion(b) }); err != nil {
		return fail(err)
	}
	var err error
	if c.refs, err = referencesOf(r); err != nil {
		return fail(err)
	}
	return c
}

// encodings are the buffers of deterministic encodings, which are hashed
// and dropped: most resources are small, and each would be an allocation.
var encodings = sync.Pool{New: func() any { return new([]byte) }}

// encode calls f with a message's deterministic encoding, in a buffer that
// is used again once f returns.
func encode(m proto.Message, f func([]byte)) error {
	buf := encodings.Get().(*[]byte)
	b, err := marshal((*buf)[:0], m)
	if err == nil {
		f(b)
	}
	if cap(b) <= keptEncoding {
		*buf = b
		encodings.Put(buf)
	}
	return err
}

// keptEncoding is the largest buffer kept for another encoding: a
// gateway's route configuration without its routes, or a service's, is
// far smaller.
const keptEncoding = 64 << 10

// vtMarshaler is what Envoy's messages implement when built with the
// vtprotobuf tag, as make builds Graylane: encoders generated for each
// message, several times faster than protobuf-go's.
type vtMarshaler interface {
	SizeVT() int
	MarshalToSizedBufferVTStrict([]byte) (int, error)
}

// marshal appends a message's encoding to b: the generated encoder's,
// fields in number order, when the message has one, else protobuf-go's
// deterministic one. The generated encoder writes map entries in Go's
// map order, so it is deterministic only for maps of one entry, which is
// all Graylane's resources hold (translators' TestMapsHoldOneEntry).
func marshal(b []byte, m proto.Message) ([]byte, error) {
	v, ok := m.(vtMarshaler)
	if !ok {
		return proto.MarshalOptions{Deterministic: true}.MarshalAppend(b, m)
	}
	start, n := len(b), v.SizeVT()
	b = slices.Grow(b, n)[:start+n]
	_, err := v.MarshalToSizedBufferVTStrict(b[start:])
	return b, err
}
