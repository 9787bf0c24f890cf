package translators

import (
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"

	"github.com/graylane/graylane/model"
)

// EdgeFilters contributes the HTTP filters an edge listener runs before its
// router (the lane filter), with the ECDS resources they are configured by.
// It must be deterministic: the same arguments, the same result.
type EdgeFilters interface {
	EdgeFilters(cfg *model.Config, gw *model.Gateway) ([]*hcmv3.HttpFilter, []*corev3.TypedExtensionConfig, error)
}

// Option configures Translate.
type Option func(*options)

type options struct {
	piecesOnly  bool
	edgeFilters EdgeFilters
	memo        *Memo
}

func newOptions(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithEdgeFilters installs filters before the router of every edge listener.
func WithEdgeFilters(f EdgeFilters) Option { return func(o *options) { o.edgeFilters = f } }

// PiecesOnly makes Translate return the pieces alone, without listing every
// resource by kind: what the snapshot layer's Builder needs, and cheaper.
func PiecesOnly() Option { return func(o *options) { o.piecesOnly = true } }
