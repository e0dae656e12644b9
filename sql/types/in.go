package types

import (
	"math"
	"strings"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/pgcode"
)

// ParseText reads s as PostgreSQL 15's input function of t (its
// typinput) does, with its errors: *pgcode.Error values carrying 22P02,
// 22003, 22007, 22008 and the others PostgreSQL uses. A type modifier
// (varchar(3), numeric(10,2), timestamp(0)) is not applied here: that is
// Cast's business, as PostgreSQL reads a literal and then coerces it to
// the declared length or precision. The exception is an interval's
// fields, which change how the text reads (INTERVAL '1' YEAR is a year,
// INTERVAL '1:30' MINUTE TO SECOND a minute and a half).
func ParseText(s string, t *T, c *Context) (Datum, error) {
	c = ctxOrDefault(c)
	switch t.Family {
	case BoolFamily:
		return parseBool(s)
	case IntFamily:
		return parseInt(s, t)
	case OidFamily:
		if t.Oid == OidOid {
			return parseOid(s)
		}
		return parseReg(s, t, c)
	case FloatFamily:
		if t.Oid == OidFloat4 {
			return parseFloat(s, 32)
		}
		return parseFloat(s, 64)
	case DecimalFamily:
		d, err := engine.ParseNumeric(s)
		if err != nil {
			return nil, fromEngine(err)
		}
		return d, nil
	case StringFamily, UnknownFamily:
		switch t.Oid {
		case OidName:
			return clipName(s), nil
		case OidChar:
			return parseChar(s), nil
		}
		return s, nil
	case BytesFamily:
		return parseBytea(s)
	case UUIDFamily:
		return parseUUID(s)
	case DateFamily:
		return parseDate(s, c)
	case TimeFamily:
		return parseTime(s, c)
	case TimestampFamily:
		ts, err := parseTimestamp(s, false, c)
		return DTimestamp(ts), err
	case TimestampTZFamily:
		ts, err := parseTimestamp(s, true, c)
		return DTimestampTZ(ts), err
	case IntervalFamily:
		return parseInterval(s, t.Mod)
	case JSONFamily:
		if err := validateJSON(s); err != nil {
			return nil, err
		}
		return DJSON(s), nil
	case JSONBFamily:
		v, err := parseJSONB(s)
		if err != nil {
			return nil, err
		}
		return DJSONB{V: v}, nil
	case ArrayFamily:
		if t.Oid == OidInt2Vector || t.Oid == OidOidVector {
			return parseVector(s, t, c)
		}
		return parseArray(s, t, c)
	}
	return nil, errUnsupported(t)
}

// parseBool is boolin: t, true, yes, on, 1 and their prefixes (o alone
// is ambiguous), any case, spaces around.
func parseBool(s string) (Datum, error) {
	v := strings.TrimFunc(s, func(r rune) bool { return r < 0x80 && isSpace(byte(r)) })
	if len(v) > 0 {
		lv := strings.ToLower(v)
		switch lv[0] {
		case 't':
			if strings.HasPrefix("true", lv) {
				return true, nil
			}
		case 'f':
			if strings.HasPrefix("false", lv) {
				return false, nil
			}
		case 'y':
			if strings.HasPrefix("yes", lv) {
				return true, nil
			}
		case 'n':
			if strings.HasPrefix("no", lv) {
				return false, nil
			}
		case 'o':
			if len(lv) >= 2 && strings.HasPrefix("on", lv) {
				return true, nil
			}
			if len(lv) >= 2 && strings.HasPrefix("off", lv) {
				return false, nil
			}
		case '1':
			if lv == "1" {
				return true, nil
			}
		case '0':
			if lv == "0" {
				return false, nil
			}
		}
	}
	return nil, errSyntax("boolean", s)
}

// parseInt is int2in, int4in and int8in: spaces around, a sign, decimal
// digits.
func parseInt(s string, t *T) (Datum, error) {
	name, lo, hi := "bigint", int64(math.MinInt64), int64(math.MaxInt64)
	switch t.Oid {
	case OidInt2:
		name, lo, hi = "smallint", math.MinInt16, math.MaxInt16
	case OidInt4:
		name, lo, hi = "integer", math.MinInt32, math.MaxInt32
	}
	n, ok, overflow := scanInt(s, lo, hi)
	if overflow {
		return nil, errRange(s, name)
	}
	if !ok {
		return nil, errSyntax(name, s)
	}
	return n, nil
}

// scanInt reads [spaces][sign]digits[spaces] within lo..hi. overflow is
// reported as soon as the digits leave the range, as PostgreSQL does.
func scanInt(s string, lo, hi int64) (n int64, ok, overflow bool) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	if i == len(s) || !isDigit(s[i]) {
		return 0, false, false
	}
	// Accumulate negatively, which reaches the minimum too.
	var acc int64
	for i < len(s) && isDigit(s[i]) {
		d := int64(s[i] - '0')
		if acc < lo/10 {
			return 0, false, true
		}
		acc *= 10
		if acc < lo+d {
			return 0, false, true
		}
		acc -= d
		i++
	}
	if !neg {
		if acc < -hi {
			return 0, false, true
		}
		acc = -acc
	}
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	if i != len(s) {
		return 0, false, false
	}
	return acc, true, false
}

// parseOid is oidin: an unsigned number below 2^32, or a negative one
// down to -2^31 that wraps around (-1 is 4294967295).
func parseOid(s string) (Datum, error) {
	if s == "" {
		return nil, errSyntax("oid", s)
	}
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var v uint64
	big := false
	for i < len(s) && isDigit(s[i]) {
		if v > math.MaxUint32*10 {
			big = true
		} else {
			v = v*10 + uint64(s[i]-'0')
		}
		i++
	}
	if i == start {
		return nil, errSyntax("oid", s)
	}
	if big {
		return nil, errRange(s, "oid")
	}
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	if i != len(s) {
		return nil, errSyntax("oid", s)
	}
	if neg {
		if v > 1<<31 {
			return nil, errRange(s, "oid")
		}
		return int64(uint32(-int64(v))), nil
	}
	if v > math.MaxUint32 {
		return nil, errRange(s, "oid")
	}
	return int64(v), nil
}

// parseReg reads a reg* value: an OID number, "-" for none, or a name
// the catalog resolves through Context.RegLookup.
func parseReg(s string, t *T, c *Context) (Datum, error) {
	if s == "-" {
		return int64(0), nil
	}
	if s != "" && strings.Trim(s, "0123456789") == "" {
		return parseOid(s)
	}
	return lookupRegName(s, t, c)
}

// lookupRegName resolves a reg* name through the catalog's resolver
// (white space around a name does not count, as in PostgreSQL's name
// parsing).
func lookupRegName(s string, t *T, c *Context) (Datum, error) {
	s = strings.TrimFunc(s, func(r rune) bool { return r < 0x80 && isSpace(byte(r)) })
	if c.RegLookup != nil {
		oid, err := c.RegLookup(t, s)
		if err != nil {
			return nil, err
		}
		return int64(oid), nil
	}
	switch t.Oid {
	case OidRegclass:
		return nil, pgcode.New(pgcode.UndefinedTable, "relation "+quoted(s)+" does not exist")
	case OidRegproc, OidRegprocedure:
		return nil, pgcode.New(pgcode.UndefinedFunction, "function "+quoted(s)+" does not exist")
	case OidRegoper:
		return nil, pgcode.New(pgcode.UndefinedFunction, "operator does not exist: "+s)
	case OidRegnamespace:
		return nil, pgcode.New(pgcode.InvalidSchemaName, "schema "+quoted(s)+" does not exist")
	case OidRegrole:
		return nil, pgcode.New(pgcode.UndefinedObject, "role "+quoted(s)+" does not exist")
	}
	return nil, pgcode.New(pgcode.UndefinedObject, "type "+quoted(s)+" does not exist")
}

// nameDataLen is NAMEDATALEN: a name keeps at most 63 bytes.
const nameDataLen = 64

// clipName cuts a name to 63 bytes, at a character boundary.
func clipName(s string) string {
	if len(s) < nameDataLen {
		return s
	}
	n := nameDataLen - 1
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// parseChar is charin: the first byte, or \ooo for any byte.
func parseChar(s string) string {
	if len(s) == 4 && s[0] == '\\' && isOctal(s[1]) && isOctal(s[2]) && isOctal(s[3]) {
		b := (s[1]-'0')<<6 | (s[2]-'0')<<3 | (s[3] - '0')
		if b == 0 {
			return ""
		}
		return string([]byte{b})
	}
	if len(s) == 0 {
		return ""
	}
	return s[:1]
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// parseBytea is byteain: \x and hex digits (white space between pairs),
// or the escape format (\\ and \ooo escapes).
func parseBytea(s string) (Datum, error) {
	if len(s) >= 2 && s[0] == '\\' && s[1] == 'x' {
		return DecodeHex(s[2:])
	}
	return DecodeEscape(s)
}

// DecodeHex reads bytea's hex format after its \x (decode(s, 'hex') too):
// pairs of hex digits, white space between them skipped.
func DecodeHex(s string) ([]byte, error) {
	out := make([]byte, 0, len(s)/2)
	for i := 0; i < len(s); {
		c := s[i]
		if c == ' ' || c == '\n' || c == '\t' || c == '\r' {
			i++
			continue
		}
		hi, ok := hexVal(c)
		if !ok {
			return nil, badHexDigit(s[i:])
		}
		i++
		if i >= len(s) {
			return nil, pgcode.New(pgcode.InvalidParameterValue, "invalid hexadecimal data: odd number of digits")
		}
		lo, ok := hexVal(s[i])
		if !ok {
			return nil, badHexDigit(s[i:])
		}
		i++
		out = append(out, hi<<4|lo)
	}
	return out, nil
}

// DecodeEscape reads bytea's escape format (decode(s, 'escape') too): \\
// for a backslash, \ooo for the byte of octal ooo, other bytes as they are.
func DecodeEscape(s string) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		switch {
		case s[i] != '\\':
			out = append(out, s[i])
			i++
		case i+3 < len(s) && s[i+1] >= '0' && s[i+1] <= '3' && isOctal(s[i+2]) && isOctal(s[i+3]):
			out = append(out, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
			i += 4
		case i+1 < len(s) && s[i+1] == '\\':
			out = append(out, '\\')
			i += 2
		default:
			return nil, pgcode.New(pgcode.InvalidTextRepresentation, "invalid input syntax for type bytea")
		}
	}
	return out, nil
}

func badHexDigit(rest string) error {
	n := 1
	for n < len(rest) && n < 4 && rest[n]&0xC0 == 0x80 {
		n++
	}
	return pgcode.New(pgcode.InvalidParameterValue, "invalid hexadecimal digit: "+quoted(rest[:n]))
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// parseUUID is uuid_in: 32 hex digits, a hyphen allowed after any group
// of four, the whole perhaps in braces.
func parseUUID(s string) (Datum, error) {
	var u DUUID
	src := s
	braces := len(src) > 0 && src[0] == '{'
	if braces {
		src = src[1:]
	}
	for i := 0; i < 16; i++ {
		if len(src) < 2 {
			return nil, errSyntax("uuid", s)
		}
		hi, ok1 := hexVal(src[0])
		lo, ok2 := hexVal(src[1])
		if !ok1 || !ok2 {
			return nil, errSyntax("uuid", s)
		}
		u[i] = hi<<4 | lo
		src = src[2:]
		if len(src) > 0 && src[0] == '-' && i%2 == 1 && i < 15 {
			src = src[1:]
		}
	}
	if braces {
		if len(src) == 0 || src[0] != '}' {
			return nil, errSyntax("uuid", s)
		}
		src = src[1:]
	}
	if len(src) != 0 {
		return nil, errSyntax("uuid", s)
	}
	return u, nil
}

// parseVector is int2vectorin and oidvectorin: numbers separated by
// white space.
func parseVector(s string, t *T, c *Context) (Datum, error) {
	a := &DArray{Elem: t.Elem, Vals: []Datum{}}
	rest := s
	for {
		for len(rest) > 0 && isSpace(rest[0]) {
			rest = rest[1:]
		}
		if rest == "" {
			return a, nil
		}
		var v int64
		var err error
		if t.Oid == OidInt2Vector {
			v, rest, err = vectorInt2(rest)
		} else {
			v, rest, err = vectorOid(rest)
		}
		if err != nil {
			return nil, err
		}
		a.Vals = append(a.Vals, v)
	}
}

// vectorInt2 reads one element of an int2vector as strtol does; it must
// end at a space or the end.
func vectorInt2(s string) (int64, string, error) {
	v, n, of := strtoi64(s)
	if n == 0 {
		return 0, "", errSyntax("smallint", s)
	}
	if of || v < math.MinInt16 || v > math.MaxInt16 {
		return 0, "", errRange(s, "smallint")
	}
	if n < len(s) && s[n] != ' ' {
		return 0, "", errSyntax("smallint", s)
	}
	return v, s[n:], nil
}

// vectorOid reads one element of an oidvector as strtoul does (a
// negative number wraps around); the next may follow at once.
func vectorOid(s string) (int64, string, error) {
	v, n, of := strtoi64(s)
	if n == 0 {
		return 0, "", errSyntax("oid", s)
	}
	if of || v > math.MaxUint32 || v < math.MinInt32 {
		return 0, "", errRange(s, "oid")
	}
	return int64(uint32(v)), s[n:], nil
}
