package file

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/graylane/graylane/internal/testcert"
	"github.com/graylane/graylane/model"
)

const routesConfig = `
lanes: [{name: canary, weight: 10}]
services:
  - name: reviews
    port: 9080
    versions:
      - {name: v1, endpoints: [{address: 10.0.0.1}]}
      - {name: v2, lane: canary, endpoints: [{address: 10.0.0.2}]}
    mirror: [{version: v2, percent: 5}]
    routes:
      - match: {pathRegex: "/api/v[0-9]+/.*", headers: [{name: x-beta, value: "on|yes", regex: true}], query: [{name: debug, value: "1"}], method: GET}
        weights: {v1: 50, v2: 50}
        timeout: 3s
        backendTimeout: 1s
        requestHeaders: {set: [{name: x-from, value: graylane}], remove: [x-internal]}
        responseHeaders: {add: [{name: x-served-by, value: reviews}]}
        mirror: [{version: v2, percent: 100}]
      - match: {pathPrefix: /old}
        rewrite: {pathPrefix: /new, hostname: reviews.internal}
gateways:
  - name: public
    port: 8443
    tls:
      redirectPort: 8080
      certificates:
        - {name: shop, hostnames: [shop.example.com], certFile: certs/shop.pem, keyFile: certs/shop.key}
    routes:
      - hostnames: [shop.example.com]
        match: {path: /reviews}
        service: reviews
        weights: {v1: 90, v2: 10}
`

func TestLoadReadsRoutesMirrorsAndCertificates(t *testing.T) {
	dir := t.TempDir()
	cert := testcert.NewCA("test").Leaf("shop.example.com")
	writeFile(t, filepath.Join(dir, "certs", "shop.pem"), cert.Chain)
	writeFile(t, filepath.Join(dir, "certs", "shop.key"), cert.Key)
	writeFile(t, filepath.Join(dir, "graylane.yaml"), []byte(routesConfig))
	cfg, err := Load(filepath.Join(dir, "graylane.yaml"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	s := cfg.Services[0]
	if len(s.Mirrors) != 1 || s.Mirrors[0] != (model.Mirror{Version: "v2", Percent: 500, Origin: s.Mirrors[0].Origin}) {
		t.Errorf("service mirrors = %+v", s.Mirrors)
	}
	want := model.RouteMatch{
		PathRegex: "/api/v[0-9]+/.*", Method: "GET",
		Headers: []model.ValueMatch{{Name: "x-beta", Value: "on|yes", Regex: true}},
		Query:   []model.ValueMatch{{Name: "debug", Value: "1"}},
	}
	r := s.Routes[0]
	if len(r.Matches) != 1 || !reflect.DeepEqual(r.Matches[0], want) {
		t.Errorf("route 1 matches = %+v", r.Matches)
	}
	a := r.Action
	if a.Timeout != 3*time.Second || a.BackendTimeout != time.Second || a.RequestHeaders.Remove[0] != "x-internal" ||
		a.ResponseHeaders.Add[0].Name != "x-served-by" || a.Mirrors[0].Percent != model.WeightFull || r.Weights["v2"] != 5000 {
		t.Errorf("route 1 = %+v, action %+v", r, a)
	}
	if rw := s.Routes[1].Action.Rewrite; rw == nil || rw.PathPrefix != "/new" || rw.Hostname != "reviews.internal" {
		t.Errorf("route 2 rewrite = %+v", rw)
	}
	tls := cfg.Gateways[0].TLS
	if tls.RedirectPort != 8080 || string(tls.Certificates[0].Chain) != string(cert.Chain) || string(tls.Certificates[0].Key) != string(cert.Key) {
		t.Errorf("gateway tls = %+v", tls)
	}
	if gr := cfg.Gateways[0].Routes[0]; gr.Hostnames[0] != "shop.example.com" || gr.Weights["v1"] != 9000 || gr.Match.Path != "/reviews" {
		t.Errorf("gateway route = %+v", gr)
	}
}

func TestLoadPointsAtAMissingCertificateFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "graylane.yaml"), []byte(routesConfig))
	_, err := Load(filepath.Join(dir, "graylane.yaml"))
	got := strings.Join(problems(err), "\n")
	for _, want := range []string{
		filepath.Join(dir, "graylane.yaml") + ":26: certificate shop: open " + filepath.Join(dir, "certs", "shop.pem"),
		filepath.Join(dir, "graylane.yaml") + ":26: certificate shop: open " + filepath.Join(dir, "certs", "shop.key"),
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestSourceReadsARotatedCertificateAgain replaces a gateway's certificate
// files, in a folder of their own, as cert-manager does: the source
// publishes the configuration again with the new certificate.
func TestSourceReadsARotatedCertificateAgain(t *testing.T) {
	dir := t.TempDir()
	ca := testcert.NewCA("test")
	first, second := ca.Leaf("shop.example.com"), ca.Leaf("shop.example.com")
	writeCert := func(p testcert.Pair) {
		writeFile(t, filepath.Join(dir, "certs", ".new.pem"), p.Chain)
		writeFile(t, filepath.Join(dir, "certs", ".new.key"), p.Key)
		for _, f := range [][2]string{{".new.pem", "shop.pem"}, {".new.key", "shop.key"}} {
			if err := os.Rename(filepath.Join(dir, "certs", f[0]), filepath.Join(dir, "certs", f[1])); err != nil {
				t.Fatal(err)
			}
		}
	}
	writeCert(first)
	writeFile(t, filepath.Join(dir, "config", "graylane.yaml"), []byte(strings.ReplaceAll(routesConfig, "certs/", "../certs/")))
	rec := run(t, filepath.Join(dir, "config", "graylane.yaml"))
	if got := string(rec.last().Gateways[0].TLS.Certificates[0].Chain); got != string(first.Chain) {
		t.Fatal("the first certificate was not read")
	}
	writeCert(second)
	deadline := time.Now().Add(5 * time.Second)
	for string(rec.last().Gateways[0].TLS.Certificates[0].Chain) != string(second.Chain) {
		if time.Now().After(deadline) {
			t.Fatal("the rotated certificate was not published within 5s")
		}
		rec.wait(t)
	}
}
