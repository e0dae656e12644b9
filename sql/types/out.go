package types

import (
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/engine"
)

// AppendText appends d in PostgreSQL 15's text output format for t (its
// typoutput function) to dst. d must be nil (NULL appends nothing: the
// caller sends NULL apart) or the Go type the package doc gives for t. A
// value of another Go type is a bug in the caller; it is written with
// %v rather than lost.
func AppendText(dst []byte, d Datum, t *T, c *Context) []byte {
	if d == nil {
		return dst
	}
	switch t.Family {
	case BoolFamily:
		if b, ok := d.(bool); ok {
			if b {
				return append(dst, 't')
			}
			return append(dst, 'f')
		}
	case IntFamily:
		if n, ok := d.(int64); ok {
			return strconv.AppendInt(dst, n, 10)
		}
	case OidFamily:
		if n, ok := d.(int64); ok {
			if t.Oid != OidOid && t.Oid != OidRegoper && t.Oid != OidRegoperator && n == 0 {
				return append(dst, '-') // reg* types but regoper(ator) show InvalidOid as "-"
			}
			if t.Oid == OidRegtype {
				if rt, ok := byOid[uint32(n)]; ok {
					return append(dst, rt.SQL...) // regtypeout writes format_type's name
				}
			}
			if t.Oid != OidOid && c != nil && c.RegName != nil {
				if name, ok := c.RegName(t, Oid(n)); ok {
					return append(dst, name...)
				}
			}
			return strconv.AppendUint(dst, uint64(uint32(n)), 10)
		}
	case FloatFamily:
		if f, ok := d.(float64); ok {
			bits := 64
			if t.Oid == OidFloat4 {
				bits = 32
			}
			return appendFloat(dst, f, bits, ctxOrDefault(c).ExtraFloatDigits)
		}
	case DecimalFamily:
		if n, ok := d.(*apd.Decimal); ok {
			return engine.AppendNumeric(dst, n)
		}
	case StringFamily, UnknownFamily:
		if s, ok := d.(string); ok {
			if t.Oid == OidChar {
				return appendChar(dst, s)
			}
			return append(dst, s...)
		}
	case BytesFamily:
		if b, ok := d.([]byte); ok {
			dst = append(dst, `\x`...)
			return hex.AppendEncode(dst, b)
		}
	case UUIDFamily:
		if u, ok := d.(DUUID); ok {
			return appendUUID(dst, u)
		}
	case DateFamily:
		if v, ok := d.(DDate); ok {
			return appendDate(dst, v)
		}
	case TimeFamily:
		if v, ok := d.(DTime); ok {
			return appendTime(dst, v)
		}
	case TimestampFamily:
		if v, ok := d.(DTimestamp); ok {
			return appendTimestamp(dst, int64(v), false, 0)
		}
	case TimestampTZFamily:
		if v, ok := d.(DTimestampTZ); ok {
			east := offsetOfTimestamp(ctxOrDefault(c).location(), int64(v))
			return appendTimestamp(dst, int64(v), true, east)
		}
	case IntervalFamily:
		if v, ok := d.(DInterval); ok {
			return appendInterval(dst, v)
		}
	case JSONFamily:
		if v, ok := d.(DJSON); ok {
			return append(dst, v...)
		}
	case JSONBFamily:
		if v, ok := d.(DJSONB); ok {
			return appendJSONB(dst, v.V)
		}
	case RecordFamily:
		if r, ok := d.(*DRecord); ok {
			return appendRecord(dst, r, c)
		}
	case ArrayFamily:
		if a, ok := d.(*DArray); ok {
			if t.Oid == OidInt2Vector || t.Oid == OidOidVector {
				return appendVector(dst, a, t, c)
			}
			if a.Elem == nil && t.Elem != nil {
				b := *a
				b.Elem = t.Elem
				a = &b
			}
			return appendArray(dst, a, c)
		}
	case VoidFamily:
		return dst
	}
	return fmt.Append(dst, d)
}

// FormatText returns d in PostgreSQL's text format for t; NULL is "".
func FormatText(d Datum, t *T, c *Context) string {
	var buf [64]byte
	return string(AppendText(buf[:0], d, t, c))
}

// appendChar writes a "char" value: a byte above 127 as \ooo, the zero
// byte (an empty string) as nothing.
func appendChar(dst []byte, s string) []byte {
	if len(s) == 0 {
		return dst
	}
	ch := s[0]
	if ch < 0x80 {
		return append(dst, ch)
	}
	return append(dst, '\\', '0'+ch>>6, '0'+(ch>>3)&7, '0'+ch&7)
}

func appendUUID(dst []byte, u DUUID) []byte {
	var buf [36]byte
	hex.Encode(buf[0:8], u[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], u[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], u[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], u[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:], u[10:])
	return append(dst, buf[:]...)
}

// appendVector writes int2vector and oidvector: numbers separated by
// spaces.
func appendVector(dst []byte, a *DArray, t *T, c *Context) []byte {
	for i, v := range a.Vals {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = AppendText(dst, v, t.Elem, c)
	}
	return dst
}

// appendArray writes an array as array_out: {1,2,NULL}, an element
// quoted when it is empty, reads as NULL, or holds a brace, comma, quote,
// backslash or white space; quotes and backslashes inside escaped.
func appendArray(dst []byte, a *DArray, c *Context) []byte {
	if len(a.Dims) > 1 {
		return appendArrayDims(dst, a, c)
	}
	dst = append(dst, '{')
	var buf []byte
	for i, v := range a.Vals {
		if i > 0 {
			dst = append(dst, ',')
		}
		if v == nil {
			dst = append(dst, "NULL"...)
			continue
		}
		buf = AppendText(buf[:0], v, a.Elem, c)
		if !needsQuotes(buf) {
			dst = append(dst, buf...)
			continue
		}
		dst = append(dst, '"')
		for _, ch := range buf {
			if ch == '"' || ch == '\\' {
				dst = append(dst, '\\')
			}
			dst = append(dst, ch)
		}
		dst = append(dst, '"')
	}
	return append(dst, '}')
}

func needsQuotes(s []byte) bool {
	if len(s) == 0 {
		return true
	}
	if len(s) == 4 && (s[0]|0x20) == 'n' && (s[1]|0x20) == 'u' && (s[2]|0x20) == 'l' && (s[3]|0x20) == 'l' {
		return true
	}
	for _, ch := range s {
		switch ch {
		case '{', '}', ',', '"', '\\', ' ', '\t', '\n', '\r', '\v', '\f':
			return true
		}
	}
	return false
}
