package translators_test

import (
	"fmt"
	"testing"

	"github.com/graylane/graylane/internal/benchconfig"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/translators"
)

// BenchmarkTranslate measures translation alone, per role.
func BenchmarkTranslate(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		cfg := benchconfig.Generate(n)
		for _, role := range model.AllRoles() {
			b.Run(fmt.Sprintf("services=%d/role=%s", n, role), func(b *testing.B) {
				benchconfig.Loop(b, func() {
					if _, err := translators.Translate(cfg, role); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
}
