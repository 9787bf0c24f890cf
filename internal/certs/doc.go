// Package certs reads the control plane's TLS certificate, key and client
// CA from files and reads them again when they change, as cert-manager and
// SPIRE rotate them; and it writes a development CA and certificates for
// trying mutual TLS out (`xds certgen`).
package certs
