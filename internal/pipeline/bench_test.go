package pipeline

import (
	"fmt"
	"slices"
	"testing"

	"github.com/graylane/graylane/internal/benchconfig"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/snapshot"
	"github.com/graylane/graylane/translators"
)

var sizes = []int{100, 1000, 10000}

// BenchmarkTranslateAndSnapshot measures a cold build for one role:
// translation, validation, reference checks and versioning, with nothing
// remembered. Compare runs with benchstat; the cost should grow linearly
// with services.
func BenchmarkTranslateAndSnapshot(b *testing.B) {
	for _, n := range sizes {
		cfg := benchconfig.Generate(n)
		for _, role := range model.AllRoles() {
			b.Run(fmt.Sprintf("services=%d/role=%s", n, role), func(b *testing.B) {
				benchconfig.Loop(b, func() { buildRole(b, cfg, role, nil, snapshot.NewBuilder()) })
			})
		}
	}
}

// BenchmarkOneServiceChanged measures what translating and snapshotting
// one role costs on a typical change to one service of n: its weights
// move (weight), or one of its endpoints moves (endpoint). The other
// services come as the pipeline hands them on after model.Reuse, the very
// services of the build before; the memo and the builder remember that
// build, as the pipeline's do. The figures should not grow with n.
// BenchmarkAllRoles/change adds what comes before, from a configuration
// read anew.
func BenchmarkOneServiceChanged(b *testing.B) {
	for _, n := range sizes {
		for _, change := range []string{"weight", "endpoint"} {
			base := benchconfig.Generate(n)
			cfgs := [2]*model.Config{base, sharing(base, change)}
			for _, role := range model.AllRoles() {
				b.Run(fmt.Sprintf("services=%d/change=%s/role=%s", n, change, role), func(b *testing.B) {
					memo, builder := translators.NewMemo(), snapshot.NewBuilder()
					buildRole(b, cfgs[0], role, memo, builder)
					i := 0
					benchconfig.Loop(b, func() {
						i++
						buildRole(b, cfgs[i%2], role, memo, builder)
					})
				})
			}
		}
	}
}

// changed is the benchmark configuration of n services with the change
// made to its middle service, all of it new.
func changed(n int, change string) *model.Config {
	c := benchconfig.Generate(n)
	change1(&c.Services[n/2], change)
	return c
}

// sharing is base with the change made to a copy of its middle service,
// sharing every other service with base.
func sharing(base *model.Config, change string) *model.Config {
	c := *base
	c.Services = slices.Clone(base.Services)
	i := len(c.Services) / 2
	c.Services[i] = base.DeepCopy().Services[i]
	change1(&c.Services[i], change)
	return &c
}

func change1(s *model.Service, change string) {
	switch change {
	case "weight":
		s.Weights = map[string]model.Weight{"v1": 5000, "v2": 5000}
	default:
		s.Versions[0].Endpoints[0].Port = 9999
	}
}

// buildRole translates a configuration in pieces, as the pipeline does,
// and builds its snapshot.
func buildRole(b *testing.B, cfg *model.Config, role model.Role, memo *translators.Memo, builder *snapshot.Builder) {
	opts := []translators.Option{translators.PiecesOnly()}
	if memo != nil {
		opts = append(opts, translators.WithMemo(memo))
	}
	res, err := translators.Translate(cfg, role, opts...)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := builder.Build(res); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAllRoles measures what the pipeline does for a configuration:
// validation and every role, the roles built concurrently; cold (nothing
// remembered) and with one service changed since the last build.
func BenchmarkAllRoles(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("services=%d/cold", n), func(b *testing.B) {
			cfg := benchconfig.Generate(n)
			benchconfig.Loop(b, func() { buildAll(b, newBuilder(), cfg) })
		})
		for _, change := range []string{"weight", "endpoint"} {
			cfgs := [2]*model.Config{benchconfig.Generate(n), changed(n, change)}
			b.Run(fmt.Sprintf("services=%d/change=%s", n, change), func(b *testing.B) {
				bl := newBuilder()
				buildAll(b, bl, cfgs[0])
				i := 0
				benchconfig.Loop(b, func() {
					i++
					buildAll(b, bl, cfgs[i%2])
				})
			})
		}
	}
}

func buildAll(b *testing.B, bl *builder, cfg *model.Config) {
	if _, err := bl.build([]*model.Config{cfg}, nil); err != nil {
		b.Fatal(err)
	}
}
