package cli

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/graylane/graylane/internal/certs"
)

func newCertgenCommand() *cobra.Command {
	d := certs.DevSetup{}
	var ips, clients []string
	cmd := &cobra.Command{
		Use:   "certgen --dir DIR",
		Short: "Write a development CA, a server certificate and client certificates for mutually authenticated xDS",
		Long: `Write a development CA (ca.crt, ca.key), a server certificate for the control
plane (server.crt, server.key) and a client certificate per --client
(NAME.crt, NAME.key) into --dir. A client's identity is a SPIFFE ID
(spiffe://..., written as a URI SAN) or a DNS name. For production, issue
certificates with cert-manager or SPIRE instead; see docs/security.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if d.ServerIPs, err = parseIPs(ips); err != nil {
				return err
			}
			if d.Clients, err = parseClients(clients); err != nil {
				return err
			}
			paths, err := d.Write()
			slices.Sort(paths)
			for _, p := range paths {
				fmt.Fprintln(cmd.OutOrStdout(), p)
			}
			return err
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&d.Dir, "dir", "certs", "directory to write the files into")
	fs.StringSliceVar(&d.ServerDNS, "server-dns", []string{"localhost", "graylane.graylane-system.svc", "graylane.graylane-system.svc.cluster.local"},
		"DNS names clients reach the control plane by")
	fs.StringSliceVar(&ips, "server-ip", []string{"127.0.0.1"}, "IP addresses clients reach the control plane by")
	fs.StringArrayVar(&clients, "client", []string{
		"edge=spiffe://cluster.local/ns/default/sa/edge",
		"sidecar=spiffe://cluster.local/ns/default/sa/reviews",
		"grpc=spiffe://cluster.local/ns/default/sa/demo-client",
	}, "a client certificate as NAME=IDENTITY (repeatable)")
	fs.DurationVar(&d.Validity, "validity", 365*24*time.Hour, "how long the certificates are valid")
	fs.BoolVar(&d.Overwrite, "overwrite", false, "replace files that exist")
	return cmd
}

func parseIPs(in []string) ([]net.IP, error) {
	var out []net.IP
	for _, s := range in {
		ip := net.ParseIP(s)
		if ip == nil {
			return nil, fmt.Errorf("--server-ip %q is not an IP address", s)
		}
		out = append(out, ip)
	}
	return out, nil
}

func parseClients(in []string) (map[string]string, error) {
	out := map[string]string{}
	for _, s := range in {
		name, id, ok := strings.Cut(s, "=")
		if !ok || name == "" || id == "" || strings.ContainsAny(name, `/\`) {
			return nil, fmt.Errorf("--client %q: want NAME=IDENTITY", s)
		}
		if _, dup := out[name]; dup || name == "ca" || name == "server" {
			return nil, fmt.Errorf("--client %q: the name %s is taken", s, name)
		}
		out[name] = id
	}
	return out, nil
}
