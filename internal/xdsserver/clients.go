package xdsserver

import (
	"cmp"
	"slices"
	"sync"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"

	"github.com/graylane/graylane/model"
)

// ClientStatus is what the control plane knows of one connected xDS stream.
type ClientStatus struct {
	StreamID  int64  `json:"streamID"`
	Delta     bool   `json:"delta"`
	NodeID    string `json:"nodeID"`
	Cluster   string `json:"cluster,omitempty"`
	UserAgent string `json:"userAgent,omitempty"`
	// Identity is the SPIFFE ID or DNS name of the client's certificate,
	// "" without client certificates.
	Identity    string                 `json:"identity,omitempty"`
	Role        model.Role             `json:"role"`
	ConnectedAt time.Time              `json:"connectedAt"`
	Types       map[string]*TypeStatus `json:"types"`
}

// TypeStatus is a client's state for one resource type, by short type name.
type TypeStatus struct {
	// Sent is the last version sent; Acked the last one the client accepted.
	Sent  string `json:"sent,omitempty"`
	Acked string `json:"acked,omitempty"`
	// LastNack is the client's most recent rejection, if any.
	LastNack *Nack `json:"lastNack,omitempty"`
	// nonce is that of the last response sent; only a reply to it counts,
	// as the server ignores replies to older ones.
	nonce string
	// answered is the nonce of the last reply counted: a repeated reply
	// is not counted again.
	answered string
}

// Nack is a rejected response.
type Nack struct {
	Version string    `json:"version"`
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}

// clients tracks the connected streams.
type clients struct {
	mu      sync.Mutex
	streams map[int64]*ClientStatus
	now     func() time.Time
}

func newClients() *clients {
	return &clients{streams: map[int64]*ClientStatus{}, now: time.Now}
}

// open registers a stream on its first request; it reports whether the
// stream is new.
func (c *clients) open(id int64, delta bool, node *corev3.Node, role model.Role, identity string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.streams[id]; ok {
		return false
	}
	c.streams[id] = &ClientStatus{
		StreamID: id, Delta: delta, NodeID: node.GetId(), Cluster: node.GetCluster(),
		UserAgent: node.GetUserAgentName(), Identity: identity, Role: role, ConnectedAt: c.now(),
		Types: map[string]*TypeStatus{},
	}
	return true
}

// close forgets a stream and returns what was known of it.
func (c *clients) close(id int64) *ClientStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.streams[id]
	delete(c.streams, id)
	return s
}

// with runs f on a stream's status for a type, under the lock; it does
// nothing for an unknown stream.
func (c *clients) with(id int64, typ string, f func(cs *ClientStatus, ts *TypeStatus)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cs, ok := c.streams[id]
	if !ok {
		return
	}
	ts, ok := cs.Types[typ]
	if !ok {
		ts = &TypeStatus{}
		cs.Types[typ] = ts
	}
	f(cs, ts)
}

// list returns a copy of every stream's status, ordered by stream.
func (c *clients) list() []ClientStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]ClientStatus, 0, len(c.streams))
	for _, s := range c.streams {
		cp := *s
		cp.Types = make(map[string]*TypeStatus, len(s.Types))
		for k, v := range s.Types {
			tv := *v
			if v.LastNack != nil {
				n := *v.LastNack
				tv.LastNack = &n
			}
			cp.Types[k] = &tv
		}
		out = append(out, cp)
	}
	slices.SortFunc(out, func(a, b ClientStatus) int { return cmp.Compare(a.StreamID, b.StreamID) })
	return out
}
