// Package kubetest builds the Kubernetes objects Graylane's tests create:
// Services, EndpointSlices, Lanes, HTTPRoutes, GatewayClasses, Gateways
// and TLS Secrets, in a few words each. It is shared by the Kubernetes
// source's tests and the end-to-end tests.
package kubetest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	graylanev1alpha1 "github.com/graylane/graylane/api/v1alpha1"
)

// Service is a Service with labels and ports, without a selector: tests
// write its EndpointSlices themselves.
func Service(ns, name string, labels map[string]string, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec:       corev1.ServiceSpec{Ports: ports},
	}
}

// Port is a TCP Service port; appProtocol may be empty.
func Port(name string, number int32, appProtocol string) corev1.ServicePort {
	p := corev1.ServicePort{Name: name, Port: number, Protocol: corev1.ProtocolTCP}
	if appProtocol != "" {
		p.AppProtocol = &appProtocol
	}
	return p
}

// Endpoint states.
const (
	Ready       = "ready"
	NotReady    = "not-ready"
	Terminating = "terminating"
)

// Endpoint is a slice endpoint in state Ready, NotReady or Terminating;
// zone may be empty. A Terminating endpoint is still reported ready, as
// for a Service that publishes not-ready addresses: only its terminating
// condition tells.
func Endpoint(addr, state, zone string) discoveryv1.Endpoint {
	ready, terminating := state != NotReady, state == Terminating
	e := discoveryv1.Endpoint{
		Addresses:  []string{addr},
		Conditions: discoveryv1.EndpointConditions{Ready: &ready, Terminating: &terminating},
	}
	if zone != "" {
		e.Zone = &zone
	}
	return e
}

// EndpointSlice is an IPv4 slice of service with one TCP port.
func EndpointSlice(ns, name, service, portName string, port int32, eps ...discoveryv1.Endpoint) *discoveryv1.EndpointSlice {
	tcp := corev1.ProtocolTCP
	return &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{discoveryv1.LabelServiceName: service}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: &portName, Port: &port, Protocol: &tcp}},
		Endpoints:   eps,
	}
}

// Lane is a Lane at weight (a percentage as written), checked at order.
func Lane(name, weight string, order int32) *graylanev1alpha1.Lane {
	return &graylanev1alpha1.Lane{
		ObjectMeta: metav1.ObjectMeta{Name: name, Generation: 1},
		Spec:       graylanev1alpha1.LaneSpec{Order: order, Weight: graylanev1alpha1.NewPercent(weight)},
	}
}

// ServiceParent is a GAMMA parentRef to a Service; port 0 attaches the
// route to every port.
func ServiceParent(name string, port int32) gatewayv1.ParentReference {
	group, kind := gatewayv1.Group(""), gatewayv1.Kind("Service")
	ref := gatewayv1.ParentReference{Group: &group, Kind: &kind, Name: gatewayv1.ObjectName(name)}
	if port != 0 {
		p := gatewayv1.PortNumber(port)
		ref.Port = &p
	}
	return ref
}

// Backend is a backendRef to a Service of the route's namespace.
func Backend(name string, port, weight int32) gatewayv1.HTTPBackendRef {
	p := gatewayv1.PortNumber(port)
	return gatewayv1.HTTPBackendRef{BackendRef: gatewayv1.BackendRef{
		BackendObjectReference: gatewayv1.BackendObjectReference{Name: gatewayv1.ObjectName(name), Port: &p},
		Weight:                 &weight,
	}}
}

// Route is an HTTPRoute created at created (zero: left to the API
// server), attached to parent.
func Route(ns, name string, created time.Time, parent gatewayv1.ParentReference, rules ...gatewayv1.HTTPRouteRule) *gatewayv1.HTTPRoute {
	return &gatewayv1.HTTPRoute{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Generation: 1, CreationTimestamp: metav1.NewTime(created)},
		Spec: gatewayv1.HTTPRouteSpec{
			CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{parent}},
			Rules:           rules,
		},
	}
}

// WeightRule matches every request and splits it among backends.
func WeightRule(backends ...gatewayv1.HTTPBackendRef) gatewayv1.HTTPRouteRule {
	return gatewayv1.HTTPRouteRule{BackendRefs: backends}
}

// HeaderRule sends requests whose header name has value to b.
func HeaderRule(name, value string, b gatewayv1.HTTPBackendRef) gatewayv1.HTTPRouteRule {
	return gatewayv1.HTTPRouteRule{
		Matches:     []gatewayv1.HTTPRouteMatch{{Headers: []gatewayv1.HTTPHeaderMatch{{Name: gatewayv1.HTTPHeaderName(name), Value: value}}}},
		BackendRefs: []gatewayv1.HTTPBackendRef{b},
	}
}

// Decode reads the objects of a YAML file of one or more documents, typed
// by scheme.
func Decode(path string, scheme *runtime.Scheme) ([]runtime.Object, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	codecs := serializer.NewCodecFactory(scheme, serializer.EnableStrict)
	r := utilyaml.NewYAMLReader(bufio.NewReader(f))
	var out []runtime.Object
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		obj, _, err := codecs.UniversalDeserializer().Decode(doc, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, obj)
	}
}
