package lane

import "strings"

// CookieValue returns the value of the first cookie called name in a Cookie
// request header ("a=1; b=2"), without allocating. Surrounding double quotes
// of the value are removed; a pair without "=" is ignored.
func CookieValue(header, name string) (string, bool) {
	for header != "" {
		var pair string
		pair, header, _ = strings.Cut(header, ";")
		k, v, ok := strings.Cut(pair, "=")
		if ok && strings.TrimSpace(k) == name {
			return unquote(strings.TrimSpace(v)), true
		}
	}
	return "", false
}

func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}
