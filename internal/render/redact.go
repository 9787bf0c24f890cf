package render

import (
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	"google.golang.org/protobuf/proto"
)

// RedactedValue stands in for a secret's private parts in printed output,
// as in Envoy's own configuration dump.
const RedactedValue = "[redacted]"

// Redacted returns r fit to print: a copy of an SDS secret with its
// private key, its key's password and any generic secret replaced by
// RedactedValue, or r itself when it holds nothing private.
func Redacted(r types.Resource) types.Resource {
	s, ok := r.(*tlsv3.Secret)
	if !ok {
		return r
	}
	s = proto.Clone(s).(*tlsv3.Secret)
	if c := s.GetTlsCertificate(); c != nil {
		c.PrivateKey = redact(c.PrivateKey)
		c.Password = redact(c.Password)
	}
	if g := s.GetGenericSecret(); g != nil {
		g.Secret = redact(g.Secret)
	}
	return s
}

func redact(d *corev3.DataSource) *corev3.DataSource {
	if d == nil {
		return nil
	}
	return &corev3.DataSource{Specifier: &corev3.DataSource_InlineString{InlineString: RedactedValue}}
}
