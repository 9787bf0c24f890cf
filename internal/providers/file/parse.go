package file

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v4"

	"github.com/graylane/graylane/model"
)

// MaxFileSize bounds a configuration file: 32 MiB, four times a
// configuration of 10,000 services of three versions of three endpoints,
// with a gateway route to each (7.4 MiB).
const MaxFileSize = 32 << 20

// Parse decodes one configuration file. The result is neither normalized
// nor validated; every error is a *model.Error at a line of file, sorted by
// line. A file that is YAML but has problems still gives what could be
// decoded, so that validation can report the rest in the same pass; the
// result is nil only for a file that is not YAML at all or is another
// format (see Read).
func Parse(file string, data []byte) (*model.Config, error) {
	p := parse(file, data)
	if p.foreign != "" {
		return nil, lineError(file, 1, "%s, not a Graylane configuration", p.foreign)
	}
	return p.cfg, p.err
}

// parsed is one file read.
type parsed struct {
	cfg *model.Config
	// foreign names the format of a file that is clearly something else,
	// such as an Envoy bootstrap; cfg and err are then unset.
	foreign string
	err     error
}

func parse(file string, data []byte) parsed {
	if len(data) > MaxFileSize {
		return tooLarge(file)
	}
	if err := checkEncoding(file, data); err != nil {
		return parsed{err: err}
	}
	root, extra, err := loadDocument(file, data)
	switch {
	case err != nil:
		return parsed{err: err}
	case isEmpty(root):
		return parsed{err: lineError(file, lineOf(root), "the file is empty; an emptied or half-written file is not a configuration (to serve no services, write `services: none`)")}
	}
	if f := foreignFormat(root); f != "" {
		return parsed{foreign: f}
	}
	return decode(file, data, root, extra)
}

// decode decodes a document into a configuration, as far as it can.
func decode(file string, data []byte, root *yaml.Node, extra int) parsed {
	var errs []error
	if extra > 0 {
		errs = append(errs, lineError(file, extra, "a configuration file holds one YAML document; split the others into files of their own"))
	}
	if err := checkShape(file, root); err != nil {
		return parsed{err: errors.Join(append(errs, err)...)}
	}
	none, err := takeServicesNone(file, root)
	errs = append(errs, err)
	var doc document
	if err := root.Load(&doc, yaml.WithKnownFields()); err != nil {
		errs = append(errs, yamlError(file, data, err))
	}
	cfg := toModel(&doc, newTree(file, root))
	cfg.NoServices = none
	return parsed{cfg: cfg, err: sortProblems(errs)}
}

// checkShape checks that a document is a mapping that its aliases do not
// blow up.
func checkShape(file string, root *yaml.Node) error {
	if root.Kind != yaml.MappingNode {
		return lineError(file, root.Line, "the top level must be a mapping (laneHeader, lanes, services, gateways)")
	}
	if expanded, written := expandedSize(root); expanded > maxAliasExpansion*written+aliasSlack {
		return lineError(file, root.Line, "YAML aliases expand the file to %d values, more than %d times the %d written", expanded, maxAliasExpansion, written)
	}
	if n := binaryValue(root); n != nil {
		return lineError(file, n.Line, "a binary value (!!binary) is not a setting: settings are text")
	}
	return nil
}

// binaryValue is the first !!binary value of a document, nil when there
// is none: it can hold bytes that are not UTF-8, which no proxy accepts
// as text.
func binaryValue(n *yaml.Node) *yaml.Node {
	if n.Tag == "!!binary" {
		return n
	}
	for _, c := range n.Content {
		if b := binaryValue(c); b != nil {
			return b
		}
	}
	return nil
}

func tooLarge(file string) parsed {
	return parsed{err: lineError(file, 1, "the file is larger than the %d MiB a configuration file may have", MaxFileSize>>20)}
}

// loadDocument reads the first YAML document of a file, nil when there is
// none; extra is the line of a second document, 0 when there is none.
func loadDocument(file string, data []byte) (root *yaml.Node, extra int, err error) {
	loader, err := yaml.NewLoader(bytes.NewReader(data))
	if err != nil {
		return nil, 0, yamlError(file, data, err)
	}
	var doc yaml.Node
	if err := loader.Load(&doc); errors.Is(err, io.EOF) {
		return nil, 0, nil
	} else if err != nil {
		return nil, 0, yamlError(file, data, err)
	}
	var next yaml.Node
	if err := loader.Load(&next); !errors.Is(err, io.EOF) {
		extra = max(next.Line, 1)
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		return doc.Content[0], extra, nil
	}
	return &doc, extra, nil
}

// loadNode reads the single document of a value; nil when it is empty.
func loadNode(file string, data []byte) (*yaml.Node, error) {
	root, extra, err := loadDocument(file, data)
	if err == nil && extra > 0 {
		err = lineError(file, extra, "a configuration file holds one YAML document; split the others into files of their own")
	}
	return root, err
}

// isEmpty reports a document with nothing in it: no document at all (an
// empty file, or only comments), null, or an empty mapping.
func isEmpty(root *yaml.Node) bool {
	switch {
	case root == nil:
		return true
	case root.Kind == yaml.ScalarNode:
		return root.ShortTag() == "!!null"
	case root.Kind == yaml.MappingNode:
		return len(root.Content) == 0
	}
	return false
}

func lineOf(n *yaml.Node) int {
	if n == nil {
		return 1
	}
	return max(n.Line, 1)
}

// A file's YAML aliases may make it at most maxAliasExpansion times as
// large as written, plus aliasSlack values: a few lines of aliases of
// aliases must not decode to a configuration that takes the control plane
// minutes to translate.
const (
	maxAliasExpansion = 10
	aliasSlack        = 10_000
)

// maxCounted is where expandedSize stops counting: far above any bound,
// and far enough below the largest int that adding two counts cannot wrap
// (aliases of aliases double a count on every line).
const maxCounted = 1 << 40

// expandedSize counts the values of a document with its aliases expanded,
// and as written. Only the nodes aliases lead to (anchored ones) are
// remembered: each is counted once however many aliases name it, and the
// rest of the tree is walked once.
func expandedSize(root *yaml.Node) (expanded, written int) {
	sizes := map[*yaml.Node]int{}
	var size func(n *yaml.Node, aliased bool) int
	size = func(n *yaml.Node, aliased bool) int {
		keep := aliased || n.Anchor != ""
		if keep {
			if s, ok := sizes[n]; ok {
				return s
			}
			sizes[n] = 1 // an alias inside its own anchor counts once
		}
		written++
		s := 1
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			s = size(n.Alias, true)
		}
		for _, c := range n.Content {
			s = min(s+size(c, false), maxCounted)
		}
		if keep {
			sizes[n] = s
		}
		return s
	}
	return size(root, false), written
}

// servicesNone is the explicit form of a configuration without services.
// Neither emptying nor cutting a file short can produce it: a file that
// lists services never holds it, and cut short it is not a list.
const servicesNone = "none"

// takeServicesNone reports whether the file says `services: none`, and
// replaces that value by an empty list for decoding. A `services:` key
// without a value, what a file cut short after it holds, is an error.
func takeServicesNone(file string, root *yaml.Node) (bool, error) {
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "services" || v.Kind != yaml.ScalarNode {
			continue
		}
		switch {
		case v.ShortTag() == "!!str" && v.Value == servicesNone:
			root.Content[i+1] = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: v.Line, Column: v.Column}
			return true, nil
		case v.ShortTag() == "!!null":
			return false, lineError(file, k.Line, "services has no value: list the services, or write `services: none` to serve none")
		}
	}
	return false, nil
}

// graylaneKeys are the top-level keys of the configuration file.
var graylaneKeys = yamlKeys(reflect.TypeFor[document]())

func yamlKeys(t reflect.Type) map[string]bool {
	keys := map[string]bool{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		keys[name] = true
	}
	return keys
}

// envoyBootstrapKeys are top-level keys of an Envoy bootstrap.
var envoyBootstrapKeys = []string{"static_resources", "dynamic_resources", "admin", "node"}

// foreignFormat names the format of a document that is clearly not
// Graylane configuration: one with no Graylane top-level key, and either
// the apiVersion and kind of a Kubernetes manifest or the keys of an Envoy
// bootstrap. Anything else is read as configuration, so that a typo is
// reported rather than skipped.
func foreignFormat(root *yaml.Node) string {
	if root.Kind != yaml.MappingNode {
		return ""
	}
	keys := map[string]*yaml.Node{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if graylaneKeys[root.Content[i].Value] {
			return ""
		}
		keys[root.Content[i].Value] = root.Content[i+1]
	}
	if kind, ok := keys["kind"]; ok && keys["apiVersion"] != nil {
		return fmt.Sprintf("a Kubernetes manifest (kind %s)", model.Quote(kind.Value))
	}
	for _, k := range envoyBootstrapKeys {
		if keys[k] != nil {
			return "an Envoy bootstrap"
		}
	}
	return ""
}

func lineError(file string, line int, format string, args ...any) *model.Error {
	return &model.Error{Pos: pos(file, max(line, 1)), Message: fmt.Sprintf(format, args...)}
}

func pos(file string, line int) string {
	if line <= 0 {
		return file
	}
	return file + ":" + strconv.Itoa(line)
}
