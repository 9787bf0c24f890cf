package loadtest

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/graylane/graylane/model"
)

// Report is what a run measured, server by server.
type Report struct {
	Config Config      `json:"config"`
	Runs   []ServerRun `json:"runs"`
}

// ServerRun is the fleet's run against one server.
type ServerRun struct {
	Server  string             `json:"server"`
	Address string             `json:"address"`
	Clients map[model.Role]int `json:"clients"`
	// Baseline is the server process's memory before any client, and
	// WarmMemory after the first Warm clients took their first state;
	// Memory after every client did.
	Baseline   Memory `json:"baseline"`
	Warm       int    `json:"warm"`
	WarmMemory Memory `json:"warmMemory"`
	Memory     Memory `json:"memory"`
	// Sync is how the clients after the warm ones took their first state.
	Sync SyncReport `json:"sync"`
	// ServerPushes counts the responses the server sent until then.
	ServerPushes int64       `json:"serverPushes"`
	Changes      []ChangeRun `json:"changes"`
}

// total is the clients of the run.
func (s *ServerRun) total() int {
	n := 0
	for _, c := range s.Clients {
		n += c
	}
	return n
}

// PerClient is the server's memory (heap and stacks in use after garbage
// collection) per client, measured from the warm clients to all of them:
// what one more client costs, leaving out what the first ones cost once
// (the resources' encodings, the caches). Zero when not measured.
func (s *ServerRun) PerClient() (heap, stack float64) {
	added := s.total() - s.Warm
	if added <= 0 {
		return 0, 0
	}
	return float64(int64(s.Memory.Heap)-int64(s.WarmMemory.Heap)) / float64(added),
		float64(int64(s.Memory.Stack)-int64(s.WarmMemory.Stack)) / float64(added)
}

// ChangeRun is what one change cost.
type ChangeRun struct {
	Kind    string `json:"kind"`
	Service string `json:"service"`
	// Resources is how many resources the change updated, over the roles.
	Resources int `json:"resources"`
	// HoldOff is from the file being replaced to the configuration being
	// read (the file source's hold-off); Build from being read to every
	// role's resources being published.
	HoldOff time.Duration `json:"holdOff"`
	Build   time.Duration `json:"build"`
	// P50, P99 and Last are from the configuration being read to the
	// clients' acknowledgement of everything the change brought them.
	P50  time.Duration `json:"p50"`
	P99  time.Duration `json:"p99"`
	Last time.Duration `json:"last"`
	// ServerPushes counts the responses the server sent for the change.
	ServerPushes int64        `json:"serverPushes"`
	Fleet        ChangeReport `json:"fleet"`
}

func newChangeRun(kind, svc string, e *Expect, t changeTimes, fr ChangeReport, pushes int64) *ChangeRun {
	since := func(ns int64) time.Duration {
		if ns == 0 {
			return 0
		}
		return time.Unix(0, ns).Sub(t.read)
	}
	return &ChangeRun{
		Kind: kind, Service: svc, Resources: e.count(),
		HoldOff: t.read.Sub(t.written), Build: t.built.Sub(t.read),
		P50: since(fr.AckP50), P99: since(fr.AckP99), Last: since(fr.AckLast),
		ServerPushes: pushes, Fleet: fr,
	}
}

// sum adds the role counts up.
func (c *ChangeRun) sum() RoleCounts {
	var s RoleCounts
	for _, rc := range c.Fleet.ByRole {
		s.Clients += rc.Clients
		s.Expected += rc.Expected
		s.Reached += rc.Reached
		s.Converged += rc.Converged
		s.Unexpected += rc.Unexpected
	}
	return s
}

// pushes counts the responses the fleet received.
func (c *ChangeRun) pushes() int64 {
	var n int64
	for _, p := range c.Fleet.Pushes {
		n += p
	}
	return n
}

// Print writes the report as tables.
func (r *Report) Print(w io.Writer) {
	for i := range r.Runs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		r.Runs[i].print(w, r.Config)
	}
	if len(r.Runs) == 2 {
		fmt.Fprintln(w)
		printRatios(w, r.Config, &r.Runs[0], &r.Runs[1])
	}
}

func (s *ServerRun) print(w io.Writer, cfg Config) {
	egress := ""
	if cfg.Egress > 0 {
		egress = fmt.Sprintf("; sidecars call %d services each", cfg.Egress)
	}
	fmt.Fprintf(w, "%s: %d clients (%s; %s%s), %d services, %d connections\n",
		s.Server, s.total(), roleCounts(s.Clients), cfg.Protocol, egress, cfg.Services, s.Sync.Conns)
	fmt.Fprintf(w, "  first state: %d clients in %s, %d responses, %s\n",
		s.Sync.Clients-s.Warm, round(s.Sync.Duration), total(s.Sync.Pushes), size(float64(s.Sync.Bytes)))
	heap, stack := s.PerClient()
	all := float64(s.Memory.total()-s.Baseline.total()) / float64(s.total())
	fmt.Fprintf(w, "  server memory per client: %s (heap %s, stacks %s) over the last %d clients, %s over all; the tool's own: %s\n",
		size(heap+stack), size(heap), size(stack), s.total()-s.Warm, size(all), size(float64(s.Sync.Memory.total())/float64(s.total())))
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "  change\tconverged\tp50\tp99\tlast ACK\tbuild\thold-off\treached\tunexpected\tpushes\tby type\tsize")
	for i := range s.Changes {
		s.Changes[i].print(tw)
	}
	tw.Flush()
	if cfg.Repeat > 1 {
		s.printMedians(w, cfg)
	}
}

// printMedians summarises repeated changes: the median of each kind's
// figures, and the range of the last ACK.
func (s *ServerRun) printMedians(w io.Writer, cfg Config) {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "  median of %d\tp50\tlast ACK\tlast ACK range\tbuild\tpushes\n", cfg.Repeat)
	for _, kind := range distinct(cfg.Changes) {
		m := s.medians(kind)
		var last []time.Duration
		for i := range s.Changes {
			if s.Changes[i].Kind == kind {
				last = append(last, s.Changes[i].Last)
			}
		}
		spread := "-"
		if slices.Max(last) > 0 {
			spread = round(slices.Min(last)) + "-" + round(slices.Max(last))
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%.0f\n", kind, round(time.Duration(m.p50)), round(time.Duration(m.last)),
			spread, round(time.Duration(m.build)), m.pushes)
	}
	tw.Flush()
}

// distinct lists the values in order, each once.
func distinct(values []string) []string {
	var out []string
	for _, v := range values {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// median is the middle value (the lower of the two middle ones), 0 of
// none.
func median(values []int64) float64 {
	if len(values) == 0 {
		return 0
	}
	v := slices.Sorted(slices.Values(values))
	return float64(v[(len(v)-1)/2])
}

// print writes the change's row of the table.
func (c *ChangeRun) print(w io.Writer) {
	sum := c.sum()
	conv := fmt.Sprintf("%d/%d", sum.Converged, sum.Expected)
	if c.Fleet.TimedOut {
		conv += " (timed out)"
	}
	fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", c.Kind, conv,
		round(c.P50), round(c.P99), round(c.Last), round(c.Build), round(c.HoldOff),
		reached(c.Fleet.ByRole), sum.Unexpected, c.pushes(), byType(c.Fleet.Pushes), size(float64(c.Fleet.Bytes)))
}

// printRatios compares the bare server's figures with Graylane's: the
// medians of each kind of change.
func printRatios(w io.Writer, cfg Config, g, b *ServerRun) {
	fmt.Fprintf(w, "%s / %s\n", b.Server, g.Server)
	gh, gs := g.PerClient()
	bh, bs := b.PerClient()
	fmt.Fprintf(w, "  memory per client: %s\n", ratio(bh+bs, gh+gs))
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "  change\tlast ACK\tp50\tpushes\tsize")
	for _, kind := range distinct(cfg.Changes) {
		gm, bm := g.medians(kind), b.medians(kind)
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", kind, ratio(bm.last, gm.last), ratio(bm.p50, gm.p50),
			ratio(bm.pushes, gm.pushes), ratio(bm.bytes, gm.bytes))
	}
	tw.Flush()
}

// figures are the medians of the figures of a kind of change.
type figures struct{ p50, last, build, pushes, bytes float64 }

func (s *ServerRun) medians(kind string) figures {
	var p50, last, build, pushes, bytes []int64
	for i := range s.Changes {
		if c := &s.Changes[i]; c.Kind == kind {
			p50, last = append(p50, int64(c.P50)), append(last, int64(c.Last))
			build, pushes, bytes = append(build, int64(c.Build)), append(pushes, c.pushes()), append(bytes, c.Fleet.Bytes)
		}
	}
	return figures{p50: median(p50), last: median(last), build: median(build), pushes: median(pushes), bytes: median(bytes)}
}

func ratio(a, b float64) string {
	switch {
	case b == 0 && a == 0:
		return "-"
	case b == 0:
		return "inf"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

func roleCounts(m map[model.Role]int) string {
	var parts []string
	for _, role := range model.AllRoles() {
		if m[role] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", role, m[role]))
		}
	}
	return strings.Join(parts, ", ")
}

func reached(m map[model.Role]*RoleCounts) string {
	var parts []string
	for _, role := range model.AllRoles() {
		if rc := m[role]; rc != nil {
			parts = append(parts, fmt.Sprintf("%s %d/%d", role, rc.Reached, rc.Clients))
		}
	}
	return strings.Join(parts, ", ")
}

func byType(m map[string]int64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func total(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

func round(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}

// size writes a byte count in KB or MB (of 1,000 and 1,000,000 bytes).
func size(b float64) string {
	switch {
	case b >= 1e6 || b <= -1e6:
		return fmt.Sprintf("%.1f MB", b/1e6)
	case b >= 1e3 || b <= -1e3:
		return fmt.Sprintf("%.1f KB", b/1e3)
	}
	return fmt.Sprintf("%.0f B", b)
}
