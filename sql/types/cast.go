package types

import (
	"math"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/pgcode"
)

// CoercionContext is where a cast may be applied, as pg_cast's
// castcontext: implicitly (in any expression), in an assignment (a value
// stored into a column) or only when written out (CAST, ::). A cast
// allowed in a context is allowed in the later ones: implicit <
// assignment < explicit.
type CoercionContext uint8

// Coercion contexts. ContextNone: no cast exists.
const (
	ContextNone CoercionContext = iota
	ContextImplicit
	ContextAssignment
	ContextExplicit
)

func (cc CoercionContext) String() string {
	switch cc {
	case ContextImplicit:
		return "implicit"
	case ContextAssignment:
		return "assignment"
	case ContextExplicit:
		return "explicit"
	}
	return "none"
}

// castEntry is a row of pg_cast: its context, and its method ('f' a
// function, 'b' binary coercible, 'i' through text).
type castEntry struct {
	context CoercionContext
	method  byte
}

// CastContext returns the context in which PostgreSQL 15 casts from to
// to (ContextNone when it does not): pg_cast for the catalog's types; the
// same type (perhaps to another modifier) implicitly; an untyped literal
// implicitly to any type; arrays as their elements; any type to the
// string category (text, varchar, bpchar, name) in assignment, and the
// string category to any type explicitly, through text.
func CastContext(from, to *T) CoercionContext {
	if from.Oid == to.Oid {
		return ContextImplicit
	}
	if from.Family == UnknownFamily {
		if hasValues(to) {
			return ContextImplicit
		}
		return ContextNone
	}
	if e, ok := castTable[[2]Oid{from.Oid, to.Oid}]; ok {
		return e.context
	}
	// Arrays cast as their elements; int2vector and oidvector count as
	// arrays of theirs on the way out.
	if from.Family == ArrayFamily && to.Family == ArrayFamily && from.Elem != nil && to.Elem != nil && !isVector(to) {
		if cc := CastContext(from.Elem, to.Elem); cc != ContextNone {
			return cc
		}
	}
	if (from.Family == RecordFamily || from.Family == VoidFamily) && to.Category == CatString {
		return ContextAssignment // a row's text, as its output writes it; void's is empty
	}
	if !hasValues(from) || !hasValues(to) {
		return ContextNone
	}
	if to.Category == CatString {
		return ContextAssignment
	}
	if from.Category == CatString {
		return ContextExplicit
	}
	return ContextNone
}

// CanCast reports whether a cast from from to to may be applied in cc.
func CanCast(from, to *T, cc CoercionContext) bool {
	k := CastContext(from, to)
	return k != ContextNone && k <= cc
}

func isVector(t *T) bool { return t.Oid == OidInt2Vector || t.Oid == OidOidVector }

// hasValues reports whether values of t exist in this package (not the
// pseudo-types).
func hasValues(t *T) bool {
	switch t.Family {
	case VoidFamily, RecordFamily, AnyFamily:
		return false
	}
	return t.Category != CatPseudo || t.Oid == OidCstring
}

// Cast converts d of type from to type to as an explicit cast (CAST(x AS
// t), x::t) does in PostgreSQL 15: a too long string is cut to
// varchar(n) or bpchar(n). NULL casts to NULL.
func Cast(d Datum, from, to *T, c *Context) (Datum, error) {
	return CastWith(d, from, to, ContextExplicit, c)
}

// CastWith converts d as a cast applied in context cc: for assignment and
// implicit casts a string too long for varchar(n) or bpchar(n) is an
// error (22001) unless only spaces are cut. It does not check that the
// cast is allowed in cc (CanCast does); a cast that does not exist is
// 42846.
func CastWith(d Datum, from, to *T, cc CoercionContext, c *Context) (Datum, error) {
	if d == nil {
		return nil, nil
	}
	c = ctxOrDefault(c)
	explicit := cc == ContextExplicit
	v, err := convert(d, from, to, explicit, c)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, nil
	}
	return applyMod(v, to, explicit)
}

func errCannotCast(from, to *T) error {
	return pgcode.Newf(pgcode.CannotCoerce, "cannot cast type %s to %s", from.String(), to.String())
}

// convert does the cast without the target's modifier.
func convert(d Datum, from, to *T, explicit bool, c *Context) (Datum, error) {
	if from.Oid == to.Oid {
		if from.Family == ArrayFamily && !isVector(from) && to.Elem != nil && to.Elem.Mod >= 0 {
			return castArray(d.(*DArray), from.Elem, to.Elem, explicit, c)
		}
		return d, nil
	}
	switch from.Family {
	case UnknownFamily:
		return ParseText(d.(string), to, c)
	case ArrayFamily:
		if to.Family == ArrayFamily && !isVector(to) {
			return castArray(d.(*DArray), from.Elem, to.Elem, explicit, c)
		}
	case StringFamily:
		switch {
		case from.Oid == OidChar && to.Oid == OidInt4:
			return toInt(d, from, to)
		case to.Oid == OidRegclass && (from.Oid == OidText || from.Oid == OidVarchar):
			// regclass(text) looks the name up, digits or not.
			return lookupRegName(trimPad(d.(string)), to, c)
		}
	}
	if to.Family == StringFamily {
		return toString(d, from, to, c)
	}
	if from.Family == StringFamily {
		// Through the source's output function: bpchar keeps its
		// padding, "char" is written as charout does.
		s := d.(string)
		if from.Oid == OidChar {
			s = string(appendChar(nil, s))
		}
		return ParseText(s, to, c)
	}
	switch to.Family {
	case BoolFamily:
		switch from.Family {
		case IntFamily:
			if from.Oid == OidInt4 {
				return d.(int64) != 0, nil
			}
		case JSONBFamily:
			return jsonbScalar(d.(DJSONB), to)
		}
	case IntFamily:
		return toInt(d, from, to)
	case OidFamily:
		return toOid(d, from, to)
	case FloatFamily:
		return toFloat(d, from, to)
	case DecimalFamily:
		return toNumeric(d, from)
	case DateFamily:
		return toDate(d, from, c)
	case TimeFamily:
		return toTime(d, from, c)
	case TimestampFamily:
		return toTimestamp(d, from, c)
	case TimestampTZFamily:
		return toTimestampTZ(d, from, c)
	case IntervalFamily:
		if from.Family == TimeFamily {
			return DInterval{Micros: int64(d.(DTime))}, nil
		}
	case JSONBFamily:
		if from.Family == JSONFamily {
			v, err := parseJSONB(string(d.(DJSON)))
			if err != nil {
				return nil, err
			}
			return DJSONB{V: v}, nil
		}
	case JSONFamily:
		if from.Family == JSONBFamily {
			return DJSON(appendJSONB(nil, d.(DJSONB).V)), nil
		}
	}
	if CastContext(from, to) != ContextNone {
		// Through text, as PostgreSQL's I/O conversion.
		return ParseText(FormatText(d, from, c), to, c)
	}
	return nil, errCannotCast(from, to)
}

func castArray(a *DArray, from, to *T, explicit bool, c *Context) (Datum, error) {
	out := &DArray{Elem: to, Vals: make([]Datum, len(a.Vals)), Dims: a.Dims}
	for i, v := range a.Vals {
		if v == nil {
			continue
		}
		w, err := convert(v, from, to, explicit, c)
		if err != nil {
			return nil, err
		}
		if w != nil {
			if w, err = applyMod(w, to, explicit); err != nil {
				return nil, err
			}
		}
		out.Vals[i] = w
	}
	out.Elem = to.WithMod(-1)
	return out, nil
}

// toString casts to text, varchar, bpchar, name or "char".
func toString(d Datum, from, to *T, c *Context) (Datum, error) {
	var s string
	switch from.Family {
	case StringFamily:
		s = d.(string)
		switch {
		case from.Oid == OidBpchar && to.Oid != OidBpchar && to.Oid != OidChar:
			s = trimPad(s)
		case from.Oid == OidChar:
			s = string(appendChar(nil, s))
		}
	case BoolFamily:
		// bool's casts to text, varchar and bpchar say true and false;
		// to the other string types it goes through boolout (t, f).
		if _, ok := castTable[[2]Oid{from.Oid, to.Oid}]; !ok {
			s = FormatText(d, from, c)
		} else if d.(bool) {
			s = "true"
		} else {
			s = "false"
		}
	case IntFamily:
		if to.Oid == OidChar && from.Oid == OidInt4 {
			n := d.(int64)
			if n < math.MinInt8 || n > math.MaxInt8 {
				return nil, pgcode.New(pgcode.NumericValueOutOfRange, `"char" out of range`)
			}
			if n == 0 {
				return "", nil
			}
			return string([]byte{byte(int8(n))}), nil
		}
		s = FormatText(d, from, c)
	default:
		s = FormatText(d, from, c)
	}
	switch to.Oid {
	case OidName:
		return clipName(s), nil
	case OidChar:
		if from.Family == StringFamily && from.Oid != OidChar {
			if len(s) == 0 {
				return "", nil
			}
			return s[:1], nil
		}
		return parseChar(s), nil
	}
	return s, nil
}

var intRange = map[Oid][2]int64{
	OidInt2: {math.MinInt16, math.MaxInt16},
	OidInt4: {math.MinInt32, math.MaxInt32},
	OidInt8: {math.MinInt64, math.MaxInt64},
}

func intName(oid Oid) string {
	switch oid {
	case OidInt2:
		return "smallint"
	case OidInt4:
		return "integer"
	}
	return "bigint"
}

func errIntRange(oid Oid) error {
	return pgcode.New(pgcode.NumericValueOutOfRange, intName(oid)+" out of range")
}

func toInt(d Datum, from, to *T) (Datum, error) {
	r := intRange[to.Oid]
	switch from.Family {
	case IntFamily:
		n := d.(int64)
		if n < r[0] || n > r[1] {
			return nil, errIntRange(to.Oid)
		}
		return n, nil
	case OidFamily:
		n := d.(int64)
		if to.Oid == OidInt4 {
			return int64(int32(uint32(n))), nil // binary: 4294967295 is -1
		}
		if to.Oid == OidInt8 {
			return n, nil
		}
	case BoolFamily:
		if d.(bool) {
			return int64(1), nil
		}
		return int64(0), nil
	case StringFamily:
		if from.Oid == OidChar {
			s := d.(string)
			if s == "" {
				return int64(0), nil
			}
			return int64(int8(s[0])), nil
		}
	case FloatFamily:
		f := d.(float64)
		if from.Oid == OidFloat4 {
			f = float64(float32(f))
		}
		f = math.RoundToEven(f)
		// The bounds as PostgreSQL's FLOAT8_FITS_IN_INT*: -2^(n-1) <= f < 2^(n-1).
		if math.IsNaN(f) || f < float64(r[0]) || f >= -float64(r[0]) {
			return nil, errIntRange(to.Oid)
		}
		return int64(f), nil
	case DecimalFamily:
		return numericToInt(d.(*apd.Decimal), to.Oid)
	case JSONBFamily:
		return jsonbScalar(d.(DJSONB), to)
	}
	return nil, errCannotCast(from, to)
}

// numericToInt rounds half away from zero, as numeric's int casts.
func numericToInt(n *apd.Decimal, oid Oid) (Datum, error) {
	switch n.Form {
	case apd.NaN, apd.NaNSignaling:
		return nil, pgcode.New(pgcode.FeatureNotSupported, "cannot convert NaN to "+intName(oid))
	case apd.Infinite:
		return nil, pgcode.New(pgcode.FeatureNotSupported, "cannot convert infinity to "+intName(oid))
	}
	// Digits before the point decide overflow before any rounding work.
	if n.Coeff.Sign() != 0 && int64(n.Exponent)+n.NumDigits() > 20 {
		return nil, errIntRange(oid)
	}
	r := engine.RoundNumeric(n, 0, false)
	v, err := r.Int64()
	if err != nil {
		return nil, errIntRange(oid)
	}
	rg := intRange[oid]
	if v < rg[0] || v > rg[1] {
		return nil, errIntRange(oid)
	}
	return v, nil
}

func toOid(d Datum, from, to *T) (Datum, error) {
	switch from.Family {
	case IntFamily:
		n := d.(int64)
		if from.Oid == OidInt8 {
			if n < 0 || n > math.MaxUint32 {
				return nil, pgcode.New(pgcode.NumericValueOutOfRange, "OID out of range")
			}
			return n, nil
		}
		return int64(uint32(int32(n))), nil // binary: -1 is 4294967295
	case OidFamily:
		return d, nil
	}
	return nil, errCannotCast(from, to)
}

func toFloat(d Datum, from, to *T) (Datum, error) {
	var f float64
	switch from.Family {
	case IntFamily:
		f = float64(d.(int64))
	case FloatFamily:
		f = d.(float64)
	case DecimalFamily:
		n := d.(*apd.Decimal)
		switch n.Form {
		case apd.NaN, apd.NaNSignaling:
			f = math.NaN()
		case apd.Infinite:
			f = math.Inf(1)
			if n.Negative {
				f = math.Inf(-1)
			}
		default:
			bits := 64
			if to.Oid == OidFloat4 {
				bits = 32
			}
			return parseFloat(engine.NumericText(n), bits)
		}
	case JSONBFamily:
		return jsonbScalar(d.(DJSONB), to)
	default:
		return nil, errCannotCast(from, to)
	}
	if to.Oid == OidFloat4 {
		r := float32(f)
		if math.IsInf(float64(r), 0) && !math.IsInf(f, 0) {
			return nil, pgcode.New(pgcode.NumericValueOutOfRange, "value out of range: overflow")
		}
		if r == 0 && f != 0 {
			return nil, pgcode.New(pgcode.NumericValueOutOfRange, "value out of range: underflow")
		}
		return float64(r), nil
	}
	return f, nil
}

func toNumeric(d Datum, from *T) (Datum, error) {
	switch from.Family {
	case IntFamily:
		return apd.New(d.(int64), 0), nil
	case FloatFamily:
		f := d.(float64)
		digits := 15
		if from.Oid == OidFloat4 {
			digits = 6
		}
		n, err := engine.FloatNumeric(f, digits)
		return n, fromEngine(err)
	case JSONBFamily:
		return jsonbScalar(d.(DJSONB), Numeric)
	}
	return nil, errCannotCast(from, Numeric)
}

func toDate(d Datum, from *T, c *Context) (Datum, error) {
	var ts int64
	switch from.Family {
	case TimestampFamily:
		ts = int64(d.(DTimestamp))
	case TimestampTZFamily:
		ts = int64(d.(DTimestampTZ))
		if ts != TimestampInfinity && ts != TimestampNegInfinity {
			ts += int64(offsetOfTimestamp(c.location(), ts)) * usecsPerSec
		}
	default:
		return nil, errCannotCast(from, Date)
	}
	switch ts {
	case TimestampInfinity:
		return DateInfinity, nil
	case TimestampNegInfinity:
		return DateNegInfinity, nil
	}
	days, _ := floorDiv(ts, usecsPerDay)
	return DDate(days), nil
}

func toTime(d Datum, from *T, c *Context) (Datum, error) {
	switch from.Family {
	case TimestampFamily, TimestampTZFamily:
		var ts int64
		if from.Family == TimestampFamily {
			ts = int64(d.(DTimestamp))
		} else {
			ts = int64(d.(DTimestampTZ))
		}
		if ts == TimestampInfinity || ts == TimestampNegInfinity {
			return nil, nil // PostgreSQL returns NULL
		}
		if from.Family == TimestampTZFamily {
			ts += int64(offsetOfTimestamp(c.location(), ts)) * usecsPerSec
		}
		_, tod := floorDiv(ts, usecsPerDay)
		return DTime(tod), nil
	case IntervalFamily:
		us := d.(DInterval).Micros
		if us >= usecsPerDay || us < 0 {
			_, us = floorDiv(us, usecsPerDay)
		}
		return DTime(us), nil
	}
	return nil, errCannotCast(from, Time)
}

func errTimestampRange() error { return errDatetimeRange("timestamp out of range") }

// dateToTimestamp is midnight of a date as microseconds from 2000.
func dateToTimestamp(v DDate) (int64, error) {
	switch v {
	case DateInfinity:
		return TimestampInfinity, nil
	case DateNegInfinity:
		return TimestampNegInfinity, nil
	}
	// The last date a timestamp holds is 294276-12-31.
	if int64(v) >= (endTimestamp/usecsPerDay) || int64(v) < minTimestamp/usecsPerDay {
		return 0, errDatetimeRange("date out of range for timestamp")
	}
	return int64(v) * usecsPerDay, nil
}

func toTimestamp(d Datum, from *T, c *Context) (Datum, error) {
	switch from.Family {
	case DateFamily:
		ts, err := dateToTimestamp(d.(DDate))
		return DTimestamp(ts), err
	case TimestampTZFamily:
		ts := int64(d.(DTimestampTZ))
		if ts == TimestampInfinity || ts == TimestampNegInfinity {
			return DTimestamp(ts), nil
		}
		local := ts + int64(offsetOfTimestamp(c.location(), ts))*usecsPerSec
		if !validTimestamp(local) {
			return nil, errTimestampRange()
		}
		return DTimestamp(local), nil
	}
	return nil, errCannotCast(from, Timestamp)
}

// localToUTC reads a wall-clock timestamp in the session's zone.
func localToUTC(ts int64, c *Context) (int64, error) {
	if ts == TimestampInfinity || ts == TimestampNegInfinity {
		return ts, nil
	}
	t, ok := splitTimestamp(ts)
	if !ok {
		return 0, errTimestampRange()
	}
	off := localOffset(&t, c.location())
	r, ok := t.toTimestamp(off)
	if !ok {
		return 0, errTimestampRange()
	}
	return r, nil
}

func toTimestampTZ(d Datum, from *T, c *Context) (Datum, error) {
	switch from.Family {
	case DateFamily:
		v := d.(DDate)
		ts, err := dateToTimestamp(v)
		if err != nil {
			return nil, err
		}
		ts, err = localToUTC(ts, c)
		if err != nil {
			return nil, errDatetimeRange("date out of range for timestamp")
		}
		return DTimestampTZ(ts), nil
	case TimestampFamily:
		ts, err := localToUTC(int64(d.(DTimestamp)), c)
		return DTimestampTZ(ts), err
	}
	return nil, errCannotCast(from, TimestampTZ)
}

// jsonbScalar is jsonb's casts to bool and the numbers: the document
// must be that scalar.
func jsonbScalar(j DJSONB, to *T) (Datum, error) {
	var kind string
	switch x := j.V.(type) {
	case nil:
		kind = "null"
	case string:
		kind = "string"
	case bool:
		if to.Family == BoolFamily {
			return x, nil
		}
		kind = "boolean"
	case []any:
		kind = "array"
	case map[string]any:
		kind = "object"
	default:
		if to.Family == BoolFamily {
			kind = "numeric"
			break
		}
		n := jsonNumber(x)
		switch to.Family {
		case DecimalFamily:
			return n, nil
		case IntFamily:
			return numericToInt(n, to.Oid)
		case FloatFamily:
			return toFloat(n, Numeric, to)
		}
	}
	return nil, pgcode.Newf(pgcode.InvalidParameterValue, "cannot cast jsonb %s to type %s", kind, to.SQL)
}

// applyMod fits a value to its type's modifier: varchar(n) and bpchar(n)
// lengths, numeric(p,s), the precision of time, timestamp and interval.
func applyMod(d Datum, t *T, explicit bool) (Datum, error) {
	if t.Mod < 0 {
		return d, nil
	}
	switch t.Oid {
	case OidVarchar:
		return fitVarchar(d.(string), int(t.Mod-4), explicit)
	case OidBpchar:
		return fitBpchar(d.(string), int(t.Mod-4), explicit)
	case OidNumeric:
		p, s := NumericTypmod(t.Mod)
		r, err := engine.Typmod{Precision: p, Scale: s}.Apply(d.(*apd.Decimal))
		if err != nil {
			return nil, fromEngine(err)
		}
		return r, nil
	case OidTimestamp:
		ts, err := roundTimestamp(int64(d.(DTimestamp)), t.Mod)
		return DTimestamp(ts), err
	case OidTimestampTZ:
		ts, err := roundTimestamp(int64(d.(DTimestampTZ)), t.Mod)
		return DTimestampTZ(ts), err
	case OidTime:
		return DTime(roundMicros(int64(d.(DTime)), t.Mod)), nil
	case OidInterval:
		return fitInterval(d.(DInterval), t.Mod), nil
	}
	if t.Family == ArrayFamily && t.Elem != nil && !isVector(t) {
		a := d.(*DArray)
		elem := t.Elem.WithMod(t.Mod)
		out := &DArray{Elem: a.Elem, Vals: make([]Datum, len(a.Vals)), Dims: a.Dims}
		for i, v := range a.Vals {
			if v == nil {
				continue
			}
			w, err := applyMod(v, elem, explicit)
			if err != nil {
				return nil, err
			}
			out.Vals[i] = w
		}
		return out, nil
	}
	return d, nil
}

// charClip returns the byte length of the first n characters of s.
func charClip(s string, n int) int {
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

func fitVarchar(s string, n int, explicit bool) (Datum, error) {
	if len(s) <= n {
		return s, nil
	}
	cut := charClip(s, n)
	if cut == len(s) {
		return s, nil
	}
	if !explicit {
		for i := cut; i < len(s); i++ {
			if s[i] != ' ' {
				return nil, pgcode.Newf(pgcode.StringDataRightTruncation, "value too long for type character varying(%d)", n)
			}
		}
	}
	return s[:cut], nil
}

func fitBpchar(s string, n int, explicit bool) (Datum, error) {
	chars := utf8.RuneCountInString(s)
	switch {
	case chars == n:
		return s, nil
	case chars > n:
		cut := charClip(s, n)
		if !explicit {
			for i := cut; i < len(s); i++ {
				if s[i] != ' ' {
					return nil, pgcode.Newf(pgcode.StringDataRightTruncation, "value too long for type character(%d)", n)
				}
			}
		}
		return s[:cut], nil
	}
	b := make([]byte, len(s), len(s)+n-chars)
	copy(b, s)
	for i := chars; i < n; i++ {
		b = append(b, ' ')
	}
	return string(b), nil
}

var microScales = [7]int64{1000000, 100000, 10000, 1000, 100, 10, 1}

// roundMicros rounds microseconds to p fractional digits, half away from
// zero.
func roundMicros(us int64, p int32) int64 {
	if p < 0 || p >= 6 {
		return us
	}
	scale := microScales[p]
	if us >= 0 {
		return (us + scale/2) / scale * scale
	}
	return -((-us + scale/2) / scale * scale)
}

func roundTimestamp(ts int64, p int32) (int64, error) {
	if ts == TimestampInfinity || ts == TimestampNegInfinity {
		return ts, nil
	}
	// PostgreSQL 15 does not check the range again after rounding:
	// 294276-12-31 23:59:59.5 becomes 294277-01-01 00:00:00.
	return roundMicros(ts, p), nil
}

// Interval modifiers: PostgreSQL's typmod, the fields in the high 16 bits
// (a mask of the units kept) and the precision in the low 16 (0xFFFF for
// full).
const (
	intervalFullRange     = 0x7FFF
	intervalFullPrecision = 0xFFFF
	ivYear                = 1 << 2
	ivMonth               = 1 << 1
	ivDay                 = 1 << 3
	ivHour                = 1 << 10
	ivMinute              = 1 << 11
	ivSecond              = 1 << 12
)

func fitInterval(iv DInterval, mod int32) DInterval {
	rng := (mod >> 16) & 0x7FFF
	prec := mod & 0xFFFF
	switch rng {
	case intervalFullRange:
	case ivYear:
		iv.Months = iv.Months / 12 * 12
		iv.Days, iv.Micros = 0, 0
	case ivMonth, ivYear | ivMonth:
		iv.Days, iv.Micros = 0, 0
	case ivDay:
		iv.Micros = 0
	case ivHour, ivDay | ivHour:
		iv.Micros = iv.Micros / usecsPerHour * usecsPerHour
	case ivMinute, ivDay | ivHour | ivMinute, ivHour | ivMinute:
		iv.Micros = iv.Micros / usecsPerMin * usecsPerMin
	}
	if prec != intervalFullPrecision {
		iv.Micros = roundMicros(iv.Micros, prec)
	}
	return iv
}
