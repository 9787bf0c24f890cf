package admin

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	runtimemetrics "runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/graylane/graylane/internal/benchconfig"
	"github.com/graylane/graylane/internal/metrics"
	"github.com/graylane/graylane/internal/pipeline"
	"github.com/graylane/graylane/internal/render"
	"github.com/graylane/graylane/internal/testcert"
	"github.com/graylane/graylane/internal/xdsserver"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/snapshot"
	"github.com/graylane/graylane/translators"
)

type status struct{ s pipeline.Status }

func (s *status) Status() pipeline.Status { return s.s }

type clients []xdsserver.ClientStatus

func (c clients) Clients() []xdsserver.ClientStatus { return c }

func serve(t *testing.T, st *status, snaps SnapshotReader) *httptest.Server {
	t.Helper()
	m := metrics.New()
	m.SnapshotBuilds.Inc()
	h := NewHandler(Sources{Status: st, Snapshots: snaps, Clients: clients{{NodeID: "n1", Role: model.RoleGRPC}}, Metrics: m.Registry})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	st := &status{}
	srv := serve(t, st, snapshot.NewCache(nil))
	if code, _ := get(t, srv.URL+"/healthz"); code != 200 {
		t.Errorf("/healthz = %d", code)
	}
	if code, _ := get(t, srv.URL+"/readyz"); code != 503 {
		t.Errorf("/readyz before the first snapshot = %d, want 503", code)
	}
	st.s.Ready = true
	if code, _ := get(t, srv.URL+"/readyz"); code != 200 {
		t.Errorf("/readyz when ready = %d", code)
	}
	if _, body := get(t, srv.URL+"/metrics"); !strings.Contains(body, "graylane_snapshot_builds_total 1") {
		t.Errorf("/metrics lacks the build counter:\n%s", body)
	}
	var cs []xdsserver.ClientStatus
	_, body := get(t, srv.URL+"/debug/clients")
	if err := json.Unmarshal([]byte(body), &cs); err != nil || len(cs) != 1 || cs[0].NodeID != "n1" {
		t.Errorf("/debug/clients = %s (%v)", body, err)
	}
}

func TestDebugSnapshotShowsResourcesAndStatus(t *testing.T) {
	cfg := &model.Config{Services: []model.Service{{Name: "web", Port: 80, Versions: []model.Version{{Name: "v1"}}}}}
	res, err := pipeline.Build([]*model.Config{cfg})
	if err != nil {
		t.Fatal(err)
	}
	cache := snapshot.NewCache(nil)
	if _, err := cache.Publish(t.Context(), model.RoleGRPC, res.Snapshots[model.RoleGRPC]); err != nil {
		t.Fatal(err)
	}
	st := &status{s: pipeline.Status{Ready: true, BuildErrors: []string{"f.yaml:3: bad"}}}
	_, body := get(t, serve(t, st, cache).URL+"/debug/snapshot")
	var view struct {
		Status pipeline.Status
		Roles  map[string]map[string]struct {
			Version   string
			Resources []map[string]any
		}
	}
	if err := json.Unmarshal([]byte(body), &view); err != nil {
		t.Fatal(err)
	}
	clusters := view.Roles["grpc"]["clusters"]
	if len(clusters.Resources) != 1 || clusters.Resources[0]["name"] != "web.default:80/v1" ||
		clusters.Version != res.Snapshots[model.RoleGRPC].Version(types.Cluster) {
		t.Errorf("grpc clusters = %+v", clusters)
	}
	if len(view.Status.BuildErrors) != 1 || view.Roles["edge"] != nil {
		t.Errorf("status %+v, roles %v", view.Status, view.Roles)
	}
}

func TestDebugSnapshotFiltersByRoleAndType(t *testing.T) {
	cfg := &model.Config{Services: []model.Service{{Name: "web", Port: 80, Versions: []model.Version{{Name: "v1"}}}}}
	res, err := pipeline.Build([]*model.Config{cfg})
	if err != nil {
		t.Fatal(err)
	}
	cache := snapshot.NewCache(nil)
	for _, role := range []model.Role{model.RoleGRPC, model.RoleSidecar} {
		if _, err := cache.Publish(t.Context(), role, res.Snapshots[role]); err != nil {
			t.Fatal(err)
		}
	}
	srv := serve(t, &status{s: pipeline.Status{Ready: true}}, cache)
	var view SnapshotView
	_, body := get(t, srv.URL+"/debug/snapshot?role=sidecar&type=clusters")
	if err := json.Unmarshal([]byte(body), &view); err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	if len(view.Roles) != 1 || len(view.Roles[model.RoleSidecar]) != 1 || len(view.Roles[model.RoleSidecar]["clusters"].Resources) != 1 {
		t.Errorf("?role=sidecar&type=clusters = %s", body)
	}
	for _, q := range []string{"role=mesh", "type=secretz"} {
		if code, _ := get(t, srv.URL+"/debug/snapshot?"+q); code != http.StatusBadRequest {
			t.Errorf("?%s = %d, want 400", q, code)
		}
	}
}

func TestMetricsHandlerShowsNoConfiguration(t *testing.T) {
	m := metrics.New()
	h := NewMetricsHandler(Sources{Status: &status{s: pipeline.Status{Ready: true}}, Snapshots: snapshot.NewCache(nil), Clients: clients{}, Metrics: m.Registry})
	srv := httptest.NewServer(h)
	defer srv.Close()
	for path, want := range map[string]int{"/metrics": 200, "/healthz": 200, "/readyz": 200, "/debug/snapshot": 404, "/debug/clients": 404} {
		if code, _ := get(t, srv.URL+path); code != want {
			t.Errorf("%s = %d, want %d", path, code, want)
		}
	}
}

// TestDebugSnapshotIsStreamed starts 4 readers of /debug/snapshot of 1,000
// services and pauses after their first bytes: one answer is written at a
// time, and it holds about one resource's JSON (protojson needs a few
// times its size while encoding), not the whole answer. It runs without
// -race only.
func TestDebugSnapshotIsStreamed(t *testing.T) {
	if raceEnabled {
		t.Skip("a figure of memory: under -race an answer takes longer than a request waits")
	}
	res, err := pipeline.Build([]*model.Config{benchconfig.Generate(1000)})
	if err != nil {
		t.Fatal(err)
	}
	cache := snapshot.NewCache(nil)
	for _, role := range model.AllRoles() {
		if _, err := cache.Publish(t.Context(), role, res.Snapshots[role]); err != nil {
			t.Fatal(err)
		}
	}
	var largest int
	for _, snap := range res.Snapshots {
		for _, k := range translators.Kinds() {
			for _, r := range snap.Resources(k.Type) {
				b, _ := protojson.Marshal(r)
				largest = max(largest, len(b))
			}
		}
	}
	res = nil
	srv := serve(t, &status{s: pipeline.Status{Ready: true}}, cache)
	before := heapMiB()
	first, err := http.Get(srv.URL + "/debug/snapshot")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(first.Body, make([]byte, 64<<10)); err != nil {
		t.Fatal(err)
	}
	waiting := make(chan *http.Response, 3)
	for range 3 {
		go func() {
			resp, err := http.Get(srv.URL + "/debug/snapshot")
			if err != nil {
				t.Error(err)
			}
			waiting <- resp
		}()
	}
	time.Sleep(200 * time.Millisecond) // the handlers fill the socket buffers and block
	during := heapMiB()
	var total int64
	read := func(b io.ReadCloser) {
		n, _ := io.Copy(io.Discard, b)
		total += n
		b.Close()
	}
	read(first.Body)
	total += 64 << 10
	for range 3 {
		if resp := <-waiting; resp != nil {
			if resp.StatusCode != http.StatusOK {
				t.Errorf("a waiting request was answered %s", resp.Status)
			}
			read(resp.Body)
		}
	}
	bound := 4*float64(largest)/(1<<20) + 4
	t.Logf("heap %.1f MiB before, %.1f MiB with 4 answers of %.1f MiB each under way (largest resource %.1f MiB of JSON)",
		before, during, float64(total)/4/(1<<20), float64(largest)/(1<<20))
	if during-before > bound {
		t.Errorf("the heap grew by %.1f MiB while answering, bound %.1f (4 times the largest resource's JSON and 4 MiB)", during-before, bound)
	}
}

func heapMiB() float64 {
	runtime.GC()
	runtime.GC() // the second empties sync.Pools (gRPC's buffers) of what the first kept
	sample := []runtimemetrics.Sample{{Name: "/gc/heap/live:bytes"}}
	runtimemetrics.Read(sample)
	return float64(sample[0].Value.Uint64()) / (1 << 20)
}

func TestDebugSnapshotRedactsPrivateKeys(t *testing.T) {
	pair := testcert.NewCA("test").Leaf("shop.example.com")
	cfg := &model.Config{
		Services: []model.Service{{Name: "web", Port: 80, Versions: []model.Version{{Name: "v1"}}}},
		Gateways: []model.Gateway{{
			Name: "public", Port: 443,
			TLS:    &model.GatewayTLS{Certificates: []model.Certificate{{Name: "shop", Chain: pair.Chain, Key: pair.Key}}},
			Routes: []model.GatewayRoute{{Service: model.ServiceRef{Name: "web"}}},
		}},
	}
	res, err := pipeline.Build([]*model.Config{cfg})
	if err != nil {
		t.Fatal(err)
	}
	cache := snapshot.NewCache(nil)
	if _, err := cache.Publish(t.Context(), model.RoleEdge, res.Snapshots[model.RoleEdge]); err != nil {
		t.Fatal(err)
	}
	_, body := get(t, serve(t, &status{}, cache).URL+"/debug/snapshot")
	keyB64 := base64.StdEncoding.EncodeToString(pair.Key)
	if strings.Contains(body, keyB64[:40]) || strings.Contains(body, "PRIVATE KEY") {
		t.Fatalf("/debug/snapshot shows the private key:\n%s", body)
	}
	if !strings.Contains(body, base64.StdEncoding.EncodeToString(pair.Chain)[:40]) || !strings.Contains(body, render.RedactedValue) {
		t.Errorf("/debug/snapshot lacks the secret's chain or the redaction:\n%s", body)
	}
}
