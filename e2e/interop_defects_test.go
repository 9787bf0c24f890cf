package e2e

import (
	"strconv"
	"strings"
)

// defect is a bug of a gRPC stack itself that calls using a feature
// would hit: for the versions that have it, the interop scenario makes no
// such call and says so, by name and with the evidence; it still has the
// client fetch (and so accept or reject) the feature's configuration.
type defect struct {
	stack string
	// below is the first version without the defect; "" while there is
	// none.
	below string
	// feature is what the calls use: a loadBalancer value, timeout, or
	// the status of a call that ran out of time.
	feature string
	why     string
}

var knownDefects = []defect{{
	// A pick that meets a subchannel not yet connected crashes the
	// process (SIGSEGV): a wrong cast in the ring_hash picker's connection
	// attempter, brought in by grpc/grpc#30714 (1.50) and fixed by
	// grpc/grpc#32012 in January 2023 (backported to the 1.51 branch by
	// grpc/grpc#33399 in June 2023). Debian 12's python3-grpcio 1.51.1
	// has it: the first call through a ring_hash cluster, or asking the
	// channel to connect, ends the client with "signal: segmentation
	// fault" (gdb shows the SIGSEGV inside cygrpc's C-core).
	stack: "c-core", below: "1.52", feature: "ring_hash",
	why: "C-core 1.50-1.51 crash on a ring_hash pick (grpc/grpc#31766, fixed by grpc/grpc#32012)",
}, {
	// A timeout from the service config, where C-core puts a route's
	// max_stream_duration, ends calls 1-2s early: measured here with
	// 1.51.1, a 2s route timeout ends a call after 0.96s, and one of
	// 300ms at once. Reported for grpcio 1.54 (grpc/grpc#34547) and 1.74
	// (grpc/grpc#40633), both open. The timeout step accepts an early end.
	stack: "c-core", feature: "timeout",
	why: "Python grpcio ends calls 1-2s before a route timeout (grpc/grpc#34547, open)",
}, {
	// At a deadline both ends cancel the call, and a grpc-go server sends
	// RST_STREAM(CANCEL). The gRPC HTTP/2 protocol has a client that gets
	// CANCELLED after its deadline report DEADLINE_EXCEEDED (grpc-go does
	// since grpc/grpc-go#2211); grpc-js reports the server's reset as
	// "CANCELLED: Call cancelled" when it arrives before its own timer
	// fires. Measured here with 1.14.7 against the grpc-go backends, for a
	// route timeout and for the call's own deadline alike; against a
	// C-core server the same call fails DEADLINE_EXCEEDED.
	stack: "grpc-js", feature: "deadline status",
	why: "grpc-js reports a grpc-go server's RST_STREAM(CANCEL) at the deadline as CANCELLED",
}}

// knownDefect is why calls using feature cannot be made on this version of
// stack, or "".
func knownDefect(stack, version, feature string) string {
	for _, d := range knownDefects {
		if d.stack == stack && d.feature == feature && (d.below == "" || versionLess(version, d.below)) {
			return d.why
		}
	}
	return ""
}

// versionLess compares dotted version numbers (1.51.1 < 1.52).
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(as), len(bs)) {
		x, y := part(as, i), part(bs, i)
		if x != y {
			return x < y
		}
	}
	return false
}

func part(parts []string, i int) int {
	if i >= len(parts) {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimLeft(parts[i], "v"))
	return n
}
