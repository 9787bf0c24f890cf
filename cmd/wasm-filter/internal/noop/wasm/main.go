// Command wasm is the no-op proxy-wasm filter of package noop, built like
// the lane filter: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared.
package main

import (
	"github.com/graylane/graylane/cmd/wasm-filter/internal/noop"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
)

func init() { proxywasm.SetVMContext(noop.VMContext()) }

func main() {}
