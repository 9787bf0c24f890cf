package certs

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

// DevSetup describes the files `xds certgen` writes: a CA, a server
// certificate for the control plane, and a client certificate per client.
type DevSetup struct {
	// Dir receives ca.crt, ca.key, server.crt, server.key and
	// NAME.crt, NAME.key per client.
	Dir string
	// ServerDNS and ServerIPs are the names clients reach the control
	// plane by; they verify the server certificate against them.
	ServerDNS []string
	ServerIPs []net.IP
	// Clients maps a client's file name to its identity: a SPIFFE ID
	// (spiffe://...) becomes a URI SAN, anything else a DNS SAN.
	Clients map[string]string
	// Validity is how long the certificates are valid.
	Validity time.Duration
	// Overwrite replaces existing files; without it, Write refuses to.
	Overwrite bool
}

// Write creates the CA and the certificates and writes them to Dir; keys
// are readable by their owner only. It returns the paths written.
func (d DevSetup) Write() ([]string, error) {
	ca, err := NewAuthority("graylane development CA", d.Validity)
	if err != nil {
		return nil, err
	}
	caKey, err := ca.KeyPEM()
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{"ca.crt": ca.CertPEM(), "ca.key": caKey}
	server, err := ca.Issue(Leaf{CommonName: "graylane", DNSNames: d.ServerDNS, IPs: d.ServerIPs, Server: true}, d.Validity)
	if err != nil {
		return nil, err
	}
	files["server.crt"], files["server.key"] = server.CertPEM, server.KeyPEM
	for name, id := range d.Clients {
		issued, err := ca.Issue(clientLeaf(name, id), d.Validity)
		if err != nil {
			return nil, fmt.Errorf("client %s: %w", name, err)
		}
		files[name+".crt"], files[name+".key"] = issued.CertPEM, issued.KeyPEM
	}
	return d.write(files)
}

func clientLeaf(name, id string) Leaf {
	leaf := Leaf{CommonName: name, Client: true}
	if len(id) > len("spiffe://") && id[:len("spiffe://")] == "spiffe://" {
		leaf.URIs = []string{id}
	} else {
		leaf.DNSNames = []string{id}
	}
	return leaf
}

func (d DevSetup) write(files map[string][]byte) ([]string, error) {
	if err := os.MkdirAll(d.Dir, 0o755); err != nil {
		return nil, err
	}
	if !d.Overwrite {
		for name := range files {
			if _, err := os.Stat(filepath.Join(d.Dir, name)); err == nil {
				return nil, fmt.Errorf("%s exists; pass --overwrite to replace it", filepath.Join(d.Dir, name))
			}
		}
	}
	var paths []string
	var errs []error
	for name, data := range files {
		mode := os.FileMode(0o644)
		if filepath.Ext(name) == ".key" {
			mode = 0o600
		}
		p := filepath.Join(d.Dir, name)
		errs = append(errs, os.WriteFile(p, data, mode))
		paths = append(paths, p)
	}
	return paths, errors.Join(errs...)
}
