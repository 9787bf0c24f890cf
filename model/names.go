package model

import (
	"fmt"
	"strconv"
)

// Host is the service's name qualified by its namespace: "reviews.default".
func (s *Service) Host() string { return s.Name + "." + s.Namespace }

// SameKey reports whether s and o have the same Key, without building it.
func (s *Service) SameKey(o *Service) bool {
	return s.Name == o.Name && s.Namespace == o.Namespace && s.Port == o.Port
}

// Key identifies the service port: "reviews.default:9080". A proxyless gRPC
// client dials xds:///KEY.
func (s *Service) Key() string { return s.Host() + ":" + strconv.FormatUint(uint64(s.Port), 10) }

// Baseline returns the version without a lane. It returns nil only for a
// Config that has not passed Validate.
func (s *Service) Baseline() *Version {
	for i := range s.Versions {
		if s.Versions[i].Lane == "" {
			return &s.Versions[i]
		}
	}
	return nil
}

// LaneVersions returns the versions that serve a lane, in version order.
func (s *Service) LaneVersions() []*Version {
	var out []*Version
	for i := range s.Versions {
		if s.Versions[i].Lane != "" {
			out = append(out, &s.Versions[i])
		}
	}
	return out
}

// String formats the reference as written in configuration.
func (r ServiceRef) String() string {
	s := r.Name + "." + r.Namespace
	if r.Port != 0 {
		s = fmt.Sprintf("%s:%d", s, r.Port)
	}
	return s
}

// Matches reports whether the reference names the service.
func (r ServiceRef) Matches(s *Service) bool {
	return r.Name == s.Name && r.Namespace == s.Namespace && (r.Port == 0 || r.Port == s.Port)
}

// Service resolves a reference. It returns nil when no service matches or
// when a portless reference matches several ports.
func (c *Config) Service(ref ServiceRef) *Service {
	var found *Service
	for i := range c.Services {
		if ref.Matches(&c.Services[i]) {
			if found != nil {
				return nil
			}
			found = &c.Services[i]
		}
	}
	return found
}
