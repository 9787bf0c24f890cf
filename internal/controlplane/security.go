package controlplane

import (
	"errors"
	"fmt"
	"net"

	"go.uber.org/zap"

	"github.com/graylane/graylane/internal/certs"
	"github.com/graylane/graylane/internal/xdsserver"
)

// isLoopback reports whether addr (host:port) listens on loopback only.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkTransport refuses plaintext xDS beyond loopback unless insecure is
// set, and a client CA without a certificate to serve.
func (o *options) checkTransport() error {
	f := o.tlsFiles
	switch {
	case f.ClientCA != "" && (f.Cert == "" || f.Key == ""):
		return errors.New("a client CA needs --tls-cert-file and --tls-key-file: client certificates are checked over TLS")
	case (f.Cert == "") != (f.Key == ""):
		return errors.New("TLS needs both --tls-cert-file and --tls-key-file")
	case f.Cert == "" && !isLoopback(o.xdsAddress) && !o.insecure:
		return fmt.Errorf("plaintext xDS on %s would let anyone who reaches it read every role's configuration: "+
			"serve TLS (--tls-cert-file, --tls-key-file, --client-ca-file), or pass --insecure", o.xdsAddress)
	}
	return nil
}

// warnExposure logs what is reachable beyond loopback without protection.
func (o *options) warnExposure() {
	if o.tlsFiles.Cert == "" && !isLoopback(o.xdsAddress) {
		o.log.Warn("serving plaintext xDS beyond loopback (--insecure): any client that reaches it reads every role's configuration",
			zap.String("address", o.xdsAddress))
	}
	if o.tlsFiles.Cert != "" && o.tlsFiles.ClientCA == "" {
		o.log.Warn("xDS clients present no certificate (no --client-ca-file): each chooses its own role")
	}
	if !isLoopback(o.adminAddress) {
		o.log.Warn("the admin server listens beyond loopback: its debug views show every role's configuration",
			zap.String("address", o.adminAddress))
	}
}

// xdsSecurity returns the xDS server's TLS options and, with TLS, the
// component that reads the files again when they change.
func (cp *ControlPlane) xdsSecurity() ([]xdsserver.Option, Component, error) {
	o := cp.opts
	if o.tlsFiles.Cert == "" {
		return nil, nil, nil
	}
	r, err := certs.NewReloader(o.tlsFiles, certs.WithLogger(o.log), certs.WithReloadHook(func(err error) {
		result := "ok"
		if err != nil {
			result = "error"
		}
		cp.metrics.TLSReloads.WithLabelValues(result).Inc()
	}))
	if err != nil {
		return nil, nil, err
	}
	opts := []xdsserver.Option{xdsserver.WithTLS(r.ServerConfig())}
	if r.MutualTLS() {
		policy := xdsserver.DefaultRolePolicy()
		if o.rolePolicy != nil {
			policy = *o.rolePolicy
		}
		opts = append(opts, xdsserver.WithRolePolicy(policy))
	}
	return opts, r, nil
}
