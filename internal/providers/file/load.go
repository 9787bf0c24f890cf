package file

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
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
		return nil, pathError(path, err)
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, pathError(path, err)
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
		return nil, &model.Error{Pos: path, Message: "no *.yaml files in the directory"}
	}
	slices.Sort(files)
	return files, nil
}

// pathError says why path cannot be read, as a *model.Error at path.
func pathError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &model.Error{Pos: path, Message: "cannot be read: " + err.Error()}
}

func isYAML(name string) bool {
	ext := filepath.Ext(name)
	return ext == ".yaml" || ext == ".yml"
}

// Contents is what was read at a configuration path.
type Contents struct {
	// Config merges the Graylane files. When reading failed, it holds what
	// could be decoded, for Problems to validate; nil if nothing could.
	Config *model.Config
	// Skipped are the files of a directory left out as another format.
	Skipped []Skipped
	// Digest identifies the files read and their content: two readings
	// with the same digest hold the same configuration.
	Digest string
}

// Skipped is a file of a directory that is clearly not Graylane
// configuration, such as an Envoy bootstrap next to it.
type Skipped struct {
	File   string
	Format string
}

func (s Skipped) String() string {
	return s.File + ": skipped: " + s.Format + ", not Graylane configuration"
}

// ReadContents parses and merges the configuration at path, without
// validating it. In a directory, files of another format (Envoy
// bootstraps, Kubernetes manifests) are skipped; at a file path they are
// an error. The error joins every problem of every file, sorted by
// position; Contents is returned with it.
func ReadContents(path string) (*Contents, error) { return readContents(path, nil) }

// readContents is ReadContents, parsing again only the files whose content
// is not in parsed (nil for none), which it updates to hold the files read.
func readContents(path string, parsed *parsedFiles) (*Contents, error) {
	files, err := Files(path)
	if err != nil {
		sum := sha256.Sum256([]byte(err.Error()))
		return &Contents{Digest: hex.EncodeToString(sum[:])}, err
	}
	r := reading{dir: len(files) > 1 || files[0] != path, hash: sha256.New(), last: parsed.take()}
	for _, f := range files {
		r.add(f)
	}
	parsed.keep(r.parsed)
	c := &Contents{Skipped: r.skipped, Digest: hex.EncodeToString(r.hash.Sum(nil))}
	if len(r.parts) == 0 {
		return c, &model.Error{Pos: path, Message: "no Graylane configuration in the directory: every *.yaml file is another format"}
	}
	for i, p := range r.parts {
		r.parts[i] = ownCertificates(p)
	}
	r.errs = append(r.errs, readCertificates(r.parts, r.hash))
	c.Digest = hex.EncodeToString(r.hash.Sum(nil))
	cfg, err := merge(r.parts)
	c.Config = cfg
	return c, sortProblems(append(r.errs, err))
}

// reading collects the files of a configuration as they are read.
type reading struct {
	dir     bool // the files of a directory, where other formats are skipped
	hash    hash.Hash
	parts   []*model.Config
	errs    []error
	skipped []Skipped
	// last are the files parsed by the read before, parsed those of this
	// one.
	last, parsed map[string]parsedFile
}

// parsedFiles remembers the files a source read last, parsed, so that a
// change to one file of a directory parses that file alone. A parsed
// file is never changed afterwards: the configuration it gave may be
// handed on again, and is shared with what was published.
type parsedFiles struct {
	files map[string]parsedFile
}

// parsedFile is a file's content digest and what parsing it gave.
type parsedFile struct {
	sum [sha256.Size]byte
	p   parsed
}

// take returns the files remembered, empty but not nil when remembering.
func (pf *parsedFiles) take() map[string]parsedFile {
	switch {
	case pf == nil:
		return nil
	case pf.files == nil:
		return map[string]parsedFile{}
	}
	return pf.files
}

func (pf *parsedFiles) keep(files map[string]parsedFile) {
	if pf != nil {
		pf.files = files
	}
}

// parse parses a file's content, or recalls what the same content gave.
func (r *reading) parse(file string, data []byte) parsed {
	sum := sha256.Sum256(data)
	if f, ok := r.last[file]; ok && f.sum == sum {
		r.remember(file, f)
		return f.p
	}
	f := parsedFile{sum: sum, p: parse(file, data)}
	r.remember(file, f)
	return f.p
}

func (r *reading) remember(file string, f parsedFile) {
	if r.last == nil { // not remembering
		return
	}
	if r.parsed == nil {
		r.parsed = make(map[string]parsedFile, len(r.last))
	}
	r.parsed[file] = f
}

func (r *reading) add(file string) {
	p, content := readOne(file, r.parse)
	switch {
	case p.foreign != "" && r.dir:
		r.skipped = append(r.skipped, Skipped{File: file, Format: p.foreign})
		fmt.Fprintf(r.hash, "skipped %s %s\x00", file, p.foreign)
		return
	case p.foreign != "":
		p.err = lineError(file, 1, "%s, not a Graylane configuration", p.foreign)
	}
	fmt.Fprintf(r.hash, "file %s %d\x00", file, len(content))
	r.hash.Write(content)
	r.parts = append(r.parts, p.cfg)
	r.errs = append(r.errs, p.err)
}

// readOne reads and parses one file. It returns what identifies its
// content too: the content itself, or why it could not be read.
func readOne(file string, parse func(string, []byte) parsed) (parsed, []byte) {
	f, err := os.Open(file)
	if err != nil {
		err = pathError(file, err)
		return parsed{err: err}, []byte(err.Error())
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Size() > MaxFileSize {
		return tooLarge(file), fmt.Appendf(nil, "%d bytes", info.Size())
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		err = pathError(file, err)
		return parsed{err: err}, []byte(err.Error())
	}
	return parse(file, data), data
}

// merge merges the files' configurations. One that says `services: none`
// speaks for the whole configuration: no other file may define services.
func merge(parts []*model.Config) (*model.Config, error) {
	cfg, err := model.Merge(parts...)
	none := saysNone(parts)
	cfg.NoServices = none != nil
	cfg.Origin = mergedOrigin(cfg.Origin, servicesPosition(parts, none))
	return cfg, errors.Join(err, contradictions(parts, none))
}

// saysNone is the first part that says `services: none`, or nil.
func saysNone(parts []*model.Config) *model.Config {
	for _, p := range parts {
		if p != nil && p.NoServices {
			return p
		}
	}
	return nil
}

// contradictions reports the parts that define services next to none.
func contradictions(parts []*model.Config, none *model.Config) error {
	if none == nil {
		return nil
	}
	var errs []error
	for _, p := range parts {
		if p != nil && len(p.Services) > 0 {
			s := &p.Services[0]
			errs = append(errs, &model.Error{Pos: none.Origin.At("services"), Message: fmt.Sprintf(
				"`services: none` says the configuration has no services, but %s defines service %s", s.Origin, model.Quote(s.Name))})
		}
	}
	return errors.Join(errs...)
}

// mergedOrigin adds the position of the services to a merged origin.
func mergedOrigin(o model.Origin, services string) model.Origin {
	fields := map[string]string{"services": services}
	for _, f := range []string{"laneHeader", "laneBaggageKey", "sidecarPort"} {
		if p := o.At(f); p != o.String() {
			fields[f] = p
		}
	}
	return model.NewOrigin(o.String(), fields)
}

// servicesPosition is where the configuration's services are said to be:
// at `services: none`, else at the first file's services key, else at the
// top of the first file.
func servicesPosition(parts []*model.Config, none *model.Config) string {
	if none != nil {
		return none.Origin.At("services")
	}
	first := ""
	for _, p := range parts {
		if p == nil {
			continue
		}
		if at := p.Origin.At("services"); at != p.Origin.String() {
			return at
		}
		if first == "" {
			first = p.Origin.String()
		}
	}
	return first
}

// Read parses and merges the configuration at path, without validating it.
// The error joins every problem of every file.
func Read(path string) (*model.Config, error) {
	c, err := ReadContents(path)
	if err != nil {
		return nil, err
	}
	return c.Config, nil
}

// ownCertificates is c, or, when a gateway of it has TLS, a copy whose
// gateways' TLS settings are its own: reading certificates into them
// changes nothing that a remembered file or a published configuration
// holds.
func ownCertificates(c *model.Config) *model.Config {
	if c == nil || !slices.ContainsFunc(c.Gateways, func(g model.Gateway) bool { return g.TLS != nil }) {
		return c
	}
	out := *c
	out.Gateways = slices.Clone(c.Gateways)
	for i := range out.Gateways {
		if t := out.Gateways[i].TLS; t != nil {
			own := *t
			own.Certificates = slices.Clone(t.Certificates)
			out.Gateways[i].TLS = &own
		}
	}
	return &out
}

// readCertificates reads the PEM files the gateways' certificates name,
// and adds them to what identifies the configuration's content; a file
// that cannot be read is an error at the certificate.
func readCertificates(parts []*model.Config, h hash.Hash) error {
	var errs []error
	for _, c := range parts {
		if c == nil {
			continue
		}
		for i := range c.Gateways {
			if t := c.Gateways[i].TLS; t != nil {
				for j := range t.Certificates {
					cert := &t.Certificates[j]
					errs = append(errs, readCertificate(cert))
					fmt.Fprintf(h, "certificate %s %d %d\x00", cert.Name, len(cert.Chain), len(cert.Key))
					h.Write(cert.Chain)
					h.Write(cert.Key)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// CertificateFiles lists the certificate files a configuration names, for
// the source to watch: a rotated certificate is read again.
func CertificateFiles(cfg *model.Config) []string {
	var out []string
	for _, g := range cfg.Gateways {
		if g.TLS != nil {
			for _, c := range g.TLS.Certificates {
				out = append(out, c.CertFile, c.KeyFile)
			}
		}
	}
	return slices.DeleteFunc(out, func(f string) bool { return f == "" })
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
	c, err := ReadContents(path)
	if err != nil {
		return nil, Problems(c.Config, err)
	}
	cfg := c.Config
	cfg.Normalize()
	if err := model.Validate(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Problems adds to readErr, the problems of reading a configuration, what
// validating cfg, the part that could be decoded, finds: every problem is
// then reported in one pass. A validation problem at a line readErr
// already reports is left out, as it comes from the value that could not
// be decoded.
func Problems(cfg *model.Config, readErr error) error {
	if readErr == nil || cfg == nil {
		return readErr
	}
	reported := map[string]bool{}
	for _, e := range model.Errors(readErr) {
		reported[position(e)] = true
	}
	cfg = cfg.DeepCopy()
	cfg.Normalize()
	errs := []error{readErr}
	for _, e := range model.Errors(model.Validate(cfg)) {
		if !reported[position(e)] {
			errs = append(errs, e)
		}
	}
	return sortProblems(errs)
}
