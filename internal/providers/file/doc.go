// Package file is Graylane's default configuration source: one YAML file, or
// a directory of *.yaml files merged, watched for changes.
//
// Parsing is strict: unknown fields, duplicate keys and values of the wrong
// type are errors, and every error names the file and line it is about. A
// configuration that fails to parse is never published; the last good one
// stays in place.
package file
