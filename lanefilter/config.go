package lanefilter

import (
	"encoding/json"
	"math"

	"github.com/graylane/graylane/model"
)

// PluginConfig is the lane filter's configuration, as JSON, exactly the
// schema cmd/wasm-filter reads (its README documents it).
type PluginConfig struct {
	LaneHeader      string       `json:"laneHeader"`
	TrustLaneHeader bool         `json:"trustLaneHeader"`
	Lanes           []LaneConfig `json:"lanes"`
}

// LaneConfig is one lane, in the order the filter checks them.
type LaneConfig struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"` // percent, at most 2 decimals
	Sticky *Sticky `json:"sticky,omitempty"`
	Match  []Match `json:"match,omitempty"`
}

// Sticky is a lane's sticky key: a header or a cookie.
type Sticky struct {
	Header        string `json:"header,omitempty"`
	Cookie        string `json:"cookie,omitempty"`
	MaxAgeSeconds *int64 `json:"maxAgeSeconds,omitempty"`
}

// Match is a header or cookie equality rule.
type Match struct {
	Header *NameValue `json:"header,omitempty"`
	Cookie *NameValue `json:"cookie,omitempty"`
}

// NameValue is a name and the value it must have.
type NameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ConfigFor returns the filter's configuration for a gateway.
func ConfigFor(cfg *model.Config, gw *model.Gateway) PluginConfig {
	pc := PluginConfig{LaneHeader: cfg.LaneHeader, TrustLaneHeader: gw.TrustLaneHeader, Lanes: []LaneConfig{}}
	for _, l := range cfg.Lanes {
		lc := LaneConfig{Name: l.Name, Weight: l.Weight.Percent()}
		if s := l.Sticky; s != nil {
			lc.Sticky = &Sticky{Header: s.Header, Cookie: s.Cookie}
			if s.Cookie != "" {
				secs := int64(math.Round(s.CookieMaxAge.Seconds()))
				lc.Sticky.MaxAgeSeconds = &secs
			}
		}
		for _, m := range l.Match {
			lc.Match = append(lc.Match, Match{Header: nameValue(m.Header), Cookie: nameValue(m.Cookie)})
		}
		pc.Lanes = append(pc.Lanes, lc)
	}
	return pc
}

func nameValue(nv *model.NameValue) *NameValue {
	if nv == nil {
		return nil
	}
	return &NameValue{Name: nv.Name, Value: nv.Value}
}

// JSON encodes the configuration; the encoding is deterministic.
func (pc PluginConfig) JSON() ([]byte, error) { return json.Marshal(pc) }
