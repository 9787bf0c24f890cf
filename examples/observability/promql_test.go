package observability_test

import (
	"fmt"
	"strings"
	"unicode"
)

// refs are the names a PromQL expression uses: the metrics it selects, the
// labels each selector matches on, the labels it groups or joins by, the
// labels label_replace and label_join write and read, and its functions.
type refs struct {
	selectors []selector
	grouping  []string
	written   []string // destination labels of label_replace / label_join
	read      []string // source labels of label_replace / label_join
	functions []string
}

type selector struct {
	metric string
	labels []string
}

// promqlFunctions are PromQL's functions and aggregation operators.
var promqlFunctions = words(`abs absent absent_over_time acos acosh asin asinh atan atanh avg
	avg_over_time bottomk ceil changes clamp clamp_max clamp_min cos cosh count count_over_time
	count_values day_of_month day_of_week day_of_year days_in_month deg delta deriv
	double_exponential_smoothing exp floor group histogram_avg histogram_count histogram_fraction
	histogram_quantile histogram_stddev histogram_stdvar histogram_sum holt_winters hour idelta
	increase irate label_join label_replace last_over_time limit_ratio limitk ln log10 log2
	mad_over_time max max_over_time min min_over_time minute month pi predict_linear
	present_over_time quantile quantile_over_time rad rate resets round scalar sgn sin sinh sort
	sort_by_label sort_by_label_desc sort_desc sqrt stddev stddev_over_time stdvar
	stdvar_over_time sum sum_over_time tan tanh time timestamp topk vector year`)

// groupingKeywords take a parenthesized list of label names.
var groupingKeywords = words("by without on ignoring group_left group_right")

// operatorKeywords are PromQL's other keywords.
var operatorKeywords = words("and or unless bool offset atan2")

func words(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.Fields(s) {
		out[w] = true
	}
	return out
}

type tokenKind uint8

const (
	identTok tokenKind = iota
	stringTok
	valueTok // numbers, durations, Grafana variables
	punctTok
)

type token struct {
	kind tokenKind
	text string
}

// lex splits a PromQL expression into tokens; range brackets ([5m],
// [$__rate_interval]) and comments are dropped.
func lex(expr string) ([]token, error) {
	var out []token
	for i := 0; i < len(expr); {
		c := expr[i]
		var n int
		var kind tokenKind
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '#':
			n = strings.IndexByte(expr[i:]+"\n", '\n')
			i += n
			continue
		case c == '[':
			if n = strings.IndexByte(expr[i:], ']'); n < 0 {
				return nil, fmt.Errorf("unclosed [ in %q", expr)
			}
			i += n + 1
			continue
		case c == '"' || c == '\'' || c == '`':
			end, err := stringEnd(expr, i)
			if err != nil {
				return nil, err
			}
			out = append(out, token{stringTok, unquote(expr[i:end])})
			i = end
			continue
		case isIdentStart(c):
			n, kind = span(expr[i:], isIdentChar), identTok
		case c == '$':
			n, kind = 1+span(expr[i+1:], func(c byte) bool { return isIdentChar(c) || c == '{' || c == '}' }), valueTok
		case c >= '0' && c <= '9' || c == '.':
			n, kind = span(expr[i:], func(c byte) bool { return isIdentChar(c) || c == '.' }), valueTok
		default:
			n, kind = punctLen(expr[i:]), punctTok
		}
		out = append(out, token{kind, expr[i : i+n]})
		i += n
	}
	return out, nil
}

func stringEnd(expr string, start int) (int, error) {
	q := expr[start]
	for i := start + 1; i < len(expr); i++ {
		switch {
		case expr[i] == '\\' && q != '`':
			i++
		case expr[i] == q:
			return i + 1, nil
		}
	}
	return 0, fmt.Errorf("unclosed string in %q", expr)
}

func unquote(s string) string { return s[1 : len(s)-1] }

func span(s string, ok func(byte) bool) int {
	n := 0
	for n < len(s) && ok(s[n]) {
		n++
	}
	return max(n, 1)
}

func isIdentStart(c byte) bool { return c == '_' || c == ':' || unicode.IsLetter(rune(c)) }
func isIdentChar(c byte) bool  { return isIdentStart(c) || c >= '0' && c <= '9' }

func punctLen(s string) int {
	for _, op := range []string{"!=", "=~", "!~", "==", ">=", "<="} {
		if strings.HasPrefix(s, op) {
			return 2
		}
	}
	return 1
}

// frame is an open parenthesis: a function call (name set) or a group.
type frame struct {
	name    string
	strings []string // string arguments at this level
}

// parseRefs collects the names an expression uses. Unknown functions and
// malformed selectors are errors.
func parseRefs(expr string) (refs, error) {
	toks, err := lex(expr)
	if err != nil {
		return refs{}, err
	}
	var r refs
	var stack []*frame
	pending := "" // an aggregation written "sum by (a) (x)", until its "("
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		next := ""
		if i+1 < len(toks) {
			next = toks[i+1].text
		}
		switch {
		case t.kind == identTok && groupingKeywords[strings.ToLower(t.text)]:
			if next != "(" {
				continue // group_left without labels
			}
			labels, end, err := labelList(toks, i+2)
			if err != nil {
				return r, err
			}
			r.grouping = append(r.grouping, labels...)
			i = end
		case t.kind == identTok && promqlFunctions[t.text] && groupingKeywords[strings.ToLower(next)]:
			r.functions = append(r.functions, t.text)
			pending = t.text
		case t.kind == identTok && next == "(":
			if !promqlFunctions[t.text] {
				return r, fmt.Errorf("unknown function %s in %q", t.text, expr)
			}
			r.functions = append(r.functions, t.text)
			stack = append(stack, &frame{name: t.text})
			i++
		case t.kind == identTok && operatorKeywords[strings.ToLower(t.text)]:
		case t.kind == identTok:
			s := selector{metric: t.text}
			if next == "{" {
				if s.labels, i, err = matchers(toks, i+2); err != nil {
					return r, err
				}
			}
			r.selectors = append(r.selectors, s)
		case t.text == "{":
			return r, fmt.Errorf("selector without a metric name in %q", expr)
		case t.text == "(":
			stack = append(stack, &frame{name: pending})
			pending = ""
		case t.text == ")":
			if len(stack) == 0 {
				return r, fmt.Errorf("unbalanced ) in %q", expr)
			}
			r.addLabelFunction(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
		case t.kind == stringTok && len(stack) > 0:
			f := stack[len(stack)-1]
			f.strings = append(f.strings, t.text)
		}
	}
	if len(stack) != 0 {
		return r, fmt.Errorf("unbalanced ( in %q", expr)
	}
	return r, nil
}

// addLabelFunction records the labels label_replace(v, dst, repl, src,
// regex) and label_join(v, dst, sep, src...) write and read.
func (r *refs) addLabelFunction(f *frame) {
	switch {
	case f.name == "label_replace" && len(f.strings) == 4:
		r.written = append(r.written, f.strings[0])
		r.read = append(r.read, f.strings[2])
	case f.name == "label_join" && len(f.strings) >= 2:
		r.written = append(r.written, f.strings[0])
		r.read = append(r.read, f.strings[2:]...)
	}
}

// labelList reads "a, b)" from toks[i:], returning the labels and the
// index of the ")".
func labelList(toks []token, i int) ([]string, int, error) {
	var labels []string
	for ; i < len(toks); i++ {
		switch t := toks[i]; {
		case t.text == ")":
			return labels, i, nil
		case t.kind == identTok:
			labels = append(labels, t.text)
		case t.text != ",":
			return nil, i, fmt.Errorf("unexpected %q in a label list", t.text)
		}
	}
	return nil, i, fmt.Errorf("unclosed label list")
}

// matchers reads `a="x", b=~"y"}` from toks[i:], returning the label names
// and the index of the "}".
func matchers(toks []token, i int) ([]string, int, error) {
	var labels []string
	for ; i < len(toks); i++ {
		if toks[i].text == "}" {
			return labels, i, nil
		}
		if toks[i].text == "," {
			continue
		}
		if i+2 >= len(toks) || toks[i].kind != identTok || toks[i+1].kind != punctTok || toks[i+2].kind != stringTok {
			return nil, i, fmt.Errorf("malformed label matcher at %q", toks[i].text)
		}
		labels = append(labels, toks[i].text)
		i += 2
	}
	return nil, i, fmt.Errorf("unclosed selector")
}
