package kubernetes

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

var (
	// dottedRE is a generated name that may hold dots: lower-case letters,
	// digits, '-' and '.', starting and ending with a letter or digit.
	dottedRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)
	// labelRE is one without dots (an RFC 1123 label, as gateway names are).
	labelRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
)

// shortName joins parts with '.' into a name of at most max characters: as
// is when it fits, else cut and ended by a hash of the whole.
func shortName(max int, parts ...string) string {
	return generatedName(max, ".", dottedRE, parts)
}

// hyphenName is shortName joined with '-' and without dots.
func hyphenName(max int, parts ...string) string {
	return generatedName(max, "-", labelRE, parts)
}

func generatedName(max int, sep string, re *regexp.Regexp, parts []string) string {
	name := strings.ToLower(strings.Join(parts, sep))
	if len(name) <= max && re.MatchString(name) {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	hash := hex.EncodeToString(sum[:])[:10]
	keep := func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' && sep == "." {
			return r
		}
		return '-'
	}
	cut := strings.TrimRight(strings.Map(keep, name[:min(len(name), max-len(hash)-1)]), "-.")
	cut = strings.TrimLeft(cut, "-.")
	if cut == "" {
		return hash
	}
	return cut + "-" + hash
}
