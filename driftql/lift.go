package driftql

import (
	"strconv"
	"strings"
)

// Literal is a constant AppendLifted took out of a statement's text.
type Literal struct {
	Number bool   // a numeric literal; else a single-quoted string
	Text   string // the number as written, or the string's value
}

// AppendLifted replaces the constants that stand right after a comparison
// operator (= <> != < <= > >=), after || , after AS OF and KEY, and as the
// items of a VALUES list with parameters $1, $2, ...: it appends the
// rewritten text to out and the constants, in order, to lits. Queries that
// differ only in those constants then share one text, so a parsed form can
// be reused. It reports false for text it leaves alone: text that already
// has parameters, or that it cannot scan with certainty. Constants inside
// JSON documents, E'...' strings and everything else stay as written.
// Callers reuse out and lits from query to query.
func AppendLifted(out []byte, lits []Literal, src string) ([]byte, []Literal, bool) {
	depth := 0        // nesting of { } (JSON documents)
	afterCmp := false // a constant here is lifted
	inValues := false // inside INSERT ... VALUES
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			out = append(out, c)
			i++
			continue
		case c == '-' && i+1 < len(src) && src[i+1] == '-':
			j := i
			for j < len(src) && src[j] != '\n' {
				j++
			}
			out = append(out, src[i:j]...)
			i = j
			continue
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			j := i + 2
			for j+1 < len(src) && !(src[j] == '*' && src[j+1] == '/') {
				j++
			}
			if j+1 >= len(src) {
				return out, lits, false
			}
			out = append(out, src[i:j+2]...)
			i = j + 2
			continue
		case c == '$':
			return out, lits, false
		case c == '\'':
			j, val, ok := scanQuoted(src, i, '\'')
			if !ok {
				return out, lits, false
			}
			if afterCmp && depth == 0 {
				lits = append(lits, Literal{Text: val})
				out = append(out, '$')
				out = strconv.AppendInt(out, int64(len(lits)), 10)
			} else {
				out = append(out, src[i:j]...)
			}
			i, afterCmp = j, false
			continue
		case c == '"':
			j, _, ok := scanQuoted(src, i, '"')
			if !ok {
				return out, lits, false
			}
			out = append(out, src[i:j]...)
			i, afterCmp = j, false
			continue
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			j := scanNumber(src, i)
			if afterCmp && depth == 0 {
				lits = append(lits, Literal{Number: true, Text: src[i:j]})
				out = append(out, '$')
				out = strconv.AppendInt(out, int64(len(lits)), 10)
			} else {
				out = append(out, src[i:j]...)
			}
			i, afterCmp = j, false
			continue
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			// E'...' strings keep their escapes: leave them in place.
			if j == i+1 && (c == 'e' || c == 'E') && j < len(src) && src[j] == '\'' {
				k, _, ok := scanQuoted(src, j, '\'')
				if !ok {
					return out, lits, false
				}
				j = k
			}
			word := src[i:j]
			out = append(out, word...)
			i, afterCmp = j, false
			switch {
			case equalFold(word, "of"), equalFold(word, "key"):
				afterCmp = true
			case equalFold(word, "values"):
				inValues = true
			case equalFold(word, "returning"), equalFold(word, "on"):
				inValues = false
			}
			continue
		}
		// Operators and punctuation.
		switch c {
		case '{':
			depth++
		case '}':
			depth--
		}
		op := 1
		if i+1 < len(src) {
			switch src[i : i+2] {
			case "<=", ">=", "<>", "!=", "::", "||":
				op = 2
			}
		}
		tok := src[i : i+op]
		switch tok {
		case "=", "<", ">", "<=", ">=", "<>", "!=", "||":
			afterCmp = true
		case "(", ",":
			afterCmp = inValues && depth == 0
		case ";":
			afterCmp, inValues = false, false
		default:
			afterCmp = false
		}
		out = append(out, tok...)
		i += op
	}
	return out, lits, true
}

// scanQuoted scans a quoted token starting at src[i] (a doubled quote
// stands for one; inside double quotes a backslash escapes the next
// byte). It returns the index after it and, for single quotes, the value,
// a copy: values outlive the statement text (index entries keep them).
func scanQuoted(src string, i int, q byte) (int, string, bool) {
	doubled := false
	for j := i + 1; j < len(src); j++ {
		switch {
		case q == '"' && src[j] == '\\' && j+1 < len(src):
			j++
		case src[j] == q:
			if j+1 < len(src) && src[j+1] == q {
				doubled = true
				j++
				continue
			}
			if q != '\'' {
				return j + 1, "", true
			}
			val := src[i+1 : j]
			if doubled {
				return j + 1, strings.ReplaceAll(val, "''", "'"), true
			}
			return j + 1, strings.Clone(val), true
		}
	}
	return 0, "", false
}

func scanNumber(src string, i int) int {
	j := i
	for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.') {
		j++
	}
	if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
		k := j + 1
		if k < len(src) && (src[k] == '+' || src[k] == '-') {
			k++
		}
		if k < len(src) && src[k] >= '0' && src[k] <= '9' {
			for k < len(src) && src[k] >= '0' && src[k] <= '9' {
				k++
			}
			j = k
		}
	}
	return j
}

// equalFold compares an ASCII word with a lower-case keyword.
func equalFold(word, kw string) bool {
	if len(word) != len(kw) {
		return false
	}
	for i := 0; i < len(word); i++ {
		if word[i]|0x20 != kw[i] {
			return false
		}
	}
	return true
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '$'
}
