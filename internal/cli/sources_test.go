package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"
)

func TestSourceFlags(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n" +
		"users: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n"
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		flags   sourceFlags
		sources int
		err     string
	}{
		{sourceFlags{sources: []string{"file"}, config: "c.yaml"}, 1, ""},
		{sourceFlags{sources: []string{"file"}}, 0, "--source file needs --config PATH"},
		{sourceFlags{sources: []string{"kubernetes"}, kubeconfig: kubeconfig}, 1, ""},
		{sourceFlags{sources: []string{"file", " kubernetes"}, config: "c.yaml", kubeconfig: kubeconfig}, 2, ""},
		{sourceFlags{sources: []string{"kubernetes"}, kubeconfig: kubeconfig, config: "c.yaml"}, 0, "--config is read by --source file only"},
		{sourceFlags{sources: []string{"file", "file"}, config: "c.yaml"}, 0, "--source file is given twice"},
		{sourceFlags{sources: []string{"consul"}}, 0, `--source "consul": want file or kubernetes`},
		{sourceFlags{sources: []string{"kubernetes"}, kubeconfig: filepath.Join(t.TempDir(), "none")}, 0, "--source kubernetes:"},
	}
	for _, c := range cases {
		opts, err := c.flags.options(zap.NewNop(), false)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%+v: %v", c.flags, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%+v: error %v, want %q", c.flags, err, c.err)
		case len(opts) != c.sources:
			t.Errorf("%+v: %d sources, want %d", c.flags, len(opts), c.sources)
		}
	}
}

func TestLeaseNamespaceDefaults(t *testing.T) {
	if got := (&sourceFlags{leaseNamespace: "ops"}).leaseNamespaceOrDefault(); got != "ops" {
		t.Errorf("--lease-namespace ops: %q", got)
	}
	if _, err := os.Stat(inClusterNamespaceFile); err == nil {
		t.Skip("running in a pod: the default is its namespace")
	}
	if got := (&sourceFlags{}).leaseNamespaceOrDefault(); got != "default" {
		t.Errorf("outside a cluster: %q, want default", got)
	}
}
