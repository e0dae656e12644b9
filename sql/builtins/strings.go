package builtins

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// String functions, as PostgreSQL 15's in a UTF-8 database: lengths and
// positions count characters (code points), not bytes; case mapping is
// Unicode's (PostgreSQL's C.UTF-8 locale maps the same way).

// maxStringBytes is the largest text a function builds: PostgreSQL's
// limit of a value (1 GB), past which it fails with 54000.
const maxStringBytes = 1<<30 - 1

var errTooLarge = pgcode.New(pgcode.ProgramLimitExceeded, "requested length too large")

// bpcharTrim is a character(n) value without its padding, as the
// character functions of bpchar see it.
func bpcharTrim(s string) string { return strings.TrimRight(s, " ") }

var _ = register(stringFuncs()...)

func stringFuncs() []*Overload {
	T, I := types.Text, types.Int4
	charLen := func(_ *Context, a []types.Datum) (types.Datum, error) {
		return int64(utf8.RuneCountInString(str(a[0]))), nil
	}
	bpcharLen := func(_ *Context, a []types.Datum) (types.Datum, error) {
		return int64(utf8.RuneCountInString(bpcharTrim(str(a[0])))), nil
	}
	octets := func(_ *Context, a []types.Datum) (types.Datum, error) { return int64(len(str(a[0]))), nil }
	byteLen := func(_ *Context, a []types.Datum) (types.Datum, error) { return int64(len(a[0].([]byte))), nil }
	out := []*Overload{
		def(1317, "length", ts(T), I, charLen),
		def(1318, "length", ts(types.Bpchar), I, bpcharLen),
		def(2010, "length", ts(types.Bytea), I, byteLen),
		def(1381, "char_length", ts(T), I, charLen),
		def(1372, "char_length", ts(types.Bpchar), I, bpcharLen),
		def(1369, "character_length", ts(T), I, charLen),
		def(1367, "character_length", ts(types.Bpchar), I, bpcharLen),
		def(1374, "octet_length", ts(T), I, octets),
		def(1375, "octet_length", ts(types.Bpchar), I, octets),
		def(720, "octet_length", ts(types.Bytea), I, byteLen),
		def(1811, "bit_length", ts(T), I, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return int64(len(str(a[0]))) * 8, nil
		}),
		def(1810, "bit_length", ts(types.Bytea), I, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return int64(len(a[0].([]byte))) * 8, nil
		}),
		def(870, "lower", ts(T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return strings.ToLower(str(a[0])), nil
		}),
		def(871, "upper", ts(T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return strings.ToUpper(str(a[0])), nil
		}),
		def(872, "initcap", ts(T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return initcap(str(a[0])), nil
		}),
		def(936, "substring", ts(T, I, I), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return substring(str(a[0]), a[1].(int64), a[2].(int64), true)
		}),
		def(937, "substring", ts(T, I), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return substring(str(a[0]), a[1].(int64), 0, false)
		}),
		def(2012, "substring", ts(types.Bytea, I, I), types.Bytea, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return byteSubstring(a[0].([]byte), a[1].(int64), a[2].(int64), true)
		}),
		def(2013, "substring", ts(types.Bytea, I), types.Bytea, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return byteSubstring(a[0].([]byte), a[1].(int64), 0, false)
		}),
		def(877, "substr", ts(T, I, I), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return substring(str(a[0]), a[1].(int64), a[2].(int64), true)
		}),
		def(883, "substr", ts(T, I), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return substring(str(a[0]), a[1].(int64), 0, false)
		}),
		def(2085, "substr", ts(types.Bytea, I, I), types.Bytea, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return byteSubstring(a[0].([]byte), a[1].(int64), a[2].(int64), true)
		}),
		def(2086, "substr", ts(types.Bytea, I), types.Bytea, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return byteSubstring(a[0].([]byte), a[1].(int64), 0, false)
		}),
		def(1404, "overlay", ts(T, T, I, I), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return overlay(str(a[0]), str(a[1]), a[2].(int64), a[3].(int64))
		}),
		def(1405, "overlay", ts(T, T, I), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return overlay(str(a[0]), str(a[1]), a[2].(int64), int64(utf8.RuneCountInString(str(a[1]))))
		}),
		def(849, "position", ts(T, T), I, strpos),
		def(868, "strpos", ts(T, T), I, strpos),
		def(2014, "position", ts(types.Bytea, types.Bytea), I, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return int64(strings.Index(string(a[0].([]byte)), string(a[1].([]byte))) + 1), nil
		}),
		def(2087, "replace", ts(T, T, T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			from := str(a[1])
			if from == "" {
				return str(a[0]), nil
			}
			s := strings.ReplaceAll(str(a[0]), from, str(a[2]))
			if len(s) > maxStringBytes {
				return nil, errTooLarge
			}
			return s, nil
		}),
		def(2088, "split_part", ts(T, T, I), T, splitPart),
		def(873, "lpad", ts(T, I, T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return pad(str(a[0]), a[1].(int64), str(a[2]), true)
		}),
		def(879, "lpad", ts(T, I), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return pad(str(a[0]), a[1].(int64), " ", true)
		}),
		def(874, "rpad", ts(T, I, T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return pad(str(a[0]), a[1].(int64), str(a[2]), false)
		}),
		def(880, "rpad", ts(T, I), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return pad(str(a[0]), a[1].(int64), " ", false)
		}),
		def(884, "btrim", ts(T, T), T, trimmer(true, true, false)),
		def(885, "btrim", ts(T), T, trimmer(true, true, true)),
		def(875, "ltrim", ts(T, T), T, trimmer(true, false, false)),
		def(881, "ltrim", ts(T), T, trimmer(true, false, true)),
		def(876, "rtrim", ts(T, T), T, trimmer(false, true, false)),
		def(882, "rtrim", ts(T), T, trimmer(false, true, true)),
		def(2015, "btrim", ts(types.Bytea, types.Bytea), types.Bytea, byteTrimmer(true, true)),
		def(6195, "ltrim", ts(types.Bytea, types.Bytea), types.Bytea, byteTrimmer(true, false)),
		def(6196, "rtrim", ts(types.Bytea, types.Bytea), types.Bytea, byteTrimmer(false, true)),
		def(3060, "left", ts(T, I), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			r := []rune(str(a[0]))
			n := a[1].(int64)
			if n < 0 {
				n = max(0, int64(len(r))+n)
			}
			return string(r[:min(n, int64(len(r)))]), nil
		}),
		def(3061, "right", ts(T, I), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			r := []rune(str(a[0]))
			n := a[1].(int64)
			if n < 0 {
				n = max(0, int64(len(r))+n)
			}
			return string(r[int64(len(r))-min(n, int64(len(r))):]), nil
		}),
		def(1622, "repeat", ts(T, I), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			s, n := str(a[0]), a[1].(int64)
			if n <= 0 || s == "" {
				return "", nil
			}
			if int64(len(s))*n > maxStringBytes {
				return nil, errTooLarge
			}
			return strings.Repeat(s, int(n)), nil
		}),
		def(3062, "reverse", ts(T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			r := []rune(str(a[0]))
			for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
				r[i], r[j] = r[j], r[i]
			}
			return string(r), nil
		}),
		def(3696, "starts_with", ts(T, T), types.Bool, startsWith),
		def(3696, "^@", ts(T, T), types.Bool, startsWith),
		def(878, "translate", ts(T, T, T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return translate(str(a[0]), str(a[1]), str(a[2])), nil
		}),
		def(2311, "md5", ts(T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			sum := md5.Sum([]byte(str(a[0])))
			return hex.EncodeToString(sum[:]), nil
		}),
		def(2321, "md5", ts(types.Bytea), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			sum := md5.Sum(a[0].([]byte))
			return hex.EncodeToString(sum[:]), nil
		}),
		def(3420, "sha256", ts(types.Bytea), types.Bytea, hashOf(sha256.New)),
		def(1621, "chr", ts(I), T, chr),
		def(1620, "ascii", ts(T), I, func(_ *Context, a []types.Datum) (types.Datum, error) {
			r, n := utf8.DecodeRuneInString(str(a[0]))
			if n == 0 {
				return int64(0), nil
			}
			return int64(r), nil
		}),
		def(2089, "to_hex", ts(I), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return strconv.FormatUint(uint64(uint32(a[0].(int64))), 16), nil
		}),
		def(2090, "to_hex", ts(types.Int8), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return strconv.FormatUint(uint64(a[0].(int64)), 16), nil
		}),
		def(1282, "quote_ident", ts(T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return QuoteIdent(str(a[0])), nil
		}),
		def(1283, "quote_literal", ts(T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return quoteLiteral(str(a[0])), nil
		}),
		def(1289, "quote_nullable", ts(T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			if a[0] == nil {
				return "NULL", nil
			}
			return quoteLiteral(str(a[0])), nil
		}).lenient(),
	}
	return out
}

func str(d types.Datum) string { return d.(string) }

func strpos(_ *Context, a []types.Datum) (types.Datum, error) {
	s, sub := str(a[0]), str(a[1])
	i := strings.Index(s, sub)
	if i < 0 {
		return int64(0), nil
	}
	return int64(utf8.RuneCountInString(s[:i]) + 1), nil
}

func startsWith(_ *Context, a []types.Datum) (types.Datum, error) {
	return strings.HasPrefix(str(a[0]), str(a[1])), nil
}

// initcap upper-cases the first letter of each run of letters and digits
// and lower-cases the rest.
func initcap(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	inWord := false
	for _, r := range s {
		if inWord {
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(unicode.ToTitle(r))
		}
		inWord = unicode.IsLetter(r) || unicode.IsDigit(r)
	}
	return b.String()
}

// substring is SQL's substring(s FROM start FOR count): characters
// start .. start+count-1, the part of them inside the string.
func substring(s string, start, count int64, hasCount bool) (types.Datum, error) {
	if hasCount && count < 0 {
		return nil, pgcode.New(pgcode.SubstringError, "negative substring length not allowed")
	}
	end := int64(1) << 62
	if hasCount {
		end = start + count
		if end < start { // overflow
			end = int64(1) << 62
		}
	}
	start = max(start, 1)
	if end <= start {
		return "", nil
	}
	// Walk the runes once: byte offsets of characters start and end.
	i, pos := 0, int64(1)
	for i < len(s) && pos < start {
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
		pos++
	}
	j := i
	for j < len(s) && pos < end {
		_, n := utf8.DecodeRuneInString(s[j:])
		j += n
		pos++
	}
	return s[i:j], nil
}

func byteSubstring(b []byte, start, count int64, hasCount bool) (types.Datum, error) {
	if hasCount && count < 0 {
		return nil, pgcode.New(pgcode.SubstringError, "negative substring length not allowed")
	}
	end := int64(len(b)) + 1
	if hasCount && start+count < end && start+count >= start {
		end = start + count
	}
	start = max(start, 1)
	if end <= start || start > int64(len(b)) {
		return []byte{}, nil
	}
	return append([]byte(nil), b[start-1:end-1]...), nil
}

// overlay is overlay(s PLACING r FROM start FOR count).
func overlay(s, r string, start, count int64) (types.Datum, error) {
	if start <= 0 {
		return nil, pgcode.New(pgcode.SubstringError, "negative substring length not allowed")
	}
	head, err := substring(s, 1, start-1, true)
	if err != nil {
		return nil, err
	}
	tail, _ := substring(s, start+count, 0, false)
	return head.(string) + r + tail.(string), nil
}

func splitPart(_ *Context, a []types.Datum) (types.Datum, error) {
	s, sep, n := str(a[0]), str(a[1]), a[2].(int64)
	if n == 0 {
		return nil, errInvalidParam("field position must not be zero")
	}
	var parts []string
	if sep == "" {
		parts = []string{s}
		if s == "" {
			parts = nil
		}
	} else {
		parts = strings.Split(s, sep)
	}
	if s == "" {
		return "", nil
	}
	if n < 0 {
		n += int64(len(parts)) + 1
	}
	if n < 1 || n > int64(len(parts)) {
		return "", nil
	}
	return parts[n-1], nil
}

// pad is lpad and rpad: the string cut or filled to n characters.
func pad(s string, n int64, fill string, left bool) (types.Datum, error) {
	if n <= 0 {
		return "", nil
	}
	if n > maxStringBytes/4 {
		return nil, errTooLarge
	}
	r := []rune(s)
	if int64(len(r)) >= n {
		return string(r[:n]), nil
	}
	if fill == "" {
		return s, nil
	}
	f := []rune(fill)
	need := int(n) - len(r)
	filler := make([]rune, need)
	for i := range filler {
		filler[i] = f[i%len(f)]
	}
	if left {
		return string(filler) + s, nil
	}
	return s + string(filler), nil
}

// trimmer makes btrim, ltrim and rtrim: characters of the set (the second
// argument, or a space) cut from the chosen ends.
func trimmer(left, right, space bool) fnBody {
	return func(_ *Context, a []types.Datum) (types.Datum, error) {
		s, set := str(a[0]), " "
		if !space {
			set = str(a[1])
		}
		if left {
			s = strings.TrimLeft(s, set)
		}
		if right {
			s = strings.TrimRight(s, set)
		}
		return s, nil
	}
}

func byteTrimmer(left, right bool) fnBody {
	return func(_ *Context, a []types.Datum) (types.Datum, error) {
		b, set := a[0].([]byte), a[1].([]byte)
		in := func(c byte) bool { return strings.IndexByte(string(set), c) >= 0 }
		i, j := 0, len(b)
		for left && i < j && in(b[i]) {
			i++
		}
		for right && j > i && in(b[j-1]) {
			j--
		}
		return append([]byte{}, b[i:j]...), nil
	}
}

// translate replaces each character of s found in from by the character
// at the same place in to, or drops it when to is shorter.
func translate(s, from, to string) string {
	f, t := []rune(from), []rune(to)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		i := -1
		for k, c := range f {
			if c == r {
				i = k
				break
			}
		}
		switch {
		case i < 0:
			b.WriteRune(r)
		case i < len(t):
			b.WriteRune(t[i])
		}
	}
	return b.String()
}

func chr(_ *Context, a []types.Datum) (types.Datum, error) {
	n := a[0].(int64)
	switch {
	case n < 0:
		return nil, errInvalidParam("character number must be positive")
	case n == 0:
		return nil, pgcode.New(pgcode.ProgramLimitExceeded, "null character not permitted")
	case n > unicode.MaxRune:
		return nil, pgcode.Newf(pgcode.ProgramLimitExceeded, "requested character too large for encoding: %d", n)
	case n >= 0xD800 && n <= 0xDFFF:
		return nil, pgcode.Newf(pgcode.ProgramLimitExceeded, "requested character not valid for encoding: %d", n)
	}
	return string(rune(n)), nil
}

// QuoteIdent quotes an identifier when SQL needs it to, as quote_ident
// does: anything but lower-case letters, digits and underscores (not first
// a digit), or a keyword that is not unreserved.
func QuoteIdent(s string) string {
	safe := s != "" && (s[0] >= 'a' && s[0] <= 'z' || s[0] == '_')
	for i := 0; safe && i < len(s); i++ {
		c := s[i]
		safe = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
	}
	if safe && !reservedKeyword(s) {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// quoteLiteral writes a string literal: quotes doubled, and in an E”
// literal with backslashes doubled when it has any.
func quoteLiteral(s string) string {
	var b strings.Builder
	if strings.IndexByte(s, '\\') >= 0 {
		b.WriteByte('E')
	}
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'', '\\':
			b.WriteByte(s[i])
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('\'')
	return b.String()
}
