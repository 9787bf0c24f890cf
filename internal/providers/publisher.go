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
	// Warn reports problems the source worked around, such as an object it
	// left out or kept at its last good state; what it publishes is still
	// whole. A nil err clears the source's warnings.
	Warn(source string, err error)
}
