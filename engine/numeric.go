package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/cockroachdb/apd/v3"
)

// Exact decimals. Documents hold them as json.Number, their decimal text
// (value.go); the SQL layer computes with *apd.Decimal. This file has what
// both need: PostgreSQL's numeric text form, the range a numeric may have,
// and rounding to a declared numeric(p,s).
//
// A numeric's scale is the number of digits after its point: 2.50 has
// scale 2, and shows them. An apd.Decimal holds it as its exponent (250
// and -2); a positive exponent is an integer and has scale 0.

// Limits of numeric values. A value beyond them fails with 22003 ("value
// overflows numeric format"), so that no statement builds more digits than
// these.
const (
	// NumericMaxScale is the most digits after the point
	// (PostgreSQL's NUMERIC_DSCALE_MAX).
	NumericMaxScale = 16383
	// NumericMaxIntDigits is the most digits before the point (PostgreSQL
	// stores a weight of up to 32767 base-10000 digits).
	NumericMaxIntDigits = 131072
	// NumericMaxPrecision is the largest precision of a declared
	// numeric(p,s), and the largest scale a division picks.
	NumericMaxPrecision = 1000
)

// errNumericOverflow is the error of a numeric beyond the limits above.
func errNumericOverflow() error {
	return errorf(CodeNumericRange, "value overflows numeric format")
}

// ParseNumeric reads numeric text as PostgreSQL's numeric input does:
// optional spaces around, a sign, digits with an optional point, an
// optional exponent; or NaN, Infinity, inf (any case, infinities with a
// sign). Bad text is 22P02; a value beyond the limits is 22003.
func ParseNumeric(s string) (*apd.Decimal, error) {
	t, ok := scanNumber(trimSpace(s))
	if !ok {
		return nil, errorf(CodeInvalidText, "invalid input syntax for type numeric: %q", s)
	}
	d := new(apd.Decimal)
	if err := t.decimal(d); err != nil {
		return nil, err
	}
	return d, nil
}

func trimSpace(s string) string {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// numText is a number's text taken apart without converting it: the
// digits of the coefficient are int and frac (the parts before and after
// the point, leading zeros of int removed), and the value is that
// coefficient times 10^exp. Comparing two of them needs no allocation and
// no arithmetic on big numbers, whatever their exponents.
type numText struct {
	form      apd.Form
	neg       bool
	int, frac string
	exp       int64
}

// maxExp bounds an exponent read from text, so that sums of exponents and
// digit counts cannot overflow; anything near it is out of range anyway.
const maxExp = 1 << 40

// scanNumber takes apart a number written as [+-]digits[.digits][e[+-]digits]
// (digits on at least one side of the point), or NaN, Infinity or inf.
func scanNumber(s string) (numText, bool) {
	var t numText
	signed := len(s) > 0 && (s[0] == '-' || s[0] == '+')
	if signed {
		t.neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) > 0 && (s[0] < '0' || s[0] > '9') && s[0] != '.' {
		switch {
		case equalFoldASCII(s, "infinity"), equalFoldASCII(s, "inf"):
			t.form = apd.Infinite
			return t, true
		case equalFoldASCII(s, "nan") && !signed:
			t.form = apd.NaN
			return t, true
		}
		return t, false
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	t.int = s[:i]
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		t.frac = s[i+1 : j]
		i = j
	}
	if t.int == "" && t.frac == "" {
		return t, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		eneg := false
		if j < len(s) && (s[j] == '-' || s[j] == '+') {
			eneg = s[j] == '-'
			j++
		}
		if j == len(s) {
			return t, false
		}
		var e int64
		for ; j < len(s); j++ {
			c := s[j]
			if c < '0' || c > '9' {
				return t, false
			}
			if e < maxExp {
				e = e*10 + int64(c-'0')
			}
		}
		if eneg {
			e = -e
		}
		t.exp = e
		i = j
	}
	if i != len(s) {
		return t, false
	}
	for len(t.int) > 0 && t.int[0] == '0' {
		t.int = t.int[1:]
	}
	t.exp -= int64(len(t.frac))
	return t, true
}

func equalFoldASCII(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}

// ndigits is the number of coefficient digits.
func (t *numText) ndigits() int { return len(t.int) + len(t.frac) }

// digit returns coefficient digit i (0 is the most significant).
func (t *numText) digit(i int) byte {
	if i < len(t.int) {
		return t.int[i]
	}
	return t.frac[i-len(t.int)]
}

// lead skips leading zeros of the coefficient: it returns the index of
// the first nonzero digit, or -1 for zero.
func (t *numText) lead() int {
	for i, n := 0, t.ndigits(); i < n; i++ {
		if t.digit(i) != '0' {
			return i
		}
	}
	return -1
}

// decimal sets d to the number, checking the limits first, so that text
// like 1e1000000000 costs nothing.
func (t *numText) decimal(d *apd.Decimal) error {
	d.Negative = false
	d.Exponent = 0
	d.Coeff.SetInt64(0)
	switch t.form {
	case apd.NaN:
		d.Form = apd.NaN
		return nil
	case apd.Infinite:
		d.Form, d.Negative = apd.Infinite, t.neg
		return nil
	}
	d.Form = apd.Finite
	exp := t.exp
	if exp < -NumericMaxScale {
		return errNumericOverflow()
	}
	first := t.lead()
	if first < 0 { // zero keeps its scale
		d.Exponent = int32(min(exp, 0))
		return nil
	}
	if n := int64(t.ndigits() - first); exp+n-1 >= NumericMaxIntDigits {
		return errNumericOverflow()
	}
	if n := t.ndigits() - first; n <= 18 {
		// Fits a uint64: no big-number parse, no concatenation.
		var u uint64
		for i := first; i < len(t.int); i++ {
			u = u*10 + uint64(t.int[i]-'0')
		}
		for i := max(first-len(t.int), 0); i < len(t.frac); i++ {
			u = u*10 + uint64(t.frac[i]-'0')
		}
		d.Coeff.SetUint64(u)
		d.Exponent = int32(exp)
		d.Negative = t.neg
		return nil
	}
	var digits string
	switch {
	case first >= len(t.int):
		digits = t.frac[first-len(t.int):]
	case t.frac == "":
		digits = t.int[first:]
	default:
		digits = t.int[first:] + t.frac
	}
	if _, ok := d.Coeff.SetString(digits, 10); !ok {
		return errorf(CodeInvalidText, "invalid input syntax for type numeric: %q", digits)
	}
	d.Exponent = int32(exp)
	d.Negative = t.neg
	return nil
}

// NumericText returns a numeric in PostgreSQL's text form: no exponent,
// as many digits after the point as its scale says; NaN, Infinity,
// -Infinity.
func NumericText(d *apd.Decimal) string {
	var buf [32]byte
	return string(AppendNumeric(buf[:0], d))
}

// AppendNumeric appends NumericText(d) to dst.
func AppendNumeric(dst []byte, d *apd.Decimal) []byte {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return append(dst, "NaN"...)
	case apd.Infinite:
		if d.Negative {
			return append(dst, "-Infinity"...)
		}
		return append(dst, "Infinity"...)
	}
	if d.Negative && d.Coeff.Sign() == 0 {
		z := *d
		z.Negative = false
		return z.Append(dst, 'f')
	}
	return d.Append(dst, 'f')
}

// NumericOf converts a document value that is a number (int64, float64,
// json.Number) or an *apd.Decimal to a decimal. A float64 stands for its
// shortest decimal text, the digits it was written with (see value.go).
func NumericOf(v any) (*apd.Decimal, error) {
	switch x := v.(type) {
	case int64:
		return apd.New(x, 0), nil
	case int:
		return apd.New(int64(x), 0), nil
	case float64:
		return FloatNumeric(x, -1)
	case json.Number:
		return ParseNumeric(string(x))
	case *apd.Decimal:
		return x, nil
	}
	return nil, errorf(CodeDatatypeMismatch, "%s is not a number", jsonKind(v))
}

// FloatNumeric converts a float to a decimal of its first digits
// significant digits (-1: the shortest that reads back as f; PostgreSQL's
// float8-to-numeric cast takes 15). NaN and infinities map to theirs.
func FloatNumeric(f float64, digits int) (*apd.Decimal, error) {
	d := new(apd.Decimal)
	switch {
	case math.IsNaN(f):
		d.Form = apd.NaN
		return d, nil
	case math.IsInf(f, 0):
		d.Form, d.Negative = apd.Infinite, f < 0
		return d, nil
	}
	prec := digits - 1
	if digits < 0 {
		prec = -1
	}
	var buf [32]byte
	t, _ := scanNumber(string(strconv.AppendFloat(buf[:0], f, 'e', prec, 64)))
	// The digits of %e keep trailing zeros that %g (which PostgreSQL
	// uses) drops, and they would count as scale.
	for len(t.frac) > 0 && t.frac[len(t.frac)-1] == '0' {
		t.frac = t.frac[:len(t.frac)-1]
		t.exp++
	}
	if err := t.decimal(d); err != nil {
		return nil, err
	}
	return d, nil
}

// RoundNumeric rounds d to scale digits after the point, half away from
// zero as PostgreSQL does, when it has more; with extend, a value with
// fewer gets trailing zeros up to scale (numeric(10,2) shows 1.5 as 1.50).
// It returns a new decimal; special values are returned as they are.
func RoundNumeric(d *apd.Decimal, scale int32, extend bool) *apd.Decimal {
	if d.Form != apd.Finite {
		return d
	}
	out := new(apd.Decimal)
	out.Set(d)
	if k := -d.Exponent - scale; k > 0 {
		var p, r, twice apd.BigInt
		p.Exp(apd.NewBigInt(10), apd.NewBigInt(int64(k)), nil)
		out.Coeff.QuoRem(&out.Coeff, &p, &r)
		if twice.Add(&r, &r).CmpAbs(&p) >= 0 {
			out.Coeff.Add(&out.Coeff, apd.NewBigInt(1))
		}
		out.Exponent = -scale
	} else if k < 0 && extend {
		var p apd.BigInt
		p.Exp(apd.NewBigInt(10), apd.NewBigInt(int64(-k)), nil)
		out.Coeff.Mul(&out.Coeff, &p)
		out.Exponent = -scale
	}
	if out.Coeff.Sign() == 0 {
		out.Negative = false
	}
	return out
}

// CheckNumeric reports 22003 for a finite decimal beyond the limits.
func CheckNumeric(d *apd.Decimal) error {
	if d.Form != apd.Finite {
		return nil
	}
	if d.Exponent < -NumericMaxScale {
		return errNumericOverflow()
	}
	if d.Coeff.Sign() != 0 && int64(d.Exponent)+d.NumDigits()-1 >= NumericMaxIntDigits {
		return errNumericOverflow()
	}
	return nil
}

// Typmod is the precision and scale of a declared numeric(p,s); a zero
// Precision means plain numeric, which keeps every digit.
type Typmod struct {
	Precision int `yaml:"precision,omitempty" json:"precision,omitempty"`
	Scale     int `yaml:"scale,omitempty" json:"scale,omitempty"`
}

// Mod returns PostgreSQL's type modifier for the typmod (what
// RowDescription carries), or -1 for none.
func (m Typmod) Mod() int32 {
	if m.Precision == 0 {
		return -1
	}
	return int32(m.Precision<<16|m.Scale&0x7ff) + 4
}

// Validate checks a typmod as PostgreSQL checks numeric(p,s): precision
// 1 to 1000, scale -1000 to 1000 (22023).
func (m Typmod) Validate() error {
	if m.Precision == 0 && m.Scale == 0 {
		return nil
	}
	if m.Precision < 1 || m.Precision > NumericMaxPrecision {
		return errorf(CodeInvalidParameter, "NUMERIC precision %d must be between 1 and %d", m.Precision, NumericMaxPrecision)
	}
	if m.Scale < -NumericMaxPrecision || m.Scale > NumericMaxPrecision {
		return errorf(CodeInvalidParameter, "NUMERIC scale %d must be between %d and %d", m.Scale, -NumericMaxPrecision, NumericMaxPrecision)
	}
	return nil
}

// Apply rounds d to the typmod's scale and checks that it fits its
// precision: 22003 "numeric field overflow" when it needs more than
// precision-scale digits before the point, or is infinite. NaN passes, as
// in PostgreSQL.
func (m Typmod) Apply(d *apd.Decimal) (*apd.Decimal, error) {
	if m.Precision == 0 || d.Form == apd.NaN {
		return d, nil
	}
	if d.Form == apd.Infinite {
		return nil, &Error{Code: CodeNumericRange, Msg: "numeric field overflow",
			Detail: fmt.Sprintf("A field with precision %d, scale %d cannot hold an infinite value.", m.Precision, m.Scale)}
	}
	r := RoundNumeric(d, int32(m.Scale), true)
	maxDigits := int64(m.Precision - m.Scale)
	if r.Coeff.Sign() != 0 && int64(r.Exponent)+r.NumDigits()-1 >= maxDigits {
		detail := "1"
		if maxDigits != 0 {
			detail = "10^" + strconv.FormatInt(maxDigits, 10)
		}
		return nil, &Error{Code: CodeNumericRange, Msg: "numeric field overflow",
			Detail: fmt.Sprintf("A field with precision %d, scale %d must round to an absolute value less than %s.", m.Precision, m.Scale, detail)}
	}
	if m.Scale < 0 {
		// No digits after the point: the zeros before it are digits.
		r = RoundNumeric(r, 0, true)
	}
	return r, nil
}

// compareNumText orders two numbers taken apart by scanNumber: -Infinity
// < finite < Infinity < NaN, as PostgreSQL sorts numeric.
func compareNumText(a, b *numText) int {
	ra, rb := a.rank(), b.rank()
	if ra != rb || ra != 1 {
		return cmpInt(int64(ra), int64(rb))
	}
	la, lb := a.lead(), b.lead()
	sa, sb := a.sign(la), b.sign(lb)
	if sa != sb {
		return cmpInt(int64(sa), int64(sb))
	}
	if sa == 0 {
		return 0
	}
	// Same sign: compare magnitudes, then flip for negatives.
	c := cmpMagnitude(a, b, la, lb)
	if sa < 0 {
		c = -c
	}
	return c
}

// rank places special values: 0 -Infinity, 1 finite, 2 Infinity, 3 NaN.
func (t *numText) rank() int {
	switch t.form {
	case apd.NaN, apd.NaNSignaling:
		return 3
	case apd.Infinite:
		if t.neg {
			return 0
		}
		return 2
	}
	return 1
}

func (t *numText) sign(lead int) int {
	switch {
	case lead < 0:
		return 0
	case t.neg:
		return -1
	}
	return 1
}

// cmpMagnitude compares the absolute values of two nonzero numbers whose
// first nonzero digits are at la and lb.
func cmpMagnitude(a, b *numText, la, lb int) int {
	na, nb := a.ndigits()-la, b.ndigits()-lb
	// The exponent of the most significant digit decides first.
	if c := cmpInt(a.exp+int64(na), b.exp+int64(nb)); c != 0 {
		return c
	}
	for i := 0; i < na || i < nb; i++ {
		da, db := byte('0'), byte('0')
		if i < na {
			da = a.digit(la + i)
		}
		if i < nb {
			db = b.digit(lb + i)
		}
		if da != db {
			return cmpInt(int64(da), int64(db))
		}
	}
	return 0
}

// JSONNumber is the document value of a JSON number: an int64, a float64
// when that holds every digit written, or the exact text (value.go).
func JSONNumber(n json.Number) any { return normalizeNumber(n) }
