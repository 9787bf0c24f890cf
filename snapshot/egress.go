package snapshot

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"google.golang.org/protobuf/types/known/structpb"
)

// EgressMetadataKey is the node metadata field that scopes a sidecar to
// the services it calls: a list of strings, or one string of
// comma-separated entries.
const EgressMetadataKey = "egress"

// maxEgressEntries bounds the entries of one node's egress.
const maxEgressEntries = 1000

// Egress is the services a sidecar calls, as its node metadata names them:
// NAMESPACE/NAME (every port of the service), NAMESPACE/NAME:PORT,
// NAMESPACE/* (every service of the namespace), */NAME (the name in every
// namespace) or */* (every service). The zero Egress calls every service.
type Egress struct {
	hosts []egressHost
}

// egressHost is one entry: "*" for any namespace or name, "" for any port.
type egressHost struct {
	namespace, name, port string
}

func (h egressHost) String() string {
	s := h.namespace + "/" + h.name
	if h.port != "" {
		s += ":" + h.port
	}
	return s
}

// EgressOf reads a node's egress. A node without the field calls every
// service.
func EgressOf(node *corev3.Node) (Egress, error) {
	v, ok := node.GetMetadata().GetFields()[EgressMetadataKey]
	if !ok {
		return Egress{}, nil
	}
	entries, err := egressEntries(v)
	if err != nil {
		return Egress{}, err
	}
	return ParseEgress(entries)
}

// egressEntries reads the field's value: a list of strings or one string.
func egressEntries(v *structpb.Value) ([]string, error) {
	if s, ok := v.GetKind().(*structpb.Value_StringValue); ok {
		return strings.Split(s.StringValue, ","), nil
	}
	list := v.GetListValue()
	if list == nil {
		return nil, fmt.Errorf("node metadata %q: want a list of strings or a comma-separated string", EgressMetadataKey)
	}
	out := make([]string, 0, len(list.GetValues()))
	for i, e := range list.GetValues() {
		s, ok := e.GetKind().(*structpb.Value_StringValue)
		if !ok {
			return nil, fmt.Errorf("node metadata %q[%d]: want a string", EgressMetadataKey, i)
		}
		out = append(out, s.StringValue)
	}
	return out, nil
}

// ParseEgress reads egress entries; an entry */* makes it every service.
func ParseEgress(entries []string) (Egress, error) {
	if len(entries) > maxEgressEntries {
		return Egress{}, fmt.Errorf("node metadata %q has %d entries; at most %d", EgressMetadataKey, len(entries), maxEgressEntries)
	}
	var e Egress
	var errs []error
	for _, s := range entries {
		h, err := parseEgressHost(strings.TrimSpace(s))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if h.namespace == "*" && h.name == "*" {
			return Egress{}, errors.Join(errs...)
		}
		e.hosts = append(e.hosts, h)
	}
	slices.SortFunc(e.hosts, func(a, b egressHost) int { return strings.Compare(a.String(), b.String()) })
	e.hosts = slices.Compact(e.hosts)
	return e, errors.Join(errs...)
}

func parseEgressHost(s string) (egressHost, error) {
	bad := func(why string) (egressHost, error) {
		return egressHost{}, fmt.Errorf("node metadata %q entry %q: %s; want NAMESPACE/NAME, NAMESPACE/NAME:PORT, NAMESPACE/* or */NAME",
			EgressMetadataKey, truncateEntry(s), why)
	}
	ns, rest, ok := strings.Cut(s, "/")
	if !ok || ns == "" || rest == "" {
		return bad("no namespace and name")
	}
	name, port, hasPort := strings.Cut(rest, ":")
	switch {
	case name == "" || strings.ContainsAny(name+ns, "/:,. "):
		return bad("not a namespace and a service name")
	case hasPort && name == "*":
		return bad("a port of every service")
	case hasPort && !validPort(port):
		return bad("not a port")
	}
	return egressHost{namespace: ns, name: name, port: port}, nil
}

func validPort(s string) bool {
	n, err := strconv.ParseUint(s, 10, 16)
	return err == nil && n > 0 && strconv.FormatUint(n, 10) == s
}

func truncateEntry(s string) string {
	if len(s) > 100 {
		return s[:100] + "..."
	}
	return s
}

// All reports whether the egress is every service.
func (e Egress) All() bool { return len(e.hosts) == 0 }

// ID names the egress: equal egresses have equal IDs; every service's is
// "".
func (e Egress) ID() string {
	parts := make([]string, len(e.hosts))
	for i, h := range e.hosts {
		parts[i] = h.String()
	}
	return strings.Join(parts, ",")
}

// Calls reports whether the egress includes what a group of resources
// belongs to: a service, by its key NAME.NAMESPACE:PORT. Resources that
// belong to no service (the sidecar's HTTP listener) are every sidecar's.
func (e Egress) Calls(group string) bool {
	name, namespace, port, ok := splitServiceKey(group)
	if !ok || e.All() {
		return true
	}
	for _, h := range e.hosts {
		if (h.namespace == "*" || h.namespace == namespace) && (h.name == "*" || h.name == name) && (h.port == "" || h.port == port) {
			return true
		}
	}
	return false
}

// splitServiceKey splits NAME.NAMESPACE:PORT.
func splitServiceKey(key string) (name, namespace, port string, ok bool) {
	host, port, ok := strings.Cut(key, ":")
	if !ok {
		return "", "", "", false
	}
	name, namespace, ok = strings.Cut(host, ".")
	return name, namespace, port, ok && !strings.Contains(namespace, ".") && validPort(port)
}
