package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/graylane/graylane/internal/render"
	"github.com/graylane/graylane/model"
)

func newRenderCommand() *cobra.Command {
	var configPath, role string
	var lf laneFilterFlags
	cmd := &cobra.Command{
		Use:   "render --config PATH --role grpc|sidecar|edge",
		Short: "Print, as YAML, the resources a role would receive",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := model.ParseRole(role)
			if err != nil {
				return fmt.Errorf("--role: %w", err)
			}
			opts, err := lf.translatorOptions()
			if err != nil {
				return err
			}
			_, res, err := load(configPath, opts...)
			if err != nil {
				for _, e := range model.Errors(err) {
					fmt.Fprintln(cmd.ErrOrStderr(), e)
				}
				return ErrReported
			}
			out, err := render.YAML(res.Resources[r].Listed())
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	cmd.Flags().StringVar(&configPath, "config", "", "configuration file, or directory of *.yaml files (required)")
	cmd.Flags().StringVar(&role, "role", "", "role to render: grpc, sidecar or edge (required)")
	lf.register(cmd.Flags())
	_ = cmd.MarkFlagRequired("config")
	_ = cmd.MarkFlagRequired("role")
	return cmd
}
