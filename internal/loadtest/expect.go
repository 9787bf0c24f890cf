package loadtest

import (
	"fmt"
	"slices"

	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	"google.golang.org/protobuf/proto"

	"github.com/graylane/graylane/internal/lanefilter"
	"github.com/graylane/graylane/internal/providers/file"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/translators"
)

// configName is the configuration file's name.
const configName = "graylane.yaml"

// translation is what every role is served for a configuration.
type translation map[model.Role]*translators.Resources

// translatorOptions are the control plane's own (internal/controlplane):
// the lane filter at the edge, loaded from the Envoy's host.
func translatorOptions() []translators.Option {
	return []translators.Option{translators.WithEdgeFilters(lanefilter.New(lanefilter.Local(lanefilter.DefaultLocalPath)))}
}

// parse reads a configuration file's content as the file source and the
// pipeline do: parse, merge, normalize, validate.
func parse(data []byte) (*model.Config, error) {
	part, err := file.Parse(configName, data)
	if err != nil {
		return nil, err
	}
	cfg, err := model.Merge(part)
	if err != nil {
		return nil, err
	}
	cfg.Normalize()
	return cfg, model.Validate(cfg)
}

// translate translates a configuration for every role.
func translate(cfg *model.Config) (translation, error) {
	out := translation{}
	for _, role := range model.AllRoles() {
		res, err := translators.Translate(cfg, role, translatorOptions()...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", role, err)
		}
		out[role] = res
	}
	return out, nil
}

// diff lists, by role and type, what moving from a to b updates, adds
// and removes.
func diff(a, b translation) *Expect {
	e := &Expect{Changed: map[model.Role]map[string][]string{}, Removed: map[model.Role]map[string][]string{}}
	for role, next := range b {
		e.Changed[role], e.Removed[role] = map[string][]string{}, map[string][]string{}
		for _, k := range translators.Kinds() {
			changed, removed := diffKind(byName(a[role].Of(k)), byName(next.Of(k)))
			if len(changed) > 0 {
				e.Changed[role][k.URL] = changed
			}
			if len(removed) > 0 {
				e.Removed[role][k.URL] = removed
			}
		}
	}
	e.Owners = e.owners(a[model.RoleSidecar], b[model.RoleSidecar])
	return e
}

// owners lists, by type URL and name, the service each changed or removed
// sidecar resource belongs to: the key of the piece of a or b that holds
// it, when that piece is a service's.
func (e *Expect) owners(a, b *translators.Resources) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, k := range translators.Kinds() {
		names := append(slices.Clone(e.Changed[model.RoleSidecar][k.URL]), e.Removed[model.RoleSidecar][k.URL]...)
		if len(names) == 0 {
			continue
		}
		of := pieceOf(k, a, b)
		out[k.URL] = map[string]string{}
		for _, n := range names {
			out[k.URL][n] = of[n]
		}
	}
	return out
}

// pieceOf maps the names of a kind's resources in a and b to the services
// whose pieces hold them.
func pieceOf(k translators.Kind, a, b *translators.Resources) map[string]string {
	out := map[string]string{}
	for _, res := range []*translators.Resources{a, b} {
		for _, p := range res.Pieces {
			for _, r := range p.Of(k) {
				if p.OfService() {
					out[cachev3.GetResourceName(r)] = p.Key
				}
			}
		}
	}
	return out
}

func byName(rs []types.Resource) map[string]types.Resource {
	out := make(map[string]types.Resource, len(rs))
	for _, r := range rs {
		out[cachev3.GetResourceName(r)] = r
	}
	return out
}

func diffKind(a, b map[string]types.Resource) (changed, removed []string) {
	for name, r := range b {
		if old, ok := a[name]; !ok || !proto.Equal(old, r) {
			changed = append(changed, name)
		}
	}
	for name := range a {
		if _, ok := b[name]; !ok {
			removed = append(removed, name)
		}
	}
	return changed, removed
}

// count is the number of resources the expectation names.
func (e *Expect) count() int {
	n := 0
	for _, byType := range []map[model.Role]map[string][]string{e.Changed, e.Removed} {
		for _, names := range byType {
			for _, ns := range names {
				n += len(ns)
			}
		}
	}
	return n
}
