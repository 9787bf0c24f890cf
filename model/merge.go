package model

import "fmt"

// Merge combines configurations from several files or sources, before
// Normalize. Lists are concatenated in order; a top-level setting may be
// written by several parts only if they agree. Duplicate names are left for
// Validate to report with both positions.
//
// The result's lists are its own, but the services, lanes and gateways in
// them share what lies below them with the parts: the parts must not
// change afterwards, and Normalize leaves them as they are. A service
// handed on unchanged so stays the same lists and maps from source to
// translation, which later stages recognise without comparing contents.
func Merge(parts ...*Config) (*Config, error) {
	out := &Config{}
	fields := map[string]string{}
	var p problems
	for _, c := range parts {
		if c == nil {
			continue
		}
		mergeSetting(&p, fields, "laneHeader", &out.LaneHeader, c.LaneHeader, c.Origin)
		mergeSetting(&p, fields, "laneBaggageKey", &out.LaneBaggageKey, c.LaneBaggageKey, c.Origin)
		mergeSetting(&p, fields, "sidecarPort", &out.SidecarPort, c.SidecarPort, c.Origin)
		out.Lanes = append(out.Lanes, c.Lanes...)
		out.Services = append(out.Services, c.Services...)
		out.Gateways = append(out.Gateways, c.Gateways...)
	}
	out.Origin = NewOrigin("<config>", fields)
	return out, p.err()
}

func mergeSetting[T comparable](p *problems, fields map[string]string, name string, dst *T, v T, o Origin) {
	var zero T
	if v == zero {
		return
	}
	if *dst != zero && *dst != v {
		p.add(o.At(name), name, "set to %v here and to %v at %s", v, *dst, fields[name])
		return
	}
	*dst = v
	fields[name] = o.At(name)
}

// String summarises the configuration for logs.
func (c *Config) String() string {
	return fmt.Sprintf("%d lanes, %d services, %d gateways", len(c.Lanes), len(c.Services), len(c.Gateways))
}
