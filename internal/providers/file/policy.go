package file

import (
	"errors"
	"maps"
	"slices"

	yaml "go.yaml.in/yaml/v4"

	"github.com/graylane/graylane/model"
)

// ParsePolicy decodes a service's policy written one field at a time, as
// the Kubernetes source reads it from annotations: fields maps a policy
// field of the configuration file (loadBalancer, hashOn, connectTimeout,
// timeout, retries, circuitBreaker, outlierDetection, rateLimit) to its
// value in YAML, a scalar such as "5s" or a flow collection such as
// "{attempts: 2, retryOn: [5xx]}". Decoding is the configuration file's,
// as strict; the result is neither normalized nor validated.
//
// Every problem is a *model.Error at pos(field). What decodes is returned
// even when another field does not.
func ParsePolicy(fields map[string]string, pos func(field string) string) (model.Policy, error) {
	var doc policyDoc
	var errs []error
	for _, field := range slices.Sorted(maps.Keys(fields)) {
		if err := decodePolicyField(&doc, field, fields[field]); err != nil {
			errs = append(errs, relocate(err, pos(field)))
		}
	}
	return toPolicy(&doc), errors.Join(errs...)
}

// decodePolicyField decodes "field: value" into doc, leaving the fields
// decoded before in place.
func decodePolicyField(doc *policyDoc, field, value string) error {
	node, err := loadNode(field, []byte(value))
	if err != nil || node == nil {
		return err
	}
	key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: field}
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{key, node}}
	if err := m.Load(doc, yaml.WithKnownFields()); err != nil {
		return yamlError(field, []byte(value), err)
	}
	return nil
}

// relocate puts every problem of err at pos: a value written outside a file
// has no lines of its own.
func relocate(err error, pos string) error {
	var out []error
	for _, e := range model.Errors(err) {
		var me *model.Error
		if errors.As(e, &me) {
			e = &model.Error{Pos: pos, Subject: me.Subject, Message: me.Message}
		}
		out = append(out, e)
	}
	return errors.Join(out...)
}
