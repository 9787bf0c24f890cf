package admin

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/envoyproxy/go-control-plane/pkg/cache/types"

	"github.com/graylane/graylane/internal/metrics"
	"github.com/graylane/graylane/internal/pipeline"
	"github.com/graylane/graylane/internal/render"
	"github.com/graylane/graylane/internal/testcert"
	"github.com/graylane/graylane/internal/xdsserver"
	"github.com/graylane/graylane/model"
	"github.com/graylane/graylane/snapshot"
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
