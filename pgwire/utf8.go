package pgwire

import (
	"strings"
	"unicode/utf8"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// The server speaks UTF8 only (server_encoding and client_encoding): text
// that is not valid UTF-8 is refused where it enters, before anything
// runs, with PostgreSQL's error: 22021 invalid byte sequence for encoding
// "UTF8", naming the bytes of the first bad sequence. That is statement
// text (Query, Parse), the names of statements and portals, startup
// parameters, and parameters: every one in text format, and those of
// text types (text, varchar, char, name, json, jsonb, xml, unknown) in
// binary format. As in PostgreSQL, a NUL byte is refused in them too.

// checkUTF8 returns the 22021 error for the first invalid sequence of s,
// or nil.
func checkUTF8(s string) error {
	for i := 0; i < len(s); {
		c := s[i]
		if c != 0 && c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if c == 0 || r == utf8.RuneError && size <= 1 {
			return invalidSequence(s[i:])
		}
		i += size
	}
	return nil
}

// invalidSequence is the error for text starting with an invalid sequence:
// it shows as many bytes as the first one says the sequence has, as far as
// the text goes.
func invalidSequence(s string) error {
	n := 1
	switch c := s[0]; {
	case c&0xe0 == 0xc0:
		n = 2
	case c&0xf0 == 0xe0:
		n = 3
	case c&0xf8 == 0xf0:
		n = 4
	}
	n = min(n, len(s))
	var b strings.Builder
	b.WriteString(`invalid byte sequence for encoding "UTF8": `)
	const hex = "0123456789abcdef"
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("0x")
		b.WriteByte(hex[s[i]>>4])
		b.WriteByte(hex[s[i]&0xf])
	}
	return pgcode.New(pgcode.CharacterNotInRepertoire, b.String())
}

// checkUTF8Param checks a parameter value that is text: any in text
// format, and those of text types in binary format.
func checkUTF8Param(b []byte, t *types.T, binaryFormat bool) error {
	if b == nil {
		return nil
	}
	if binaryFormat {
		switch t.Family {
		case types.StringFamily, types.JSONFamily, types.UnknownFamily:
		case types.JSONBFamily:
			if len(b) > 0 {
				b = b[1:] // the format version
			}
		default:
			return nil
		}
	}
	return checkUTF8(string(b))
}
