package render

import (
	stdbase64 "encoding/base64"
	"strings"
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/graylane/graylane/internal/testcert"
	"github.com/graylane/graylane/translators"
)

func secret(chain, key []byte) *tlsv3.Secret {
	return &tlsv3.Secret{Name: "certificate_shop", Type: &tlsv3.Secret_TlsCertificate{TlsCertificate: &tlsv3.TlsCertificate{
		CertificateChain: &corev3.DataSource{Specifier: &corev3.DataSource_InlineBytes{InlineBytes: chain}},
		PrivateKey:       &corev3.DataSource{Specifier: &corev3.DataSource_InlineBytes{InlineBytes: key}},
	}}}
}

func TestYAMLRedactsPrivateKeys(t *testing.T) {
	pair := testcert.NewCA("test").Leaf("shop.example.com")
	s := secret(pair.Chain, pair.Key)
	out, err := YAML(&translators.Resources{Lists: translators.Lists{Secrets: []*tlsv3.Secret{s}}})
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	keyB64 := base64(pair.Key)
	if strings.Contains(text, keyB64[:40]) || strings.Contains(text, "PRIVATE KEY") {
		t.Errorf("the rendered secret shows the private key:\n%s", text)
	}
	if !strings.Contains(text, RedactedValue) || !strings.Contains(text, base64(pair.Chain)[:40]) {
		t.Errorf("the rendered secret lacks the redaction or the chain:\n%s", text)
	}
	if got := s.GetTlsCertificate().GetPrivateKey().GetInlineBytes(); string(got) != string(pair.Key) {
		t.Error("rendering changed the secret itself")
	}
}

func TestRedactedLeavesOtherResourcesAlone(t *testing.T) {
	cla := &endpointv3.ClusterLoadAssignment{ClusterName: "a"}
	if Redacted(cla) != cla {
		t.Error("a resource with nothing private was copied")
	}
	g := &tlsv3.Secret{Name: "g", Type: &tlsv3.Secret_GenericSecret{GenericSecret: &tlsv3.GenericSecret{
		Secret: &corev3.DataSource{Specifier: &corev3.DataSource_InlineString{InlineString: "hunter2"}},
	}}}
	if got := Redacted(g).(*tlsv3.Secret).GetGenericSecret().GetSecret().GetInlineString(); got != RedactedValue {
		t.Errorf("generic secret rendered as %q", got)
	}
}

func TestYAMLWritesWholeNumbersAsIntegers(t *testing.T) {
	cla := &endpointv3.ClusterLoadAssignment{ClusterName: "a", Policy: &endpointv3.ClusterLoadAssignment_Policy{
		OverprovisioningFactor: wrapperspb.UInt32(1_000_000),
	}}
	out, err := YAML(&translators.Resources{Lists: translators.Lists{Endpoints: []*endpointv3.ClusterLoadAssignment{cla}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "overprovisioningFactor: 1000000") {
		t.Errorf("factor not written as an integer:\n%s", out)
	}
}

func base64(b []byte) string { return stdbase64.StdEncoding.EncodeToString(b) }
