package kubernetes

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/graylane/graylane/model"
)

// Last good states are kept in the API server, in ConfigMaps of Graylane's
// own namespace (the Lease's), so that they survive a restart and every
// replica falls back to the same state: one ConfigMap per Service or
// Gateway unit, and one for all Lanes. The replica that writes statuses
// writes them; every replica reads them through its watch before it
// publishes. They hold what the objects' specs map to, never endpoints or
// certificate keys: those are read live.
const (
	// LabelLastGood marks the ConfigMaps that hold last good states; its
	// value names the Lease of the Graylane that wrote them.
	LabelLastGood = "graylane.io/last-good"
	// labelKind, labelNamespace and labelName name the object a ConfigMap
	// holds the last good state of.
	labelKind      = "graylane.io/kind"
	labelNamespace = "graylane.io/namespace"
	labelName      = "graylane.io/name"
	// stateKey is the ConfigMap key of a unit's state.
	stateKey = "state.json"
	// kindLanes is the labelKind of the ConfigMap of Lanes.
	kindLanes = "Lanes"
	// storeFormat is the version of what is written; another is ignored.
	storeFormat = 1
	// maxRecord bounds what one ConfigMap holds, well under the API's 1 MiB:
	// a bigger state is kept in memory only (and logged).
	maxRecord = 768 << 10
)

// store names the ConfigMaps of one Graylane's last good states.
type store struct {
	namespace string
	owner     string // the Lease's name
}

func (s store) ownerLabel() string { return labelName63(s.owner) }

// labelName63 fits a name into a label value.
func labelName63(name string) string { return shortName(63, name) }

// unitName is the name of a unit's ConfigMap.
func (s store) unitName(k unitKey) string {
	return shortName(253, s.owner, strings.ToLower(k.Kind), k.Namespace, k.Name)
}

func (s store) lanesName() string { return shortName(253, s.owner, "lanes") }

// configMap is a ConfigMap of the store with its data.
func (s store) configMap(name, kind string, key types.NamespacedName, data map[string]string) *corev1.ConfigMap {
	labels := map[string]string{LabelLastGood: s.ownerLabel(), labelKind: kind}
	if key.Name != "" {
		labels[labelNamespace], labels[labelName] = labelName63(key.Namespace), labelName63(key.Name)
	}
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: s.namespace, Name: name, Labels: labels},
		Data:       data,
	}
}

// unitRecord is a unit's last good state as written.
type unitRecord struct {
	Format    int                             `json:"format"`
	Key       unitKey                         `json:"key"`
	Services  []model.Service                 `json:"services,omitempty"`
	Gateways  []model.Gateway                 `json:"gateways,omitempty"`
	Sources   map[string]endpointSource       `json:"sources,omitempty"`
	Certs     map[string]types.NamespacedName `json:"certs,omitempty"`
	Positions []string                        `json:"positions,omitempty"`
}

// laneRecord is a Lane's last accepted spec as written.
type laneRecord struct {
	Format int `json:"format"`
	acceptedLane
}

// encodeUnit writes what a unit's objects map to: without endpoints and
// certificate keys, which are read again when the state is used.
func encodeUnit(u *unit) ([]byte, error) {
	rec := unitRecord{Format: storeFormat, Key: u.key, Sources: u.sources, Certs: u.certs,
		Positions: slices.Sorted(maps.Keys(u.positions))}
	for _, s := range u.services {
		s.Versions = slices.Clone(s.Versions)
		for i := range s.Versions {
			s.Versions[i].Endpoints = nil
		}
		rec.Services = append(rec.Services, s)
	}
	for _, g := range u.gateways {
		rec.Gateways = append(rec.Gateways, withCertificates(g, nil, func(types.NamespacedName) keyPair { return keyPair{} }))
	}
	data, err := json.Marshal(rec)
	if err == nil && len(data) > maxRecord {
		err = fmt.Errorf("its last good state takes %d bytes, more than %d: it is kept in memory only", len(data), maxRecord)
	}
	return data, err
}

// errFormat reports a record of another format, or of another unit.
var errFormat = errors.New("not a last good state this Graylane writes")

// decodeUnit reads a unit's last good state back; it is to be refreshed
// before use.
func decodeUnit(key unitKey, data string) (*unit, error) {
	var rec unitRecord
	if err := json.Unmarshal([]byte(data), &rec); err != nil {
		return nil, err
	}
	if rec.Format != storeFormat || rec.Key != key {
		return nil, errFormat
	}
	u := newUnit(key)
	u.services, u.gateways = rec.Services, rec.Gateways
	maps.Copy(u.sources, rec.Sources)
	maps.Copy(u.certs, rec.Certs)
	for _, p := range rec.Positions {
		u.positions[p] = true
	}
	return u, nil
}

func encodeLane(al acceptedLane) (string, error) {
	data, err := json.Marshal(laneRecord{Format: storeFormat, acceptedLane: al})
	return string(data), err
}

func decodeLane(data string) (acceptedLane, error) {
	var rec laneRecord
	if err := json.Unmarshal([]byte(data), &rec); err != nil {
		return acceptedLane{}, err
	}
	if rec.Format != storeFormat {
		return acceptedLane{}, errFormat
	}
	return rec.acceptedLane, nil
}
