package lanefilter

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/graylane/graylane/cmd/wasm-filter/lane"
	"github.com/graylane/graylane/model"
)

// ConfigFor returns the filter's configuration for a gateway, in the
// filter's own types (cmd/wasm-filter/lane, whose README documents the
// JSON schema). The baggage key is left out when it is the default, which
// the filter shares with the model.
func ConfigFor(cfg *model.Config, gw *model.Gateway) lane.Config {
	pc := lane.Config{LaneHeader: cfg.LaneHeader, TrustLaneHeader: gw.TrustLaneHeader, Lanes: []lane.LaneConfig{}}
	if cfg.LaneBaggageKey != model.DefaultLaneBaggageKey {
		pc.LaneBaggageKey = cfg.LaneBaggageKey
	}
	for _, l := range cfg.Lanes {
		lc := lane.LaneConfig{Name: l.Name, Weight: l.Weight.Percent()}
		if s := l.Sticky; s != nil {
			lc.Sticky = &lane.Sticky{Header: s.Header, Cookie: s.Cookie}
			if s.Cookie != "" {
				secs := int64(math.Round(s.CookieMaxAge.Seconds()))
				lc.Sticky.MaxAgeSeconds = &secs
			}
		}
		for _, m := range l.Match {
			lc.Match = append(lc.Match, lane.Match{Header: nameValue(m.Header), Cookie: nameValue(m.Cookie)})
		}
		pc.Lanes = append(pc.Lanes, lc)
	}
	return pc
}

func nameValue(nv *model.NameValue) *lane.NameValue {
	if nv == nil {
		return nil
	}
	return &lane.NameValue{Name: nv.Name, Value: nv.Value}
}

// ConfigJSON encodes a gateway's filter configuration and checks it with
// the filter's own parser: what the filter would refuse never reaches an
// Envoy.
func ConfigJSON(cfg *model.Config, gw *model.Gateway) ([]byte, error) {
	js, err := json.Marshal(ConfigFor(cfg, gw))
	if err != nil {
		return nil, err
	}
	if _, err := lane.Parse(js); err != nil {
		return nil, fmt.Errorf("gateway %s: the lane filter would refuse its configuration: %w", gw.Name, err)
	}
	return js, nil
}
