package snapshot

import (
	"context"
	"slices"

	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
)

// parkedWatch is a state-of-the-world watch of a client that is up to
// date: it waits, outside the LinearCache, for something it subscribes to
// to change.
type parkedWatch struct {
	request *cachev3.Request
	sub     cachev3.Subscription
	value   chan cachev3.Response
	// cancel cancels the LinearCache watch it became, if any.
	cancel func()
}

// CreateWatch answers a state-of-the-world request. A stream's first
// request for the kind that carries the digest of what the client would
// be sent is parked: the client already holds it. Any other first request
// with a version (a client of another process, or of an older content) is
// answered in full, as if the client held nothing, so that it also learns
// what was removed meanwhile.
func (kc *kindCache) CreateWatch(request *cachev3.Request, sub cachev3.Subscription, value chan cachev3.Response) (func(), error) {
	kc.mu.Lock()
	defer kc.mu.Unlock()
	if request.GetResponseNonce() != "" || request.GetVersionInfo() == "" || len(sub.ReturnedResources()) > 0 {
		return kc.linear.CreateWatch(request, sub, value)
	}
	if request.GetVersionInfo() == digestVersion(kc.subscribedDigest(sub)) {
		return kc.park(request, sub, value), nil
	}
	// The request is the server's own, for this watch: an empty version
	// makes the LinearCache answer even with nothing.
	request.VersionInfo = ""
	return kc.linear.CreateWatch(request, sub, value)
}

// subscribedDigest is the digest of what a subscription would be sent.
func (kc *kindCache) subscribedDigest(sub cachev3.Subscription) uint64 {
	if sub.IsWildcard() {
		return kc.digest
	}
	var d uint64
	for name := range sub.SubscribedResources() {
		d ^= kc.entries[name].digest
	}
	return d
}

// park holds a watch; the returned function forgets it.
func (kc *kindCache) park(request *cachev3.Request, sub cachev3.Subscription, value chan cachev3.Response) func() {
	kc.parkIDs++
	id := kc.parkIDs
	kc.parked[id] = &parkedWatch{request: request, sub: sub, value: value}
	return func() {
		kc.mu.Lock()
		p := kc.parked[id]
		delete(kc.parked, id)
		kc.mu.Unlock()
		if p != nil && p.cancel != nil {
			p.cancel()
		}
	}
}

// unpark hands the parked watches that subscribe to a changed resource
// to the LinearCache, which answers them in full. Called with kc.mu held.
func (kc *kindCache) unpark(changed []string) {
	for _, p := range kc.parked {
		if p.cancel != nil || !subscribesToAny(p.sub, changed) {
			continue
		}
		p.request.VersionInfo = ""
		cancel, err := kc.linear.CreateWatch(p.request, p.sub, p.value)
		if err != nil || cancel == nil {
			cancel = func() {}
		}
		p.cancel = cancel
	}
}

func subscribesToAny(sub cachev3.Subscription, names []string) bool {
	if sub.IsWildcard() {
		return true
	}
	subscribed := sub.SubscribedResources()
	return slices.ContainsFunc(names, func(n string) bool {
		_, ok := subscribed[n]
		return ok
	})
}

// CreateDeltaWatch answers a delta request: delta clients say which
// versions they hold, and the LinearCache sends only what differs.
func (kc *kindCache) CreateDeltaWatch(request *cachev3.DeltaRequest, sub cachev3.Subscription, value chan cachev3.DeltaResponse) (func(), error) {
	return kc.linear.CreateDeltaWatch(request, sub, value)
}

// Fetch is not served: Graylane serves ADS streams only.
func (kc *kindCache) Fetch(ctx context.Context, request *cachev3.Request) (cachev3.Response, error) {
	return kc.linear.Fetch(ctx, request)
}
