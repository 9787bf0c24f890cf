// Package model is Graylane's intermediate representation of the services,
// release lanes and gateways it serves.
//
// Sources (the YAML file source, the Kubernetes source) build a Config,
// translators turn a validated Config into Envoy resources. The model knows
// nothing about Envoy: it describes what a platform team asked for, with the
// defaults applied, sorted, and validated by Validate. A published Config is
// never mutated; use DeepCopy before changing one.
package model
