package types

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/maphash"
	"math"
	"math/bits"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/engine"
)

// Compare orders two non-NULL values of type t as PostgreSQL's btree
// operator class does (NULLs are the caller's): NaN after every number
// for floats and numeric, -0 equal to 0; text, varchar and name by bytes
// (the C collation); bpchar without its trailing spaces; intervals by
// their span with a month as 30 days; jsonb as jsonb_cmp (null < string
// < number < boolean < array < object, and the rules for sizes); arrays
// element by element, a NULL element after any value, then the shorter
// first. It returns -1, 0 or 1.
func Compare(a, b Datum, t *T) int {
	switch t.Family {
	case BoolFamily:
		x, y := a.(bool), b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case IntFamily, OidFamily:
		return cmp64(a.(int64), b.(int64))
	case FloatFamily:
		return CompareFloat(a.(float64), b.(float64))
	case DecimalFamily:
		return compareNumeric(a.(*apd.Decimal), b.(*apd.Decimal))
	case StringFamily, UnknownFamily:
		x, y := a.(string), b.(string)
		if t.Oid == OidBpchar {
			x, y = trimPad(x), trimPad(y)
		}
		return strings.Compare(x, y)
	case BytesFamily:
		return bytes.Compare(a.([]byte), b.([]byte))
	case UUIDFamily:
		x, y := a.(DUUID), b.(DUUID)
		return bytes.Compare(x[:], y[:])
	case DateFamily:
		return cmp64(int64(a.(DDate)), int64(b.(DDate)))
	case TimeFamily:
		return cmp64(int64(a.(DTime)), int64(b.(DTime)))
	case TimestampFamily:
		return cmp64(int64(a.(DTimestamp)), int64(b.(DTimestamp)))
	case TimestampTZFamily:
		return cmp64(int64(a.(DTimestampTZ)), int64(b.(DTimestampTZ)))
	case IntervalFamily:
		return compareInterval(a.(DInterval), b.(DInterval))
	case JSONFamily:
		return strings.Compare(string(a.(DJSON)), string(b.(DJSON)))
	case JSONBFamily:
		return compareJSONBTop(a.(DJSONB).V, b.(DJSONB).V)
	case ArrayFamily:
		return compareArray(a.(*DArray), b.(*DArray), t.Elem)
	case RecordFamily:
		if x, ok := a.(*DRecord); ok {
			if y, ok := b.(*DRecord); ok {
				return compareRecord(x, y)
			}
		}
	}
	return 0
}

// Equal reports whether two non-NULL values of type t are equal by
// PostgreSQL's = operator for it (so NaN equals NaN, 1.0 equals 1, '1
// mon' equals '30 days', 'a ' equals 'a' as bpchar).
func Equal(a, b Datum, t *T) bool {
	switch t.Family {
	case IntFamily, OidFamily:
		return a.(int64) == b.(int64)
	case StringFamily, UnknownFamily:
		if t.Oid == OidBpchar {
			return trimPad(a.(string)) == trimPad(b.(string))
		}
		return a.(string) == b.(string)
	}
	return Compare(a, b, t) == 0
}

func cmp64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// trimPad drops bpchar's trailing spaces, which do not count.
func trimPad(s string) string {
	n := len(s)
	for n > 0 && s[n-1] == ' ' {
		n--
	}
	return s[:n]
}

// CompareFloat orders floats as PostgreSQL does: NaN above every number,
// equal to itself.
func CompareFloat(a, b float64) int {
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// numericRank places special values: 0 -Infinity, 1 finite, 2 Infinity,
// 3 NaN.
func numericRank(d *apd.Decimal) int {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return 3
	case apd.Infinite:
		if d.Negative {
			return 0
		}
		return 2
	}
	return 1
}

func compareNumeric(a, b *apd.Decimal) int {
	ra, rb := numericRank(a), numericRank(b)
	if ra != 1 || rb != 1 {
		return cmp64(int64(ra), int64(rb))
	}
	return a.Cmp(b)
}

// intervalSpan is an interval as one 128-bit count of microseconds, a
// month counting 30 days and a day 24 hours (PostgreSQL's
// interval_cmp_value).
func intervalSpan(iv DInterval) (hi int64, lo uint64) {
	days := int64(iv.Months)*30 + int64(iv.Days)
	h, l := bits.Mul64(uint64(days), uint64(usecsPerDay))
	if days < 0 {
		h -= uint64(usecsPerDay)
	}
	var carry uint64
	l, carry = bits.Add64(l, uint64(iv.Micros), 0)
	ext := uint64(0)
	if iv.Micros < 0 {
		ext = math.MaxUint64
	}
	h = h + ext + carry
	return int64(h), l
}

func compareInterval(a, b DInterval) int {
	ah, al := intervalSpan(a)
	bh, bl := intervalSpan(b)
	if ah != bh {
		return cmp64(ah, bh)
	}
	switch {
	case al < bl:
		return -1
	case al > bl:
		return 1
	}
	return 0
}

func compareArray(a, b *DArray, elem *T) int {
	n := min(len(a.Vals), len(b.Vals))
	for i := 0; i < n; i++ {
		x, y := a.Vals[i], b.Vals[i]
		switch {
		case x == nil && y == nil:
			continue
		case x == nil:
			return 1
		case y == nil:
			return -1
		}
		if c := Compare(x, y, elem); c != 0 {
			return c
		}
	}
	if c := cmp64(int64(len(a.Vals)), int64(len(b.Vals))); c != 0 {
		return c
	}
	// Equal elements: then by the number of dimensions and their lengths.
	da, db := a.DimLens(), b.DimLens()
	if c := cmp64(int64(len(da)), int64(len(db))); c != 0 {
		return c
	}
	for k := range da {
		if c := cmp64(int64(da[k]), int64(db[k])); c != 0 {
			return c
		}
	}
	return 0
}

// jsonb's order of kinds: null < string < number < boolean < array <
// object.
const (
	jkNull = iota
	jkString
	jkNumber
	jkBool
	jkArray
	jkObject
)

func jsonKind(v any) int {
	switch v.(type) {
	case nil:
		return jkNull
	case string:
		return jkString
	case bool:
		return jkBool
	case []any:
		return jkArray
	case map[string]any:
		return jkObject
	}
	return jkNumber
}

// jsonNumber returns a document number as a decimal.
func jsonNumber(v any) *apd.Decimal {
	switch x := v.(type) {
	case json.Number:
		if d, err := engine.ParseNumeric(string(x)); err == nil {
			return d
		}
	case *apd.Decimal:
		return x
	default:
		if d, err := engine.NumericOf(v); err == nil {
			return d
		}
	}
	return new(apd.Decimal)
}

// compareJSONBTop compares two documents. A top-level scalar is, for
// jsonb, an array of one element marked raw: it sorts before a true
// array of one element, after an empty one, and before objects.
func compareJSONBTop(a, b any) int {
	ka, kb := jsonKind(a), jsonKind(b)
	sa, sb := ka < jkArray, kb < jkArray
	switch {
	case sa && sb:
		return compareJSONB(a, b)
	case sa && kb == jkArray:
		if n := len(b.([]any)); n != 1 {
			return cmp64(1, int64(n))
		}
		return -1
	case sb && ka == jkArray:
		if n := len(a.([]any)); n != 1 {
			return cmp64(int64(n), 1)
		}
		return 1
	case sa: // b is an object
		return -1
	case sb:
		return 1
	}
	return compareJSONB(a, b)
}

func compareJSONB(a, b any) int {
	ka, kb := jsonKind(a), jsonKind(b)
	if ka != kb {
		return cmp64(int64(ka), int64(kb))
	}
	switch ka {
	case jkNull:
		return 0
	case jkString:
		return strings.Compare(a.(string), b.(string))
	case jkBool:
		x, y := a.(bool), b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case jkNumber:
		return compareNumeric(jsonNumber(a), jsonNumber(b))
	case jkArray:
		x, y := a.([]any), b.([]any)
		if len(x) != len(y) {
			return cmp64(int64(len(x)), int64(len(y)))
		}
		for i := range x {
			if c := compareJSONB(x[i], y[i]); c != 0 {
				return c
			}
		}
		return 0
	}
	x, y := a.(map[string]any), b.(map[string]any)
	if len(x) != len(y) {
		return cmp64(int64(len(x)), int64(len(y)))
	}
	kx, ky := sortedKeys(x), sortedKeys(y)
	for i := range kx {
		if c := strings.Compare(kx[i], ky[i]); c != 0 {
			return c
		}
		if c := compareJSONB(x[kx[i]], y[ky[i]]); c != 0 {
			return c
		}
	}
	return 0
}

// Hash writes d (not NULL) to h so that values Equal for t hash alike:
// 1 and 1.00 as numeric, -0 and 0 and every NaN as floats, '1 mon' and
// '30 days', bpchar with or without trailing spaces, jsonb documents
// equal as jsonb.
func Hash(d Datum, t *T, h *maphash.Hash) {
	var buf [16]byte
	switch t.Family {
	case BoolFamily:
		if d.(bool) {
			h.WriteByte(1)
		} else {
			h.WriteByte(0)
		}
	case IntFamily, OidFamily:
		h.Write(binary.LittleEndian.AppendUint64(buf[:0], uint64(d.(int64))))
	case FloatFamily:
		f := d.(float64)
		switch {
		case math.IsNaN(f):
			f = math.NaN()
		case f == 0:
			f = 0
		}
		h.Write(binary.LittleEndian.AppendUint64(buf[:0], math.Float64bits(f)))
	case DecimalFamily:
		hashNumeric(d.(*apd.Decimal), h)
	case StringFamily, UnknownFamily:
		s := d.(string)
		if t.Oid == OidBpchar {
			s = trimPad(s)
		}
		h.WriteString(s)
	case BytesFamily:
		h.Write(d.([]byte))
	case UUIDFamily:
		u := d.(DUUID)
		h.Write(u[:])
	case DateFamily:
		h.Write(binary.LittleEndian.AppendUint64(buf[:0], uint64(d.(DDate))))
	case TimeFamily:
		h.Write(binary.LittleEndian.AppendUint64(buf[:0], uint64(d.(DTime))))
	case TimestampFamily:
		h.Write(binary.LittleEndian.AppendUint64(buf[:0], uint64(d.(DTimestamp))))
	case TimestampTZFamily:
		h.Write(binary.LittleEndian.AppendUint64(buf[:0], uint64(d.(DTimestampTZ))))
	case IntervalFamily:
		hi, lo := intervalSpan(d.(DInterval))
		b := binary.LittleEndian.AppendUint64(buf[:0], uint64(hi))
		h.Write(binary.LittleEndian.AppendUint64(b, lo))
	case JSONFamily:
		h.WriteString(string(d.(DJSON)))
	case JSONBFamily:
		v := d.(DJSONB).V
		if jsonKind(v) < jkArray {
			h.WriteByte('s') // a raw scalar differs from an array of it
		}
		hashJSONB(v, h)
	case ArrayFamily:
		a := d.(*DArray)
		h.Write(binary.LittleEndian.AppendUint64(buf[:0], uint64(len(a.Vals))))
		if len(a.Dims) > 1 {
			for _, n := range a.Dims {
				h.Write(binary.LittleEndian.AppendUint64(buf[:0], uint64(n)))
			}
		}
		for _, v := range a.Vals {
			if v == nil {
				h.WriteByte(0)
				continue
			}
			h.WriteByte(1)
			hashElem(v, t.Elem, h)
		}
	case RecordFamily:
		if r, ok := d.(*DRecord); ok {
			hashRecord(r, h)
		}
	}
}

// hashElem hashes an element of an array or document with its length
// first where it is of variable size, so that elements do not run into
// each other.
func hashElem(v Datum, t *T, h *maphash.Hash) {
	var m maphash.Hash
	m.SetSeed(h.Seed())
	Hash(v, t, &m)
	var buf [8]byte
	h.Write(binary.LittleEndian.AppendUint64(buf[:0], m.Sum64()))
}

// hashNumeric hashes a decimal's value: its text without trailing zeros
// after the point, so that 1, 1.0 and 1.000 agree.
func hashNumeric(d *apd.Decimal, h *maphash.Hash) {
	var buf [40]byte
	s := engine.AppendNumeric(buf[:0], d)
	if bytes.IndexByte(s, '.') >= 0 {
		s = bytes.TrimRight(s, "0")
		s = bytes.TrimSuffix(s, []byte("."))
	}
	if string(s) == "-0" {
		s = s[1:]
	}
	h.Write(s)
}

func hashJSONB(v any, h *maphash.Hash) {
	var buf [8]byte
	switch x := v.(type) {
	case nil:
		h.WriteByte('n')
	case bool:
		if x {
			h.WriteByte('t')
		} else {
			h.WriteByte('f')
		}
	case string:
		h.WriteByte('"')
		h.Write(binary.LittleEndian.AppendUint64(buf[:0], uint64(len(x))))
		h.WriteString(x)
	case []any:
		h.WriteByte('[')
		h.Write(binary.LittleEndian.AppendUint64(buf[:0], uint64(len(x))))
		for _, e := range x {
			hashJSONB(e, h)
		}
	case map[string]any:
		h.WriteByte('{')
		h.Write(binary.LittleEndian.AppendUint64(buf[:0], uint64(len(x))))
		for _, k := range sortedKeys(x) {
			hashJSONB(k, h)
			hashJSONB(x[k], h)
		}
	default:
		h.WriteByte('#')
		var m maphash.Hash
		m.SetSeed(h.Seed())
		hashNumeric(jsonNumber(v), &m)
		h.Write(binary.LittleEndian.AppendUint64(buf[:0], m.Sum64()))
	}
}
