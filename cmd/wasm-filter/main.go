// Command wasm-filter is Graylane's lane filter: a proxy-wasm HTTP filter
// that runs in the edge Envoy and puts every request into a release lane by
// setting the lane header, so that every later hop routes by that header.
//
// The decision logic lives in package lane; filter.go adapts it to the
// proxy-wasm callbacks. It sees the SDK through the names sdk.go and
// sdk_tinygo.go define: sdk.go binds github.com/proxy-wasm/proxy-wasm-go-sdk,
// built with the standard Go toolchain (GOOS=wasip1 GOARCH=wasm
// -buildmode=c-shared); sdk_tinygo.go binds
// github.com/tetratelabs/proxy-wasm-go-sdk, built with TinyGo. The build tag
// tinygosdk selects the TinyGo binding under the standard toolchain so that
// its tests run natively.
package main

// main is empty: the filter is a WASI reactor whose entry points are the
// proxy-wasm callbacks registered in init.
func main() {}
