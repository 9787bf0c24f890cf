module github.com/graylane/graylane/cmd/wasm-filter

go 1.24.0

require (
	github.com/proxy-wasm/proxy-wasm-go-sdk v0.0.0-20260105142703-44c7d5847745
	github.com/tetratelabs/proxy-wasm-go-sdk v0.24.0
	github.com/tetratelabs/wazero v1.11.0 // >= v1.9: v1.7.2 corrupts Go >= 1.24 modules under load (README, Tests)
)

require golang.org/x/sys v0.41.0 // indirect
