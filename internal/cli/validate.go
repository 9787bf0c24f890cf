package cli

import (
	"errors"
	"fmt"

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
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var lf laneFilterFlags
			lf.path = lanefilter.DefaultLocalPath
			opts, err := lf.translatorOptions()
			if err != nil {
				return err
			}
			res, err := load(args[0], opts...)
			if err != nil {
				for _, e := range model.Errors(err) {
					fmt.Fprintln(cmd.ErrOrStderr(), e)
				}
				return ErrReported
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: valid (%s)\n", args[0], res.Config)
			return nil
		},
	}
}

// load reads, validates and builds the configuration at path, exactly as
// serve would.
func load(path string, opts ...translators.Option) (*pipeline.Result, error) {
	cfg, err := file.Read(path)
	if err != nil {
		return nil, err
	}
	return pipeline.Build([]*model.Config{cfg}, opts...)
}
