// Package render prints Envoy resources as YAML, for `xds render` and the
// translators' golden files.
package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	yaml "go.yaml.in/yaml/v4"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/graylane/graylane/translators"
)

// YAML renders resources as YAML, one list per kind in publish order,
// fields as Envoy's JSON names them, private keys redacted.
func YAML(r *translators.Resources) ([]byte, error) {
	doc := &yaml.Node{Kind: yaml.MappingNode}
	var errs []error
	for _, k := range translators.Kinds() {
		list, err := plain(r.Of(k))
		errs = append(errs, err)
		var value yaml.Node
		if err := value.Encode(list); err != nil {
			errs = append(errs, err)
		}
		doc.Content = append(doc.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k.Name}, &value)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return yaml.Dump(doc, yaml.WithIndent(2))
}

// plain converts messages to generic values through their JSON form, so
// that Any fields show their content.
func plain(msgs []types.Resource) ([]any, error) {
	out := make([]any, 0, len(msgs))
	for _, m := range msgs {
		b, err := protojson.Marshal(Redacted(m))
		if err != nil {
			return nil, fmt.Errorf("render %T: %w", m, err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("render %T: %w", m, err)
		}
		out = append(out, numbers(v))
	}
	return out, nil
}

// numbers replaces JSON numbers with integers where they are whole, so
// that a million renders as 1000000 rather than 1e+06.
func numbers(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = numbers(e)
		}
	case []any:
		for i, e := range v {
			v[i] = numbers(e)
		}
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	}
	return v
}
