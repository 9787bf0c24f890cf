package certs

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestDevSetupWritesAVerifiableChain(t *testing.T) {
	d := DevSetup{Dir: t.TempDir(), ServerDNS: []string{"localhost"}, Validity: time.Hour,
		Clients: map[string]string{"edge": "spiffe://cluster.local/ns/a/sa/edge", "dns": "client.example.com"}}
	if _, err := d.Write(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Write(); err == nil {
		t.Error("existing files were overwritten without Overwrite")
	}
	pool := x509.NewCertPool()
	ca, _ := os.ReadFile(filepath.Join(d.Dir, "ca.crt"))
	pool.AppendCertsFromPEM(ca)
	for name, usage := range map[string]x509.ExtKeyUsage{"server": x509.ExtKeyUsageServerAuth, "edge": x509.ExtKeyUsageClientAuth, "dns": x509.ExtKeyUsageClientAuth} {
		pair, err := tls.LoadX509KeyPair(filepath.Join(d.Dir, name+".crt"), filepath.Join(d.Dir, name+".key"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pair.Leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	edge, _ := tls.LoadX509KeyPair(filepath.Join(d.Dir, "edge.crt"), filepath.Join(d.Dir, "edge.key"))
	dns, _ := tls.LoadX509KeyPair(filepath.Join(d.Dir, "dns.crt"), filepath.Join(d.Dir, "dns.key"))
	if len(edge.Leaf.URIs) != 1 || edge.Leaf.URIs[0].String() != "spiffe://cluster.local/ns/a/sa/edge" || len(dns.Leaf.DNSNames) != 1 {
		t.Errorf("SANs: %v, %v", edge.Leaf.URIs, dns.Leaf.DNSNames)
	}
	if st, _ := os.Stat(filepath.Join(d.Dir, "server.key")); st.Mode().Perm() != 0o600 {
		t.Errorf("server.key mode %v", st.Mode())
	}
}

func TestReloaderKeepsTheLastGoodPair(t *testing.T) {
	d := DevSetup{Dir: t.TempDir(), ServerDNS: []string{"localhost"}, Validity: time.Hour}
	if _, err := d.Write(); err != nil {
		t.Fatal(err)
	}
	files := Files{Cert: filepath.Join(d.Dir, "server.crt"), Key: filepath.Join(d.Dir, "server.key"), ClientCA: filepath.Join(d.Dir, "ca.crt")}
	r, err := NewReloader(files)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := r.configForClient(nil)
	if cfg.ClientAuth != tls.RequireAndVerifyClientCert || cfg.ClientCAs == nil || cfg.MinVersion < tls.VersionTLS12 {
		t.Errorf("config = %+v", cfg)
	}
	good := r.Certificate()
	os.WriteFile(files.Cert, []byte("-----BEGIN CERTIFICATE-----\nMIIB"), 0o600)
	if err := r.read(); err == nil {
		t.Fatal("a broken certificate was read")
	}
	if r.Certificate() != good {
		t.Error("a failed read replaced the certificate")
	}
	d.Overwrite = true
	if _, err := d.Write(); err != nil {
		t.Fatal(err)
	}
	if err := r.read(); err != nil || r.Certificate() == good {
		t.Errorf("the new pair was not put in use: %v", err)
	}
	if _, err := NewReloader(Files{Cert: files.Cert}); err == nil {
		t.Error("a certificate without a key was accepted")
	}
}
