// Package cli is the `xds` command line: serve, validate, render, status,
// bench and certgen.
package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Option configures the command line.
type Option func(*logFlags)

// WithProcessLogs makes serve send the Kubernetes libraries' own logs
// (client-go's klog, controller-runtime's) to its logger. Those loggers are
// process-wide: the process's entry point sets this, not a test running
// commands beside others.
func WithProcessLogs() Option { return func(f *logFlags) { f.process = true } }

// NewRootCommand returns the `xds` command with its subcommands. Output
// goes to out, errors and logs to errOut.
func NewRootCommand(out, errOut io.Writer, opts ...Option) *cobra.Command {
	lf := &logFlags{}
	for _, o := range opts {
		o(lf)
	}
	root := &cobra.Command{
		Use:           "xds",
		Short:         "Graylane: an xDS control plane for canary and grayscale releases",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(out)
	root.SetErr(errOut)
	root.PersistentFlags().StringVar(&lf.level, "log-level", "info", "log level: debug, info, warn or error")
	root.PersistentFlags().StringVar(&lf.format, "log-format", "json", "log format: json or console")
	root.AddCommand(newServeCommand(lf), newValidateCommand(), newRenderCommand(), newStatusCommand(),
		newBenchCommand(lf), newCertgenCommand())
	return root
}

type logFlags struct {
	level  string
	format string
	// process is set by WithProcessLogs.
	process bool
}

// logger builds the process logger: structured, to standard error.
func (f *logFlags) logger(w io.Writer) (*zap.Logger, error) {
	level, err := zapcore.ParseLevel(f.level)
	if err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	encCfg := zap.NewProductionEncoderConfig()
	encCfg.EncodeTime = zapcore.ISO8601TimeEncoder
	var enc zapcore.Encoder
	switch f.format {
	case "json":
		enc = zapcore.NewJSONEncoder(encCfg)
	case "console":
		enc = zapcore.NewConsoleEncoder(encCfg)
	default:
		return nil, fmt.Errorf("--log-format %q: want json or console", f.format)
	}
	return zap.New(zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), level)), nil
}
