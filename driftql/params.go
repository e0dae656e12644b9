package driftql

// MaxParamNumber returns the highest $n in src (0 when none), as the
// lexer reads the text: $n inside strings, quoted names and comments, and
// $ inside a name (a$1), are no parameters. It scans the text once, with
// no allocation, so that a statement can be refused for its parameters
// before the parser spends time on it. A number too large for an int
// counts as the largest int. Past a character the lexer does not accept,
// the rest of the text is not looked at (it does not parse anyway).
func MaxParamNumber(src string) int {
	max := 0
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f':
			i++
		case c == '-' && i+1 < len(src) && src[i+1] == '-':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*' && commentEnd(src, i+2) >= 0:
			i = commentEnd(src, i+2)
		case c == '$' && i+1 < len(src) && isDigit(src[i+1]):
			n := 0
			for i++; i < len(src) && isDigit(src[i]); i++ {
				if n <= (int(^uint(0)>>1)-9)/10 {
					n = n*10 + int(src[i]-'0')
				} else {
					n = int(^uint(0) >> 1)
				}
			}
			if n > max {
				max = n
			}
		case isDigit(c) || c == '.' && i+1 < len(src) && isDigit(src[i+1]):
			i = scanNumber(src, i)
		case c == '\'' || (c == 'e' || c == 'E') && i+1 < len(src) && src[i+1] == '\'':
			j := i
			if c != '\'' {
				j++
			}
			end, ok := quotedEnd(src, j, '\'')
			if ok {
				i = end
			} else if c != '\'' {
				i = identEnd(src, i) // e' with no end: the name e, then a lone quote
			} else {
				return max
			}
		case c == '"':
			end, ok := quotedEnd(src, i, '"')
			if !ok {
				return max
			}
			i = end
		case isIdentStart(c):
			i = identEnd(src, i)
		case c == '!' && i+1 < len(src) && src[i+1] == '=', c == '|' && i+1 < len(src) && src[i+1] == '|':
			i += 2
		case isOp(c):
			i++
		default:
			return max
		}
	}
	return max
}

// commentEnd returns the offset just past the */ that closes a comment
// whose text starts at i, or -1.
func commentEnd(src string, i int) int {
	for ; i+1 < len(src); i++ {
		if src[i] == '*' && src[i+1] == '/' {
			return i + 2
		}
	}
	return -1
}

// quotedEnd returns the offset just past the quote q that closes the
// quoted text at i (two quotes in a row stand for one inside it; in double
// quotes a backslash escapes the next character).
func quotedEnd(src string, i int, q byte) (int, bool) {
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			if q == '"' {
				j++
			}
		case q:
			if j+1 < len(src) && src[j+1] == q {
				j++
				continue
			}
			return j + 1, true
		}
	}
	return 0, false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func identEnd(src string, i int) int {
	for i++; i < len(src) && isIdentPart(src[i]); i++ {
	}
	return i
}

// isOp reports whether c is an operator or punctuation token, or starts
// one (:: <> <= >=).
func isOp(c byte) bool {
	switch c {
	case ':', '<', '>', '-', '+', '*', '/', '%', '=', '(', ')', ',', ';', '.', '{', '}', '[', ']':
		return true
	}
	return false
}
