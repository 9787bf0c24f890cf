package translators

import (
	"testing"

	"github.com/graylane/graylane/model"
)

// TestEveryRoleHasASlotOfItsOwn wants a slot in each service's memory for
// every role, none shared: a role added without a slot would share
// another's memory.
func TestEveryRoleHasASlotOfItsOwn(t *testing.T) {
	roles := model.AllRoles()
	if len(roles) != roleSlots {
		t.Fatalf("%d roles, %d slots", len(roles), roleSlots)
	}
	seen := map[int]model.Role{}
	for _, r := range roles {
		if other, ok := seen[roleSlot(r)]; ok {
			t.Errorf("%s and %s share slot %d", r, other, roleSlot(r))
		}
		seen[roleSlot(r)] = r
	}
}
