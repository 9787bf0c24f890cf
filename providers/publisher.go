package providers

import "github.com/graylane/graylane/model"

// Publisher receives what a source sees: the whole configuration whenever it
// changes, or the reason the source could not read it. A rejection leaves
// the source's previous configuration in place.
type Publisher interface {
	// Publish hands over the complete configuration of the source. The
	// source does not touch cfg afterwards.
	Publish(source string, cfg *model.Config)
	// Reject reports a configuration the source could not read; err joins
	// every problem found.
	Reject(source string, err error)
}
