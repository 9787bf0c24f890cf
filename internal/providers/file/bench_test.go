package file

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/graylane/graylane/internal/benchconfig"
	"github.com/graylane/graylane/model"
)

// BenchmarkRead measures reading a configuration of n services: in one
// file (whole), and in a directory of ten files of which one changed
// since the source's last read (one-of-ten), which parses that file
// alone. The figures include writing the changed file.
func BenchmarkRead(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		cfg := benchconfig.Generate(n)
		b.Run(fmt.Sprintf("services=%d/files=whole", n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "graylane.yaml")
			writeYAML(b, path, cfg)
			benchconfig.Loop(b, func() { mustRead(b, path, nil) })
		})
		b.Run(fmt.Sprintf("services=%d/files=one-of-ten", n), func(b *testing.B) {
			dir := b.TempDir()
			parts := splitInTen(cfg)
			for i, p := range parts {
				writeYAML(b, filepath.Join(dir, fmt.Sprintf("part-%d.yaml", i)), p)
			}
			var files parsedFiles
			mustRead(b, dir, &files)
			i := 0
			benchconfig.Loop(b, func() {
				i++
				changed := *parts[5]
				changed.Services = append([]model.Service(nil), parts[5].Services...)
				changed.Services[0].Weights = map[string]model.Weight{"v1": model.Weight(i % 10000), "v2": model.WeightFull - model.Weight(i%10000)}
				writeYAML(b, filepath.Join(dir, "part-5.yaml"), &changed)
				mustRead(b, dir, &files)
			})
		})
	}
}

// splitInTen splits a configuration's services into ten parts, the first
// with the lanes and gateways.
func splitInTen(cfg *model.Config) []*model.Config {
	var out []*model.Config
	for i := range 10 {
		lo, hi := i*len(cfg.Services)/10, (i+1)*len(cfg.Services)/10
		p := &model.Config{Services: cfg.Services[lo:hi]}
		if i == 0 {
			p.LaneHeader, p.Lanes, p.Gateways = cfg.LaneHeader, cfg.Lanes, cfg.Gateways
		}
		out = append(out, p)
	}
	return out
}

func writeYAML(b *testing.B, path string, cfg *model.Config) {
	data, err := benchconfig.YAML(cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
}

func mustRead(b *testing.B, path string, files *parsedFiles) {
	if _, err := readContents(path, files); err != nil {
		b.Fatal(err)
	}
}
