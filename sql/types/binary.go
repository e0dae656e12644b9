package types

import (
	"encoding/binary"
	"math"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/sql/pgcode"
)

// The binary format of the protocol, as PostgreSQL 15's typsend and
// typreceive functions: integers and floats big-endian, dates as days
// and times as microseconds from 2000-01-01, intervals as microseconds,
// days and months, numeric as base-10000 digits, uuid as its 16 bytes,
// jsonb as a version byte (1) and its text, text and json as their
// bytes, arrays as array_send's header and elements.
//
// These formats are a handful of fixed-size fields; they are written
// here directly rather than through pgx's codecs, which would need a
// conversion to their value types and a plan lookup for every value.
// The tests check the bytes against the codecs and the server.

// maxArrayBinaryDims is the most dimensions a binary array may claim.
const maxArrayBinaryDims = 6

// AppendBinary appends d (not NULL) in the binary format of t.
func AppendBinary(dst []byte, d Datum, t *T) ([]byte, error) {
	switch t.Family {
	case BoolFamily:
		if d.(bool) {
			return append(dst, 1), nil
		}
		return append(dst, 0), nil
	case IntFamily:
		n := d.(int64)
		switch t.Oid {
		case OidInt2:
			if n < math.MinInt16 || n > math.MaxInt16 {
				return nil, errIntRange(OidInt2)
			}
			return binary.BigEndian.AppendUint16(dst, uint16(int16(n))), nil
		case OidInt4:
			if n < math.MinInt32 || n > math.MaxInt32 {
				return nil, errIntRange(OidInt4)
			}
			return binary.BigEndian.AppendUint32(dst, uint32(int32(n))), nil
		}
		return binary.BigEndian.AppendUint64(dst, uint64(n)), nil
	case OidFamily:
		return binary.BigEndian.AppendUint32(dst, uint32(d.(int64))), nil
	case FloatFamily:
		f := d.(float64)
		if t.Oid == OidFloat4 {
			if math.IsNaN(f) {
				return binary.BigEndian.AppendUint32(dst, 0x7fc00000), nil
			}
			return binary.BigEndian.AppendUint32(dst, math.Float32bits(float32(f))), nil
		}
		if math.IsNaN(f) {
			return binary.BigEndian.AppendUint64(dst, 0x7ff8000000000000), nil // PostgreSQL's NaN
		}
		return binary.BigEndian.AppendUint64(dst, math.Float64bits(f)), nil
	case DecimalFamily:
		return appendNumericBinary(dst, d.(*apd.Decimal))
	case StringFamily, UnknownFamily:
		s := d.(string)
		if t.Oid == OidChar {
			if s == "" {
				return append(dst, 0), nil
			}
			return append(dst, s[0]), nil
		}
		return append(dst, s...), nil
	case BytesFamily:
		return append(dst, d.([]byte)...), nil
	case UUIDFamily:
		u := d.(DUUID)
		return append(dst, u[:]...), nil
	case DateFamily:
		return binary.BigEndian.AppendUint32(dst, uint32(d.(DDate))), nil
	case TimeFamily:
		return binary.BigEndian.AppendUint64(dst, uint64(d.(DTime))), nil
	case TimestampFamily:
		return binary.BigEndian.AppendUint64(dst, uint64(d.(DTimestamp))), nil
	case TimestampTZFamily:
		return binary.BigEndian.AppendUint64(dst, uint64(d.(DTimestampTZ))), nil
	case IntervalFamily:
		iv := d.(DInterval)
		dst = binary.BigEndian.AppendUint64(dst, uint64(iv.Micros))
		dst = binary.BigEndian.AppendUint32(dst, uint32(iv.Days))
		return binary.BigEndian.AppendUint32(dst, uint32(iv.Months)), nil
	case JSONFamily:
		return append(dst, d.(DJSON)...), nil
	case JSONBFamily:
		dst = append(dst, 1)
		return appendJSONB(dst, d.(DJSONB).V), nil
	case ArrayFamily:
		return appendArrayBinary(dst, d.(*DArray), t)
	case RecordFamily:
		if r, ok := d.(*DRecord); ok {
			return appendRecordBinary(dst, r)
		}
	case VoidFamily:
		return dst, nil
	}
	return nil, errUnsupported(t)
}

// appendArrayBinary is array_send: dimensions, a has-nulls flag, the
// element type, each dimension's length and lower bound, then each
// element as a length (-1 for NULL) and its bytes. int2vector and
// oidvector count from 0, as PostgreSQL's do.
func appendArrayBinary(dst []byte, a *DArray, t *T) ([]byte, error) {
	elem := t.Elem
	if elem == nil {
		elem = a.Elem
	}
	if len(a.Vals) == 0 && !isVector(t) {
		dst = binary.BigEndian.AppendUint32(dst, 0)
		dst = binary.BigEndian.AppendUint32(dst, 0)
		return binary.BigEndian.AppendUint32(dst, elem.Oid), nil
	}
	hasNull := uint32(0)
	for _, v := range a.Vals {
		if v == nil {
			hasNull = 1
			break
		}
	}
	lbound := uint32(1)
	if isVector(t) {
		lbound = 0
	}
	dims := a.DimLens()
	if len(dims) == 0 {
		dims = []int{0} // an empty vector keeps its one dimension
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(dims)))
	dst = binary.BigEndian.AppendUint32(dst, hasNull)
	dst = binary.BigEndian.AppendUint32(dst, elem.Oid)
	for _, n := range dims {
		dst = binary.BigEndian.AppendUint32(dst, uint32(n))
		dst = binary.BigEndian.AppendUint32(dst, lbound)
	}
	for _, v := range a.Vals {
		if v == nil {
			dst = binary.BigEndian.AppendUint32(dst, math.MaxUint32)
			continue
		}
		at := len(dst)
		dst = append(dst, 0, 0, 0, 0)
		var err error
		if dst, err = AppendBinary(dst, v, elem); err != nil {
			return nil, err
		}
		binary.BigEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	}
	return dst, nil
}

func errBinaryFormat() error {
	return binaryError("incorrect binary data format")
}

func errInsufficient() error {
	return binaryError("insufficient data left in message")
}

// ParseBinary reads b as the binary format of t (typreceive), checking
// sizes before allocating: 22P03 for bytes of the wrong length or form.
// The Datum does not share memory with b.
func ParseBinary(b []byte, t *T) (Datum, error) {
	fixed := func(n int) error {
		switch {
		case len(b) < n:
			return errInsufficient()
		case len(b) > n:
			return errBinaryFormat()
		}
		return nil
	}
	switch t.Family {
	case BoolFamily:
		if err := fixed(1); err != nil {
			return nil, err
		}
		return b[0] != 0, nil
	case IntFamily:
		switch t.Oid {
		case OidInt2:
			if err := fixed(2); err != nil {
				return nil, err
			}
			return int64(int16(binary.BigEndian.Uint16(b))), nil
		case OidInt4:
			if err := fixed(4); err != nil {
				return nil, err
			}
			return int64(int32(binary.BigEndian.Uint32(b))), nil
		}
		if err := fixed(8); err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint64(b)), nil
	case OidFamily:
		if err := fixed(4); err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint32(b)), nil
	case FloatFamily:
		if t.Oid == OidFloat4 {
			if err := fixed(4); err != nil {
				return nil, err
			}
			return float64(math.Float32frombits(binary.BigEndian.Uint32(b))), nil
		}
		if err := fixed(8); err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
	case DecimalFamily:
		return decodeNumericBinary(b)
	case StringFamily, UnknownFamily:
		if t.Oid == OidChar {
			if err := fixed(1); err != nil {
				return nil, err
			}
			if b[0] == 0 {
				return "", nil
			}
			return string(b[:1]), nil
		}
		if !utf8.Valid(b) {
			return nil, pgcode.New(pgcode.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"")
		}
		s := string(b)
		if t.Oid == OidName {
			s = clipName(s)
		}
		return s, nil
	case BytesFamily:
		return append([]byte{}, b...), nil
	case UUIDFamily:
		if err := fixed(16); err != nil {
			return nil, err
		}
		var u DUUID
		copy(u[:], b)
		return u, nil
	case DateFamily:
		if err := fixed(4); err != nil {
			return nil, err
		}
		v := DDate(int32(binary.BigEndian.Uint32(b)))
		if v != DateInfinity && v != DateNegInfinity && !validDate(int64(v)) {
			return nil, errDatetimeRange("date out of range")
		}
		return v, nil
	case TimeFamily:
		if err := fixed(8); err != nil {
			return nil, err
		}
		v := int64(binary.BigEndian.Uint64(b))
		if v < 0 || v > usecsPerDay {
			return nil, errDatetimeRange("time out of range")
		}
		return DTime(v), nil
	case TimestampFamily, TimestampTZFamily:
		if err := fixed(8); err != nil {
			return nil, err
		}
		v := int64(binary.BigEndian.Uint64(b))
		if v != TimestampInfinity && v != TimestampNegInfinity && !validTimestamp(v) {
			return nil, errTimestampRange()
		}
		if t.Family == TimestampFamily {
			return DTimestamp(v), nil
		}
		return DTimestampTZ(v), nil
	case IntervalFamily:
		if err := fixed(16); err != nil {
			return nil, err
		}
		return DInterval{
			Micros: int64(binary.BigEndian.Uint64(b)),
			Days:   int32(binary.BigEndian.Uint32(b[8:])),
			Months: int32(binary.BigEndian.Uint32(b[12:])),
		}, nil
	case JSONFamily:
		if !utf8.Valid(b) {
			return nil, pgcode.New(pgcode.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"")
		}
		s := string(b)
		if err := validateJSON(s); err != nil {
			return nil, err
		}
		return DJSON(s), nil
	case JSONBFamily:
		if len(b) == 0 {
			return nil, errInsufficient()
		}
		if b[0] != 1 {
			return nil, binaryError("unsupported jsonb version number " + itoa(int64(b[0])))
		}
		if !utf8.Valid(b[1:]) {
			return nil, pgcode.New(pgcode.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"")
		}
		v, err := parseJSONB(string(b[1:]))
		if err != nil {
			return nil, err
		}
		return DJSONB{V: v}, nil
	case ArrayFamily:
		return parseArrayBinary(b, t)
	case VoidFamily:
		return nil, nil
	}
	return nil, errUnsupported(t)
}

func itoa(v int64) string {
	var buf [20]byte
	return string(appendZeroPad(buf[:0], v, 0))
}

// parseArrayBinary is array_recv for DriftDB's arrays: one dimension
// (or none, for an empty array), lower bound 1 (0 for int2vector and
// oidvector), elements of t's element type.
func parseArrayBinary(b []byte, t *T) (Datum, error) {
	if len(b) < 12 {
		return nil, errInsufficient()
	}
	ndim := int32(binary.BigEndian.Uint32(b))
	flags := int32(binary.BigEndian.Uint32(b[4:]))
	elemOid := binary.BigEndian.Uint32(b[8:])
	b = b[12:]
	if ndim < 0 || ndim > maxArrayBinaryDims {
		return nil, binaryError("invalid number of dimensions: " + itoa(int64(ndim)))
	}
	if flags != 0 && flags != 1 {
		return nil, binaryError("invalid array flags")
	}
	elem := t.Elem
	if isVector(t) && (ndim != 1 || flags != 0 || elemOid != elem.Oid) {
		return nil, binaryError("invalid " + t.Name + " data")
	}
	if elemOid != elem.Oid {
		return nil, pgcode.Newf(pgcode.DatatypeMismatch,
			"binary data has array element type %d instead of expected %d", elemOid, elem.Oid)
	}
	a := &DArray{Elem: elem, Vals: []Datum{}}
	if ndim == 0 {
		if len(b) != 0 {
			return nil, errBinaryFormat()
		}
		return a, nil
	}
	if int(ndim)*8 > len(b) {
		return nil, errInsufficient()
	}
	want := int32(1)
	if isVector(t) {
		want = 0
	}
	n := int32(1)
	dims := make([]int, ndim)
	for k := range dims {
		d := int32(binary.BigEndian.Uint32(b))
		lbound := int32(binary.BigEndian.Uint32(b[4:]))
		b = b[8:]
		if d < 0 || (d > 0 && int64(n)*int64(d) > math.MaxInt32) {
			return nil, binaryError("invalid array dimensions")
		}
		if d > 0 && lbound != want {
			return nil, pgcode.New(pgcode.FeatureNotSupported, "array lower bounds other than 1 are not supported")
		}
		dims[k] = int(d)
		n *= d
	}
	if ndim > 1 && n > 0 {
		a.Dims = dims
	}
	// Each element takes at least its 4-byte length: check before
	// allocating.
	if int64(n)*4 > int64(len(b)) {
		return nil, errInsufficient()
	}
	a.Vals = make([]Datum, n)
	for i := range a.Vals {
		if len(b) < 4 {
			return nil, errInsufficient()
		}
		l := int32(binary.BigEndian.Uint32(b))
		b = b[4:]
		if l == -1 {
			if isVector(t) {
				return nil, binaryError("array must not contain nulls")
			}
			continue
		}
		if l < 0 || int64(l) > int64(len(b)) {
			return nil, errInsufficient()
		}
		v, err := ParseBinary(b[:l], elem)
		if err != nil {
			return nil, err
		}
		a.Vals[i] = v
		b = b[l:]
	}
	if len(b) != 0 {
		return nil, errBinaryFormat()
	}
	return a, nil
}
