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
	if err := readCertificates(parts); err != nil {
		return nil, err
	}
	return model.Merge(parts...)
}

// readCertificates reads the PEM files the gateways' certificates name;
// a file that cannot be read is an error at the certificate.
func readCertificates(parts []*model.Config) error {
	var errs []error
	for _, c := range parts {
		for i := range c.Gateways {
			if t := c.Gateways[i].TLS; t != nil {
				for j := range t.Certificates {
					errs = append(errs, readCertificate(&t.Certificates[j]))
				}
			}
		}
	}
	return errors.Join(errs...)
}

func readCertificate(c *model.Certificate) error {
	var errs []error
	for _, f := range []struct {
		field, path string
		dst         *[]byte
	}{{"certFile", c.CertFile, &c.Chain}, {"keyFile", c.KeyFile, &c.Key}} {
		if f.path == "" {
			errs = append(errs, &model.Error{Pos: c.Origin.String(), Subject: "certificate " + c.Name, Message: f.field + " is required"})
			continue
		}
		data, err := os.ReadFile(f.path)
		if err != nil {
			errs = append(errs, &model.Error{Pos: c.Origin.At(f.field), Subject: "certificate " + c.Name, Message: err.Error()})
		}
		*f.dst = data
	}
	return errors.Join(errs...)
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
