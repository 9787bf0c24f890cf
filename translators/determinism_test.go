package translators_test

import (
	"bytes"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"

	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/translators"
)

func itoa(i int) string { return strconv.Itoa(i) }

// messages are every resource, in output order.
func messages(r *translators.Resources) []proto.Message {
	var out []proto.Message
	for _, k := range translators.Kinds() {
		for _, res := range r.Of(k) {
			out = append(out, res)
		}
	}
	return out
}

// encode is every resource's deterministic encoding, in output order.
func encode(t *testing.T, r *translators.Resources) [][]byte {
	t.Helper()
	var out [][]byte
	for _, m := range messages(r) {
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// TestMapsHoldOneEntry wants no map of more than one entry in any
// resource of any case: the snapshot versions resources by their encoding,
// and the generated encoders write map entries in Go's random map order.
func TestMapsHoldOneEntry(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/*.in.yaml")
	for _, in := range inputs {
		cfg := loadCase(t, in)
		for _, role := range model.AllRoles() {
			res, err := translators.Translate(cfg, role, laneFilter())
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range messages(res) {
				if n := largestMap(m.ProtoReflect()); n > 1 {
					t.Errorf("%s/%s: %T %q has a map of %d entries", in, role, m, cachev3.GetResourceName(m), n)
				}
			}
		}
	}
}

// largestMap is the number of entries of a message's largest map, its
// own or a nested message's.
func largestMap(m protoreflect.Message) int {
	n := 0
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsMap():
			n = max(n, v.Map().Len())
			v.Map().Range(func(_ protoreflect.MapKey, e protoreflect.Value) bool {
				if fd.MapValue().Message() != nil {
					n = max(n, largestMap(e.Message()))
				}
				return true
			})
		case fd.IsList() && fd.Message() != nil:
			for i := range v.List().Len() {
				n = max(n, largestMap(v.List().Get(i).Message()))
			}
		case fd.Message() != nil:
			n = max(n, largestMap(v.Message()))
		}
		return true
	})
	return n
}

// TestDeterministic translates every case twice, and once more from a copy
// whose services were shuffled before normalizing, and wants the same bytes.
func TestDeterministic(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/*.in.yaml")
	for _, in := range inputs {
		cfg := loadCase(t, in)
		shuffled := cfg.DeepCopy()
		rand.Shuffle(len(shuffled.Services), func(i, j int) {
			shuffled.Services[i], shuffled.Services[j] = shuffled.Services[j], shuffled.Services[i]
		})
		shuffled.Normalize()
		for _, role := range model.AllRoles() {
			var runs [][][]byte
			for _, c := range []*model.Config{cfg, cfg, shuffled} {
				res, err := translators.Translate(c, role, laneFilter())
				if err != nil {
					t.Fatal(err)
				}
				runs = append(runs, encode(t, res))
			}
			for i := 1; i < len(runs); i++ {
				if !equalRuns(runs[0], runs[i]) {
					t.Errorf("%s/%s: translation %d differs from the first", in, role, i+1)
				}
			}
		}
	}
}

func equalRuns(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
