package admin

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
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

// snapshotQuery is what /debug/snapshot is asked for: every role and type
// unless ?role= and ?type= (a type's name, such as clusters) narrow it.
type snapshotQuery struct {
	roles []model.Role
	kinds []translators.Kind
}

func parseSnapshotQuery(r *http.Request) (snapshotQuery, error) {
	q := snapshotQuery{roles: model.AllRoles(), kinds: translators.Kinds()}
	if v := r.URL.Query().Get("role"); v != "" {
		role, err := model.ParseRole(v)
		if err != nil {
			return q, err
		}
		q.roles = []model.Role{role}
	}
	if v := r.URL.Query().Get("type"); v != "" {
		i := slices.IndexFunc(q.kinds, func(k translators.Kind) bool { return k.Name == v })
		if i < 0 {
			return q, fmt.Errorf("unknown type %q", v)
		}
		q.kinds = q.kinds[i : i+1]
	}
	return q, nil
}

// Answers of /debug/snapshot are written one at a time: a request waits
// at most snapshotQueueWait for the one before it, and an answer may take
// at most snapshotWriteTimeout to be read.
const (
	snapshotQueueWait    = 30 * time.Second
	snapshotWriteTimeout = 60 * time.Second
)

// debugSnapshot streams the view: resources are encoded and written one
// at a time, and one answer at a time, so that answering costs the server
// about one resource's JSON, not the whole snapshot's per request.
func debugSnapshot(st StatusReporter, snaps SnapshotReader) http.HandlerFunc {
	turn := make(chan struct{}, 1)
	return func(w http.ResponseWriter, r *http.Request) {
		q, err := parseSnapshotQuery(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		select {
		case turn <- struct{}{}:
			defer func() { <-turn }()
		case <-time.After(snapshotQueueWait):
			http.Error(w, "another /debug/snapshot answer is being written; try again", http.StatusServiceUnavailable)
			return
		case <-r.Context().Done():
			return
		}
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(snapshotWriteTimeout))
		w.Header().Set("Content-Type", "application/json")
		bw := bufio.NewWriterSize(w, 32<<10)
		_ = writeSnapshots(bw, st.Status(), snaps, q)
		_ = bw.Flush()
	}
}

// writeSnapshots writes a SnapshotView of the query's roles and types.
func writeSnapshots(w *bufio.Writer, status any, snaps SnapshotReader, q snapshotQuery) error {
	head, err := json.Marshal(status)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "{\"status\": %s,\n\"roles\": {", head)
	first := true
	for _, role := range q.roles {
		s := snaps.Current(role)
		if s == nil {
			continue
		}
		if !first {
			w.WriteString(",")
		}
		first = false
		fmt.Fprintf(w, "\n%q: ", role)
		if err := writeSnapshot(w, s, q.kinds); err != nil {
			return err
		}
	}
	_, err = w.WriteString("\n}}\n")
	return err
}

// writeSnapshot writes one role's types as JSON, resources sorted by name.
func writeSnapshot(w *bufio.Writer, s *snapshot.Snapshot, kinds []translators.Kind) error {
	w.WriteString("{")
	for i, k := range kinds {
		if i > 0 {
			w.WriteString(",")
		}
		fmt.Fprintf(w, "\n  %q: {\"version\": %q, \"resources\": [", k.Name, s.Version(k.Type))
		res := s.Resources(k.Type)
		for j, name := range slices.Sorted(maps.Keys(res)) {
			if j > 0 {
				w.WriteString(",")
			}
			w.WriteString("\n    ")
			if err := writeResource(w, name, res[name]); err != nil {
				return err
			}
		}
		w.WriteString("]}")
	}
	_, err := w.WriteString("\n}")
	return err
}

func writeResource(w io.Writer, name string, m types.Resource) error {
	b, err := protojson.Marshal(render.Redacted(m))
	if err != nil {
		b, _ = json.Marshal(map[string]string{"name": name, "error": err.Error()})
	}
	_, err = w.Write(b)
	return err
}
