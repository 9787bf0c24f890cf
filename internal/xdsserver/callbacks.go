package xdsserver

import (
	"context"
	"fmt"
	"sync"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	serverv3 "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	"go.uber.org/zap"
	rpcstatus "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/graylane/graylane/internal/metrics"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/snapshot"
	"github.com/graylane/graylane/translators"
)

// callbacks follow every stream: who the client is and which roles its
// certificate allows, what it asks for, what it was sent, what it accepted
// and what it rejected. A request that breaks the policy or a limit ends
// its stream with a status that says why.
type callbacks struct {
	log     *zap.Logger
	metrics *metrics.Metrics
	clients *clients
	limits  Limits
	// versions give state-of-the-world responses the version_info that
	// tells, when the client reconnects, what it holds.
	versions ResponseVersioner
	// policy decides the roles of clients with a verified certificate;
	// nil when clients present none (plaintext, or TLS without a client
	// CA), and the role is then the node's.
	policy *RolePolicy

	mu      sync.Mutex
	streams map[int64]*streamState
}

var _ serverv3.Callbacks = (*callbacks)(nil)

// streamState is what the callbacks keep of one stream.
type streamState struct {
	identity      Identity
	authenticated bool
	role          model.Role   // "" until the first request
	node          *corev3.Node // the node the role is of
	// subscribed counts a delta stream's subscribed names per type URL.
	subscribed map[string]int
}

func newCallbacks(log *zap.Logger, m *metrics.Metrics, limits Limits, policy *RolePolicy, versions ResponseVersioner) *callbacks {
	return &callbacks{log: log, metrics: m, clients: newClients(), limits: limits, policy: policy, versions: versions,
		streams: map[int64]*streamState{}}
}

// ResponseVersioner gives state-of-the-world responses the version_info
// clients send back, when they reconnect, to show what they hold.
type ResponseVersioner interface {
	ResponseVersion(role model.Role, req *discoveryv3.DiscoveryRequest, cacheVersion string) string
}

var _ ResponseVersioner = (*snapshot.Cache)(nil)

// streamKey keeps state-of-the-world and delta streams apart: the two
// servers number their streams independently.
func streamKey(id int64, delta bool) int64 {
	if delta {
		return -id
	}
	return id
}

// reply is a client's request seen as an answer to an earlier response.
type reply struct {
	nonce string
	err   string // the rejection's message; "" for an ACK
}

// rejection is a NACK's message, "" for an ACK.
func rejection(detail *rpcstatus.Status) string {
	if detail == nil {
		return ""
	}
	if detail.GetMessage() == "" {
		return "rejected without a message"
	}
	return detail.GetMessage()
}

// open records a stream and the identity of its connection's certificate.
func (c *callbacks) open(ctx context.Context, key int64) error {
	st := &streamState{subscribed: map[string]int{}}
	st.identity, st.authenticated = peerIdentity(ctx)
	c.mu.Lock()
	c.streams[key] = st
	c.mu.Unlock()
	if c.policy != nil && !st.authenticated {
		return c.refuse(codes.Unauthenticated, "a client certificate is required", zap.Int64("stream", key))
	}
	return nil
}

func (c *callbacks) stream(key int64) *streamState {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.streams[key]; ok {
		return st
	}
	st := &streamState{subscribed: map[string]int{}} // a stream the server opened without telling
	c.streams[key] = st
	return st
}

// refuse logs a refused request and returns its status.
func (c *callbacks) refuse(code codes.Code, msg string, fields ...zap.Field) error {
	c.metrics.Refusals.WithLabelValues(code.String()).Inc()
	c.log.Warn("client refused", append(fields, zap.String("code", code.String()), zap.String("reason", msg))...)
	return status.Error(code, msg)
}

// authorize decides a request's role and checks that the stream's
// identity allows it and that it did not change.
func (c *callbacks) authorize(st *streamState, node *corev3.Node) (model.Role, error) {
	role, err := snapshot.RoleOf(node)
	if err != nil {
		return "", c.refuse(codes.InvalidArgument, err.Error(), zap.String("node", node.GetId()))
	}
	if st.role != "" && role != st.role {
		return "", c.refuse(codes.InvalidArgument, fmt.Sprintf("a stream's role cannot change: it is %s, the node now says %s", st.role, role),
			zap.String("node", node.GetId()))
	}
	if c.policy == nil || c.policy.Allows(st.identity, role) {
		return role, nil
	}
	allowed, _ := c.policy.Roles(st.identity)
	who := st.identity.String()
	if who == "" {
		who = "a certificate with no SPIFFE ID or DNS name"
	}
	return "", c.refuse(codes.PermissionDenied, fmt.Sprintf("identity %s may not receive role %s (allowed: %v)", who, role, allowed),
		zap.String("node", node.GetId()), zap.String("identity", who))
}

// knownNode is the node a request carries as the stream has it already:
// the node checked, when the request's is that very one (the servers set
// a request without a node to the stream's) or equal to it (Envoy sends
// its node with every request unless set_node_on_first_message_only), so
// that one copy of a node is kept a stream rather than one in each type's
// last request; nil for the first node and for a different one, which
// are to be checked.
func (st *streamState) knownNode(node *corev3.Node) *corev3.Node {
	if st.role == "" || node != nil && node != st.node && !proto.Equal(node, st.node) {
		return nil
	}
	return st.node
}

// checkNode checks a request's node unless the stream has it, and then
// gives the request the stream's.
func (c *callbacks) checkNode(key int64, delta bool, st *streamState, node **corev3.Node) error {
	if known := st.knownNode(*node); known != nil {
		*node = known
		return nil
	}
	return c.register(key, delta, st, *node)
}

// register checks a request's node and records the stream on its first.
func (c *callbacks) register(key int64, delta bool, st *streamState, node *corev3.Node) error {
	role, err := c.authorize(st, node)
	if err != nil {
		return err
	}
	if role == model.RoleSidecar {
		if _, err := snapshot.EgressOf(node); err != nil {
			return c.refuse(codes.InvalidArgument, err.Error(), zap.String("node", node.GetId()))
		}
	}
	st.role, st.node = role, node
	if c.clients.open(key, delta, node, role, st.identity.String()) {
		c.metrics.Clients.WithLabelValues(string(role)).Inc()
		c.log.Info("client connected", zap.String("node", node.GetId()), zap.String("role", string(role)),
			zap.String("identity", st.identity.String()), zap.Bool("delta", delta), zap.String("userAgent", node.GetUserAgentName()))
	}
	return nil
}

// checkType refuses a type Graylane does not serve, which would cost a
// watch, a status entry and metric labels for nothing.
func (c *callbacks) checkType(typeURL string) error {
	if _, ok := translators.KindOf(typeURL); ok {
		return nil
	}
	return c.refuse(codes.InvalidArgument, fmt.Sprintf("graylane does not serve resource type %q", truncate(typeURL, 200)))
}

// checkNames refuses a subscription to more names than the limit.
func (c *callbacks) checkNames(typeURL string, n int) error {
	if c.limits.MaxResourceNames <= 0 || n <= c.limits.MaxResourceNames {
		return nil
	}
	return c.refuse(codes.ResourceExhausted, fmt.Sprintf("%d resource names of type %s; at most %d per stream",
		n, translators.KindName(typeURL), c.limits.MaxResourceNames))
}

// answer records an ACK or NACK of the last response of a type, once per
// response: a repeated reply is neither logged nor counted again. A NACK
// is not answered by sending the rejected version again: the cache counts
// the rejected resources as the client's, and sends the next version when
// the configuration changes.
func (c *callbacks) answer(key int64, typeURL string, r reply) {
	typ := translators.KindName(typeURL)
	c.clients.with(key, typ, func(cs *ClientStatus, ts *TypeStatus) {
		if r.nonce == "" || r.nonce != ts.nonce {
			return // a first request, or a reply to a superseded response
		}
		if ts.answered == r.nonce {
			return
		}
		ts.answered = r.nonce
		if r.err == "" {
			ts.Acked = ts.Sent
			c.metrics.Acks.WithLabelValues(typ).Inc()
			return
		}
		msg := truncate(r.err, c.limits.MaxNackMessageBytes)
		ts.LastNack = &Nack{Version: ts.Sent, Message: msg, At: c.clients.now()}
		c.metrics.Nacks.WithLabelValues(typ).Inc()
		c.log.Warn("client rejected configuration", zap.String("node", cs.NodeID), zap.String("role", string(cs.Role)),
			zap.String("type", typ), zap.String("version", ts.Sent), zap.String("error", msg))
	})
}

// sent records a response.
func (c *callbacks) sent(key int64, typeURL, version, nonce string) {
	typ := translators.KindName(typeURL)
	c.clients.with(key, typ, func(_ *ClientStatus, ts *TypeStatus) {
		ts.Sent, ts.nonce = version, nonce
	})
	c.metrics.Pushes.WithLabelValues(typ).Inc()
}

func (c *callbacks) closed(key int64) {
	c.mu.Lock()
	delete(c.streams, key)
	c.mu.Unlock()
	if s := c.clients.close(key); s != nil {
		c.metrics.Clients.WithLabelValues(string(s.Role)).Dec()
		c.log.Info("client disconnected", zap.String("node", s.NodeID), zap.String("role", string(s.Role)))
	}
}

// OnStreamOpen records the stream's identity; with client certificates
// required, a stream without one is refused.
func (c *callbacks) OnStreamOpen(ctx context.Context, id int64, _ string) error {
	return c.open(ctx, streamKey(id, false))
}

// OnStreamClosed forgets the stream.
func (c *callbacks) OnStreamClosed(id int64, _ *corev3.Node) { c.closed(streamKey(id, false)) }

// OnStreamRequest checks the request's role, type and names, registers
// the client, interns the names and records its ACK or NACK. The server
// sets every request's node to the stream's.
func (c *callbacks) OnStreamRequest(id int64, req *discoveryv3.DiscoveryRequest) error {
	key := streamKey(id, false)
	st := c.stream(key)
	if err := c.checkNode(key, false, st, &req.Node); err != nil {
		return err
	}
	if err := c.checkType(req.GetTypeUrl()); err != nil {
		return err
	}
	if err := c.checkNames(req.GetTypeUrl(), len(req.GetResourceNames())); err != nil {
		return err
	}
	snapshot.Intern(req.ResourceNames)
	c.answer(key, req.GetTypeUrl(), reply{nonce: req.GetResponseNonce(), err: rejection(req.GetErrorDetail())})
	return nil
}

// OnStreamResponse versions a response by its content, then records it.
func (c *callbacks) OnStreamResponse(_ context.Context, id int64, req *discoveryv3.DiscoveryRequest, resp *discoveryv3.DiscoveryResponse) {
	key := streamKey(id, false)
	if role := c.stream(key).role; role != "" && c.versions != nil {
		resp.VersionInfo = c.versions.ResponseVersion(role, req, resp.GetVersionInfo())
	}
	c.sent(key, resp.GetTypeUrl(), resp.GetVersionInfo(), resp.GetNonce())
}

// OnDeltaStreamOpen records the stream's identity; with client
// certificates required, a stream without one is refused.
func (c *callbacks) OnDeltaStreamOpen(ctx context.Context, id int64, _ string) error {
	return c.open(ctx, streamKey(id, true))
}

// OnDeltaStreamClosed forgets the stream.
func (c *callbacks) OnDeltaStreamClosed(id int64, _ *corev3.Node) { c.closed(streamKey(id, true)) }

// OnStreamDeltaRequest checks the request's role, type and names,
// registers the client, interns the names and records its ACK or NACK.
// Only a stream's first request is sure to carry the node; a later one
// that carries a different node is checked again. A delta NACK needs no
// rewriting: the server already counts the rejected resources as the
// client's and sends nothing until they change.
func (c *callbacks) OnStreamDeltaRequest(id int64, req *discoveryv3.DeltaDiscoveryRequest) error {
	key := streamKey(id, true)
	st := c.stream(key)
	if err := c.checkNode(key, true, st, &req.Node); err != nil {
		return err
	}
	if err := c.checkType(req.GetTypeUrl()); err != nil {
		return err
	}
	if err := c.subscribe(st, req); err != nil {
		return err
	}
	internDeltaRequest(req)
	c.answer(key, req.GetTypeUrl(), reply{nonce: req.GetResponseNonce(), err: rejection(req.GetErrorDetail())})
	return nil
}

// subscribe counts a delta request's subscriptions against the limit.
func (c *callbacks) subscribe(st *streamState, req *discoveryv3.DeltaDiscoveryRequest) error {
	typ := req.GetTypeUrl()
	if err := c.checkNames(typ, len(req.GetInitialResourceVersions())); err != nil {
		return err
	}
	n := max(st.subscribed[typ]+len(req.GetResourceNamesSubscribe())-len(req.GetResourceNamesUnsubscribe()), 0)
	if err := c.checkNames(typ, n); err != nil {
		return err
	}
	st.subscribed[typ] = n
	return nil
}

// OnStreamDeltaResponse records what was sent.
func (c *callbacks) OnStreamDeltaResponse(id int64, _ *discoveryv3.DeltaDiscoveryRequest, resp *discoveryv3.DeltaDiscoveryResponse) {
	c.sent(streamKey(id, true), resp.GetTypeUrl(), resp.GetSystemVersionInfo(), resp.GetNonce())
}

// OnFetchRequest refuses REST fetches: Graylane serves ADS streams only.
func (c *callbacks) OnFetchRequest(context.Context, *discoveryv3.DiscoveryRequest) error {
	return status.Error(codes.Unimplemented, "graylane serves xDS over ADS streams only")
}

// OnFetchResponse is never called, as fetches are refused.
func (c *callbacks) OnFetchResponse(*discoveryv3.DiscoveryRequest, *discoveryv3.DiscoveryResponse) {}
