package xdsserver

import (
	"errors"
	"time"
)

// Limits bound what one client can make the server hold or write. Each is
// a flag of `xds serve`; docs/operations.md lists them.
type Limits struct {
	// MaxConnections bounds the xDS connections open at once; further
	// clients wait in the listen queue until one closes.
	MaxConnections int
	// MaxStreamsPerConnection bounds the concurrent streams of one
	// connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS).
	MaxStreamsPerConnection uint32
	// MaxRequestBytes bounds one request message.
	MaxRequestBytes int
	// MaxResourceNames bounds the resource names one stream subscribes
	// to per type: a state-of-the-world request's names, a delta stream's
	// subscriptions so far. A stream past it is ended.
	MaxResourceNames int
	// SendTimeout bounds how long writing one response may wait for the
	// client to read the previous ones; a client that does not read is
	// disconnected instead of having responses buffered for it.
	SendTimeout time.Duration
	// MaxNackMessageBytes bounds a rejection's message as logged and
	// shown in status; the rest is cut.
	MaxNackMessageBytes int
	// MaxEgressViews bounds the distinct egresses (node metadata
	// "egress") that sidecars are served views of their own for; when
	// every view is in use, a sidecar with another egress is served every
	// service.
	MaxEgressViews int
	// LogLinesPerSecond bounds the log lines per second of each kind of
	// client event (connected, refused, rejected configuration, ...);
	// 0 logs every one.
	LogLinesPerSecond int
}

// DefaultLimits are the limits unless flags say otherwise.
func DefaultLimits() Limits {
	return Limits{
		MaxConnections:          4096,
		MaxStreamsPerConnection: 16,
		MaxRequestBytes:         4 << 20,
		MaxResourceNames:        100_000,
		SendTimeout:             60 * time.Second,
		MaxNackMessageBytes:     4096,
		MaxEgressViews:          1000,
		LogLinesPerSecond:       50,
	}
}

// Validate refuses limits that cannot work. Zero turns off the limits on
// connections, streams per connection, resource names, the send timeout,
// rejection messages and log lines, and serves no egress views; a request
// needs a positive size.
func (l Limits) Validate() error {
	switch {
	case l.MaxRequestBytes <= 0:
		return errors.New("--xds-max-request-bytes must be positive")
	case l.MaxConnections < 0, l.MaxResourceNames < 0, l.SendTimeout < 0, l.MaxNackMessageBytes < 0, l.LogLinesPerSecond < 0, l.MaxEgressViews < 0:
		return errors.New("an --xds-* limit is negative; 0 turns a limit off")
	}
	return nil
}

// truncate cuts s to at most n bytes, at a rune boundary, and says so.
func truncate(s string, n int) string {
	if n <= 0 || len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !runeStart(s[cut]) {
		cut--
	}
	return s[:cut] + "... (truncated)"
}

func runeStart(b byte) bool { return b&0xC0 != 0x80 }
