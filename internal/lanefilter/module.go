package lanefilter

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"google.golang.org/protobuf/types/known/durationpb"
)

// DefaultLocalPath is where an edge Envoy loads the module from when the
// control plane does not serve it.
const DefaultLocalPath = "/etc/envoy/lane-filter.wasm"

// ModulePath is where the control plane serves the module.
const ModulePath = "/lane-filter.wasm"

// Source says where edge Envoys load the filter's WebAssembly module from:
// a file on the Envoy's host, or a URL Envoy downloads through one of its
// bootstrap clusters and checks against a SHA-256.
type Source struct {
	local   string
	url     string
	cluster string
	module  []byte
	sha256  string
}

// Local is a module at path on every edge Envoy's host.
func Local(path string) Source { return Source{local: path} }

// Remote is the module in file, which the control plane serves; Envoy
// fetches it from url through its bootstrap cluster and checks the hash.
func Remote(file, url, cluster string) (Source, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return Source{}, fmt.Errorf("lane filter module: %w", err)
	}
	if len(data) < 8 || string(data[:4]) != "\x00asm" {
		return Source{}, fmt.Errorf("lane filter module %s: not a WebAssembly module", file)
	}
	if url == "" || cluster == "" {
		return Source{}, errors.New("lane filter module: a remote module needs a URL and an Envoy cluster")
	}
	sum := sha256.Sum256(data)
	return Source{url: url, cluster: cluster, module: data, sha256: hex.EncodeToString(sum[:])}, nil
}

// SHA256 is the served module's hash, "" for a local module.
func (s Source) SHA256() string { return s.sha256 }

// Handler serves the module at ModulePath; nil for a local module.
func (s Source) Handler() http.Handler {
	if s.module == nil {
		return nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+ModulePath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/wasm")
		w.Header().Set("ETag", `"`+s.sha256+`"`)
		_, _ = w.Write(s.module)
	})
	return mux
}

// code is the Wasm VM's code source.
func (s Source) code() *corev3.AsyncDataSource {
	if s.module == nil {
		return &corev3.AsyncDataSource{Specifier: &corev3.AsyncDataSource_Local{Local: &corev3.DataSource{
			Specifier: &corev3.DataSource_Filename{Filename: s.local},
		}}}
	}
	return &corev3.AsyncDataSource{Specifier: &corev3.AsyncDataSource_Remote{Remote: &corev3.RemoteDataSource{
		HttpUri: &corev3.HttpUri{
			Uri:              s.url,
			HttpUpstreamType: &corev3.HttpUri_Cluster{Cluster: s.cluster},
			Timeout:          durationpb.New(10 * time.Second),
		},
		Sha256: s.sha256,
		RetryPolicy: &corev3.RetryPolicy{
			NumRetries: wrapUint32(5),
		},
	}}}
}
