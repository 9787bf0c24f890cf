package kubernetes

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/graylane/graylane/model"
)

// records are the last good states to keep in the API server: what every
// unit built from its objects maps to, the Lanes' last accepted specs, and
// the ConfigMaps of objects that are gone, to delete.
type records struct {
	namespace string
	put       []*corev1.ConfigMap
	del       []string
	// problems are states that cannot be kept (too big); they stay in
	// memory.
	problems []error
}

// stored is a unit's last good state as written to the API server, or
// nil.
func (b *builder) stored(w *world, key unitKey) *unit {
	cm := w.stored[b.store.unitName(key)]
	if cm == nil {
		return nil
	}
	u, err := b.decode(cm, key)
	if err != nil {
		return nil
	}
	return u
}

// decode reads a unit's record back, once per resourceVersion.
func (b *builder) decode(cm *corev1.ConfigMap, key unitKey) (*unit, error) {
	if d, ok := b.decoded[cm.Name]; ok && d.version == cm.ResourceVersion && (d.err != nil || d.unit.key == key) {
		return d.unit, d.err
	}
	u, err := decodeUnit(key, cm.Data[stateKey])
	b.decoded[cm.Name] = decodedRecord{version: cm.ResourceVersion, unit: u, err: err}
	return u, err
}

// storedKey is the unit a record is of, when it can be read.
func (b *builder) storedKey(cm *corev1.ConfigMap) (unitKey, bool) {
	key := unitKey{Kind: cm.Labels[labelKind], NamespacedName: types.NamespacedName{Namespace: cm.Labels[labelNamespace], Name: cm.Labels[labelName]}}
	if b.store.unitName(key) == cm.Name {
		return key, true
	}
	return unitKey{}, false // a name too long for a label: read the record
}

// lastLane is a Lane's last accepted spec: the one written to the API
// server, else the one in memory.
func (b *builder) lastLane(w *world, name string) (acceptedLane, bool) {
	if cm := w.stored[b.store.lanesName()]; cm != nil {
		if data, ok := cm.Data[name]; ok {
			if al, err := decodeLane(data); err == nil && al.Lane.Name == name {
				return al, true
			}
		}
	}
	al, ok := b.lanes[name]
	return al, ok
}

// records lists what to write: every unit built from its objects now (a
// unit that has problems keeps what is written), the Lanes' ConfigMap,
// and the records of objects that are gone from the namespaces read.
func (b *builder) records(w *world, built []*unit, present map[unitKey]bool, lanes []laneResult) *records {
	r := &records{namespace: b.store.namespace}
	for _, u := range built {
		if u.fallback {
			continue
		}
		key := u.key
		data, err := encodeUnit(u)
		if err != nil {
			r.problems = append(r.problems, &model.Error{Pos: key.String(), Message: err.Error()})
			continue
		}
		r.put = append(r.put, b.store.configMap(b.store.unitName(key), key.Kind, key.NamespacedName, map[string]string{stateKey: string(data)}))
	}
	for _, name := range slices.Sorted(maps.Keys(w.stored)) {
		cm := w.stored[name]
		if cm.Labels[labelKind] == kindLanes {
			continue
		}
		key, ok := b.storedKey(cm)
		if !ok {
			u, err := decodeAnyUnit(cm.Data[stateKey])
			if err != nil {
				continue // another format: a newer Graylane's, left alone
			}
			key = u.key
		}
		if !present[key] && b.inScope(key.Namespace) {
			r.del = append(r.del, name)
		}
	}
	b.laneRecords(w, r, lanes)
	return r
}

// laneRecords adds the Lanes' ConfigMap: every Lane accepted from its spec
// now, the others as written, none of Lanes that are gone.
func (b *builder) laneRecords(w *world, r *records, lanes []laneResult) {
	name := b.store.lanesName()
	old := w.stored[name]
	data := map[string]string{}
	for _, l := range lanes {
		al, fresh := b.lanes[l.name]
		if fresh && len(l.problems) == 0 {
			if text, err := encodeLane(al); err == nil {
				data[l.name] = text
			}
		} else if old != nil && old.Data[l.name] != "" {
			data[l.name] = old.Data[l.name]
		}
	}
	switch {
	case len(data) > 0:
		r.put = append(r.put, b.store.configMap(name, kindLanes, types.NamespacedName{}, data))
	case old != nil:
		r.del = append(r.del, name)
	}
}

// decodeAnyUnit reads a record whatever unit it is of.
func decodeAnyUnit(data string) (*unit, error) {
	var probe struct {
		Key unitKey `json:"key"`
	}
	if err := json.Unmarshal([]byte(data), &probe); err != nil {
		return nil, err
	}
	if probe.Key.Kind == "" {
		return nil, errors.New("no key")
	}
	return decodeUnit(probe.Key, data)
}
