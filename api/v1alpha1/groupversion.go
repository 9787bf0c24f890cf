package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupVersion is the API group and version of Graylane's resources.
var GroupVersion = schema.GroupVersion{Group: "graylane.io", Version: "v1alpha1"}

var (
	// SchemeBuilder registers Graylane's types.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)
	// AddToScheme adds Graylane's types to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &Lane{}, &LaneList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
