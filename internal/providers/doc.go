// Package providers holds what Graylane's configuration sources share: the
// Source interface, the Publisher they hand whole configurations to, and the
// coalescing of bursts of change notifications into single reloads.
//
// Each source lives in a package of its own (providers/file,
// providers/kubernetes) and publishes the complete model.Config it sees,
// never a partial update.
package providers
