// Package v1alpha1 holds Graylane's Kubernetes API, group graylane.io
// version v1alpha1: the cluster-scoped Lane, a release lane that edge
// traffic can enter. The Kubernetes source (providers/kubernetes) reads
// Lanes and writes their status; config/crd holds the generated CRD.
//
// +kubebuilder:object:generate=true
// +groupName=graylane.io
package v1alpha1
