package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/graylane/graylane/internal/lanefilter"
	"github.com/graylane/graylane/internal/pipeline"
	"github.com/graylane/graylane/internal/providers/file"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/translators"
)

// ErrReported ends a command that has already printed why it failed; the
// process exits non-zero without printing more.
var ErrReported = errors.New("configuration is not valid")

func newValidateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "validate PATH",
		Short: "Check a configuration; print every problem as file:line: message",
		Long: "Check a configuration file, or a directory of *.yaml files, as serve reads it. Every problem is\n" +
			"printed as file:line: message. Files of a directory that are clearly another format (Envoy\n" +
			"bootstraps, Kubernetes manifests) are skipped, each with a line saying so.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var lf laneFilterFlags
			lf.path = lanefilter.DefaultLocalPath
			opts, err := lf.translatorOptions()
			if err != nil {
				return err
			}
			return validate(cmd.OutOrStdout(), cmd.ErrOrStderr(), args[0], opts)
		},
	}
}

func validate(out, errOut io.Writer, path string, opts []translators.Option) error {
	c, res, err := load(path, opts...)
	for _, s := range c.Skipped {
		fmt.Fprintln(out, s)
	}
	if err != nil {
		for _, e := range model.Errors(err) {
			fmt.Fprintln(errOut, e)
		}
		return ErrReported
	}
	fmt.Fprintf(out, "%s: valid (%s)\n", path, res.Config)
	if len(res.Config.Services) == 0 && !c.Config.NoServices {
		fmt.Fprintf(out, "%s: note: no services; serve refuses this configuration in place of one with services, "+
			"unless it says `services: none`\n", path)
	}
	return nil
}

// load reads, validates and builds the configuration at path, exactly as
// serve would, and returns every problem found in one pass.
func load(path string, opts ...translators.Option) (*file.Contents, *pipeline.Result, error) {
	c, err := file.ReadContents(path)
	if err != nil {
		return c, nil, file.Problems(c.Config, err)
	}
	res, err := pipeline.Build([]*model.Config{c.Config}, opts...)
	return c, res, err
}
