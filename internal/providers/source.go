package providers

import "context"

// Source watches where a configuration is written and publishes it whole.
type Source interface {
	// Name is how the source names itself to the Publisher.
	Name() string
	// Run publishes the configuration once, then after every change, until
	// ctx ends. It fails only when the source cannot run at all.
	Run(ctx context.Context, pub Publisher) error
}
