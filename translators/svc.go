package translators

import "github.com/graylane/graylane/model"

// svc is a service with the names translation needs, computed once.
type svc struct {
	*model.Service
	key      string
	clusters []string // cluster name of each version, by index
	baseline int      // index of the baseline version
}

func newSvc(s *model.Service) *svc {
	out := &svc{Service: s, key: s.Key(), clusters: make([]string, len(s.Versions))}
	for i := range s.Versions {
		out.clusters[i] = out.key + "/" + s.Versions[i].Name
		if s.Versions[i].Lane == "" {
			out.baseline = i
		}
	}
	return out
}

// versionIndex is the index of the named version; the baseline's when the
// name is unknown, which Validate rules out.
func (s *svc) versionIndex(name string) int {
	for i := range s.Versions {
		if s.Versions[i].Name == name {
			return i
		}
	}
	return s.baseline
}
