package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/xds"
)

// callsRequest asks a peer for N sequential unary calls to xds:///Target.
// The peers' programs (e2e/interop/) read it as one JSON line.
type callsRequest struct {
	Target   string            `json:"target"`
	N        int               `json:"n"`
	Metadata map[string]string `json:"metadata,omitempty"`
	// UniqueHeader, when set, carries a value unique to each call.
	UniqueHeader string `json:"uniqueHeader,omitempty"`
	DeadlineMs   int    `json:"deadlineMs,omitempty"`
	// StopAfterErrors, when set, ends the request at that many failed
	// calls: a client that rejected its configuration fails fast.
	StopAfterErrors int `json:"stopAfterErrors,omitempty"`
	// ConnectOnly makes no call: the peer asks its channel to connect,
	// which fetches the target's configuration, and waits up to the
	// deadline for it to be READY.
	ConnectOnly bool `json:"connectOnly,omitempty"`
}

// callsResult counts a request's answers by backend id and its failures
// by status code name (UNAVAILABLE, ...).
type callsResult struct {
	IDs        map[string]int `json:"ids"`
	Errors     map[string]int `json:"errors"`
	FirstError string         `json:"firstError"`
	MaxMs      float64        `json:"maxMs"`
	MinMs      float64        `json:"minMs"`
	// State is the channel's state after a ConnectOnly request.
	State string `json:"state,omitempty"`
	// Failure is the peer program's own error, not a call's.
	Failure string `json:"failure"`
}

func (r callsResult) failed() int {
	n := 0
	for _, c := range r.Errors {
		n += c
	}
	return n
}

func (r callsResult) String() string {
	s := fmt.Sprintf("answers %v, errors %v", r.IDs, r.Errors)
	if r.FirstError != "" {
		s += fmt.Sprintf(" (first: %s)", r.FirstError)
	}
	return s
}

// peer makes calls through the xDS client of one gRPC stack.
type peer interface {
	// Calls makes the request's calls; an error means the peer itself
	// failed (it crashed, hung or answered nonsense).
	Calls(req callsRequest) (callsResult, error)
	// Version is the stack's version, as the peer reports it.
	Version() string
	// Logs is what the peer logged, for failure messages.
	Logs() string
}

// stack starts a peer of one gRPC stack whose xDS bootstrap is bootstrap.
type stack struct {
	name  string
	start func(t *testing.T, bootstrap []byte) peer
}

// stacks are the gRPC stacks every interop test runs against.
var stacks = []stack{
	{"grpc-go", startGoPeer},
	{"grpc-js", startNodePeer},
	{"c-core", startPythonPeer},
}

// goPeer is grpc-go's xDS client, in the test process.
type goPeer struct {
	t         *testing.T
	bootstrap []byte
	conns     map[string]*grpc.ClientConn
}

var _ peer = (*goPeer)(nil)

func startGoPeer(t *testing.T, bootstrap []byte) peer {
	return &goPeer{t: t, bootstrap: bootstrap, conns: map[string]*grpc.ClientConn{}}
}

func (p *goPeer) Version() string { return grpc.Version }
func (p *goPeer) Logs() string    { return "" }

func (p *goPeer) conn(target string) (*grpc.ClientConn, error) {
	if c, ok := p.conns[target]; ok {
		return c, nil
	}
	resolver, err := xds.NewXDSResolverWithConfigForTesting(p.bootstrap)
	if err != nil {
		return nil, fmt.Errorf("xds resolver: %w", err)
	}
	c, err := grpc.NewClient("xds:///"+target,
		grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithResolvers(resolver))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", target, err)
	}
	p.t.Cleanup(func() { c.Close() })
	p.conns[target] = c
	return c, nil
}

func (p *goPeer) Calls(req callsRequest) (callsResult, error) {
	conn, err := p.conn(req.Target)
	if err != nil {
		return callsResult{}, err
	}
	out := callsResult{IDs: map[string]int{}, Errors: map[string]int{}}
	if req.ConnectOnly {
		out.State = connect(conn, time.Duration(cmpOr(req.DeadlineMs, 5000))*time.Millisecond)
		return out, nil
	}
	client := testgrpc.NewTestServiceClient(conn)
	for i := range max(req.N, 1) {
		ctx, cancel := callContext(req, i)
		start := time.Now()
		resp, err := client.UnaryCall(ctx, &testgrpc.SimpleRequest{}, grpc.WaitForReady(true))
		out.record(i, float64(time.Since(start).Microseconds())/1000, resp.GetServerId(), err)
		cancel()
		if req.StopAfterErrors > 0 && out.failed() >= req.StopAfterErrors {
			break
		}
	}
	return out, nil
}

// connect asks conn to connect and returns its state once READY, or at
// the deadline.
func connect(conn *grpc.ClientConn, deadline time.Duration) string {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	conn.Connect()
	for s := conn.GetState(); ; s = conn.GetState() {
		if s == connectivity.Ready || !conn.WaitForStateChange(ctx, s) {
			return s.String()
		}
	}
}

// callContext is the context of call i of req: its deadline and metadata.
func callContext(req callsRequest, i int) (context.Context, context.CancelFunc) {
	deadline := time.Duration(cmpOr(req.DeadlineMs, 5000)) * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	md := make([]string, 0, 2*len(req.Metadata)+2)
	for k, v := range req.Metadata {
		md = append(md, k, v)
	}
	if req.UniqueHeader != "" {
		md = append(md, req.UniqueHeader, fmt.Sprintf("go-%d-%d", time.Now().UnixNano(), i))
	}
	return metadata.AppendToOutgoingContext(ctx, md...), cancel
}

func (r *callsResult) record(i int, ms float64, id string, err error) {
	r.MaxMs = max(r.MaxMs, ms)
	if i == 0 || ms < r.MinMs {
		r.MinMs = ms
	}
	if err == nil {
		r.IDs[id]++
		return
	}
	s := status.Convert(err)
	code := codeName(s.Code().String())
	r.Errors[code]++
	if r.FirstError == "" {
		r.FirstError = code + ": " + s.Message()
	}
}

// codeName spells a grpc-go code name (DeadlineExceeded) as the other
// stacks do (DEADLINE_EXCEEDED).
func codeName(goName string) string {
	var b strings.Builder
	for i, r := range goName {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// processPeer is a peer program in another process, spoken to in JSON
// lines over its standard input and output.
type processPeer struct {
	t       *testing.T
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	lines   chan string
	stderr  *tailBuffer
	version string
	broken  error // the first failure of the peer itself
}

var _ peer = (*processPeer)(nil)

// peerCallTimeout bounds one request to a peer program: a hung peer fails
// the test instead of stalling it.
const peerCallTimeout = 2 * time.Minute

// ciDepsHint is how a developer gets the peers a test needs.
const ciDepsHint = "run `make ci-deps` (CI does) to install the interop peers"

func startNodePeer(t *testing.T, bootstrap []byte) peer {
	t.Helper()
	dir, err := filepath.Abs("interop/node")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@grpc", "grpc-js-xds")); err != nil {
		t.Fatalf("grpc-js-xds is not installed in %s: %s", dir, ciDepsHint)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH: %s", ciDepsHint)
	}
	// The xds_client tracer logs every rejected resource with its reason.
	return startProcessPeer(t, bootstrap, []string{"GRPC_TRACE=xds_client", "GRPC_VERBOSITY=DEBUG"},
		node, filepath.Join(dir, "client.js"))
}

// debianPython is Debian's interpreter, whose python3-grpcio is the gRPC
// C-core Debian ships; a python3 earlier on PATH may be another one.
const debianPython = "/usr/bin/python3"

func startPythonPeer(t *testing.T, bootstrap []byte) peer {
	t.Helper()
	if out, err := exec.Command(debianPython, "-c", "import grpc").CombinedOutput(); err != nil {
		t.Fatalf("%s cannot import grpc (%v: %s): %s", debianPython, err, strings.TrimSpace(string(out)), ciDepsHint)
	}
	script, err := filepath.Abs("interop/python/client.py")
	if err != nil {
		t.Fatal(err)
	}
	// C-core logs a rejected resource's reason at the error level.
	return startProcessPeer(t, bootstrap, []string{"GRPC_VERBOSITY=ERROR", "PYTHONDONTWRITEBYTECODE=1"},
		debianPython, script)
}

func startProcessPeer(t *testing.T, bootstrap []byte, env []string, name string, args ...string) peer {
	t.Helper()
	p := &processPeer{t: t, lines: make(chan string, 16), stderr: newTailBuffer(256 << 10)}
	p.cmd = exec.Command(name, args...)
	p.cmd.Env = append(append(environWithout("GRPC_XDS_BOOTSTRAP"), "GRPC_XDS_BOOTSTRAP_CONFIG="+string(bootstrap)), env...)
	p.cmd.Stderr = p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go p.read(stdout)
	t.Cleanup(p.stop)
	p.hello()
	return p
}

// environWithout is the test's environment less the variables whose names
// start with prefix.
func environWithout(prefix string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, prefix) {
			out = append(out, kv)
		}
	}
	return out
}

func (p *processPeer) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		p.lines <- sc.Text()
	}
	close(p.lines)
}

// hello reads the line a peer program starts with: its stack and version.
func (p *processPeer) hello() {
	p.t.Helper()
	line, err := p.next(30 * time.Second)
	if err != nil {
		p.t.Fatalf("peer did not start: %v\n%s", err, p.Logs())
	}
	var h struct {
		Hello struct{ Stack, Version, Xds string }
	}
	if err := json.Unmarshal([]byte(line), &h); err != nil || h.Hello.Version == "" {
		p.t.Fatalf("peer's first line is not a greeting: %q (%v)", line, err)
	}
	p.version = h.Hello.Version
	p.t.Logf("peer %s %s (xds client %s)", h.Hello.Stack, h.Hello.Version, cmpOrString(h.Hello.Xds, "built in"))
}

func cmpOrString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func (p *processPeer) next(timeout time.Duration) (string, error) {
	select {
	case line, ok := <-p.lines:
		if !ok {
			return "", fmt.Errorf("peer exited: %v", p.cmd.Wait())
		}
		return line, nil
	case <-time.After(timeout):
		return "", fmt.Errorf("peer gave no answer in %v", timeout)
	}
}

func (p *processPeer) Version() string { return p.version }
func (p *processPeer) Logs() string    { return p.stderr.String() }

func (p *processPeer) Calls(req callsRequest) (callsResult, error) {
	if p.broken != nil {
		return callsResult{}, fmt.Errorf("the peer failed earlier: %w", p.broken)
	}
	out, err := p.calls(req)
	if err != nil && out.Failure == "" {
		p.broken = err
		_ = p.cmd.Process.Kill()
	}
	return out, err
}

func (p *processPeer) calls(req callsRequest) (callsResult, error) {
	data, err := json.Marshal(req)
	if err != nil {
		return callsResult{}, err
	}
	if _, err := p.stdin.Write(append(data, '\n')); err != nil {
		return callsResult{}, fmt.Errorf("write to peer: %w", err)
	}
	line, err := p.next(peerCallTimeout)
	if err != nil {
		return callsResult{}, err
	}
	var out callsResult
	if err := json.Unmarshal([]byte(line), &out); err != nil {
		return callsResult{}, fmt.Errorf("peer answered %q: %w", line, err)
	}
	if out.Failure != "" {
		return out, errors.New(out.Failure)
	}
	return out, nil
}

// stop closes the peer's input, which ends it, and kills it if it lingers.
func (p *processPeer) stop() {
	p.stdin.Close()
	done := make(chan struct{})
	go func() {
		for range p.lines { // drain, so the reader ends
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
	_ = p.cmd.Wait()
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func newTailBuffer(limit int) *tailBuffer { return &tailBuffer{max: limit} }

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// rejectionLine finds a peer's log lines about rejected xDS resources.
var rejectionLine = regexp.MustCompile(`(?i)(nack|invalid|validation|unsupported|rejected)`)

// rejections is the peer's log lines that name a rejection, at most 40.
func rejections(p peer) string {
	var out []string
	for _, line := range strings.Split(p.Logs(), "\n") {
		if rejectionLine.MatchString(line) && len(out) < 40 {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
