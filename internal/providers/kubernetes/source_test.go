package kubernetes

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"k8s.io/client-go/rest"

	"github.com/graylane/graylane/internal/providers"
	"github.com/graylane/graylane/model"
)

// publisher records what a source publishes.
type publisher struct {
	mu        sync.Mutex
	published int
}

var _ providers.Publisher = (*publisher)(nil)

func (p *publisher) Publish(string, *model.Config) { p.mu.Lock(); p.published++; p.mu.Unlock() }
func (p *publisher) Reject(string, error)          {}
func (p *publisher) Warn(string, error)            {}

func TestSourceWaitsForAnAPIServerItCannotReach(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // nothing listens there any more
	core, logs := observer.New(zap.WarnLevel)
	src := New(&rest.Config{Host: "http://" + addr}, WithLogger(zap.New(core)), WithLease("default", "test"))
	pub := &publisher{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, pub) }()

	deadline := time.Now().Add(10 * time.Second)
	for logs.FilterMessage("kubernetes watch not set up; retrying").Len() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the source does not retry; logs: %v", logs.All())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return once its context ended")
	}
	pub.mu.Lock()
	defer pub.mu.Unlock()
	if pub.published != 0 {
		t.Error("published without having read the cluster")
	}
}
