// Command wasm-filter is Graylane's lane filter: a proxy-wasm HTTP filter
// that runs in the edge Envoy and puts every request into a release lane by
// setting the lane header, so that every later hop routes by that header.
//
// The decision logic lives in package lane. This package only adapts it to
// a proxy-wasm SDK: filter.go to github.com/proxy-wasm/proxy-wasm-go-sdk,
// built with the standard Go toolchain (GOOS=wasip1 GOARCH=wasm
// -buildmode=c-shared), and filter_tinygo.go to
// github.com/tetratelabs/proxy-wasm-go-sdk, built with TinyGo. The build tag
// tinygosdk selects the TinyGo entry point under the standard toolchain so
// that its tests run natively.
package main

// main is empty: the filter is a WASI reactor whose entry points are the
// proxy-wasm callbacks registered in init.
func main() {}
