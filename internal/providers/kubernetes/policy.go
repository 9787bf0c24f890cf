package kubernetes

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/graylane/graylane/internal/providers/file"
	"github.com/graylane/graylane/model"
)

// policyOf decodes the graylane.io/FIELD annotations of a Service as the
// fields of a file's service policy, with the file format's own decoding.
// Problems are the unit's errors; it returns the positions of the policy's
// fields for its origin.
func policyOf(u *unit, s *corev1.Service) (model.Policy, map[string]string) {
	values := map[string]string{}
	for k, v := range s.Annotations {
		if field, ok := strings.CutPrefix(k, AnnotationPrefix); ok {
			values[field] = v
		}
	}
	if len(values) == 0 {
		return model.Policy{}, nil
	}
	pos := func(field string) string { return objPos("Service", s) + ": annotation " + AnnotationPrefix + field }
	fields := map[string]string{}
	for f := range values {
		fields["policy."+f] = pos(f)
	}
	policy, err := file.ParsePolicy(values, pos)
	u.errs = append(u.errs, model.Errors(err)...)
	return policy, fields
}
