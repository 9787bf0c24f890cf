package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/graylane/graylane/model"
)

// maxConnecting bounds the clients that connect and take their first
// state at once, as a fleet that starts does not all start in the same
// millisecond.
const maxConnecting = 1000

// maxMessage is the largest response a client accepts: a sidecar's
// clusters for ten thousand services are larger than gRPC's default 4 MiB.
const maxMessage = 256 << 20

// Plan is the fleet to connect.
type Plan struct {
	Address string `json:"address"`
	// StreamsPerConn is how many clients share one gRPC connection, each
	// with a stream of its own.
	StreamsPerConn int     `json:"streamsPerConn"`
	Groups         []Group `json:"groups"`
}

// Group is a number of clients of one role and protocol.
type Group struct {
	Role  model.Role `json:"role"`
	Delta bool       `json:"delta"`
	Count int        `json:"count"`
	// Listeners are what gRPC clients dial: the group's i-th client the
	// (i mod len)-th listener.
	Listeners []string `json:"listeners,omitempty"`
	// Egress are the services (keys) sidecars call, EgressEach of them
	// each: the group's i-th client the EgressEach from the
	// (i*EgressEach mod len)-th on. None: every service.
	Egress     []string `json:"egress,omitempty"`
	EgressEach int      `json:"egressEach,omitempty"`
}

// calls lists the services the group's k-th client calls; nil: every one.
func (g *Group) calls(k int) []string {
	if len(g.Egress) == 0 || g.EgressEach <= 0 {
		return nil
	}
	out := make([]string, 0, g.EgressEach)
	for j := range min(g.EgressEach, len(g.Egress)) {
		out = append(out, g.Egress[(k*g.EgressEach+j)%len(g.Egress)])
	}
	return out
}

// Clients is the number of clients of the plan.
func (p Plan) Clients() int {
	n := 0
	for _, g := range p.Groups {
		n += g.Count
	}
	return n
}

// Expect is what a change updates or removes, by role and type URL.
type Expect struct {
	Changed map[model.Role]map[string][]string `json:"changed,omitempty"`
	Removed map[model.Role]map[string][]string `json:"removed,omitempty"`
	// Owners are the services the changed and removed sidecar resources
	// belong to, by type URL and name; a resource of no service is every
	// sidecar's.
	Owners map[string]map[string]string `json:"owners,omitempty"`
}

// owner is the service a sidecar resource belongs to, "" for none.
func (e *Expect) owner(t xdsType, name string) string { return e.Owners[t.url()][name] }

// Fleet is a running fleet of clients.
type Fleet struct {
	plan    Plan
	ctx     context.Context
	cancel  context.CancelFunc
	conns   []*grpc.ClientConn
	clients []*client
	infos   *infoCache
	names   *nameSet
	admit   chan struct{} // a slot per client connecting

	connected  int       // clients started, the first of f.clients
	connecting time.Time // when the last Connect started
	// settled counts the started clients that hold their first state or
	// failed before; synced those that hold it.
	settled    atomic.Int64
	syncedN    atomic.Int64
	failedN    atomic.Int64
	errOnce    sync.Once
	firstErr   atomic.Value // string
	convergedN atomic.Int64
	expectedN  atomic.Int64

	pushes    [numTypes]atomic.Int64
	resources [numTypes]atomic.Int64
	bytes     atomic.Int64
	first     atomic.Int64 // unix nanoseconds of the first response since armed
	last      atomic.Int64 // and of the last one's acknowledgement
}

// StartFleet opens the connections the plan's clients will share; Connect
// starts clients. Close stops them.
func StartFleet(ctx context.Context, plan Plan) (*Fleet, error) {
	if err := plan.check(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	f := &Fleet{plan: plan, ctx: ctx, cancel: cancel, infos: newInfoCache(), names: newNameSet(),
		admit: make(chan struct{}, maxConnecting)}
	if err := f.dial(); err != nil {
		f.Close()
		return nil, err
	}
	for _, m := range plan.members() {
		f.clients = append(f.clients, newClient(f, m.g, m.k))
	}
	return f, nil
}

func (p Plan) check() error {
	if p.Clients() == 0 {
		return errors.New("a fleet of no clients")
	}
	for _, g := range p.Groups {
		if _, ok := behaviours[g.Role]; !ok {
			return fmt.Errorf("unknown role %q", g.Role)
		}
		if g.Role == model.RoleGRPC && len(g.Listeners) == 0 && g.Count > 0 {
			return errors.New("gRPC clients need listeners to dial")
		}
	}
	return nil
}

// member is a group's k-th client.
type member struct {
	g *Group
	k int
}

// members lists the plan's clients with the groups interleaved, so that
// the first n of them have the plan's mix.
func (p Plan) members() []member {
	out := make([]member, 0, p.Clients())
	taken := make([]int, len(p.Groups))
	for range p.Clients() {
		best := -1
		for i, g := range p.Groups {
			if taken[i] == g.Count {
				continue
			}
			// The group furthest behind its share goes next.
			if best < 0 || (taken[i]+1)*p.Groups[best].Count < (taken[best]+1)*g.Count {
				best = i
			}
		}
		out = append(out, member{g: &p.Groups[best], k: taken[best]})
		taken[best]++
	}
	return out
}

// Connect starts clients until n of the plan's are started; they
// subscribe and take their first state in the background (see Sync).
func (f *Fleet) Connect(_ context.Context, n int) error {
	if n < f.connected || n > len(f.clients) {
		return fmt.Errorf("connect %d clients: %d of %d are", n, f.connected, len(f.clients))
	}
	f.connecting = time.Now()
	for id := f.connected; id < n; id++ {
		go f.run(f.ctx, f.clients[id], id)
	}
	f.connected = n
	return nil
}

// dial opens the connections the clients share.
func (f *Fleet) dial() error {
	per := max(f.plan.StreamsPerConn, 1)
	for range (f.plan.Clients() + per - 1) / per {
		conn, err := grpc.NewClient(f.plan.Address, grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage)))
		if err != nil {
			return fmt.Errorf("connecting to %s: %w", f.plan.Address, err)
		}
		f.conns = append(f.conns, conn)
	}
	return nil
}

// run connects the fleet's id-th client and serves its stream until it
// ends.
func (f *Fleet) run(ctx context.Context, c *client, id int) {
	select {
	case f.admit <- struct{}{}:
	case <-ctx.Done():
		return
	}
	err := f.open(ctx, c, id)
	if err == nil {
		var given []string
		if ls := c.group.Listeners; len(ls) > 0 {
			given = []string{ls[c.k%len(ls)]}
		}
		if err = c.start(given); err == nil {
			err = c.run()
		}
	}
	if ctx.Err() == nil {
		f.fail(c, err)
	}
}

// open opens the client's stream.
func (f *Fleet) open(ctx context.Context, c *client, id int) error {
	n := node(c.role, id, c.group.calls(c.k))
	ads := discoveryv3.NewAggregatedDiscoveryServiceClient(f.conns[id%len(f.conns)])
	if c.group.Delta {
		s, err := ads.DeltaAggregatedResources(ctx)
		if err != nil {
			return err
		}
		c.w = newDeltaWire(c.b, s, n, f.infos)
		return nil
	}
	s, err := ads.StreamAggregatedResources(ctx)
	if err != nil {
		return err
	}
	c.w = &sotwWire{c: c, stream: s, node: n, cache: f.infos}
	return nil
}

// fail records a client whose stream ended.
func (f *Fleet) fail(c *client, err error) {
	f.failedN.Add(1)
	f.errOnce.Do(func() { f.firstErr.Store(fmt.Sprintf("%s client: %v", c.role, err)) })
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.synced {
		<-f.admit
		f.settled.Add(1)
	}
}

// synced counts a client that holds its first state. Called with c.mu held.
func (f *Fleet) synced(*client) {
	<-f.admit
	f.syncedN.Add(1)
	f.settled.Add(1)
}

// count records a response.
func (f *Fleet) count(r response, at time.Time) {
	f.pushes[r.t].Add(1)
	f.resources[r.t].Add(int64(len(r.infos) + len(r.removed)))
	f.bytes.Add(int64(r.bytes))
	f.first.CompareAndSwap(0, at.UnixNano())
	for {
		last := f.last.Load()
		if last >= at.UnixNano() || f.last.CompareAndSwap(last, at.UnixNano()) {
			return
		}
	}
}

func (f *Fleet) convergedOne() { f.convergedN.Add(1) }

// Close ends every stream and connection.
func (f *Fleet) Close() error {
	f.cancel()
	var errs []error
	for _, c := range f.conns {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// SyncReport is how the fleet took its first state.
type SyncReport struct {
	Clients int `json:"clients"`
	Synced  int `json:"synced"`
	Failed  int `json:"failed"`
	// FirstError is the first failure of a client's stream.
	FirstError string `json:"firstError,omitempty"`
	// Duration is from the last Connect to the last client's first state.
	Duration time.Duration `json:"duration"`
	Conns    int           `json:"conns"`
	Traffic  `json:"traffic"`
	// Memory is the fleet's own (the tool's), after garbage collection.
	Memory Memory `json:"memory"`
}

// Traffic counts responses by type name: pushes and resources in them.
type Traffic struct {
	Pushes    map[string]int64 `json:"pushes"`
	Resources map[string]int64 `json:"resources"`
	Bytes     int64            `json:"bytes"`
}

// Sync waits until every started client holds its first state (or
// failed), or timeout.
func (f *Fleet) Sync(ctx context.Context, timeout time.Duration) (SyncReport, error) {
	deadline := time.Now().Add(timeout)
	err := poll(ctx, func(now time.Time) bool { return f.settled.Load() >= int64(f.connected) || now.After(deadline) })
	if err != nil {
		return SyncReport{}, err
	}
	r := SyncReport{Clients: f.connected, Synced: int(f.syncedN.Load()), Failed: int(f.failedN.Load()),
		Duration: time.Since(f.connecting), Conns: len(f.conns), Traffic: f.traffic(), Memory: measureMemory()}
	r.FirstError, _ = f.firstErr.Load().(string)
	return r, nil
}

func (f *Fleet) traffic() Traffic {
	t := Traffic{Pushes: map[string]int64{}, Resources: map[string]int64{}, Bytes: f.bytes.Load()}
	for typ := range numTypes {
		if n := f.pushes[typ].Load(); n > 0 {
			t.Pushes[typ.name()] = n
			t.Resources[typ.name()] = f.resources[typ].Load()
		}
	}
	return t
}

// Arm prepares the fleet for a change: it forgets what was received and
// tells each client what the change must bring it. The fleet must be
// quiet: every client synced, nothing in flight.
func (f *Fleet) Arm(_ context.Context, e *Expect) error {
	for t := range numTypes {
		f.pushes[t].Store(0)
		f.resources[t].Store(0)
	}
	f.bytes.Store(0)
	f.first.Store(0)
	f.last.Store(0)
	f.convergedN.Store(0)
	expected := 0
	for _, c := range f.clients[:f.connected] {
		c.arm(e)
		if c.expected {
			expected++
		}
	}
	f.expectedN.Store(int64(expected))
	return nil
}

// ChangeReport is what a change brought the fleet since it was armed.
type ChangeReport struct {
	ByRole  map[model.Role]*RoleCounts `json:"byRole"`
	Traffic `json:"traffic"`
	// AckTimes are the unix nanoseconds at which the clients that expected
	// something had acknowledged all of it: the median, the 99th
	// percentile and the last.
	AckP50  int64 `json:"ackP50,omitempty"`
	AckP99  int64 `json:"ackP99,omitempty"`
	AckLast int64 `json:"ackLast,omitempty"`
	// FirstResponse and LastAck bound every response received.
	FirstResponse int64 `json:"firstResponse,omitempty"`
	LastAck       int64 `json:"lastAck,omitempty"`
	// TimedOut is set when some expected client had not converged in time.
	TimedOut bool `json:"timedOut,omitempty"`
}

// RoleCounts counts the clients of a role by what a change did to them.
type RoleCounts struct {
	Clients int `json:"clients"`
	// Expected clients subscribe to something the change updated.
	Expected int `json:"expected"`
	// Reached clients received at least one response.
	Reached int `json:"reached"`
	// Converged clients acknowledged everything they expected.
	Converged int `json:"converged"`
	// Unexpected clients received a response though they expected none.
	Unexpected int `json:"unexpected"`
}

// Settle waits until every client that expected something converged and
// the fleet has been quiet (no response) for quiet, or until timeout.
func (f *Fleet) Settle(ctx context.Context, quiet, timeout time.Duration) (ChangeReport, error) {
	start := time.Now()
	over := false
	err := poll(ctx, func(now time.Time) bool {
		quietSince := max(start.UnixNano(), f.last.Load())
		over = f.convergedN.Load() == f.expectedN.Load() && now.UnixNano()-quietSince >= quiet.Nanoseconds()
		return over || now.Sub(start) > timeout
	})
	if err != nil {
		return ChangeReport{}, err
	}
	return f.changeReport(!over), nil
}

// poll calls done every few milliseconds until it returns true, or until
// ctx ends.
func poll(ctx context.Context, done func(now time.Time) bool) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case now := <-tick.C:
			if done(now) {
				return nil
			}
		}
	}
}

func (f *Fleet) changeReport(timedOut bool) ChangeReport {
	r := ChangeReport{ByRole: map[model.Role]*RoleCounts{}, Traffic: f.traffic(), TimedOut: timedOut,
		FirstResponse: f.first.Load(), LastAck: f.last.Load()}
	var acks []int64
	for _, c := range f.clients[:f.connected] {
		rc := r.ByRole[c.role]
		if rc == nil {
			rc = &RoleCounts{}
			r.ByRole[c.role] = rc
		}
		expected, reached, converged, at := c.state()
		rc.add(expected, reached, converged)
		if converged {
			acks = append(acks, at.UnixNano())
		}
	}
	r.AckP50, r.AckP99, r.AckLast = quantiles(acks)
	return r
}

func (rc *RoleCounts) add(expected, reached, converged bool) {
	rc.Clients++
	rc.Expected += b2i(expected)
	rc.Reached += b2i(reached)
	rc.Converged += b2i(converged)
	rc.Unexpected += b2i(reached && !expected)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Memory is a process's memory in use after garbage collection.
type Memory struct {
	Heap  uint64 `json:"heap"`
	Stack uint64 `json:"stack"`
}

func (m Memory) total() int64 { return int64(m.Heap + m.Stack) }

// measureMemory collects garbage and reads the heap and stacks in use.
func measureMemory() Memory {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return Memory{Heap: ms.HeapInuse, Stack: ms.StackInuse}
}

// quantiles returns the median, the 99th percentile and the largest of
// values, zeros when there are none.
func quantiles(values []int64) (p50, p99, top int64) {
	if len(values) == 0 {
		return 0, 0, 0
	}
	slices.Sort(values)
	at := func(q float64) int64 { return values[int(math.Ceil(q*float64(len(values))))-1] }
	return at(0.5), at(0.99), values[len(values)-1]
}
