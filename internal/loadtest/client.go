package loadtest

import (
	"slices"
	"sync"
	"time"

	"github.com/graylane/graylane/model"
)

// wire is what differs between a state-of-the-world and a delta client:
// how it asks for resources and acknowledges them.
type wire interface {
	// request asks for the type's resources: its first request when prev
	// is nil and the client has not asked before, else a change of
	// subscription from prev to next.
	request(t xdsType, prev, next []string) error
	// receive waits for the next response and acknowledges it.
	receive() (response, error)
}

// response is what a client reads from a response, protocol aside.
type response struct {
	t       xdsType
	infos   []*resourceInfo
	removed []string
	// whole is set for state-of-the-world responses, which carry every
	// resource the client subscribes to: a subscribed name missing from
	// one is removed.
	whole bool
	bytes int
}

// client is one simulated xDS client: what it subscribes to, whether it
// holds its first state, and what it received since the fleet was armed.
type client struct {
	f     *Fleet
	role  model.Role
	b     *behaviour
	group *Group
	k     int // the client is its group's k-th
	w     wire
	// calls are the services a sidecar names in its egress; nil: every
	// one.
	calls map[string]bool

	mu    sync.Mutex
	names [numTypes][]string            // the names asked for, by type
	await [numTypes]map[string]struct{} // names asked for, not yet received
	fresh uint8                         // wildcard types not yet answered, by bit
	// synced is set once the client holds its first state.
	synced bool
	// Since the fleet was armed: the changed resources still to come,
	// whether any was expected, whether anything came, and when the
	// client acknowledged the last expected one.
	pending   []pendingName
	expected  bool
	reached   bool
	converged bool
	ackAt     time.Time
}

// pendingName is a changed resource a client is to receive.
type pendingName struct {
	t       xdsType
	name    string
	removed bool
}

func newClient(f *Fleet, g *Group, k int) *client {
	c := &client{f: f, role: g.Role, b: behaviours[g.Role], group: g, k: k}
	if calls := g.calls(k); calls != nil {
		c.calls = make(map[string]bool, len(calls))
		for _, s := range calls {
			c.calls[s] = true
		}
	}
	return c
}

// start asks for the types the client subscribes to first.
func (c *client) start(given []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.b.first {
		var names []string
		if c.b.how[t] == byGivenName {
			names = given
		}
		if err := c.ask(t, names); err != nil {
			return err
		}
	}
	return nil
}

// ask moves the type's subscription to names and waits for what is new.
// Called with c.mu held.
func (c *client) ask(t xdsType, names []string) error {
	prev := c.names[t]
	c.names[t] = names
	if c.b.how[t] == wildcard {
		c.fresh |= 1 << t
	}
	for _, n := range names {
		if _, ok := slices.BinarySearch(prev, n); !ok {
			if c.await[t] == nil {
				c.await[t] = map[string]struct{}{}
			}
			c.await[t][n] = struct{}{}
		}
	}
	return c.w.request(t, prev, names)
}

// run receives, acknowledges and follows responses until the stream ends.
func (c *client) run() error {
	for {
		r, err := c.w.receive()
		if err != nil {
			return err
		}
		if err := c.handle(r); err != nil {
			return err
		}
	}
}

// handle follows a response's references, then records it. A client
// whose references all went away keeps its last names: an empty
// state-of-the-world request would ask for every resource.
func (c *client) handle(r response) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, u := range c.b.followers(r.t) {
		next := c.f.names.union(u, c.holding(r))
		if len(next) > 0 && !slices.Equal(next, c.names[u]) {
			if err := c.ask(u, next); err != nil {
				return err
			}
		}
	}
	c.received(r, time.Now())
	return nil
}

// holding lists the resources of the response's type the client holds
// now: a state-of-the-world response's; a delta client's whole view.
func (c *client) holding(r response) func(yield func(*resourceInfo) bool) {
	if h, ok := c.w.(holder); ok {
		return h.held(r.t)
	}
	return slices.Values(r.infos)
}

// holder is a wire that keeps a view of what it received (delta).
type holder interface {
	held(t xdsType) func(yield func(*resourceInfo) bool)
}

// received records a response: towards the first state, and towards the
// change the fleet was armed for. Called with c.mu held.
func (c *client) received(r response, at time.Time) {
	c.fresh &^= 1 << r.t
	for _, info := range r.infos {
		delete(c.await[r.t], info.name)
	}
	if len(c.await[r.t]) == 0 {
		c.await[r.t] = nil
	}
	if !c.synced && c.holdsFirstState() {
		c.synced = true
		c.f.synced(c)
	}
	c.f.count(r, at)
	c.reached = true
	c.pending = slices.DeleteFunc(c.pending, func(p pendingName) bool { return p.t == r.t && p.metBy(r) })
	if c.expected && !c.converged && len(c.pending) == 0 {
		c.converged, c.ackAt = true, at
		c.f.convergedOne()
	}
}

func (c *client) holdsFirstState() bool {
	if c.fresh != 0 {
		return false
	}
	for _, a := range c.await {
		if len(a) > 0 {
			return false
		}
	}
	return true
}

// metBy reports whether a response of the pending resource's type
// delivers it: the resource itself, or its removal.
func (p pendingName) metBy(r response) bool {
	found := slices.ContainsFunc(r.infos, func(i *resourceInfo) bool { return i.name == p.name })
	if !p.removed {
		return found
	}
	return slices.Contains(r.removed, p.name) || r.whole && !found
}

// arm forgets what the client received and lists what the change about to
// be made must bring it.
func (c *client) arm(e *Expect) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending = c.pending[:0]
	for t := range numTypes {
		c.pending = c.wants(c.pending, e, t, e.Changed[c.role][t.url()], false)
		c.pending = c.wants(c.pending, e, t, e.Removed[c.role][t.url()], true)
	}
	c.expected = len(c.pending) > 0
	c.reached, c.converged, c.ackAt = false, false, time.Time{}
}

// wants adds the names of type t the client subscribes to: by name, or
// whole, but for a sidecar that names its egress those of the services it
// calls.
func (c *client) wants(out []pendingName, e *Expect, t xdsType, names []string, removed bool) []pendingName {
	for _, n := range names {
		_, subscribed := slices.BinarySearch(c.names[t], n)
		whole := c.b.how[t] == wildcard && (c.calls == nil || e.owner(t, n) == "" || c.calls[e.owner(t, n)])
		if whole || c.b.how[t] != never && subscribed {
			out = append(out, pendingName{t: t, name: n, removed: removed})
		}
	}
	return out
}

// state reports the client's figures since it was armed.
func (c *client) state() (expected, reached, converged bool, ackAt time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.expected, c.reached, c.converged, c.ackAt
}
