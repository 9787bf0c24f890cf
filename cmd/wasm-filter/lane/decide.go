package lane

import "math/rand/v2"

// Headers reads request headers. Get receives a lower-case name and reports
// whether the header is present; an empty value counts as absent.
type Headers interface {
	Get(name string) (value string, ok bool)
}

// Random is a source of uniformly distributed 64-bit values.
type Random interface {
	Uint64() uint64
}

// RuntimeRandom draws from the runtime's automatically seeded generator
// (math/rand/v2), which on wasip1 is seeded through WASI random_get.
type RuntimeRandom struct{}

// Uint64 implements Random.
func (RuntimeRandom) Uint64() uint64 { return rand.Uint64() }

// Cause says which step of the decision chose the lane.
type Cause uint8

const (
	// CauseDefault: no lane took the request, it is stable.
	CauseDefault Cause = iota
	// CauseTrusted: the trusted incoming lane header was kept.
	CauseTrusted
	// CauseMatch: a match rule of the lane matched.
	CauseMatch
	// CauseSticky: the lane's weight took the request by its sticky key.
	CauseSticky
	// CauseRandom: the lane's weight took the request by a random draw.
	CauseRandom
	// CauseTrustedBaggage: the request had no lane header and the trusted
	// lane member of its baggage was kept.
	CauseTrustedBaggage
)

// Decision is the outcome for one request.
type Decision struct {
	// Lane is the lane index: 0..NumLanes()-2 for a configured lane,
	// NumLanes()-1 for stable.
	Lane int
	// Name is the lane name to put in the lane header.
	Name string
	// Cause is the step that chose the lane.
	Cause Cause
	// Keep is true when the incoming lane is trusted and kept (Cause
	// CauseTrusted or CauseTrustedBaggage); Name is then that lane, which
	// counts for the lane of that name or, unknown, for stable.
	Keep bool
	// SetCookies are Set-Cookie header values for sticky cookies generated
	// for this request, to add to the response.
	SetCookies []string
}

// request is the per-request state of a decision: the Cookie header, read
// at most once, and the sticky cookies generated so far.
type request struct {
	h       Headers
	r       Random
	cookies string
	loaded  bool
	present bool
	ids     []string // generated id per cookie slot, allocated on first use
}

// Decide chooses the lane of a request. h.Get(BaggageHeader) must return
// every baggage header of the request, joined with ",".
func (t *Table) Decide(h Headers, r Random) Decision {
	if t.trust {
		if d, ok := t.trusted(h); ok {
			return d
		}
	}
	req := request{h: h, r: r}
	lane, cause := t.choose(&req)
	return Decision{Lane: lane, Name: t.LaneName(lane), Cause: cause, SetCookies: t.setCookies(&req)}
}

// trusted keeps the lane of a request to a gateway that trusts incoming
// lanes: the lane header, else the lane member of the baggage, as every
// later hop reads them. A baggage lane that is not a token (it becomes the
// lane header's value) counts as absent.
func (t *Table) trusted(h Headers) (Decision, bool) {
	if v, ok := h.Get(t.header); ok {
		return Decision{Lane: t.index(v), Name: v, Cause: CauseTrusted, Keep: true}, true
	}
	if b, ok := h.Get(BaggageHeader); ok {
		if v, ok := BaggageValue(b, t.baggageKey); ok && isToken(v) {
			return Decision{Lane: t.index(v), Name: v, Cause: CauseTrustedBaggage, Keep: true}, true
		}
	}
	return Decision{}, false
}

// choose applies the match rules, then the weights.
func (t *Table) choose(req *request) (int, Cause) {
	for i := range t.lanes {
		if req.matchesAny(t.lanes[i].match) {
			return i, CauseMatch
		}
	}
	for i := range t.lanes {
		if ok, cause := t.takes(i, req); ok {
			return i, cause
		}
	}
	return len(t.lanes), CauseDefault
}

// takes reports whether lane i takes the request by weight.
func (t *Table) takes(i int, req *request) (bool, Cause) {
	l := &t.lanes[i]
	if l.threshold == 0 {
		return false, CauseDefault
	}
	key, ok := t.stickyKey(l, req)
	if !ok {
		return req.r.Uint64()%Buckets < l.threshold, CauseRandom
	}
	return hashKey(l.seed, key)%Buckets < l.threshold, CauseSticky
}

// stickyKey returns the lane's sticky key, generating the sticky cookie
// when the request lacks it.
func (t *Table) stickyKey(l *compiledLane, req *request) (string, bool) {
	switch l.sticky {
	case stickyHeader:
		return req.h.Get(l.key)
	case stickyCookie:
		if v, ok := req.cookie(l.key); ok && v != "" {
			return v, true
		}
		return req.generated(l.slot, len(t.cookies)), true
	}
	return "", false
}

func (req *request) matchesAny(rules []rule) bool {
	for _, m := range rules {
		var v string
		var ok bool
		if m.cookie {
			v, ok = req.cookie(m.name)
		} else {
			v, ok = req.h.Get(m.name)
		}
		if ok && v == m.value {
			return true
		}
	}
	return false
}

func (req *request) cookie(name string) (string, bool) {
	if !req.loaded {
		req.cookies, req.present = req.h.Get("cookie")
		req.loaded = true
	}
	if !req.present {
		return "", false
	}
	return CookieValue(req.cookies, name)
}

// generated returns the id generated for a cookie slot in this request,
// creating it on first use.
func (req *request) generated(slot, slots int) string {
	if req.ids == nil {
		req.ids = make([]string, slots)
	}
	if req.ids[slot] == "" {
		req.ids[slot] = NewID(req.r)
	}
	return req.ids[slot]
}

func (t *Table) setCookies(req *request) []string {
	var out []string
	for slot, id := range req.ids {
		if id != "" {
			c := t.cookies[slot]
			out = append(out, c.name+"="+id+c.attrs)
		}
	}
	return out
}

// NewID returns a random sticky-cookie id of 16 lower-case hex digits.
func NewID(r Random) string {
	const hex = "0123456789abcdef"
	var b [16]byte
	v := r.Uint64()
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = hex[v&0xf]
		v >>= 4
	}
	return string(b[:])
}
