package lane

import "strings"

// The lane also travels as a member of the W3C baggage header
// (https://www.w3.org/TR/baggage/), which OpenTelemetry SDKs forward on
// every outgoing call: "baggage: userId=alice,graylane-lane=canary".
const (
	// BaggageHeader is the W3C baggage request header.
	BaggageHeader = "baggage"
	// DefaultBaggageKey is the key of the lane's baggage member when the
	// configuration names none.
	DefaultBaggageKey = "graylane-lane"
	// MaxBaggageKeyLength bounds the configured key, in bytes.
	MaxBaggageKeyLength = 64
	// MaxBaggageMembers and MaxBaggageBytes are the limits up to which the
	// W3C specification requires every platform to propagate baggage. The
	// filter writes a baggage header within both, its own member included,
	// so that no later hop drops the lane for size; an OpenTelemetry SDK
	// discards a whole baggage header that exceeds them.
	MaxBaggageMembers = 64
	MaxBaggageBytes   = 8192
)

// BaggageMember returns the list-member key=value, the value
// percent-encoded where W3C baggage requires it (every byte outside the
// baggage-octet range, and '%').
func BaggageMember(key, value string) string {
	n := 0
	for i := 0; i < len(value); i++ {
		if needsEscape(value[i]) {
			n++
		}
	}
	if n == 0 {
		return key + "=" + value
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(key) + 1 + len(value) + 2*n)
	b.WriteString(key)
	b.WriteByte('=')
	for i := 0; i < len(value); i++ {
		c := value[i]
		if needsEscape(c) {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func needsEscape(c byte) bool { return c == '%' || !isBaggageOctet(c) }

// BaggageValue returns the percent-decoded value of the list-member whose
// key is exactly key in a baggage header value (several header values
// joined with ","). When the key repeats, the last member wins, as
// OpenTelemetry SDKs read it. A member with an empty value, or a value that
// is not valid percent-encoding, counts as absent. It does not allocate
// unless the value is percent-encoded.
func BaggageValue(baggage, key string) (string, bool) {
	var found string
	ok := false
	for rest := baggage; rest != ""; {
		var entry string
		entry, rest, _ = strings.Cut(rest, ",")
		k, v, valid := splitMember(entry)
		if valid && k == key {
			found, ok = v, true
		}
	}
	if !ok {
		return "", false
	}
	v, ok := percentDecode(found)
	return v, ok && v != ""
}

// RewriteBaggage returns the baggage header value to forward: every
// list-member of baggage in order, verbatim with its properties, except
// those whose key equals key (compared case-insensitively, so that no
// look-alike of the lane member survives), followed by member. Entries that
// are not valid list-members are dropped, as the specification allows:
// OpenTelemetry SDKs discard a whole header with one invalid entry, the
// lane member with it. The result keeps within MaxBaggageMembers and
// MaxBaggageBytes, member included; members that would exceed them are
// dropped from the right. Separators are normalized to ",".
func RewriteBaggage(baggage, key, member string) string {
	if baggage == "" {
		return member
	}
	var b strings.Builder
	b.Grow(min(len(baggage), MaxBaggageBytes) + len(member) + 1)
	kept := 0
	for rest := baggage; rest != ""; {
		var entry string
		entry, rest, _ = strings.Cut(rest, ",")
		entry = trimOWS(entry)
		k, _, valid := splitMember(entry)
		if !valid || strings.EqualFold(k, key) {
			continue
		}
		if kept+2 > MaxBaggageMembers || b.Len()+len(entry)+1+len(member) > MaxBaggageBytes {
			break
		}
		b.WriteString(entry)
		b.WriteByte(',')
		kept++
	}
	if kept == 0 {
		return member
	}
	b.WriteString(member)
	return b.String()
}

// splitMember splits one list-member (key OWS "=" OWS value *(OWS ";" OWS
// property)) into its key and raw value, and reports whether it is valid:
// a token key, a value of baggage-octets whose '%' start valid escapes, and
// valid properties.
func splitMember(entry string) (key, value string, ok bool) {
	entry = trimOWS(entry)
	kv, props, _ := strings.Cut(entry, ";")
	key, value, ok = strings.Cut(kv, "=")
	key, value = trimOWS(key), trimOWS(value)
	if !ok || !isToken(key) || !isBaggageValue(value) {
		return "", "", false
	}
	for props != "" {
		var p string
		p, props, _ = strings.Cut(props, ";")
		pk, pv, hasValue := strings.Cut(p, "=")
		if !isToken(trimOWS(pk)) || hasValue && !isBaggageValue(trimOWS(pv)) {
			return "", "", false
		}
	}
	return key, value, true
}

func isBaggageValue(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !isBaggageOctet(c) {
			return false
		}
		if c == '%' && (i+2 >= len(v) || !isHex(v[i+1]) || !isHex(v[i+2])) {
			return false
		}
	}
	return true
}

// isBaggageOctet: US-ASCII except controls, whitespace, DQUOTE, comma,
// semicolon and backslash.
func isBaggageOctet(c byte) bool {
	return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// percentDecode decodes %XX escapes; it allocates only when there is one.
func percentDecode(v string) (string, bool) {
	if strings.IndexByte(v, '%') < 0 {
		return v, true
	}
	out := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if v[i] != '%' {
			out = append(out, v[i])
			continue
		}
		if i+2 >= len(v) || !isHex(v[i+1]) || !isHex(v[i+2]) {
			return "", false
		}
		out = append(out, unhex(v[i+1])<<4|unhex(v[i+2]))
		i += 2
	}
	return string(out), true
}

// trimOWS trims spaces and horizontal tabs.
func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
