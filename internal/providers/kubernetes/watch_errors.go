package kubernetes

import (
	"context"
	"errors"
	"io"

	"go.uber.org/zap"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	toolscache "k8s.io/client-go/tools/cache"
)

// watchErrors logs why a watch broke, through the source's logger: a
// refused watch (RBAC) or an unreachable API server shows in Graylane's own
// logs. The informer lists again after a backoff whatever is logged, and
// keeps serving what it has meanwhile.
func watchErrors(log *zap.Logger) toolscache.WatchErrorHandlerWithContext {
	return func(_ context.Context, r *toolscache.Reflector, err error) {
		switch {
		case errors.Is(err, io.EOF), apierrors.IsResourceExpired(err), apierrors.IsGone(err):
			return // closed as watches are; the informer resumes
		case apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err):
			log.Error("kubernetes watch refused; check the RBAC rules", zap.String("type", r.TypeDescription()), zap.Error(err))
		default:
			log.Warn("kubernetes watch failed; retrying", zap.String("type", r.TypeDescription()), zap.Error(err))
		}
	}
}
