package file

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/graylane/graylane/model"
)

// Files lists the configuration files at path: path itself when it is a
// file, else the *.yaml and *.yml files directly in the directory, sorted,
// without hidden ones.
func Files(path string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !isYAML(name) {
			continue
		}
		if st, err := os.Stat(filepath.Join(path, name)); err == nil && st.Mode().IsRegular() {
			files = append(files, filepath.Join(path, name))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no *.yaml files in the directory", path)
	}
	slices.Sort(files)
	return files, nil
}

func isYAML(name string) bool {
	ext := filepath.Ext(name)
	return ext == ".yaml" || ext == ".yml"
}

// Read parses and merges the configuration at path, without validating it.
// The error joins every problem of every file.
func Read(path string) (*model.Config, error) {
	files, err := Files(path)
	if err != nil {
		return nil, err
	}
	parts := make([]*model.Config, 0, len(files))
	var errs []error
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		part, err := Parse(f, data)
		errs = append(errs, err)
		parts = append(parts, part)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return model.Merge(parts...)
}

// Load reads the configuration at path and returns it normalized and
// validated, or every problem found.
func Load(path string) (*model.Config, error) {
	cfg, err := Read(path)
	if err != nil {
		return nil, err
	}
	cfg.Normalize()
	if err := model.Validate(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}
