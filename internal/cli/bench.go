package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"go.uber.org/zap/zapcore"

	"github.com/graylane/graylane/internal/loadtest"
	"github.com/graylane/graylane/model"
)

func newBenchCommand(logs *logFlags) *cobra.Command {
	cfg := loadtest.DefaultConfig()
	roles := "grpc=80,sidecar=15,edge=5"
	var jsonOut bool
	var address string
	cmd := &cobra.Command{
		Use:   "bench [--clients N] [--services N] [--protocol sotw|delta|both] [--bare]",
		Short: "Measure what a change costs with simulated xDS clients: convergence, pushes, memory per client",
		Long: `bench serves a generated configuration of --services services from a file,
through a control plane in this process, connects --clients simulated xDS
clients to it (in a second process), makes each --changes change by
rewriting the file, and prints, per change, the time from the change being
read to the last client's acknowledgement, the responses pushed and to
whom, and the control plane's memory per connected client. --bare runs the
same clients against a bare go-control-plane server for comparison.

With --xds-address, bench connects the clients to a running control plane
instead and prints each wave of responses its changes cause, until stopped.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if cfg.Roles, err = parseRoles(roles); err != nil {
				return fmt.Errorf("--roles: %w", err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			if address != "" {
				if cfg.HeapProfiles != "" {
					return errors.New("--heap-profiles profiles the control plane bench starts, and with --xds-address it starts none")
				}
				return loadtest.Observe(ctx, cfg, address, cmd.OutOrStdout())
			}
			return runBench(ctx, cmd, logs, cfg, jsonOut)
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Clients, "clients", cfg.Clients, "simulated xDS clients")
	f.IntVar(&cfg.Services, "services", cfg.Services, "services of the generated configuration (at least 2)")
	f.StringVar(&cfg.Protocol, "protocol", cfg.Protocol, "what the clients speak: sotw, delta, or both (half of each role each)")
	f.StringVar(&roles, "roles", roles, "the clients' roles, weighed: grpc=W,sidecar=W,edge=W")
	f.IntVar(&cfg.StreamsPerConn, "streams-per-conn", cfg.StreamsPerConn, "clients sharing one gRPC connection, a stream each")
	f.StringSliceVar(&cfg.Changes, "changes", cfg.Changes, "changes to make, in order: weight, endpoint, unrelated")
	f.IntVar(&cfg.Egress, "egress", cfg.Egress, "services each sidecar names in its node metadata egress (0: every service)")
	f.IntVar(&cfg.Repeat, "repeat", cfg.Repeat, "make the changes this many times over, and print the medians")
	f.BoolVar(&cfg.Bare, "bare", false, "also run the clients against a bare go-control-plane server, and print the ratios")
	f.IntVar(&cfg.Warm, "warm", cfg.Warm, "percent of the clients connected before the memory baseline")
	f.DurationVar(&cfg.Quiet, "quiet", cfg.Quiet, "how long the clients must receive nothing for a change to be over")
	f.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "limit of each step: connecting, each change")
	f.StringVar(&cfg.HeapProfiles, "heap-profiles", "", "write heap profiles of this process to this folder, with the warm share of the clients connected and with all: SERVER-warm.pprof and SERVER-all.pprof, SERVER graylane (and go-control-plane with --bare); their difference is what the clients hold in the control plane")
	f.BoolVar(&jsonOut, "json", false, "print the figures as JSON")
	f.StringVar(&address, "xds-address", "", "connect to this running control plane instead, and report each wave of responses")
	cmd.AddCommand(newBenchFleetCommand())
	return cmd
}

// runBench runs the clients against a control plane of its own.
func runBench(ctx context.Context, cmd *cobra.Command, logs *logFlags, cfg loadtest.Config, jsonOut bool) error {
	if !cmd.Flags().Changed("log-level") {
		logs.level = zapcore.WarnLevel.String() // a line per connected client is noise here
	}
	log, err := logs.logger(cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	launch := func(ctx context.Context) *exec.Cmd {
		c := exec.CommandContext(ctx, exe, "bench", "fleet")
		c.Stderr = cmd.ErrOrStderr()
		return c
	}
	r, err := loadtest.Run(ctx, cfg, launch, log)
	if r == nil || len(r.Runs) == 0 {
		return err
	}
	if !jsonOut {
		r.Print(cmd.OutOrStdout())
		return err
	}
	enc := json.NewEncoder(cmd.OutOrStdout())
	enc.SetIndent("", "  ")
	return errors.Join(err, enc.Encode(r))
}

// newBenchFleetCommand is the process bench runs its clients in.
func newBenchFleetCommand() *cobra.Command {
	return &cobra.Command{
		Use:    "fleet",
		Short:  "Run bench's simulated clients, driven over standard input and output",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return loadtest.ServeFleet(cmd.Context(), cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
}

// parseRoles reads "grpc=80,sidecar=15,edge=5".
func parseRoles(s string) (map[model.Role]int, error) {
	out := map[model.Role]int{}
	for _, part := range strings.Split(s, ",") {
		name, weight, ok := strings.Cut(strings.TrimSpace(part), "=")
		role, err := model.ParseRole(name)
		if err != nil {
			return nil, err
		}
		w, werr := strconv.Atoi(weight)
		if !ok || werr != nil || w < 0 {
			return nil, fmt.Errorf("%q: want ROLE=WEIGHT, a weight of 0 or more", part)
		}
		out[role] = w
	}
	return out, nil
}
