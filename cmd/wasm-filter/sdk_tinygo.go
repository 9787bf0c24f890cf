//go:build tinygo || tinygosdk

package main

import (
	"errors"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// The filter (filter.go) sees the proxy-wasm SDK through these names, so
// that one source builds on TinyGo with github.com/tetratelabs/proxy-wasm-go-sdk v0.24.0 and, in sdk.go, on Go's own wasip1 port with github.com/proxy-wasm/proxy-wasm-go-sdk (Envoy >= 1.33).

type (
	pluginContextType    = types.PluginContext
	httpContextType      = types.HttpContext
	defaultVMContext     = types.DefaultVMContext
	defaultPluginContext = types.DefaultPluginContext
	defaultHttpContext   = types.DefaultHttpContext
	action               = types.Action
	startStatus          = types.OnPluginStartStatus
	metricCounter        = proxywasm.MetricCounter
)

const (
	actionContinue = types.ActionContinue
	startOK        = types.OnPluginStartStatusOK
	startFailed    = types.OnPluginStartStatusFailed
)

var (
	setVMContext             = proxywasm.SetVMContext
	getPluginConfiguration   = proxywasm.GetPluginConfiguration
	getHttpRequestHeaders    = proxywasm.GetHttpRequestHeaders
	replaceHttpRequestHeader = proxywasm.ReplaceHttpRequestHeader
	removeHttpRequestHeader  = proxywasm.RemoveHttpRequestHeader
	addHttpResponseHeader    = proxywasm.AddHttpResponseHeader
	callForeignFunction      = proxywasm.CallForeignFunction
	defineCounterMetric      = proxywasm.DefineCounterMetric
	logCriticalf             = proxywasm.LogCriticalf
	logWarnf                 = proxywasm.LogWarnf
	logInfof                 = proxywasm.LogInfof
	logDebugf                = proxywasm.LogDebugf
)

// isNotFound reports the host's "not found" status.
func isNotFound(err error) bool { return errors.Is(err, types.ErrorStatusNotFound) }
