package lanefilter

import (
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	wasmfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	wasmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/wasm/v3"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/translators"
)

// Names the filter is known by in Envoy.
const (
	// RootID is the plugin's root context id.
	RootID = "graylane_lane"
	// VMID lets every gateway's filter share one Wasm VM per worker.
	VMID = "graylane_lane_filter"
	// Runtime is Envoy's V8 runtime.
	Runtime = "envoy.wasm.runtime.v8"
	// wasmTypeURL is the type ECDS serves for the filter.
	wasmTypeURL = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm"
)

// ResourceName is the ECDS resource (and HTTP filter) name of a gateway's
// lane filter.
func ResourceName(gw *model.Gateway) string { return "graylane.lane_filter." + gw.Name }

// Filter puts the lane filter into edge listeners.
type Filter struct {
	source Source
}

var _ translators.EdgeFilters = Filter{}

// New returns the filter, loading its module from source.
func New(source Source) Filter { return Filter{source: source} }

// EdgeFilters returns the lane filter of a gateway, configured by ECDS over
// ADS, and its extension config. The listener never changes with the
// lanes; without the extension config Envoy answers 500 rather than route
// an undecided request (no default configuration: the filter fails closed).
func (f Filter) EdgeFilters(cfg *model.Config, gw *model.Gateway) ([]*hcmv3.HttpFilter, []*corev3.TypedExtensionConfig, error) {
	name := ResourceName(gw)
	filter := &hcmv3.HttpFilter{
		Name: name,
		ConfigType: &hcmv3.HttpFilter_ConfigDiscovery{ConfigDiscovery: &corev3.ExtensionConfigSource{
			ConfigSource: &corev3.ConfigSource{
				ResourceApiVersion:    corev3.ApiVersion_V3,
				ConfigSourceSpecifier: &corev3.ConfigSource_Ads{Ads: &corev3.AggregatedConfigSource{}},
			},
			TypeUrls: []string{wasmTypeURL},
		}},
	}
	wasm, err := f.wasm(cfg, gw)
	if err != nil {
		return nil, nil, err
	}
	typed, err := translators.MarshalAny(wasm)
	if err != nil {
		return nil, nil, err
	}
	return []*hcmv3.HttpFilter{filter}, []*corev3.TypedExtensionConfig{{Name: name, TypedConfig: typed}}, nil
}

func (f Filter) wasm(cfg *model.Config, gw *model.Gateway) (*wasmfilterv3.Wasm, error) {
	js, err := ConfigJSON(cfg, gw)
	if err != nil {
		return nil, err
	}
	conf, err := translators.MarshalAny(wrapperspb.String(string(js)))
	if err != nil {
		return nil, err
	}
	return &wasmfilterv3.Wasm{Config: &wasmv3.PluginConfig{
		Name:   ResourceName(gw),
		RootId: RootID,
		Vm: &wasmv3.PluginConfig_VmConfig{VmConfig: &wasmv3.VmConfig{
			VmId:    VMID,
			Runtime: Runtime,
			Code:    f.source.code(),
		}},
		Configuration: conf,
	}}, nil
}

func wrapUint32(v uint32) *wrapperspb.UInt32Value { return wrapperspb.UInt32(v) }
