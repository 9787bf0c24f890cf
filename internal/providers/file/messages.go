package file

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v4"

	"github.com/graylane/graylane/model"
)

// yamlError turns the YAML library's errors into *model.Error values, each
// at a line of file; data is the file, to place what the library does not.
func yamlError(file string, data []byte, err error) error {
	var many *yaml.LoadErrors
	if errors.As(err, &many) {
		errs := make([]error, 0, len(many.Errors))
		for _, e := range many.Errors {
			errs = append(errs, loadError(file, data, e))
		}
		return errors.Join(errs...)
	}
	var one *yaml.LoadError
	if errors.As(err, &one) {
		return loadError(file, data, one)
	}
	return lineError(file, 1, "%s", err.Error())
}

func loadError(file string, data []byte, e *yaml.LoadError) error {
	if isTabAt(data, e.Mark.Line, e.Mark.Column) || strings.Contains(e.Message, "tab character") {
		return lineError(file, e.Mark.Line, "a tab character: YAML indents with spaces, never tabs")
	}
	msg := friendly(e.Message)
	if e.ContextMsg != "" {
		msg = e.ContextMsg + ": " + msg
	}
	return lineError(file, e.Mark.Line, "%s", msg)
}

// isTabAt reports whether the character at a line and column (both from
// 1, as the YAML library marks them) is a tab.
func isTabAt(data []byte, line, column int) bool {
	if line < 1 {
		return false
	}
	for range line - 1 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return false
		}
		data = data[i+1:]
	}
	for range column - 1 {
		_, size := utf8.DecodeRune(data)
		if size == 0 {
			return false
		}
		data = data[size:]
	}
	return len(data) > 0 && data[0] == '\t'
}

var (
	unknownFieldRE = regexp.MustCompile("^field (.+) not found in type .+$")
	constructRE    = regexp.MustCompile("^cannot construct !!(\\w+)(?: `(.*)`)? into (.+)$")
)

// friendly rewrites the YAML library's messages in the configuration's terms
// rather than Go's.
func friendly(msg string) string {
	if m := unknownFieldRE.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("unknown field %s", model.Quote(m[1]))
	}
	if m := constructRE.FindStringSubmatch(msg); m != nil {
		tag, value, goType := m[1], m[2], m[3]
		switch {
		case value == "":
			return fmt.Sprintf("want %s, got %s", goTypeWord(goType), yamlTagWord(tag))
		case tag == "int" && strings.HasPrefix(goType, "uint"):
			return fmt.Sprintf("want a whole number from 0 to %d, got %s", uint64(math.MaxUint32), model.Clip(value))
		}
		return fmt.Sprintf("want %s, got %s %s", goTypeWord(goType), yamlTagWord(tag), model.Quote(value))
	}
	return msg
}

func goTypeWord(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["):
		return "a mapping"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "a whole number"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "float"):
		return "a number"
	}
	return "a mapping"
}

func yamlTagWord(tag string) string {
	switch tag {
	case "str":
		return "the string"
	case "int", "float":
		return "the number"
	case "seq":
		return "a list"
	case "map":
		return "a mapping"
	}
	return tag
}

// checkEncoding finds the first character YAML cannot read, invalid UTF-8
// or a control character, and says where it is: the YAML library reports
// them without a position. A file in UTF-16, which starts with its byte
// order mark, is left to the library.
func checkEncoding(file string, data []byte) error {
	if len(data) >= 2 && (data[0] == 0xFE && data[1] == 0xFF || data[0] == 0xFF && data[1] == 0xFE) {
		return nil
	}
	line, column := 1, 1
	for i := 0; i < len(data); {
		r, size := rune(data[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(data[i:])
		}
		switch {
		case r == utf8.RuneError && size == 1:
			return lineError(file, line, "invalid UTF-8 (byte 0x%02x at column %d): save the file as UTF-8", data[i], column)
		case !yamlPrintable(r):
			return lineError(file, line, "control character U+%04X at column %d: YAML does not allow it", r, column)
		case r == '\n':
			line, column = line+1, 0
		}
		column++
		i += size
	}
	return nil
}

// yamlPrintable is the YAML library's character set.
func yamlPrintable(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// sortProblems joins the problems, sorted by position.
func sortProblems(errs []error) error {
	var flat []error
	for _, e := range errs {
		flat = append(flat, model.Errors(e)...)
	}
	slices.SortStableFunc(flat, func(a, b error) int { return model.ComparePos(position(a), position(b)) })
	return errors.Join(flat...)
}

func position(err error) string {
	var me *model.Error
	if errors.As(err, &me) {
		return me.Pos
	}
	return ""
}
