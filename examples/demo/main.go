// Command demo runs the gRPC backends that examples/graylane.yaml points
// at, and a proxyless gRPC client that calls a service through Graylane and
// counts which backend answered.
//
//	go run ./examples/demo backends
//	GRPC_XDS_BOOTSTRAP=examples/grpc-bootstrap.json go run ./examples/demo client -lane canary
package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"net"
	"os"
	"os/signal"
	"slices"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	_ "google.golang.org/grpc/xds" // registers the xds:/// resolver
)

// backends are the versions examples/graylane.yaml lists, by port.
var backends = map[int]string{
	7001: "reviews-v1@7001", 7002: "reviews-v1@7002", 7003: "reviews-v2@7003",
	7101: "ratings-v1@7101", 7102: "ratings-v2@7102",
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: demo backends | demo client [-target reviews.default:9080] [-calls 100] [-lane NAME]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "backends":
		err = serveBackends()
	case "client":
		err = runClient(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

type server struct {
	testgrpc.UnimplementedTestServiceServer
	id string
}

func (s *server) UnaryCall(context.Context, *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
	return &testgrpc.SimpleResponse{ServerId: s.id}, nil
}

func serveBackends() error {
	for port, id := range backends {
		lis, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			return err
		}
		s := grpc.NewServer()
		testgrpc.RegisterTestServiceServer(s, &server{id: id})
		go func() { _ = s.Serve(lis) }()
		fmt.Printf("%s on %s\n", id, lis.Addr())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	<-ctx.Done()
	return nil
}

func runClient(args []string) error {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	target := fs.String("target", "reviews.default:9080", "service to call (xds:///TARGET)")
	calls := fs.Int("calls", 100, "number of calls")
	lane := fs.String("lane", "", "lane header value to send (x-canary)")
	watch := fs.Bool("watch", false, "repeat every second until interrupted")
	_ = fs.Parse(args)
	conn, err := grpc.NewClient("xds:///"+*target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	client := testgrpc.NewTestServiceClient(conn)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	for {
		if err := round(ctx, client, *calls, *lane); err != nil || !*watch {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

// round makes n calls and prints how many each backend answered.
func round(ctx context.Context, client testgrpc.TestServiceClient, n int, lane string) error {
	counts := map[string]int{}
	for range n {
		callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if lane != "" {
			callCtx = metadata.AppendToOutgoingContext(callCtx, "x-canary", lane)
		}
		resp, err := client.UnaryCall(callCtx, &testgrpc.SimpleRequest{})
		cancel()
		if err != nil {
			return err
		}
		counts[resp.GetServerId()]++
	}
	for _, id := range slices.Sorted(maps.Keys(counts)) {
		fmt.Printf("%-16s %d\n", id, counts[id])
	}
	fmt.Println()
	return nil
}
