package kubernetes

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/go-logr/zapr"
	"go.uber.org/zap"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/uuid"
	coordinationv1client "k8s.io/client-go/kubernetes/typed/coordination/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// Leader election timings: controller-runtime's defaults.
const (
	leaseDuration = 15 * time.Second
	renewDeadline = 10 * time.Second
	retryPeriod   = 2 * time.Second
)

// elect keeps this replica campaigning for the Lease until ctx ends; the
// status writer runs while it leads. Losing the Lease (say, while the API
// server is unreachable) stops only the status writer: the watches and xDS
// serving go on, and the replica campaigns again.
func (s *Source) elect(ctx context.Context, scheme *runtime.Scheme, w *statusWriter) {
	for ctx.Err() == nil {
		err := s.lead(ctx, scheme, w)
		if ctx.Err() != nil {
			return
		}
		s.opts.log.Warn("status leadership ended; campaigning again", zap.Error(err))
		select {
		case <-ctx.Done():
		case <-time.After(retryPeriod):
		}
	}
}

// lead runs one leader election, with a manager of its own whose only
// runnable, the status writer, needs the Lease.
func (s *Source) lead(ctx context.Context, scheme *runtime.Scheme, w *statusWriter) error {
	lock, err := s.lock()
	if err != nil {
		return err
	}
	lease, renew, retry := leaseDuration, renewDeadline, retryPeriod
	m, err := manager.New(s.config, manager.Options{
		Scheme:                              scheme,
		Logger:                              zapr.NewLogger(s.opts.log),
		Metrics:                             metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress:              "0",
		LeaderElection:                      true,
		LeaderElectionResourceLockInterface: lock,
		LeaderElectionReleaseOnCancel:       true,
		LeaseDuration:                       &lease,
		RenewDeadline:                       &renew,
		RetryPeriod:                         &retry,
	})
	if err != nil {
		return err
	}
	if err := m.Add(w.leader()); err != nil {
		return err
	}
	return m.Start(ctx)
}

// lock is the Lease, without an event recorder: Graylane writes no Events.
func (s *Source) lock() (resourcelock.Interface, error) {
	host, err := os.Hostname()
	if err != nil {
		return nil, err
	}
	cfg := rest.CopyConfig(s.config)
	cfg.Timeout = renewDeadline / 2 // a hung request must not cost the Lease
	client, err := coordinationv1client.NewForConfig(rest.AddUserAgent(cfg, "graylane-leader-election"))
	if err != nil {
		return nil, fmt.Errorf("lease client: %w", err)
	}
	return &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: s.opts.leaseNamespace, Name: s.opts.leaseName},
		Client:     client,
		LockConfig: resourcelock.ResourceLockConfig{Identity: host + "_" + string(uuid.NewUUID())},
	}, nil
}
