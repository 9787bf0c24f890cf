package translators_test

import (
	"bytes"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/translators"
)

func itoa(i int) string { return strconv.Itoa(i) }

// encode is every resource's deterministic encoding, in output order.
func encode(t *testing.T, r *translators.Resources) [][]byte {
	t.Helper()
	var msgs []proto.Message
	for _, c := range r.Clusters {
		msgs = append(msgs, c)
	}
	for _, e := range r.Endpoints {
		msgs = append(msgs, e)
	}
	for _, l := range r.Listeners {
		msgs = append(msgs, l)
	}
	for _, rc := range r.Routes {
		msgs = append(msgs, rc)
	}
	for _, x := range r.ExtensionConfigs {
		msgs = append(msgs, x)
	}
	for _, x := range r.Secrets {
		msgs = append(msgs, x)
	}
	var out [][]byte
	for _, m := range msgs {
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
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
