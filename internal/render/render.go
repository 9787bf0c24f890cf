// Package render prints Envoy resources as YAML, for `xds render` and the
// translators' golden files.
package render

import (
	"encoding/json"
	"errors"
	"fmt"

	yaml "go.yaml.in/yaml/v4"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/graylane/graylane/translators"
)

// document is the rendered form: one list per type, in publish order.
type document struct {
	Clusters         []any `yaml:"clusters"`
	Endpoints        []any `yaml:"endpoints"`
	ExtensionConfigs []any `yaml:"extensionConfigs"`
	Listeners        []any `yaml:"listeners"`
	Routes           []any `yaml:"routes"`
}

// YAML renders resources as YAML, fields as Envoy's JSON names them.
func YAML(r *translators.Resources) ([]byte, error) {
	var doc document
	var errs [5]error
	doc.Clusters, errs[0] = plain(r.Clusters)
	doc.Endpoints, errs[1] = plain(r.Endpoints)
	doc.ExtensionConfigs, errs[2] = plain(r.ExtensionConfigs)
	doc.Listeners, errs[3] = plain(r.Listeners)
	doc.Routes, errs[4] = plain(r.Routes)
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	return yaml.Dump(&doc, yaml.WithIndent(2))
}

// plain converts messages to generic values through their JSON form, so
// that Any fields show their content.
func plain[T proto.Message](msgs []T) ([]any, error) {
	out := make([]any, 0, len(msgs))
	for _, m := range msgs {
		b, err := protojson.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("render %T: %w", m, err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, fmt.Errorf("render %T: %w", m, err)
		}
		out = append(out, v)
	}
	return out, nil
}
