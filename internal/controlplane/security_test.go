package controlplane

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/graylane/graylane/internal/certs"
)

func TestLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:18000": true, "[::1]:18000": true, "localhost:18000": true, "127.0.0.2:1": true,
		"0.0.0.0:18000": false, ":18000": false, "10.0.0.1:18000": false, "[::]:18000": false, "example.com:1": false,
	} {
		if got := isLoopback(addr); got != want {
			t.Errorf("isLoopback(%s) = %v", addr, got)
		}
	}
}

func TestPlaintextBeyondLoopbackNeedsInsecure(t *testing.T) {
	ctx := context.Background()
	base := []Option{WithConfigPath(t.TempDir()), WithAdminAddress("127.0.0.1:0"), WithModuleAddress("127.0.0.1:0")}
	_, err := Start(ctx, append(base, WithXDSAddress("0.0.0.0:0"))...)
	if err == nil || !strings.Contains(err.Error(), "--insecure") {
		t.Fatalf("plaintext on 0.0.0.0 without --insecure: %v", err)
	}
	_, err = Start(ctx, append(base, WithXDSAddress("127.0.0.1:0"), WithTLSFiles(certs.Files{ClientCA: "ca.crt"}))...)
	if err == nil || !strings.Contains(err.Error(), "--tls-cert-file") {
		t.Errorf("a client CA without a certificate: %v", err)
	}
	core, logs := observer.New(zap.WarnLevel)
	cp, err := Start(ctx, append(base, WithXDSAddress("0.0.0.0:0"), WithInsecure(), WithLogger(zap.New(core)))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Shutdown(ctx)
	if logs.FilterMessageSnippet("plaintext xDS beyond loopback").Len() != 1 {
		t.Error("--insecure beyond loopback was not warned about")
	}
}
