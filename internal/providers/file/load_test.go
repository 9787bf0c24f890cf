package file

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/graylane/graylane/internal/testcert"
)

const envoyBootstrap = "node: {id: a, cluster: b}\ndynamic_resources:\n  ads_config: {api_type: GRPC}\n"

const kubernetesManifests = "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\n"

func TestReadSkipsFilesOfAnotherFormatAndSaysSo(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "graylane.yaml", oneService)
	write(t, dir, "envoy.yaml", envoyBootstrap)
	write(t, dir, "k8s.yml", kubernetesManifests)
	c, err := ReadContents(dir)
	if err != nil || len(c.Config.Services) != 1 {
		t.Fatalf("ReadContents = %+v, %v", c, err)
	}
	var got []string
	for _, s := range c.Skipped {
		got = append(got, s.String())
	}
	want := []string{
		filepath.Join(dir, "envoy.yaml") + ": skipped: an Envoy bootstrap, not Graylane configuration",
		filepath.Join(dir, "k8s.yml") + `: skipped: a Kubernetes manifest (kind "Service"), not Graylane configuration`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("skipped:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Named on its own, a file of another format is an error, not skipped.
	if _, err := ReadContents(filepath.Join(dir, "envoy.yaml")); err == nil || !strings.Contains(err.Error(), "envoy.yaml:1: an Envoy bootstrap, not a Graylane configuration") {
		t.Errorf("an Envoy bootstrap alone gives %v", err)
	}
	// A directory of nothing but other formats holds no configuration.
	other := t.TempDir()
	write(t, other, "envoy.yaml", envoyBootstrap)
	if _, err := ReadContents(other); err == nil || !strings.Contains(err.Error(), "no Graylane configuration") {
		t.Errorf("a directory of Envoy bootstraps gives %v", err)
	}
}

func TestReadReportsWhatIsNotClearlyAnotherFormat(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.yaml", oneService)
	write(t, dir, "typo.yaml", "servces:\n  - name: web\n")            // a typo is no other format
	write(t, dir, "mixed.yaml", "node: {id: a}\nlanes: [{name: c}]\n") // a Graylane key makes it Graylane's
	write(t, dir, "blank.yaml", "# to be written\n")
	_, err := ReadContents(dir)
	got := strings.Join(problems(err), "\n")
	for _, want := range []string{
		filepath.Join(dir, "blank.yaml") + ":1: the file is empty",
		filepath.Join(dir, "mixed.yaml") + `:1: unknown field "node"`,
		filepath.Join(dir, "typo.yaml") + `:1: unknown field "servces"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
}

func TestServicesNoneSpeaksForTheWholeDirectory(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.yaml", "lanes: [{name: canary, weight: 5}]\nservices: none\n")
	c, err := ReadContents(dir)
	if err != nil || !c.Config.NoServices || c.Config.Origin.At("services") != filepath.Join(dir, "a.yaml")+":2" {
		t.Fatalf("ReadContents = %+v, %v", c.Config, err)
	}
	write(t, dir, "b.yaml", oneService)
	_, err = ReadContents(dir)
	want := filepath.Join(dir, "a.yaml") + ":2: `services: none` says the configuration has no services, but " +
		filepath.Join(dir, "b.yaml") + `:2 defines service "web"`
	if err == nil || err.Error() != want {
		t.Errorf("services: none next to a service gives %v\nwant %s", err, want)
	}
	// A file that lists no services is not the explicit form.
	write(t, dir, "a.yaml", "lanes: [{name: canary, weight: 5}]\nservices: []\n")
	write(t, dir, "b.yaml", "gateways: []\n")
	if c, err := ReadContents(dir); err != nil || c.Config.NoServices || c.Config.Origin.At("services") != filepath.Join(dir, "a.yaml")+":2" {
		t.Errorf("services: [] gives %+v, %v", c.Config, err)
	}
}

func TestDigestFollowsTheConfigurationOnly(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "graylane.yaml", oneService)
	write(t, dir, "envoy.yaml", envoyBootstrap)
	digest := func() string {
		t.Helper()
		c, _ := ReadContents(dir)
		return c.Digest
	}
	first := digest()
	write(t, dir, "envoy.yaml", envoyBootstrap+"admin: {}\n")
	write(t, dir, "notes.txt", "unrelated")
	if digest() != first {
		t.Error("a change to a skipped file or to another file changed the digest")
	}
	write(t, dir, "graylane.yaml", oneService+"# a comment\n")
	if digest() == first {
		t.Error("a change to the configuration kept the digest")
	}
}

// TestAChangedFileIsParsedAlone reads a directory, changes one of its
// files and reads it again: the other file's services are the very same
// (parsed once), the changed file's are new, and a file that is gone is
// forgotten.
func TestAChangedFileIsParsedAlone(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.yaml", "services:\n  - name: a\n    port: 80\n    versions: [{name: v1}]\n")
	write(t, dir, "b.yaml", service(81))
	var files parsedFiles
	first, err := readContents(dir, &files)
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, "b.yaml", service(82))
	second, err := readContents(dir, &files)
	if err != nil {
		t.Fatal(err)
	}
	a1, a2 := first.Config.Services[0], second.Config.Services[0]
	if a1.Name != "a" || &a1.Versions[0] != &a2.Versions[0] {
		t.Errorf("the unchanged file was parsed again: %+v, %+v", a1, a2)
	}
	if b := second.Config.Services[1]; b.Port != 82 {
		t.Errorf("the changed file's service: %+v", b)
	}
	if err := os.Remove(filepath.Join(dir, "b.yaml")); err != nil {
		t.Fatal(err)
	}
	if _, err := readContents(dir, &files); err != nil {
		t.Fatal(err)
	}
	if len(files.files) != 1 {
		t.Errorf("%d files remembered, want the one left", len(files.files))
	}
}

// TestReadingCertificatesAgainChangesNoEarlierRead: a file parsed once
// gives its gateways to every read, but each read's certificates are its
// own, so a rotated certificate leaves what was read (and published)
// before as it was.
func TestReadingCertificatesAgainChangesNoEarlierRead(t *testing.T) {
	dir := t.TempDir()
	ca := testcert.NewCA("test")
	first, second := ca.Leaf("shop.example.com"), ca.Leaf("shop.example.com")
	writeFile(t, filepath.Join(dir, "certs", "shop.pem"), first.Chain)
	writeFile(t, filepath.Join(dir, "certs", "shop.key"), first.Key)
	writeFile(t, filepath.Join(dir, "graylane.yaml"), []byte(routesConfig))
	var files parsedFiles
	before, err := readContents(filepath.Join(dir, "graylane.yaml"), &files)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "certs", "shop.pem"), second.Chain)
	writeFile(t, filepath.Join(dir, "certs", "shop.key"), second.Key)
	after, err := readContents(filepath.Join(dir, "graylane.yaml"), &files)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(after.Config.Gateways[0].TLS.Certificates[0].Chain); got != string(second.Chain) {
		t.Error("the rotated certificate was not read")
	}
	if got := string(before.Config.Gateways[0].TLS.Certificates[0].Chain); got != string(first.Chain) {
		t.Error("reading the rotated certificate changed the earlier read")
	}
}
