package e2e

import (
	"context"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Metadata the interop backends act on, so that any client can ask for a
// slow answer or a failing attempt without code of its own.
const (
	// sleepHeader asks the backend to wait that many milliseconds.
	sleepHeader = "x-sleep-ms"
	// failHeader asks the backend to fail that many attempts of a call
	// with UNAVAILABLE; the call is known by the value of keyHeader.
	failHeader = "x-fail-attempts"
	keyHeader  = "x-request-key"
	// maxTrackedCalls bounds the attempts a backend remembers.
	maxTrackedCalls = 100_000
)

// interopBackend is a TestService that answers with its id, after the
// delay and failures a call's metadata asks for.
type interopBackend struct {
	testgrpc.UnimplementedTestServiceServer
	id   string
	Port int

	mu       sync.Mutex
	attempts map[string]int
}

func startInteropBackend(t *testing.T, id string) *interopBackend {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &interopBackend{id: id, Port: lis.Addr().(*net.TCPAddr).Port, attempts: map[string]int{}}
	s := grpc.NewServer()
	testgrpc.RegisterTestServiceServer(s, b)
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(s.Stop)
	return b
}

func (b *interopBackend) UnaryCall(ctx context.Context, _ *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	if ms := headerInt(md, sleepHeader); ms > 0 {
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	}
	if fail := headerInt(md, failHeader); fail > 0 && b.attempt(first(md, keyHeader)) <= fail {
		return nil, status.Errorf(codes.Unavailable, "%s fails this attempt, as asked", b.id)
	}
	return &testgrpc.SimpleResponse{ServerId: b.id}, nil
}

// attempt counts an attempt of the call known by key and returns its
// number, from 1.
func (b *interopBackend) attempt(key string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.attempts) >= maxTrackedCalls {
		clear(b.attempts)
	}
	b.attempts[key]++
	return b.attempts[key]
}

func first(md metadata.MD, key string) string {
	if v := md.Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

func headerInt(md metadata.MD, key string) int {
	n, _ := strconv.Atoi(first(md, key))
	return n
}
