package xdsserver

import (
	"context"
	"crypto/x509"
	"strings"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
)

// Identity is who a client's verified certificate says it is: its SPIFFE
// ID when the certificate has one (a URI SAN spiffe://...), else its DNS
// names.
type Identity struct {
	SPIFFE string
	DNS    []string
}

// Names are the names a role policy matches: the SPIFFE ID alone when
// there is one, else every DNS name.
func (id Identity) Names() []string {
	if id.SPIFFE != "" {
		return []string{id.SPIFFE}
	}
	return id.DNS
}

// String names the identity in logs, status and errors: its SPIFFE ID or
// first DNS name, "" when it has neither.
func (id Identity) String() string {
	if names := id.Names(); len(names) > 0 {
		return names[0]
	}
	return ""
}

// IdentityOf reads the identity of a certificate.
func IdentityOf(cert *x509.Certificate) Identity {
	var id Identity
	for _, u := range cert.URIs {
		if strings.EqualFold(u.Scheme, "spiffe") {
			id.SPIFFE = u.String()
			break
		}
	}
	if id.SPIFFE == "" {
		id.DNS = cert.DNSNames
	}
	return id
}

// peerIdentity is the identity of the verified client certificate of the
// stream's connection; ok is false when the connection has none (plaintext,
// or TLS without client certificates).
func peerIdentity(ctx context.Context) (Identity, bool) {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return Identity{}, false
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.VerifiedChains) == 0 || len(info.State.VerifiedChains[0]) == 0 {
		return Identity{}, false
	}
	return IdentityOf(info.State.VerifiedChains[0][0]), true
}
