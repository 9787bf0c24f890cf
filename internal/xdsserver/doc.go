// Package xdsserver serves Graylane's snapshots over ADS, state-of-the-world
// and delta, to Envoy proxies and proxyless gRPC clients.
//
// It is go-control-plane's server with callbacks that know each connected
// client: its role, the version it acknowledged per resource type and the
// last rejection (NACK) it sent. A NACK is logged once and never answered
// by sending the rejected version again; the client gets the next version
// when the configuration changes.
package xdsserver
