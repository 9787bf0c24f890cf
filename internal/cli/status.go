package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/graylane/graylane/internal/controlplane"
	"github.com/graylane/graylane/internal/xdsserver"
)

func newStatusCommand() *cobra.Command {
	var adminAddr string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "List connected clients: role, version acknowledged per type, last rejection",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var clients []xdsserver.ClientStatus
			if err := getJSON(cmd.Context(), "http://"+adminAddr+"/debug/clients", &clients); err != nil {
				return err
			}
			return printClients(cmd.OutOrStdout(), clients)
		},
	}
	cmd.Flags().StringVar(&adminAddr, "admin-address", controlplane.DefaultAdminAddress, "address of the control plane's admin server")
	return cmd
}

func getJSON(ctx context.Context, url string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("reaching the control plane: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// printClients prints a line per client and resource type.
func printClients(w io.Writer, clients []xdsserver.ClientStatus) error {
	if len(clients) == 0 {
		_, err := fmt.Fprintln(w, "no clients connected")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tROLE\tSTREAM\tTYPE\tSENT\tACKED\tLAST NACK")
	for _, c := range clients {
		stream := fmt.Sprintf("%d", c.StreamID)
		if c.Delta {
			stream += " (delta)"
		}
		for _, typ := range slices.Sorted(maps.Keys(c.Types)) {
			t := c.Types[typ]
			nack := "-"
			if t.LastNack != nil {
				nack = fmt.Sprintf("%s: %s", t.LastNack.Version, t.LastNack.Message)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.NodeID, c.Role, stream, typ, dash(t.Sent), dash(t.Acked), nack)
		}
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
