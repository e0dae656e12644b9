package builtins

import (
	"strings"
	"unicode/utf8"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// like_escape rewrites a LIKE pattern written with another escape
// character (x LIKE p ESCAPE e) into one that escapes with a backslash,
// which the LIKE operators read. An empty escape means no escape at all.

var _ = register(
	def(1637, "like_escape", ts(types.Text, types.Text), types.Text, func(_ *Context, a []types.Datum) (types.Datum, error) {
		return likeEscape(a[0].(string), a[1].(string))
	}),
	def(1638, "like_escape", ts(types.Bytea, types.Bytea), types.Bytea, func(_ *Context, a []types.Datum) (types.Datum, error) {
		s, err := likeEscapeBytes(a[0].([]byte), a[1].([]byte))
		if err != nil {
			return nil, err
		}
		return []byte(s), nil
	}),
)

var errLikeEscape = pgcode.New(pgcode.InvalidEscapeSequence, "invalid escape string").
	WithHint("Escape string must be empty or one character.")

func likeEscape(p, e string) (string, error) {
	switch {
	case e == "":
		return strings.ReplaceAll(p, `\`, `\\`), nil
	case utf8.RuneCountInString(e) != 1:
		return "", errLikeEscape
	case e == `\`:
		return p, nil
	}
	esc, _ := utf8.DecodeRuneInString(e)
	var b strings.Builder
	after := false
	for _, r := range p {
		switch {
		case r == esc && !after:
			b.WriteByte('\\')
			after = true
		case r == '\\':
			b.WriteByte('\\')
			if !after {
				b.WriteByte('\\')
			}
			after = false
		default:
			b.WriteRune(r)
			after = false
		}
	}
	return b.String(), nil
}

// likeEscapeBytes is like_escape on bytea: the escape is one byte.
func likeEscapeBytes(p, e []byte) (string, error) {
	switch {
	case len(e) == 0:
		return strings.ReplaceAll(string(p), `\`, `\\`), nil
	case len(e) != 1:
		return "", errLikeEscape
	case e[0] == '\\':
		return string(p), nil
	}
	var b strings.Builder
	after := false
	for _, c := range p {
		switch {
		case c == e[0] && !after:
			b.WriteByte('\\')
			after = true
		case c == '\\':
			b.WriteByte('\\')
			if !after {
				b.WriteByte('\\')
			}
			after = false
		default:
			b.WriteByte(c)
			after = false
		}
	}
	return b.String(), nil
}
