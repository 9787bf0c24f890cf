package cli

import (
	"context"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/graylane/graylane/internal/controlplane"
	"github.com/graylane/graylane/internal/xdsserver"
)

// shutdownWait bounds how long a stopping control plane is waited for:
// each server's grace period for its streams and requests, and a margin.
const shutdownWait = xdsserver.DefaultShutdownGrace + 5*time.Second

func newServeCommand(logs *logFlags) *cobra.Command {
	var xdsAddr, adminAddr string
	var lf laneFilterFlags
	var sf sourceFlags
	var sec securityFlags
	cmd := &cobra.Command{
		Use:   "serve [--source file,kubernetes] [--config PATH] [--tls-cert-file F --tls-key-file F [--client-ca-file F]] [--insecure]",
		Short: "Serve the configuration of the sources (a file or directory of *.yaml, a Kubernetes cluster) over ADS",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := logs.logger(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer func() { _ = log.Sync() }()
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			module, err := lf.source()
			if err != nil {
				return err
			}
			sources, err := sf.options(log, logs.process)
			if err != nil {
				return err
			}
			security, err := sec.options()
			if err != nil {
				return err
			}
			cp, err := controlplane.Start(ctx, append(append(sources, security...),
				controlplane.WithXDSAddress(xdsAddr),
				controlplane.WithAdminAddress(adminAddr), controlplane.WithLogger(log),
				controlplane.WithLaneFilter(module), controlplane.WithModuleAddress(lf.address))...)
			if err != nil {
				return err
			}
			select {
			case <-ctx.Done():
			case <-cp.Failed():
			}
			log.Info("shutting down")
			shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownWait)
			defer cancel()
			return cp.Shutdown(shutdownCtx)
		},
	}
	sf.register(cmd.Flags())
	cmd.Flags().StringVar(&xdsAddr, "xds-address", controlplane.DefaultXDSAddress, "address of the ADS server")
	cmd.Flags().StringVar(&adminAddr, "admin-address", controlplane.DefaultAdminAddress, "address of the admin server (health, metrics, debug)")
	lf.register(cmd.Flags())
	sec.register(cmd.Flags())
	return cmd
}
