package xdsserver

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"

	yaml "go.yaml.in/yaml/v4"

	"github.com/graylane/graylane/model"
)

// RolePolicy decides which roles a client identity may receive. Its rules
// are tried in order; the first whose pattern matches one of the
// identity's names decides, and an identity no rule matches may receive no
// role. A pattern is matched as path.Match does: `*` stands for any run of
// characters other than `/`, so `spiffe://*/ns/*/sa/*` matches every
// Kubernetes service account of every trust domain.
type RolePolicy struct {
	Rules []RoleRule `yaml:"rules" json:"rules"`
}

// RoleRule gives the identities that match Identity the roles Roles.
type RoleRule struct {
	Identity string       `yaml:"identity" json:"identity"`
	Roles    []model.Role `yaml:"roles" json:"roles"`
}

// DefaultRolePolicy suits Kubernetes service accounts with SPIFFE IDs
// (spiffe://TRUST-DOMAIN/ns/NAMESPACE/sa/NAME, as SPIRE, Istio's CA and
// cert-manager's csi-driver-spiffe issue them): a service account named
// `edge` or ending in `-edge` may receive the edge role; any other service
// account the sidecar and grpc roles. DNS identities match no default
// rule: name them in a policy file.
func DefaultRolePolicy() RolePolicy {
	return RolePolicy{Rules: []RoleRule{
		{Identity: "spiffe://*/ns/*/sa/edge", Roles: []model.Role{model.RoleEdge}},
		{Identity: "spiffe://*/ns/*/sa/*-edge", Roles: []model.Role{model.RoleEdge}},
		{Identity: "spiffe://*/ns/*/sa/*", Roles: []model.Role{model.RoleSidecar, model.RoleGRPC}},
	}}
}

// ReadRolePolicy reads a policy file: YAML with a `rules` list of
// `{identity: PATTERN, roles: [...]}`, strictly decoded and checked.
func ReadRolePolicy(file string) (RolePolicy, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return RolePolicy{}, fmt.Errorf("role policy: %w", err)
	}
	var p RolePolicy
	if err := yaml.Load(data, &p, yaml.WithKnownFields()); err != nil {
		return RolePolicy{}, fmt.Errorf("role policy %s: %w", file, err)
	}
	if err := p.Validate(); err != nil {
		return RolePolicy{}, fmt.Errorf("role policy %s: %w", file, err)
	}
	return p, nil
}

// Validate checks every pattern and role.
func (p RolePolicy) Validate() error {
	if len(p.Rules) == 0 {
		return errors.New("no rules: no client could receive anything")
	}
	var errs []error
	for i, r := range p.Rules {
		if _, err := path.Match(r.Identity, ""); err != nil || r.Identity == "" {
			errs = append(errs, fmt.Errorf("rule %d: identity pattern %q is not valid", i+1, r.Identity))
		}
		for _, role := range r.Roles {
			if _, err := model.ParseRole(string(role)); err != nil {
				errs = append(errs, fmt.Errorf("rule %d: %w", i+1, err))
			}
		}
	}
	return errors.Join(errs...)
}

// Roles returns the roles an identity may receive and the pattern of the
// rule that decided; no rule matched when the pattern is "".
func (p RolePolicy) Roles(id Identity) ([]model.Role, string) {
	for _, r := range p.Rules {
		for _, name := range id.Names() {
			if ok, _ := path.Match(r.Identity, name); ok {
				return r.Roles, r.Identity
			}
		}
	}
	return nil, ""
}

// Allows reports whether an identity may receive a role.
func (p RolePolicy) Allows(id Identity, role model.Role) bool {
	roles, _ := p.Roles(id)
	return slices.Contains(roles, role)
}

// String is the policy as YAML, for logs and docs.
func (p RolePolicy) String() string {
	var buf bytes.Buffer
	enc, err := yaml.NewDumper(&buf)
	if err == nil {
		err = enc.Dump(p)
	}
	if err != nil {
		return err.Error()
	}
	return buf.String()
}
