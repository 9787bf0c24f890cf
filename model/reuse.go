package model

import "github.com/graylane/graylane/internal/parallel"

// Reuse replaces each service of c that is Equal to the service of the
// same key in last with last's, which shares last's lists and maps, and
// reports, by index, the services it replaced. It compares on every core.
//
// A configuration read again from a source is all new memory even where
// nothing changed; after Reuse, whatever compares services later (Revalidate,
// the translators' memo) finds the unchanged ones at a glance.
func Reuse(c, last *Config) []bool {
	reused := make([]bool, len(c.Services))
	if last == nil {
		return reused
	}
	find := lastByKey(c, last)
	parallel.For(len(c.Services), 1024, func(i int) {
		s := &c.Services[i]
		if prev := find(i, s); prev != nil && prev.Equal(s) {
			*s, reused[i] = *prev, true
		}
	})
	return reused
}

// lastByKey returns how to find, in last, the service that is the i-th of
// c: at the same index when both list the same services, else by key.
func lastByKey(c, last *Config) func(int, *Service) *Service {
	if sameKeys(c.Services, last.Services) {
		return func(i int, _ *Service) *Service { return &last.Services[i] }
	}
	byKey := make(map[string]*Service, len(last.Services))
	for i := range last.Services {
		byKey[last.Services[i].Key()] = &last.Services[i]
	}
	return func(_ int, s *Service) *Service { return byKey[s.Key()] }
}

// sameKeys reports whether a and b list services of the same keys in the
// same order.
func sameKeys(a, b []Service) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].SameKey(&b[i]) {
			return false
		}
	}
	return true
}
