package cli

import (
	"github.com/spf13/pflag"

	"github.com/graylane/graylane/internal/controlplane"
	"github.com/graylane/graylane/internal/lanefilter"
	"github.com/graylane/graylane/translators"
)

// laneFilterFlags say where edge Envoys load the lane filter's module from.
type laneFilterFlags struct {
	module  string
	address string
	url     string
	cluster string
	path    string
}

// DefaultModuleCluster is the edge bootstrap's cluster for the control
// plane's module server (examples/envoy-edge.yaml).
const DefaultModuleCluster = "graylane_wasm"

func (f *laneFilterFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.module, "lane-filter-module", "", "serve this compiled lane filter (bin/lane-filter.wasm) to edge Envoys, which check its sha256")
	fs.StringVar(&f.address, "lane-filter-address", controlplane.DefaultModuleAddress, "where the module is served, with --lane-filter-module")
	fs.StringVar(&f.url, "lane-filter-url", "", "URL edge Envoys fetch the module from (default http://ADDRESS"+lanefilter.ModulePath+")")
	fs.StringVar(&f.cluster, "lane-filter-cluster", DefaultModuleCluster, "edge bootstrap cluster that reaches the module's URL")
	fs.StringVar(&f.path, "lane-filter-path", lanefilter.DefaultLocalPath, "without --lane-filter-module: the module's path on the edge Envoy's host")
}

func (f *laneFilterFlags) source() (lanefilter.Source, error) {
	if f.module == "" {
		return lanefilter.Local(f.path), nil
	}
	url := f.url
	if url == "" {
		url = "http://" + f.address + lanefilter.ModulePath
	}
	return lanefilter.Remote(f.module, url, f.cluster)
}

// translatorOptions puts the lane filter into edge listeners.
func (f *laneFilterFlags) translatorOptions() ([]translators.Option, error) {
	src, err := f.source()
	if err != nil {
		return nil, err
	}
	return []translators.Option{translators.WithEdgeFilters(lanefilter.New(src))}, nil
}
