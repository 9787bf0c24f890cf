// Package file is Graylane's default configuration source: one YAML file, or
// a directory of *.yaml files merged, watched for changes.
//
// Parsing is strict: unknown fields, duplicate keys and values of the wrong
// type are errors, every error names the file and line it is about, and
// every problem of a configuration is reported in one pass. An empty file
// is an error; `services: none` is how a configuration says it has no
// services. Files of a directory that are clearly another format (Envoy
// bootstraps, Kubernetes manifests) are skipped.
//
// The source follows its file or directory however it is replaced, reads it
// once its files have settled, and hands each content over once. A
// configuration that fails to parse is never published; the last good one
// stays in place.
package file
