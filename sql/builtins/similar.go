package builtins

import (
	"strings"
	"unicode/utf8"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// similar_to_escape turns a SIMILAR TO pattern into the regular
// expression the ~ operator matches the whole string with, as
// PostgreSQL's does: % is .*, _ is ., ( is a non-capturing group, the
// characters a regular expression reads otherwise (. ^ $ \) are literal,
// bracket expressions and | * + ? {m,n} are the regular expression's, and
// the escape character (\ unless ESCAPE says otherwise; none with ESCAPE
// '') makes the next character literal.

var _ = register(
	def(1987, "similar_to_escape", ts(types.Text), types.Text, func(_ *Context, a []types.Datum) (types.Datum, error) {
		return similarToRegex(str(a[0]), "\\")
	}),
	def(1986, "similar_to_escape", ts(types.Text, types.Text), types.Text, func(_ *Context, a []types.Datum) (types.Datum, error) {
		return similarToRegex(str(a[0]), str(a[1]))
	}),
)

func similarToRegex(pat, escape string) (types.Datum, error) {
	if utf8.RuneCountInString(escape) > 1 {
		return nil, pgcode.New(pgcode.InvalidEscapeSequence, "invalid escape string").
			WithHint("Escape string must be empty or one character.")
	}
	esc, _ := utf8.DecodeRuneInString(escape)
	if escape == "" {
		esc = -1
	}
	var b strings.Builder
	b.WriteString("^(?:")
	afterEscape, inClass := false, false
	// classPos counts a bracket expression's characters; a ] at or
	// before first (after [ or [^) is one of them, not its end.
	classPos, first := 0, 0
	quotes := 0
	for _, c := range pat {
		switch {
		case afterEscape:
			afterEscape = false
			if c == '"' && !inClass {
				// The separators of SUBSTRING ... SIMILAR's part.
				switch quotes {
				case 0:
					b.WriteString("){1,1}?(")
				case 1:
					b.WriteString("){1,1}(?:")
				default:
					return nil, pgcode.New(pgcode.InvalidUseOfEscapeCharacter, "SQL regular expression may not contain more than two escape-double-quote separators")
				}
				quotes++
				continue
			}
			b.WriteByte('\\')
			b.WriteRune(c)
		case c == esc:
			afterEscape = true
		case inClass:
			if c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(c)
			classPos++
			switch {
			case c == '^' && classPos == 1:
				first = 2
			case c == ']' && classPos > first:
				inClass = false
			}
		case c == '[':
			b.WriteRune(c)
			inClass, classPos, first = true, 0, 1
		case c == '%':
			b.WriteString(".*")
		case c == '_':
			b.WriteByte('.')
		case c == '(':
			b.WriteString("(?:")
		case c == '\\' || c == '.' || c == '^' || c == '$':
			b.WriteByte('\\')
			b.WriteRune(c)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteString(")$")
	return b.String(), nil
}
