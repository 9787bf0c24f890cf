package loadtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/graylane/graylane/internal/xdsserver"
	"github.com/graylane/graylane/model"
)

// Protocols the clients speak.
const (
	ProtocolSotW  = "sotw"
	ProtocolDelta = "delta"
	ProtocolBoth  = "both"
)

// Config is a load run.
type Config struct {
	// Services is the number of services of the configuration.
	Services int `json:"services"`
	// Clients is the number of simulated clients.
	Clients int `json:"clients"`
	// Protocol is sotw, delta, or both (half of each role each).
	Protocol string `json:"protocol"`
	// Roles weighs the roles of the clients: grpc 8, sidecar 1, edge 1
	// makes 80% proxyless gRPC clients.
	Roles map[model.Role]int `json:"roles"`
	// StreamsPerConn is how many clients share a gRPC connection.
	StreamsPerConn int `json:"streamsPerConn"`
	// Changes are the change kinds to make, in order (see ChangeKinds),
	// Repeat times over.
	Changes []string `json:"changes"`
	Repeat  int      `json:"repeat"`
	// Bare also runs the fleet against a bare go-control-plane server.
	Bare bool `json:"bare"`
	// Warm is the share of the clients, in percent, connected before the
	// memory baseline is taken.
	Warm int `json:"warm"`
	// Quiet is how long the fleet must receive nothing for a change to be
	// over.
	Quiet time.Duration `json:"quiet"`
	// Timeout bounds each step: starting, connecting, each change.
	Timeout time.Duration `json:"timeout"`
	// Egress is how many services each sidecar names in its egress (see
	// docs/routing.md), among those the gRPC clients dial; 0: sidecars
	// call every service.
	Egress int `json:"egress"`
	// HeapProfiles is a folder to write the control plane's heap profiles
	// to, when the warm share of the clients and when all of them hold
	// their first state; "" writes none.
	HeapProfiles string `json:"heapProfiles,omitempty"`
}

// DefaultConfig is 1,000 clients (80% gRPC, 15% sidecars, 5% edge, half
// state-of-the-world, half delta) of 100 services, 100 streams a
// connection, making every kind of change.
func DefaultConfig() Config {
	return Config{
		Services: 100, Clients: 1000, Protocol: ProtocolBoth,
		Roles:          map[model.Role]int{model.RoleGRPC: 80, model.RoleSidecar: 15, model.RoleEdge: 5},
		StreamsPerConn: 100, Changes: ChangeKinds(), Repeat: 1, Warm: 10,
		Quiet: time.Second, Timeout: 2 * time.Minute,
	}
}

func (c Config) check() error {
	var errs []error
	if c.Services < 2 {
		errs = append(errs, fmt.Errorf("%d services: want at least 2 (one is used by no gRPC client)", c.Services))
	}
	if c.Clients < 1 {
		errs = append(errs, fmt.Errorf("%d clients: want at least 1", c.Clients))
	}
	if !slices.Contains([]string{ProtocolSotW, ProtocolDelta, ProtocolBoth}, c.Protocol) {
		errs = append(errs, fmt.Errorf("protocol %q: want sotw, delta or both", c.Protocol))
	}
	total := 0
	for role, w := range c.Roles {
		if _, ok := behaviours[role]; !ok || w < 0 {
			errs = append(errs, fmt.Errorf("role %q weighing %d: want grpc, sidecar or edge, weighing 0 or more", role, w))
		}
		total += w
	}
	if total == 0 {
		errs = append(errs, errors.New("no role weighs anything"))
	}
	for _, k := range c.Changes {
		if !slices.Contains(ChangeKinds(), k) {
			errs = append(errs, fmt.Errorf("change %q: want one of %v", k, ChangeKinds()))
		}
	}
	if c.Repeat < 1 {
		errs = append(errs, fmt.Errorf("repeat %d: want at least 1", c.Repeat))
	}
	if c.Warm < 1 || c.Warm > 90 {
		errs = append(errs, fmt.Errorf("warm %d%%: want 1 to 90", c.Warm))
	}
	return errors.Join(append(errs, c.checkHeapProfiles())...)
}

// counts shares the clients among the roles by weight (largest
// remainder), in model.AllRoles order.
func (c Config) counts() map[model.Role]int {
	total := 0
	for _, w := range c.Roles {
		total += w
	}
	out := map[model.Role]int{}
	given := 0
	for _, role := range model.AllRoles() {
		out[role] = c.Clients * c.Roles[role] / total
		given += out[role]
	}
	for _, role := range slices.SortedStableFunc(slices.Values(model.AllRoles()), func(a, b model.Role) int {
		return c.Clients*c.Roles[b]%total - c.Clients*c.Roles[a]%total
	}) {
		if given == c.Clients {
			break
		}
		out[role]++
		given++
	}
	return out
}

// limits are the control plane's defaults, raised to let the fleet's
// clients share connections as the configuration says.
func (c Config) limits() xdsserver.Limits {
	l := xdsserver.DefaultLimits()
	per := max(c.StreamsPerConn, 1)
	l.MaxStreamsPerConnection = max(l.MaxStreamsPerConnection, uint32(per))
	l.MaxConnections = max(l.MaxConnections, c.Clients/per+1)
	return l
}

// plan is the fleet of the run: per role, the state-of-the-world and the
// delta clients; gRPC clients dial the listeners given.
func (c Config) plan(address string, dialed []string) Plan {
	p := Plan{Address: address, StreamsPerConn: c.StreamsPerConn}
	counts := c.counts()
	for _, role := range model.AllRoles() {
		n := counts[role]
		sotw := map[string]int{ProtocolSotW: n, ProtocolDelta: 0, ProtocolBoth: (n + 1) / 2}[c.Protocol]
		for _, g := range []Group{{Role: role, Count: sotw}, {Role: role, Delta: true, Count: n - sotw}} {
			if g.Count == 0 {
				continue
			}
			if role == model.RoleGRPC {
				g.Listeners = dialed
			}
			if role == model.RoleSidecar && c.Egress > 0 {
				g.Egress, g.EgressEach = dialed, c.Egress
			}
			p.Groups = append(p.Groups, g)
		}
	}
	return p
}

// Run runs the fleet against Graylane and, with Bare, against a bare
// go-control-plane server, and reports the figures. launch starts the
// fleet's process.
func Run(ctx context.Context, cfg Config, launch Launcher, log *zap.Logger) (*Report, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	r := &Report{Config: cfg}
	defer cfg.profileHeap()()
	servers := []string{ServerGraylane}
	if cfg.Bare {
		servers = append(servers, ServerBare)
	}
	for _, name := range servers {
		sr, err := runOne(ctx, cfg, name, launch, log)
		if err != nil {
			return r, fmt.Errorf("%s: %w", name, err)
		}
		r.Runs = append(r.Runs, *sr)
	}
	return r, nil
}

// run is one server's run in progress.
type run struct {
	cfg    Config
	w      *workload
	served translation
	srv    server
	fleet  fleet
	log    *zap.Logger
}

func runOne(ctx context.Context, cfg Config, name string, launch Launcher, log *zap.Logger) (sr *ServerRun, err error) {
	w, err := newWorkload(cfg.Services)
	if err != nil {
		return nil, err
	}
	ru := &run{cfg: cfg, w: w, log: log}
	data, parsed, err := ru.content()
	if err != nil {
		return nil, err
	}
	if ru.served, err = translate(parsed); err != nil {
		return nil, err
	}
	if name == ServerGraylane {
		ru.srv, err = startGraylane(ctx, data, log, cfg.Timeout, cfg.limits())
	} else {
		ru.srv, err = startBare(ctx, parsed)
	}
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, ru.srv.stop(context.Background())) }()
	sr = &ServerRun{Server: name, Address: ru.srv.address()}
	defer func() {
		if ru.fleet != nil { // it started, whatever failed after
			err = errors.Join(err, ru.fleet.Close())
		}
	}()
	if err := ru.connect(ctx, launch, sr); err != nil {
		return sr, err
	}
	for range cfg.Repeat {
		for _, kind := range cfg.Changes {
			cr, err := ru.change(ctx, kind)
			if err != nil {
				return sr, fmt.Errorf("%s change: %w", kind, err)
			}
			sr.Changes = append(sr.Changes, *cr)
		}
	}
	return sr, nil
}

// content is the workload's file and its configuration.
func (ru *run) content() ([]byte, *model.Config, error) {
	data, err := ru.w.yaml()
	if err != nil {
		return nil, nil, err
	}
	cfg, err := parse(data)
	return data, cfg, err
}

// connect starts the fleet: the warm share of it, then the rest, taking
// the server's memory after each.
func (ru *run) connect(ctx context.Context, launch Launcher, sr *ServerRun) error {
	plan := ru.cfg.plan(ru.srv.address(), ru.w.dialed())
	sr.Clients = map[model.Role]int{}
	for _, g := range plan.Groups {
		sr.Clients[g.Role] += g.Count
	}
	sr.Baseline = measureMemory()
	f, err := startFleetProcess(ctx, launch, plan)
	if err != nil {
		return err
	}
	ru.fleet = f
	warm := max(1, ru.cfg.Clients*ru.cfg.Warm/100)
	if _, err := ru.sync(ctx, warm); err != nil {
		return fmt.Errorf("connecting the first %d clients: %w", warm, err)
	}
	sr.Warm, sr.WarmMemory = warm, ru.settledMemory()
	if err := ru.writeHeapProfile(sr.Server, "warm"); err != nil {
		return err
	}
	if sr.Sync, err = ru.sync(ctx, ru.cfg.Clients); err != nil {
		return err
	}
	sr.Memory = ru.settledMemory()
	sr.ServerPushes = ru.srv.pushes()
	return ru.writeHeapProfile(sr.Server, "all")
}

// sync connects clients until n are and waits for their first state.
func (ru *run) sync(ctx context.Context, n int) (SyncReport, error) {
	if err := ru.fleet.Connect(ctx, n); err != nil {
		return SyncReport{}, err
	}
	s, err := ru.fleet.Sync(ctx, ru.cfg.Timeout)
	if err == nil && s.Synced < n {
		err = fmt.Errorf("%d of %d clients took their first state in %v (%d failed: %s)", s.Synced, n, ru.cfg.Timeout, s.Failed, s.FirstError)
	}
	return s, err
}

// settledMemory waits for the acknowledgements in flight, then measures.
func (ru *run) settledMemory() Memory {
	time.Sleep(ru.cfg.Quiet)
	return measureMemory()
}

// change makes a change and measures it.
func (ru *run) change(ctx context.Context, kind string) (*ChangeRun, error) {
	svc, err := ru.w.change(kind)
	if err != nil {
		return nil, err
	}
	data, parsed, err := ru.content()
	if err != nil {
		return nil, err
	}
	next, err := translate(parsed)
	if err != nil {
		return nil, err
	}
	e := diff(ru.served, next)
	ru.served = next
	if err := ru.fleet.Arm(ctx, e); err != nil {
		return nil, err
	}
	before := ru.srv.pushes()
	t, err := ru.srv.apply(ctx, data, parsed)
	if err != nil {
		return nil, err
	}
	fr, err := ru.fleet.Settle(ctx, ru.cfg.Quiet, ru.cfg.Timeout)
	if err != nil {
		return nil, err
	}
	ru.log.Debug("change measured", zap.String("kind", kind), zap.String("service", svc))
	return newChangeRun(kind, svc, e, t, fr, ru.srv.pushes()-before), nil
}
