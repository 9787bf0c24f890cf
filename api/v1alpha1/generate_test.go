package v1alpha1_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestGeneratedFilesAreCurrent runs controller-gen, at the version the
// Makefile pins, and fails when the committed CRD or deepcopy code differ
// from what it generates: run `make generate`.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: controller-gen is not run")
	}
	out := t.TempDir()
	cmd := exec.Command("go", "run", "sigs.k8s.io/controller-tools/cmd/controller-gen@"+controllerGenVersion(t),
		"object", "output:object:dir="+filepath.Join(out, "object"),
		"crd:crdVersions=v1", "output:crd:dir="+filepath.Join(out, "crd"), "paths=./...")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("controller-gen: %v\n%s", err, msg)
	}
	for generated, committed := range map[string]string{
		filepath.Join(out, "object", "zz_generated.deepcopy.go"): "zz_generated.deepcopy.go",
		filepath.Join(out, "crd", "graylane.io_lanes.yaml"):      filepath.Join("..", "..", "config", "crd", "graylane.io_lanes.yaml"),
	} {
		want, err := os.ReadFile(generated)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(committed); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is not what controller-gen generates from api/v1alpha1 (%v): run `make generate`", committed, err)
		}
	}
}

// controllerGenVersion is the version the Makefile's generate target runs.
func controllerGenVersion(t *testing.T) string {
	t.Helper()
	makefile, err := os.ReadFile(filepath.Join("..", "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^CONTROLLER_GEN_VERSION\s*\?=\s*(v\S+)`).FindSubmatch(makefile)
	if m == nil {
		t.Fatal("the Makefile does not set CONTROLLER_GEN_VERSION")
	}
	return string(m[1])
}
