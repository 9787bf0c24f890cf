package xdsserver

import (
	"context"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	serverv3 "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	"go.uber.org/zap"
	rpcstatus "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/graylane/graylane/internal/metrics"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/snapshot"
	"github.com/graylane/graylane/translators"
)

// callbacks follow every stream: who the client is, what it was sent, what
// it accepted and what it rejected.
type callbacks struct {
	log      *zap.Logger
	metrics  *metrics.Metrics
	clients  *clients
	versions ResponseVersioner
}

// ResponseVersioner gives state-of-the-world responses the version_info
// clients send back, when they reconnect, to show what they hold.
type ResponseVersioner interface {
	ResponseVersion(role model.Role, req *discoveryv3.DiscoveryRequest, cacheVersion string) string
}

var _ ResponseVersioner = (*snapshot.Cache)(nil)

var _ serverv3.Callbacks = (*callbacks)(nil)

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

// register records a stream on its first request and checks its role.
func (c *callbacks) register(key int64, delta bool, node *corev3.Node) error {
	role, err := snapshot.RoleOf(node)
	if err != nil {
		c.log.Warn("client refused", zap.String("node", node.GetId()), zap.Error(err))
		return status.Error(codes.InvalidArgument, err.Error())
	}
	if c.clients.open(key, delta, node, role) {
		c.metrics.Clients.WithLabelValues(string(role)).Inc()
		c.log.Info("client connected", zap.String("node", node.GetId()), zap.String("role", string(role)),
			zap.Bool("delta", delta), zap.String("userAgent", node.GetUserAgentName()))
	}
	return nil
}

// answer records an ACK or NACK of the last response of a type. A NACK is
// not answered by sending the rejected version again: the cache counts
// the rejected resources as the client's, and sends the next version when
// the configuration changes.
func (c *callbacks) answer(key int64, typeURL string, r reply) {
	typ := translators.KindName(typeURL)
	c.clients.with(key, typ, func(cs *ClientStatus, ts *TypeStatus) {
		if r.nonce == "" || r.nonce != ts.nonce {
			return // a first request, or a reply to a superseded response
		}
		if r.err == "" {
			ts.Acked = ts.Sent
			c.metrics.Acks.WithLabelValues(typ).Inc()
			return
		}
		ts.LastNack = &Nack{Version: ts.Sent, Message: r.err, At: c.clients.now()}
		c.metrics.Nacks.WithLabelValues(typ).Inc()
		c.log.Warn("client rejected configuration", zap.String("node", cs.NodeID), zap.String("role", string(cs.Role)),
			zap.String("type", typ), zap.String("version", ts.Sent), zap.String("error", r.err))
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
	if s := c.clients.close(key); s != nil {
		c.metrics.Clients.WithLabelValues(string(s.Role)).Dec()
		c.log.Info("client disconnected", zap.String("node", s.NodeID), zap.String("role", string(s.Role)))
	}
}

// OnStreamOpen accepts every state-of-the-world stream.
func (c *callbacks) OnStreamOpen(context.Context, int64, string) error { return nil }

// OnStreamClosed forgets the stream.
func (c *callbacks) OnStreamClosed(id int64, _ *corev3.Node) { c.closed(streamKey(id, false)) }

// OnStreamRequest registers the client and records its ACK or NACK.
func (c *callbacks) OnStreamRequest(id int64, req *discoveryv3.DiscoveryRequest) error {
	key := streamKey(id, false)
	if err := c.register(key, false, req.GetNode()); err != nil {
		return err
	}
	c.answer(key, req.GetTypeUrl(), reply{nonce: req.GetResponseNonce(), err: rejection(req.GetErrorDetail())})
	return nil
}

// OnStreamResponse versions a response by its content, then records it.
func (c *callbacks) OnStreamResponse(_ context.Context, id int64, req *discoveryv3.DiscoveryRequest, resp *discoveryv3.DiscoveryResponse) {
	key := streamKey(id, false)
	if role, ok := c.clients.role(key); ok && c.versions != nil {
		resp.VersionInfo = c.versions.ResponseVersion(role, req, resp.GetVersionInfo())
	}
	c.sent(key, resp.GetTypeUrl(), resp.GetVersionInfo(), resp.GetNonce())
}

// OnDeltaStreamOpen accepts every delta stream.
func (c *callbacks) OnDeltaStreamOpen(context.Context, int64, string) error { return nil }

// OnDeltaStreamClosed forgets the stream.
func (c *callbacks) OnDeltaStreamClosed(id int64, _ *corev3.Node) { c.closed(streamKey(id, true)) }

// OnStreamDeltaRequest registers the client and records its ACK or NACK.
// Only a stream's first request is sure to carry the node.
func (c *callbacks) OnStreamDeltaRequest(id int64, req *discoveryv3.DeltaDiscoveryRequest) error {
	key := streamKey(id, true)
	if req.GetNode() != nil {
		if err := c.register(key, true, req.GetNode()); err != nil {
			return err
		}
	}
	c.answer(key, req.GetTypeUrl(), reply{nonce: req.GetResponseNonce(), err: rejection(req.GetErrorDetail())})
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
