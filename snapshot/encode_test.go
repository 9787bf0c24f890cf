package snapshot

import (
	"bytes"
	"testing"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// TestEncodingsAreDeterministic encodes, many times over and after other
// bytes, a message that has no generated encoder (a struct of many map
// entries, which protobuf-go's deterministic encoding orders) and one that
// has (a cluster, in builds with the vtprotobuf tag), and wants the same
// bytes each time, appended, that decode to the message. Generated
// encoders are not deterministic for maps of several entries:
// translators' TestMapsHoldOneEntry keeps resources free of them.
func TestEncodingsAreDeterministic(t *testing.T) {
	fields := map[string]any{}
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		fields[k] = k
	}
	st, _ := structpb.NewStruct(fields)
	c := &clusterv3.Cluster{Name: "reviews/v1", ClusterDiscoveryType: &clusterv3.Cluster_Type{Type: clusterv3.Cluster_EDS},
		EdsClusterConfig: &clusterv3.Cluster_EdsClusterConfig{ServiceName: "reviews/v1"}}
	for _, m := range []proto.Message{st, c} {
		first, err := marshal(nil, m)
		if err != nil {
			t.Fatal(err)
		}
		if back := m.ProtoReflect().New().Interface(); proto.Unmarshal(first, back) != nil || !proto.Equal(back, m) {
			t.Fatalf("%T: the encoding does not decode to the message", m)
		}
		for range 20 {
			if again, _ := marshal([]byte("leftover"), m); !bytes.Equal(again[len("leftover"):], first) {
				t.Fatalf("%T: two encodings differ", m)
			}
		}
	}
}
