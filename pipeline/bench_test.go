package pipeline

import (
	"fmt"
	"testing"

	"github.com/graylane/graylane/internal/benchconfig"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/snapshot"
	"github.com/graylane/graylane/translators"
)

// BenchmarkTranslateAndSnapshot measures what a configuration change costs
// for one role: translation, validation, reference checks and versioning.
// Compare runs with benchstat; the cost should grow linearly with services.
func BenchmarkTranslateAndSnapshot(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		cfg := benchconfig.Generate(n)
		for _, role := range model.AllRoles() {
			b.Run(fmt.Sprintf("services=%d/role=%s", n, role), func(b *testing.B) {
				benchconfig.Loop(b, func() {
					res, err := translators.Translate(cfg, role)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := snapshot.Build(res); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
}
