package snapshot

import (
	"strings"
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"google.golang.org/protobuf/types/known/structpb"
)

func TestParseEgress(t *testing.T) {
	for _, tc := range []struct {
		entries []string
		id      string
		err     string
	}{
		{entries: nil, id: ""},
		{entries: []string{"default/b", " default/a:80 ", "default/b"}, id: "default/a:80,default/b"},
		{entries: []string{"shop/*", "*/ratings"}, id: "*/ratings,shop/*"},
		{entries: []string{"default/a", "*/*"}, id: ""},
		{entries: []string{"a.default"}, err: `entry "a.default": no namespace and name`},
		{entries: []string{"default/a.b"}, err: "not a namespace and a service name"},
		{entries: []string{"default/*:80"}, err: "a port of every service"},
		{entries: []string{"default/a:0"}, err: "not a port"},
		{entries: []string{"default/a:080"}, err: "not a port"},
		{entries: []string{"default/a:65536"}, err: "not a port"},
		{entries: make([]string, maxEgressEntries+1), err: "at most 1000"},
	} {
		e, err := ParseEgress(tc.entries)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want one saying %q", tc.entries, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.entries, err)
		case tc.err == "" && e.ID() != tc.id:
			t.Errorf("%q: id %q, want %q", tc.entries, e.ID(), tc.id)
		}
	}
}

func TestEgressCalls(t *testing.T) {
	e, err := ParseEgress([]string{"default/a:80", "shop/*", "*/ratings"})
	if err != nil {
		t.Fatal(err)
	}
	for group, want := range map[string]bool{
		"a.default:80":             true,
		"a.default:81":             false,
		"b.default:80":             false,
		"cart.shop:8080":           true,
		"ratings.other:9080":       true,
		"\x00aggregate":            true, // the sidecar's listener: every sidecar's
		"clusters/a.default:80/v1": true, // a group of one resource: no service's
	} {
		if got := e.Calls(group); got != want {
			t.Errorf("Calls(%q) = %v, want %v", group, got, want)
		}
	}
}

func TestEgressOfReadsListsAndStrings(t *testing.T) {
	for _, v := range []any{[]any{"default/a", "default/b"}, "default/a, default/b"} {
		md, _ := structpb.NewStruct(map[string]any{EgressMetadataKey: v})
		e, err := EgressOf(&corev3.Node{Metadata: md})
		if err != nil || e.ID() != "default/a,default/b" {
			t.Errorf("%v: %q, %v", v, e.ID(), err)
		}
	}
	md, _ := structpb.NewStruct(map[string]any{EgressMetadataKey: []any{"default/a", 3}})
	if _, err := EgressOf(&corev3.Node{Metadata: md}); err == nil || !strings.Contains(err.Error(), "[1]: want a string") {
		t.Errorf("a number in the list: %v", err)
	}
	if e, err := EgressOf(&corev3.Node{}); err != nil || !e.All() {
		t.Errorf("no metadata: %q, %v; want every service", e.ID(), err)
	}
}
