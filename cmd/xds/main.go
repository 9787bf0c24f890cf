// Command xds is the Graylane control plane: `xds serve`, `xds validate`,
// `xds render`, `xds status`, `xds certgen` (development certificates)
// and `xds bench` (simulated xDS clients, for load figures).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/graylane/graylane/internal/cli"
)

func main() {
	cmd := cli.NewRootCommand(os.Stdout, os.Stderr, cli.WithProcessLogs())
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		if !errors.Is(err, cli.ErrReported) {
			fmt.Fprintln(os.Stderr, "error:", err)
		}
		os.Exit(1)
	}
}
