package kubernetes

import (
	"context"
	"maps"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// writeRecord creates or updates a ConfigMap of last good states, when it
// differs from what is written.
func (w *statusWriter) writeRecord(ctx context.Context, want *corev1.ConfigMap) error {
	var cm corev1.ConfigMap
	err := w.stored.Get(ctx, client.ObjectKeyFromObject(want), &cm)
	switch {
	case apierrors.IsNotFound(err):
		return w.client.Create(ctx, want.DeepCopy())
	case err != nil:
		return err
	case maps.Equal(cm.Data, want.Data) && maps.Equal(cm.Labels, want.Labels):
		return nil
	}
	cm.Data, cm.Labels = want.Data, want.Labels
	return w.client.Update(ctx, &cm)
}

// deleteRecord deletes the ConfigMap of an object that is gone.
func (w *statusWriter) deleteRecord(ctx context.Context, r *records, name string) error {
	cm := &corev1.ConfigMap{}
	cm.Namespace, cm.Name = r.namespace, name
	return client.IgnoreNotFound(w.client.Delete(ctx, cm))
}
