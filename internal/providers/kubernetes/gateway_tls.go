package kubernetes

import (
	"crypto/tls"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/graylane/graylane/model"
)

// keyPair is a certificate chain and its key, in PEM.
type keyPair struct {
	chain, key []byte
}

// certificates reads TLS Secrets, keeping the last good key pair of each:
// a Secret that goes missing or turns invalid keeps serving its last good
// pair, in memory, until it is fixed.
type certificates struct {
	good map[types.NamespacedName]keyPair
}

func newCertificates() *certificates {
	return &certificates{good: map[types.NamespacedName]keyPair{}}
}

// read returns a Secret's key pair, or its last good one; problem says
// what is wrong with the Secret as it is now, kept says a last good pair
// stands in.
func (c *certificates) read(key types.NamespacedName, secrets map[types.NamespacedName]*corev1.Secret) (kp keyPair, ok bool, problem string) {
	problem = secretProblem(secrets[key], key)
	if problem == "" {
		s := secrets[key]
		kp = keyPair{chain: s.Data[corev1.TLSCertKey], key: s.Data[corev1.TLSPrivateKeyKey]}
		c.good[key] = kp
		return kp, true, ""
	}
	kp, ok = c.good[key]
	return kp, ok, problem
}

// forget drops the last good pairs of Secrets no listener names.
func (c *certificates) forget(named map[types.NamespacedName]bool) {
	for key := range c.good {
		if !named[key] {
			delete(c.good, key)
		}
	}
}

// secretProblem says why a Secret holds no usable certificate, or "".
func secretProblem(s *corev1.Secret, key types.NamespacedName) string {
	switch {
	case s == nil:
		return fmt.Sprintf("Secret %s does not exist", key)
	case s.Type != corev1.SecretTypeTLS:
		return fmt.Sprintf("Secret %s is of type %s, not %s", key, s.Type, corev1.SecretTypeTLS)
	}
	if _, err := tls.X509KeyPair(s.Data[corev1.TLSCertKey], s.Data[corev1.TLSPrivateKeyKey]); err != nil {
		return fmt.Sprintf("Secret %s does not hold a usable certificate chain and key: %v", key, err)
	}
	return ""
}

// certificateRef is the Secret an HTTPS listener serves, or why it has
// none Graylane may read.
func (l *listenerState) certificateRef() (types.NamespacedName, string) {
	if l.l.TLS == nil || len(l.l.TLS.CertificateRefs) == 0 {
		return types.NamespacedName{}, "an HTTPS listener needs tls.certificateRefs"
	}
	ref := l.l.TLS.CertificateRefs[0] // more (an RSA and an ECDSA pair) are not served
	key := types.NamespacedName{Namespace: string(ptrOr(ref.Namespace, gatewayv1.Namespace(l.gw.obj.Namespace))), Name: string(ref.Name)}
	switch {
	case ptrOr(ref.Group, "") != "" || ptrOr(ref.Kind, "Secret") != "Secret":
		return key, fmt.Sprintf("certificateRef %s is not a Secret", ref.Name)
	case key.Namespace != l.gw.obj.Namespace:
		return key, fmt.Sprintf("certificateRef %s is in another namespace than the Gateway; ReferenceGrants are not supported", key)
	}
	return key, ""
}

// resolveCertificate reads an HTTPS listener's certificate; a listener
// without one is not served.
func (l *listenerState) resolveCertificate(c *certificates, secrets map[types.NamespacedName]*corev1.Secret) {
	if !l.https() || l.unsupported != "" {
		return
	}
	key, why := l.certificateRef()
	reason := gatewayv1.ListenerReasonRefNotPermitted
	if why == "" {
		if _, ok, problem := c.read(key, secrets); problem != "" {
			why, reason = problem, gatewayv1.ListenerReasonInvalidCertificateRef
			if ok {
				l.keptCertificate = problem + "; its last good certificate stays in effect"
				return
			}
		}
	}
	if why != "" {
		l.refProblem, l.refProblemReason = why, reason
	}
}

// certificate is the model certificate of an HTTPS listener.
func (l *listenerState) certificate(u *unit, c *certificates, secrets map[types.NamespacedName]*corev1.Secret) model.Certificate {
	key, _ := l.certificateRef()
	name := shortName(63, l.gw.obj.Namespace, l.gw.obj.Name, string(l.l.Name))
	pos := fmt.Sprintf("%s: spec.listeners[%d]", objPos("Gateway", l.gw.obj), l.index)
	cert := model.Certificate{Name: name, From: "Secret " + key.String(),
		Origin: u.origin(pos, map[string]string{"hostnames": pos + ".hostname", "name": pos + ".name"})}
	if h := l.hostname(); h != "" {
		cert.Hostnames = []string{h}
	}
	kp, _, _ := c.read(key, secrets)
	cert.Chain, cert.Key = kp.chain, kp.key
	u.certs[name] = key
	return cert
}

// withCertificates is a gateway as it was, its certificates read again.
func withCertificates(g model.Gateway, certs map[string]types.NamespacedName, read func(types.NamespacedName) keyPair) model.Gateway {
	if g.TLS == nil {
		return g
	}
	t := *g.TLS
	t.Certificates = append([]model.Certificate(nil), t.Certificates...)
	for i := range t.Certificates {
		kp := read(certs[t.Certificates[i].Name])
		t.Certificates[i].Chain, t.Certificates[i].Key = kp.chain, kp.key
	}
	g.TLS = &t
	return g
}
