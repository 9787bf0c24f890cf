package cli

import (
	"github.com/spf13/pflag"

	"github.com/graylane/graylane/internal/certs"
	"github.com/graylane/graylane/internal/controlplane"
	"github.com/graylane/graylane/internal/xdsserver"
)

// securityFlags are serve's flags for TLS, client identities and limits.
type securityFlags struct {
	tls            certs.Files
	rolePolicy     string
	insecure       bool
	metricsAddress string
	limits         xdsserver.Limits
}

func (f *securityFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.tls.Cert, "tls-cert-file", "", "serve xDS over TLS with this PEM certificate (chain); read again when it changes")
	fs.StringVar(&f.tls.Key, "tls-key-file", "", "the PEM private key of --tls-cert-file")
	fs.StringVar(&f.tls.ClientCA, "client-ca-file", "", "require client certificates signed by these PEM CAs; their identities decide the roles clients may receive")
	fs.StringVar(&f.rolePolicy, "role-policy", "", "YAML file of the roles each client identity may receive (default: by Kubernetes service account, see docs/security.md)")
	fs.BoolVar(&f.insecure, "insecure", false, "allow plaintext xDS on an address other than loopback")
	fs.StringVar(&f.metricsAddress, "metrics-address", "", "also serve /metrics, /healthz and /readyz here (no debug views), e.g. 0.0.0.0:19001")
	d := xdsserver.DefaultLimits()
	f.limits = d
	fs.IntVar(&f.limits.MaxConnections, "xds-max-connections", d.MaxConnections, "xDS connections open at once; more wait to be accepted")
	fs.Uint32Var(&f.limits.MaxStreamsPerConnection, "xds-max-streams-per-connection", d.MaxStreamsPerConnection, "concurrent streams on one xDS connection")
	fs.IntVar(&f.limits.MaxRequestBytes, "xds-max-request-bytes", d.MaxRequestBytes, "size of one xDS request message")
	fs.IntVar(&f.limits.MaxResourceNames, "xds-max-resource-names", d.MaxResourceNames, "resource names one stream may subscribe to, per type")
	fs.DurationVar(&f.limits.SendTimeout, "xds-send-timeout", d.SendTimeout, "how long a response may wait for the client to read; then it is disconnected (0: forever)")
	fs.IntVar(&f.limits.MaxNackMessageBytes, "xds-max-nack-message-bytes", d.MaxNackMessageBytes, "bytes of a rejection's message kept in logs and status")
	fs.IntVar(&f.limits.MaxEgressViews, "xds-max-egress-views", d.MaxEgressViews, "distinct sidecar egresses served views of their own; past it a sidecar is served every service (0: none)")
	fs.IntVar(&f.limits.LogLinesPerSecond, "xds-log-lines-per-second", d.LogLinesPerSecond, "log lines a second per kind of client event (0: no limit)")
}

// options turns the flags into control plane options.
func (f *securityFlags) options() ([]controlplane.Option, error) {
	opts := []controlplane.Option{controlplane.WithTLSFiles(f.tls), controlplane.WithLimits(f.limits),
		controlplane.WithMetricsAddress(f.metricsAddress)}
	if f.insecure {
		opts = append(opts, controlplane.WithInsecure())
	}
	if f.rolePolicy != "" {
		p, err := xdsserver.ReadRolePolicy(f.rolePolicy)
		if err != nil {
			return nil, err
		}
		opts = append(opts, controlplane.WithRolePolicy(p))
	}
	return opts, nil
}
