package admin

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/graylane/graylane/internal/render"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/snapshot"
	"github.com/graylane/graylane/translators"
)

// SnapshotView is the JSON of /debug/snapshot.
type SnapshotView struct {
	Status any                                `json:"status"`
	Roles  map[model.Role]map[string]TypeView `json:"roles"`
}

// TypeView is one resource type of a role's snapshot.
type TypeView struct {
	Version   string            `json:"version"`
	Resources []json.RawMessage `json:"resources"`
}

func debugSnapshot(st StatusReporter, snaps SnapshotReader) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		view := SnapshotView{Status: st.Status(), Roles: map[model.Role]map[string]TypeView{}}
		for _, role := range model.AllRoles() {
			if s := snaps.Current(role); s != nil {
				view.Roles[role] = ViewOf(s)
			}
		}
		writeJSON(w, view)
	}
}

// ViewOf renders a snapshot as JSON, resources sorted by name, private
// keys redacted.
func ViewOf(s *snapshot.Snapshot) map[string]TypeView {
	out := map[string]TypeView{}
	for _, k := range translators.Kinds() {
		res := s.Resources(k.Type)
		tv := TypeView{Version: s.Version(k.Type), Resources: []json.RawMessage{}}
		for _, name := range slices.Sorted(maps.Keys(res)) {
			b, err := protojson.Marshal(render.Redacted(res[name]))
			if err != nil {
				b, _ = json.Marshal(map[string]string{"name": name, "error": err.Error()})
			}
			tv.Resources = append(tv.Resources, b)
		}
		out[k.Name] = tv
	}
	return out
}
