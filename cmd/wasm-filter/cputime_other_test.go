//go:build !tinygo && !tinygosdk && !unix

package main

import "time"

// cpuTime is not measured on this system: cpu-ns/op reports 0.
func cpuTime() time.Duration { return 0 }
