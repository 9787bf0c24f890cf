package snapshot

import (
	"fmt"
	"testing"
)

// fill inserts n entries named from first on into a txn of s and commits.
func fill(t *testing.T, s *set, first, n int) *set {
	t.Helper()
	x := s.txn()
	x.grow(n)
	for i := first; i < first+n; i++ {
		name := fmt.Sprint("r", i)
		if _, dup := x.insert(name, &entry{version: name}); dup {
			t.Fatalf("%s inserted twice", name)
		}
	}
	return x.commit(0)
}

func versionsOf(s *set) map[string]string {
	out := map[string]string{}
	s.each(func(name string, e *entry) { out[name] = e.version })
	return out
}

// TestSetTxnLeavesItsParentAlone changes a set of many shards in a txn and
// wants the set it came from unchanged, and the new one to hold exactly
// what the txn put in and did not take out.
func TestSetTxnLeavesItsParentAlone(t *testing.T) {
	parent := fill(t, emptySet(), 0, 1000)
	if len(parent.shards) < 1000/shardLoad || parent.n != 1000 {
		t.Fatalf("1000 resources in %d shards, n = %d", len(parent.shards), parent.n)
	}
	x := parent.txn()
	for i := 0; i < 1000; i += 10 {
		if _, ok := x.remove(fmt.Sprint("r", i)); !ok {
			t.Fatalf("r%d not found", i)
		}
	}
	if old, dup := x.insert("r1", &entry{version: "new"}); !dup || old.version != "r1" {
		t.Errorf("insert of a name the set has = %v, %v; want the old entry, kept", old, dup)
	}
	if _, ok := x.remove("absent"); ok {
		t.Error("removed a name the set does not have")
	}
	x.grow(5000) // doubles the shards: what the txn did must survive it
	x.insert("extra", &entry{version: "extra"})
	child := x.commit(0)

	if got := versionsOf(parent); len(got) != 1000 || parent.n != 1000 || got["r0"] != "r0" || got["r1"] != "r1" {
		t.Errorf("parent changed: %d resources, n = %d", len(got), parent.n)
	}
	got := versionsOf(child)
	if len(got) != 901 || child.n != 901 || got["extra"] != "extra" || got["r1"] != "r1" {
		t.Errorf("child: %d resources, n = %d, extra %q, r1 %q", len(got), child.n, got["extra"], got["r1"])
	}
	for i := 0; i < 1000; i++ {
		_, ok := child.get(fmt.Sprint("r", i))
		if want := i%10 != 0; ok != want {
			t.Errorf("child has r%d: %v, want %v", i, ok, want)
		}
	}
}
