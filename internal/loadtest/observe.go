package loadtest

import (
	"context"
	"fmt"
	"io"
	"time"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/graylane/graylane/model"
)

// Observe connects the fleet of cfg to a running control plane, its gRPC
// clients dialing the listeners it serves proxyless gRPC clients, reports
// how the fleet took its first state, then reports each wave of responses
// (a change made to the control plane's configuration) until ctx ends.
// The fleet runs in this process.
func Observe(ctx context.Context, cfg Config, address string, w io.Writer) error {
	if err := cfg.check(); err != nil {
		return err
	}
	listeners, err := grpcListeners(ctx, address)
	if err != nil {
		return err
	}
	f, err := StartFleet(ctx, cfg.plan(address, listeners))
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Connect(ctx, cfg.Clients); err != nil {
		return err
	}
	s, err := f.Sync(ctx, cfg.Timeout)
	if err != nil {
		return nil // ctx ended
	}
	fmt.Fprintf(w, "first state: %d of %d clients in %s (%d failed%s), %d responses, %s; the tool's own memory: %s per client\n",
		s.Synced, s.Clients, round(s.Duration), s.Failed, firstError(s.FirstError), total(s.Pushes), size(float64(s.Bytes)),
		size(float64(s.Memory.Heap+s.Memory.Stack)/float64(s.Clients)))
	for {
		if err := f.Arm(ctx, &Expect{}); err != nil {
			return err
		}
		r, err := f.Wave(ctx, cfg.Quiet)
		if err != nil {
			return nil // ctx ended
		}
		fmt.Fprintf(w, "%s change: %s, reached %s, %d responses (%s), %s\n", time.Unix(0, r.FirstResponse).Format(time.TimeOnly),
			round(time.Duration(r.LastAck-r.FirstResponse)), reached(r.ByRole), total(r.Pushes), byType(r.Pushes), size(float64(r.Bytes)))
	}
}

func firstError(e string) string {
	if e == "" {
		return ""
	}
	return ": " + e
}

// Wave waits for a response, then for the fleet to be quiet, and reports
// what it received.
func (f *Fleet) Wave(ctx context.Context, quiet time.Duration) (ChangeReport, error) {
	err := poll(ctx, func(now time.Time) bool {
		last := f.last.Load()
		return last != 0 && now.UnixNano()-last >= quiet.Nanoseconds()
	})
	if err != nil {
		return ChangeReport{}, err
	}
	return f.changeReport(false), nil
}

// grpcListeners asks the control plane for every listener it serves
// proxyless gRPC clients.
func grpcListeners(ctx context.Context, address string) ([]string, error) {
	conn, err := grpc.NewClient(address, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage)))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	s, err := discoveryv3.NewAggregatedDiscoveryServiceClient(conn).StreamAggregatedResources(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.Send(&discoveryv3.DiscoveryRequest{Node: node(model.RoleGRPC, 0, nil), TypeUrl: typeListener.url()}); err != nil {
		return nil, err
	}
	resp, err := s.Recv()
	if err != nil {
		return nil, fmt.Errorf("listing the gRPC listeners of %s: %w", address, err)
	}
	var names []string
	for _, a := range resp.GetResources() {
		info, err := readResource(typeListener, a.GetValue())
		if err != nil {
			return nil, err
		}
		names = append(names, info.name)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s serves no listener to gRPC clients", address)
	}
	return names, nil
}
