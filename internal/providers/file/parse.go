package file

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v4"

	"github.com/graylane/graylane/model"
)

// Parse decodes one configuration file. The result is neither normalized
// nor validated; every error is a *model.Error at a line of file.
func Parse(file string, data []byte) (*model.Config, error) {
	root, err := loadNode(file, data)
	if err != nil || root == nil {
		return &model.Config{Origin: model.NewOrigin(file, nil)}, err
	}
	if root.Kind != yaml.MappingNode {
		return nil, &model.Error{Pos: pos(file, root.Line), Message: "the top level must be a mapping (laneHeader, lanes, services, gateways)"}
	}
	var doc document
	if err := root.Load(&doc, yaml.WithKnownFields()); err != nil {
		return nil, yamlError(file, err)
	}
	return toModel(&doc, tree{file: file, node: root, line: root.Line}), nil
}

// loadNode reads the single document of a file; nil for an empty file.
func loadNode(file string, data []byte) (*yaml.Node, error) {
	loader, err := yaml.NewLoader(bytes.NewReader(data))
	if err != nil {
		return nil, yamlError(file, err)
	}
	var doc yaml.Node
	if err := loader.Load(&doc); errors.Is(err, io.EOF) {
		return nil, nil
	} else if err != nil {
		return nil, yamlError(file, err)
	}
	var extra yaml.Node
	if err := loader.Load(&extra); !errors.Is(err, io.EOF) {
		return nil, &model.Error{Pos: pos(file, extra.Line), Message: "a configuration file holds one YAML document; split the others into files of their own"}
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		return doc.Content[0], nil
	}
	return &doc, nil
}

// yamlError turns the YAML library's errors into *model.Error values.
func yamlError(file string, err error) error {
	var many *yaml.LoadErrors
	if errors.As(err, &many) {
		errs := make([]error, 0, len(many.Errors))
		for _, e := range many.Errors {
			errs = append(errs, loadError(file, e))
		}
		return errors.Join(errs...)
	}
	var one *yaml.LoadError
	if errors.As(err, &one) {
		return loadError(file, one)
	}
	return &model.Error{Pos: file, Message: err.Error()}
}

func loadError(file string, e *yaml.LoadError) error {
	msg := friendly(e.Message)
	if e.ContextMsg != "" {
		msg = e.ContextMsg + ": " + msg
	}
	return &model.Error{Pos: pos(file, e.Mark.Line), Message: msg}
}

func pos(file string, line int) string {
	if line <= 0 {
		return file
	}
	return file + ":" + strconv.Itoa(line)
}

var (
	unknownFieldRE = regexp.MustCompile("^field (.+) not found in type .+$")
	constructRE    = regexp.MustCompile("^cannot construct !!(\\w+)(?: `(.*)`)? into (.+)$")
)

// friendly rewrites the YAML library's messages in the configuration's terms
// rather than Go's.
func friendly(msg string) string {
	if m := unknownFieldRE.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("unknown field %q", m[1])
	}
	if m := constructRE.FindStringSubmatch(msg); m != nil {
		if m[2] == "" {
			return fmt.Sprintf("want %s, got %s", goTypeWord(m[3]), yamlTagWord(m[1]))
		}
		return fmt.Sprintf("want %s, got %s %q", goTypeWord(m[3]), yamlTagWord(m[1]), m[2])
	}
	return msg
}

func goTypeWord(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["):
		return "a mapping"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "a whole number"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "float"):
		return "a number"
	}
	return "a mapping"
}

func yamlTagWord(tag string) string {
	switch tag {
	case "str":
		return "the string"
	case "int", "float":
		return "the number"
	case "seq":
		return "a list"
	case "map":
		return "a mapping"
	}
	return tag
}
