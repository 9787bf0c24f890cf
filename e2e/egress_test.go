package e2e

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graylane/graylane/translators"
)

// egressNode is a sidecar that names the services it calls.
func egressNode(id string, egress any) *corev3.Node {
	md, _ := structpb.NewStruct(map[string]any{"role": "sidecar", "egress": egress})
	return &corev3.Node{Id: id, UserAgentName: "envoy", Metadata: md}
}

// wildcardTypes are the types an Envoy sidecar subscribes to whole.
var wildcardTypes = []string{resourcev3.ClusterType, resourcev3.ListenerType, resourcev3.ScopedRouteType}

func TestSidecarEgressScopesWhatItReceives(t *testing.T) {
	e := newEnv(t, canaryLane+baseConfig+extraServices)
	sotw := e.sotw(egressNode("calls-web", []any{"default/web"}))
	first := map[string]*discoveryv3.DiscoveryResponse{}
	for _, typ := range wildcardTypes {
		sotw.send(&discoveryv3.DiscoveryRequest{TypeUrl: typ})
	}
	for len(first) < len(wildcardTypes) {
		r := sotw.recv()
		first[r.GetTypeUrl()] = r
		sotw.ack(r)
	}
	if got := names(first[resourcev3.ClusterType]); !slices.Equal(got, []string{"web.default:8080/v1"}) {
		t.Errorf("a sidecar calling web got clusters %v", got)
	}
	if got := names(first[resourcev3.ListenerType]); !slices.Equal(got, []string{translators.SidecarHTTPListener}) {
		t.Errorf("a sidecar calling web got listeners %v", got)
	}
	for _, name := range names(first[resourcev3.ScopedRouteType]) {
		if !strings.HasPrefix(name, translators.SidecarHTTPListener+"/web") {
			t.Errorf("a sidecar calling web got scope %s", name)
		}
	}

	delta := e.delta()
	delta.send(&discoveryv3.DeltaDiscoveryRequest{Node: egressNode("calls-db", "default/db"), TypeUrl: resourcev3.ListenerType})
	if got := slices.Sorted(maps.Keys(versions(delta.next(resourcev3.ListenerType)))); !slices.Equal(got, []string{"db.default:5432", translators.SidecarHTTPListener}) {
		t.Errorf("a delta sidecar calling db got listeners %v", got)
	}

	// A new version of api changes clusters and scopes that neither calls.
	// A sidecar that calls api witnesses the change being served; those
	// that do not call it, served in the same publication, hear nothing.
	witness := e.sotw(egressNode("calls-api", []any{"default/api"}))
	witness.send(&discoveryv3.DiscoveryRequest{TypeUrl: resourcev3.ClusterType})
	witness.ack(witness.recv())
	e.write("graylane.yaml", canaryLane+baseConfig+withV2(extraServices, "10.0.0.2", "10.0.0.4"))
	if got := names(witness.recv()); len(got) != 2 {
		t.Errorf("after api's new version, a sidecar calling api got clusters %v, want v1 and v2", got)
	}
	select {
	case r := <-sotw.in:
		t.Errorf("a change to api pushed %s to a sidecar calling web", translators.KindName(r.GetTypeUrl()))
	case r := <-delta.in:
		t.Errorf("a change to api pushed %s to a sidecar calling db", translators.KindName(r.GetTypeUrl()))
	case <-time.After(200 * time.Millisecond):
	}
	e.write("graylane.yaml", canaryLane+withV2(baseConfig, "10.0.0.1", "10.0.0.5")+extraServices)
	for r := sotw.recv(); ; r = sotw.recv() {
		sotw.ack(r)
		if r.GetTypeUrl() == resourcev3.ClusterType {
			if got := names(r); !slices.Equal(got, []string{"web.default:8080/v1", "web.default:8080/v2"}) {
				t.Errorf("after web's new version, a sidecar calling web got clusters %v", got)
			}
			break
		}
	}
}

const canaryLane = "lanes: [{name: canary, weight: 10}]\n"

// withV2 gives the service of config whose v1 endpoint is at v1 a version
// v2 at v2, in the lane canary.
func withV2(config, v1, v2 string) string {
	old := "versions: [{name: v1, endpoints: [{address: " + v1 + "}]}]"
	if !strings.Contains(config, old) {
		panic("no version at " + v1)
	}
	return strings.Replace(config, old, "versions: [{name: v1, endpoints: [{address: "+v1+"}]}, {name: v2, lane: canary, endpoints: [{address: "+v2+"}]}]", 1)
}

func TestSidecarWithMalformedEgressIsRefused(t *testing.T) {
	e := newEnv(t, baseConfig)
	stream, err := e.adsConn().StreamAggregatedResources(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&discoveryv3.DiscoveryRequest{Node: egressNode("typo", "web.default"), TypeUrl: resourcev3.ClusterType}); err != nil {
		t.Fatal(err)
	}
	_, err = stream.Recv()
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), `"web.default"`) {
		t.Errorf("a sidecar naming its egress %q was answered %v, want INVALID_ARGUMENT naming the entry", "web.default", err)
	}
}
