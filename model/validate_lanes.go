package model

import "fmt"

func (v *validator) lanes() {
	seen := map[string]Origin{}
	var total uint64
	over := false
	for i := range v.cfg.Lanes {
		l := &v.cfg.Lanes[i]
		subject := describe("lane", l.Name)
		v.checkLabel(l.Origin.At("name"), subject, "name", l.Name, laneRE)
		v.text(l.Origin.String(), subject, l)
		if l.Name == StableLane {
			v.p.add(l.Origin.At("name"), subject, "%q is the implicit baseline lane and cannot be defined", StableLane)
		}
		if prev, dup := seen[l.Name]; dup && l.Name != "" {
			v.p.add(l.Origin.At("name"), subject, "defined twice (also at %s)", prev)
		}
		seen[l.Name] = l.Origin
		if l.Weight > WeightFull {
			v.p.add(l.Origin.At("weight"), subject, "weight %s %v", l.Weight, ErrWeightFormat)
		}
		total += uint64(l.Weight)
		if total > uint64(WeightFull) && !over {
			over = true
			v.p.add(l.Origin.At("weight"), subject, "lane weights add up to %s%% with this lane, more than 100%%", percentOf(total))
		}
		v.sticky(l, subject)
		v.matchRules(l, subject)
	}
}

// percentOf formats a sum of weights, which may exceed a Weight.
func percentOf(total uint64) string {
	if total <= uint64(^Weight(0)) {
		return Weight(total).String()
	}
	return fmt.Sprintf("%d.%02d", total/100, total%100)
}

func (v *validator) sticky(l *Lane, subject string) {
	s := l.Sticky
	if s == nil {
		return
	}
	pos := l.Origin.At("sticky")
	switch {
	case (s.Header == "") == (s.Cookie == ""):
		v.p.add(pos, subject, "sticky needs exactly one of header and cookie")
	case s.Header != "":
		v.checkHeader(pos, subject, "sticky header", s.Header)
	default:
		v.checkCookie(pos, subject, "sticky cookie", s.Cookie)
	}
	if s.CookieMaxAge < 0 {
		v.p.add(l.Origin.At("sticky.maxAge"), subject, "sticky maxAge must not be negative")
	}
}

func (v *validator) matchRules(l *Lane, subject string) {
	for j, m := range l.Match {
		pos := l.Origin.At(fmt.Sprintf("match[%d]", j))
		switch {
		case (m.Header == nil) == (m.Cookie == nil):
			v.p.add(pos, subject, "match rule %d needs exactly one of header and cookie", j+1)
		case m.Header != nil:
			v.checkHeaderMatch(pos, subject, "match header", *m.Header)
			if m.Header.Name == v.cfg.LaneHeader {
				v.p.add(pos, subject, "match header %s is the lane header, which the edge removes before matching", Quote(m.Header.Name))
			}
		default:
			v.checkCookie(pos, subject, "match cookie", m.Cookie.Name)
			v.checkLength(pos, subject, "match cookie value", m.Cookie.Value, MaxValueLength)
		}
	}
}
