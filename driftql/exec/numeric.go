package exec

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/driftql"
	"github.com/driftdb/driftdb/engine"
)

// Numbers follow PostgreSQL. During evaluation a number is one of
//
//	int16, int32, int64   smallint, integer, bigint
//	float64               double precision (real values too)
//	json.Number           numeric, as a document holds it (exact text)
//	*apd.Decimal          numeric, as arithmetic makes it
//
// A literal is integer, bigint or numeric by its text (numbers with a
// point or an exponent are numeric); integers compute in their type and
// fail with 22003 rather than wrap; integer op numeric is numeric, numeric
// op float is float. Numeric arithmetic is exact, with PostgreSQL's result
// scales (division: select_div_scale) and limits (engine.CheckNumeric).

// numKind is the kind of a number, in the order mixed operands widen to.
type numKind int

const (
	notNumber numKind = iota
	kindInt2
	kindInt4
	kindInt8
	kindNumeric
	kindFloat
)

func numKindOf(v any) numKind {
	switch v.(type) {
	case int16:
		return kindInt2
	case int32:
		return kindInt4
	case int64, int:
		return kindInt8
	case json.Number, *apd.Decimal:
		return kindNumeric
	case float64:
		return kindFloat
	}
	return notNumber
}

// intName is the name PostgreSQL's "out of range" errors give an integer
// type.
func intName(k numKind) string {
	switch k {
	case kindInt2:
		return "smallint"
	case kindInt4:
		return "integer"
	}
	return "bigint"
}

func intRange(k numKind) error {
	return errorf(CodeNumericRange, "%s out of range", intName(k))
}

// asInt64 returns an integer of any width as an int64.
func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int:
		return int64(x), true
	}
	return 0, false
}

// makeInt returns n as an integer of kind k, or 22003 when it does not fit.
func makeInt(n int64, k numKind) (any, error) {
	switch k {
	case kindInt2:
		if n < math.MinInt16 || n > math.MaxInt16 {
			return nil, intRange(k)
		}
		return int16(n), nil
	case kindInt4:
		if n < math.MinInt32 || n > math.MaxInt32 {
			return nil, intRange(k)
		}
		return int32(n), nil
	}
	return n, nil
}

// literalNumber types a numeric literal as PostgreSQL does: integer when
// it fits 32 bits, bigint when it fits 64, numeric otherwise and whenever
// it has a point or an exponent. s may start with a minus sign (a negated
// literal is one constant, so -2147483648 is an integer).
func literalNumber(s string) (any, error) {
	if !strings.ContainsAny(s, ".eE") {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			if n >= math.MinInt32 && n <= math.MaxInt32 {
				return int32(n), nil
			}
			return n, nil
		}
	}
	d, err := engine.ParseNumeric(s)
	if err != nil {
		if engine.Code(err) == engine.CodeInvalidText {
			return nil, errorf(CodeSyntax, "invalid number %q", s)
		}
		return nil, err
	}
	if d.Form != apd.Finite {
		return nil, errorf(CodeSyntax, "invalid number %q", s)
	}
	return d, nil
}

// decimalOf converts an integer or a numeric to a decimal.
func decimalOf(v any) (*apd.Decimal, error) {
	switch x := v.(type) {
	case *apd.Decimal:
		return x, nil
	case json.Number:
		return engine.ParseNumeric(string(x))
	}
	if n, ok := asInt64(v); ok {
		return apd.New(n, 0), nil
	}
	return nil, errorf(CodeDatatypeMismatch, "%s is not a number", kindName(v))
}

// floatOf converts a number to float8, as PostgreSQL's casts do.
func floatOf(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case *apd.Decimal, json.Number:
		d, err := decimalOf(v)
		if err != nil {
			return 0, err
		}
		return decimalFloat(d)
	}
	if n, ok := asInt64(v); ok {
		return float64(n), nil
	}
	return 0, errorf(CodeDatatypeMismatch, "%s is not a number", kindName(v))
}

// decimalFloat is numeric to float8: the nearest float, or 22003 when the
// value is beyond float8's range.
func decimalFloat(d *apd.Decimal) (float64, error) {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return math.NaN(), nil
	case apd.Infinite:
		if d.Negative {
			return math.Inf(-1), nil
		}
		return math.Inf(1), nil
	}
	f, err := strconv.ParseFloat(d.Text('e'), 64)
	if err != nil || (f == 0 && d.Coeff.Sign() != 0) {
		return 0, errorf(CodeNumericRange, "%q is out of range for type double precision", engine.NumericText(d))
	}
	return f, nil
}

// arithNumbers applies + - * / % to two numbers, in the type PostgreSQL
// picks for their types.
func arithNumbers(op string, a, b any) (any, error) {
	ka, kb := numKindOf(a), numKindOf(b)
	k := max(ka, kb)
	switch {
	case k <= kindInt8:
		x, _ := asInt64(a)
		y, _ := asInt64(b)
		return intArith(op, x, y, k)
	case k == kindFloat:
		if op == "%" {
			return nil, errorf(CodeUndefinedFunction, "operator does not exist: %s %% %s", kindName(a), kindName(b))
		}
		x, err := floatOf(a)
		if err != nil {
			return nil, err
		}
		y, err := floatOf(b)
		if err != nil {
			return nil, err
		}
		return floatArith(op, x, y)
	}
	x, err := decimalOf(a)
	if err != nil {
		return nil, err
	}
	y, err := decimalOf(b)
	if err != nil {
		return nil, err
	}
	return numericArith(op, x, y)
}

// intArith is integer arithmetic in a type of kind k: a result that does
// not fit fails with 22003, division by zero with 22012.
func intArith(op string, x, y int64, k numKind) (any, error) {
	var r int64
	switch op {
	case "+":
		r = x + y
		if (r > x) != (y > 0) {
			return nil, intRange(k)
		}
	case "-":
		r = x - y
		if (r < x) != (y > 0) {
			return nil, intRange(k)
		}
	case "*":
		if x != 0 && y != 0 {
			r = x * y
			if r/y != x || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64) {
				return nil, intRange(k)
			}
		}
	case "/":
		if y == 0 {
			return nil, errorf(CodeDivisionByZero, "division by zero")
		}
		if y == -1 && x == math.MinInt64 {
			return nil, intRange(k)
		}
		r = x / y
	case "%":
		if y == 0 {
			return nil, errorf(CodeDivisionByZero, "division by zero")
		}
		if y != -1 { // x % -1 is 0, also for the smallest x
			r = x % y
		}
	default:
		return nil, errorf(CodeSyntax, "unknown operator %s", op)
	}
	return makeInt(r, k)
}

// floatArith is float8 arithmetic with PostgreSQL's checks: a finite
// operation that overflows to infinity or underflows to zero is 22003.
func floatArith(op string, x, y float64) (any, error) {
	var r float64
	switch op {
	case "+":
		r = x + y
	case "-":
		r = x - y
	case "*":
		r = x * y
		if r == 0 && x != 0 && y != 0 {
			return nil, errorf(CodeNumericRange, "value out of range: underflow")
		}
	case "/":
		if y == 0 && !math.IsNaN(x) {
			return nil, errorf(CodeDivisionByZero, "division by zero")
		}
		r = x / y
		if r == 0 && x != 0 && !math.IsInf(y, 0) {
			return nil, errorf(CodeNumericRange, "value out of range: underflow")
		}
	default:
		return nil, errorf(CodeSyntax, "unknown operator %s", op)
	}
	if math.IsInf(r, 0) && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
		return nil, errorf(CodeNumericRange, "value out of range: overflow")
	}
	return r, nil
}

// PostgreSQL's constants for the scale of a quotient (numeric.c).
const (
	minSigDigits = 16 // NUMERIC_MIN_SIG_DIGITS
	decDigits    = 4  // DEC_DIGITS: decimal digits per base-10000 digit
)

var (
	decimalNaN  = &apd.Decimal{Form: apd.NaN}
	decimalZero = apd.New(0, 0)
)

func infinity(neg bool) *apd.Decimal { return &apd.Decimal{Form: apd.Infinite, Negative: neg} }

// numericArith is numeric arithmetic with PostgreSQL's results: exact sums,
// differences and products (a product's scale is the sum of the scales,
// rounded to the largest scale allowed), quotients rounded to
// select_div_scale digits, NaN and infinities as PostgreSQL 15 has them.
//
// It works on the decimals' coefficients (apd.BigInt) itself rather than
// through an apd.Context, whose exponents stop at 100000: numeric's range
// is PostgreSQL's, 131072 digits before the point (engine.CheckNumeric),
// and operands within it keep every step within a few hundred thousand
// digits.
func numericArith(op string, x, y *apd.Decimal) (any, error) {
	if x.Form != apd.Finite || y.Form != apd.Finite {
		return numericSpecial(op, x, y)
	}
	var d *apd.Decimal
	switch op {
	case "+":
		d = addDecimal(x, y, false)
	case "-":
		d = addDecimal(x, y, true)
	case "*":
		d = &apd.Decimal{Exponent: x.Exponent + y.Exponent, Negative: x.Negative != y.Negative}
		d.Coeff.Mul(&x.Coeff, &y.Coeff)
		if d.Exponent < -engine.NumericMaxScale {
			d = engine.RoundNumeric(d, engine.NumericMaxScale, false)
		}
	case "/":
		if y.IsZero() {
			return nil, errorf(CodeDivisionByZero, "division by zero")
		}
		d = divRound(x, y, divScale(x, y))
	case "%":
		if y.IsZero() {
			return nil, errorf(CodeDivisionByZero, "division by zero")
		}
		d = modTrunc(x, y)
	default:
		return nil, errorf(CodeSyntax, "unknown operator %s", op)
	}
	if d.Coeff.Sign() == 0 {
		d.Negative = false
	}
	if err := engine.CheckNumeric(d); err != nil {
		return nil, err
	}
	return d, nil
}

// numericSpecial is arithmetic where an operand is NaN or infinite.
func numericSpecial(op string, x, y *apd.Decimal) (any, error) {
	if x.Form == apd.NaN || y.Form == apd.NaN || x.Form == apd.NaNSignaling || y.Form == apd.NaNSignaling {
		return decimalNaN, nil
	}
	xi, yi := x.Form == apd.Infinite, y.Form == apd.Infinite
	sign := func(d *apd.Decimal) int { return d.Sign() }
	switch op {
	case "+", "-":
		yneg := y.Negative
		if op == "-" {
			yneg = !yneg
		}
		switch {
		case xi && yi && x.Negative != yneg:
			return decimalNaN, nil
		case xi:
			return x, nil
		}
		return infinity(yneg), nil
	case "*":
		if sign(x) == 0 || sign(y) == 0 {
			return decimalNaN, nil // infinity times zero
		}
		return infinity(x.Negative != y.Negative), nil
	case "/":
		if xi {
			if yi {
				return decimalNaN, nil
			}
			if sign(y) == 0 {
				return nil, errorf(CodeDivisionByZero, "division by zero")
			}
			return infinity(x.Negative != y.Negative), nil
		}
		return decimalZero, nil // finite / infinity
	case "%":
		if xi {
			if sign(y) == 0 {
				return nil, errorf(CodeDivisionByZero, "division by zero")
			}
			return decimalNaN, nil
		}
		return x, nil // finite % infinity
	}
	return nil, errorf(CodeSyntax, "unknown operator %s", op)
}

// addDecimal is x + y (x - y with sub), exact: both coefficients aligned
// to the smaller exponent.
func addDecimal(x, y *apd.Decimal, sub bool) *apd.Decimal {
	e := min(x.Exponent, y.Exponent)
	var a, b apd.BigInt
	signed := func(z *apd.BigInt, d *apd.Decimal, neg bool) {
		z.Set(&d.Coeff)
		if d.Exponent > e {
			z.Mul(z, pow10(int64(d.Exponent-e)))
		}
		if neg {
			z.Neg(z)
		}
	}
	signed(&a, x, x.Negative)
	signed(&b, y, y.Negative != sub)
	a.Add(&a, &b)
	out := &apd.Decimal{Exponent: e, Negative: a.Sign() < 0}
	out.Coeff.Abs(&a)
	return out
}

// scaleOf is a numeric's display scale: digits after the point.
func scaleOf(d *apd.Decimal) int32 { return max(0, -d.Exponent) }

// nbaseLead returns what PostgreSQL's select_div_scale reads of a nonzero
// numeric held in base 10000: the weight of its first nonzero base-10000
// digit and that digit. Zero gives 0, 0.
func nbaseLead(d *apd.Decimal) (weight int64, first int64) {
	if d.Coeff.Sign() == 0 {
		return 0, 0
	}
	n := d.NumDigits()
	msd := int64(d.Exponent) + n - 1 // exponent of the first decimal digit
	weight = floorDiv(msd, decDigits)
	// The base-10000 digit at weight holds decimal exponents
	// 4*weight .. 4*weight+3; the first of them present is msd.
	k := msd - decDigits*weight + 1 // its decimal digits: 1 to 4
	var lead apd.BigInt
	lead.Abs(&d.Coeff)
	if drop := n - k; drop > 0 {
		var p apd.BigInt
		p.Exp(apd.NewBigInt(10), apd.NewBigInt(drop), nil)
		lead.Quo(&lead, &p)
	} else if drop < 0 {
		lead.Mul(&lead, apd.NewBigInt(int64(math.Pow10(int(-drop)))))
	}
	return weight, lead.Int64()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// divScale is PostgreSQL's select_div_scale: enough digits for 16
// significant ones, at least either operand's scale, at most 1000.
func divScale(x, y *apd.Decimal) int32 {
	w1, f1 := nbaseLead(x)
	w2, f2 := nbaseLead(y)
	qweight := w1 - w2
	if f1 <= f2 {
		qweight--
	}
	rscale := int64(minSigDigits) - qweight*decDigits
	rscale = max(rscale, int64(scaleOf(x)), int64(scaleOf(y)), 0)
	rscale = min(rscale, engine.NumericMaxPrecision)
	return int32(rscale)
}

// pow10 returns 10^n as a big integer.
func pow10(n int64) *apd.BigInt {
	var p apd.BigInt
	return p.Exp(apd.NewBigInt(10), apd.NewBigInt(n), nil)
}

// divRound is x / y rounded half away from zero to scale digits after the
// point, computed exactly on integers: round(cx * 10^(ex-ey+scale) / cy).
func divRound(x, y *apd.Decimal, scale int32) *apd.Decimal {
	var n, dv, q, r, twice apd.BigInt
	n.Abs(&x.Coeff)
	dv.Abs(&y.Coeff)
	if k := int64(x.Exponent) - int64(y.Exponent) + int64(scale); k >= 0 {
		n.Mul(&n, pow10(k))
	} else {
		dv.Mul(&dv, pow10(-k))
	}
	q.QuoRem(&n, &dv, &r)
	if twice.Add(&r, &r).Cmp(&dv) >= 0 {
		q.Add(&q, apd.NewBigInt(1))
	}
	out := &apd.Decimal{Exponent: -scale, Negative: x.Negative != y.Negative}
	out.Coeff.Set(&q)
	return out
}

// modTrunc is x % y as PostgreSQL's numeric mod: x - y * trunc(x / y),
// whose sign is x's and whose scale is the larger of the two.
func modTrunc(x, y *apd.Decimal) *apd.Decimal {
	e := min(x.Exponent, y.Exponent)
	var a, b, r apd.BigInt
	a.Abs(&x.Coeff)
	a.Mul(&a, pow10(int64(x.Exponent-e)))
	b.Abs(&y.Coeff)
	b.Mul(&b, pow10(int64(y.Exponent-e)))
	r.Rem(&a, &b)
	out := &apd.Decimal{Exponent: e, Negative: x.Negative}
	out.Coeff.Set(&r)
	return out
}

// negate is unary minus.
func negate(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case float64:
		return -x, nil
	case *apd.Decimal, json.Number:
		d, err := decimalOf(v)
		if err != nil {
			return nil, err
		}
		if d.Form == apd.NaN || d.Coeff.Sign() == 0 && d.Form == apd.Finite {
			return d, nil
		}
		return new(apd.Decimal).Neg(d), nil
	case string:
		n, ok := parseNumber(strings.TrimSpace(x))
		if !ok {
			return nil, errorf(CodeInvalidText, "invalid input syntax for type numeric: %q", x)
		}
		return negate(n)
	}
	if n, ok := asInt64(v); ok {
		if n == math.MinInt64 {
			return nil, intRange(kindInt8)
		}
		return makeInt(-n, numKindOf(v))
	}
	return nil, errorf(CodeUndefinedFunction, "operator does not exist: - %s", kindName(v))
}

// absValue is abs(x) in x's type.
func absValue(v any) (any, error) {
	switch x := v.(type) {
	case float64:
		return math.Abs(x), nil
	case *apd.Decimal, json.Number:
		d, err := decimalOf(v)
		if err != nil {
			return nil, err
		}
		if d.Form == apd.NaN || !d.Negative {
			return d, nil
		}
		return new(apd.Decimal).Abs(d), nil
	case string:
		n, ok := parseNumber(strings.TrimSpace(x))
		if !ok {
			return nil, errorf(CodeInvalidText, "invalid input syntax for type numeric: %q", x)
		}
		return absValue(n)
	}
	if n, ok := asInt64(v); ok {
		if n >= 0 {
			return v, nil
		}
		return negate(v)
	}
	return nil, errorf(CodeUndefinedFunction, "function abs(%s) does not exist", kindName(v))
}

// parseNumber reads text as a number (text given where a number is
// wanted, as PostgreSQL reads an untyped literal): typed as a literal
// with that text would be.
func parseNumber(s string) (any, bool) {
	if s == "" {
		return nil, false
	}
	if s[0] == '+' {
		s = s[1:]
	}
	n, err := literalNumber(s)
	if err != nil {
		// NaN and infinities are numbers too, though no literal spells them.
		d, err := engine.ParseNumeric(s)
		if err != nil {
			return nil, false
		}
		return d, true
	}
	return n, true
}

// castInt converts v to an integer of kind k, as PostgreSQL's casts do:
// numerics round half away from zero, floats half to even.
func castInt(v any, k numKind) (any, error) {
	if numKindOf(v) == k {
		return v, nil // as it is: converting would box it again
	}
	switch x := v.(type) {
	case float64:
		r := math.RoundToEven(x)
		if math.IsNaN(r) || r < -9223372036854775808 || r >= 9223372036854775808 {
			return nil, intRange(k)
		}
		return makeInt(int64(r), k)
	case *apd.Decimal, json.Number:
		d, err := decimalOf(v)
		if err != nil {
			return nil, err
		}
		switch d.Form {
		case apd.NaN, apd.NaNSignaling:
			return nil, errorf(CodeFeatureNotSupported, "cannot convert NaN to %s", intName(k))
		case apd.Infinite:
			return nil, errorf(CodeFeatureNotSupported, "cannot convert infinity to %s", intName(k))
		}
		r := engine.RoundNumeric(d, 0, false)
		if r.Exponent > 0 {
			if int64(r.Exponent)+r.NumDigits() > 19 {
				return nil, intRange(k)
			}
			r.Coeff.Mul(&r.Coeff, pow10(int64(r.Exponent)))
		}
		if !r.Coeff.IsInt64() {
			return nil, intRange(k)
		}
		n := r.Coeff.Int64()
		if r.Negative {
			n = -n
		}
		return makeInt(n, k)
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return nil, errorf(CodeNumericRange, "value %q is out of range for type %s", x, intName(k))
			}
			return nil, errorf(CodeInvalidText, "invalid input syntax for type %s: %q", intName(k), x)
		}
		out, err := makeInt(n, k)
		if err != nil {
			return nil, errorf(CodeNumericRange, "value %q is out of range for type %s", x, intName(k))
		}
		return out, nil
	case bool:
		if k != kindInt4 {
			return nil, errorf(CodeCannotCoerce, "cannot cast type boolean to %s", intName(k))
		}
		if x {
			return int32(1), nil
		}
		return int32(0), nil
	}
	if n, ok := asInt64(v); ok {
		return makeInt(n, k)
	}
	return nil, errorf(CodeCannotCoerce, "cannot cast type %s to %s", kindName(v), intName(k))
}

// castFloat converts v to float8, or with float4 to real (rounded to its
// precision, and 22003 beyond its range).
func castFloat(v any, float4 bool) (any, error) {
	name := "double precision"
	if float4 {
		name = "real"
	}
	var f float64
	switch x := v.(type) {
	case string:
		s := strings.TrimSpace(x)
		var err error
		f, err = strconv.ParseFloat(s, 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return nil, errorf(CodeNumericRange, "%q is out of range for type %s", x, name)
			}
			return nil, errorf(CodeInvalidText, "invalid input syntax for type %s: %q", name, x)
		}
	case bool:
		return nil, errorf(CodeCannotCoerce, "cannot cast type boolean to %s", name)
	default:
		if numKindOf(v) == notNumber {
			return nil, errorf(CodeCannotCoerce, "cannot cast type %s to %s", kindName(v), name)
		}
		var err error
		if f, err = floatOf(v); err != nil {
			return nil, err
		}
	}
	if float4 {
		r := float64(float32(f))
		if math.IsInf(r, 0) && !math.IsInf(f, 0) || r == 0 && f != 0 {
			if numKindOf(v) == kindNumeric {
				// PostgreSQL reads a numeric's text as a real.
				return nil, errorf(CodeNumericRange, "%q is out of range for type real", textOf(v))
			}
			if r == 0 {
				return nil, errorf(CodeNumericRange, "value out of range: underflow")
			}
			return nil, errorf(CodeNumericRange, "value out of range: overflow")
		}
		f = r
	}
	return f, nil
}

// castNumeric converts v to numeric, rounded to a typmod if one is given.
// A float keeps 15 significant digits, as in PostgreSQL.
func castNumeric(v any, mod engine.Typmod) (any, error) {
	var d *apd.Decimal
	var err error
	switch x := v.(type) {
	case float64:
		d, err = engine.FloatNumeric(x, 15)
	case string:
		d, err = engine.ParseNumeric(x)
	case bool:
		return nil, errorf(CodeCannotCoerce, "cannot cast type boolean to numeric")
	default:
		if numKindOf(v) == notNumber {
			return nil, errorf(CodeCannotCoerce, "cannot cast type %s to numeric", kindName(v))
		}
		d, err = decimalOf(v)
	}
	if err != nil {
		return nil, err
	}
	return mod.Apply(d)
}

// numericTypmod reads numeric(p) or numeric(p,s) from a type name's
// arguments.
func numericTypmod(args []string) (engine.Typmod, error) {
	var m engine.Typmod
	if len(args) == 0 {
		return m, nil
	}
	if len(args) > 2 {
		return m, errorf(CodeInvalidParameter, "invalid NUMERIC type modifier")
	}
	p, err := strconv.Atoi(args[0])
	if err != nil {
		return m, errorf(CodeInvalidParameter, "invalid NUMERIC type modifier")
	}
	m.Precision = p
	if len(args) == 2 {
		if m.Scale, err = strconv.Atoi(args[1]); err != nil {
			return m, errorf(CodeInvalidParameter, "invalid NUMERIC type modifier")
		}
	}
	if p == 0 {
		// Validate reads a zero precision as no typmod.
		return m, errorf(CodeInvalidParameter, "NUMERIC precision 0 must be between 1 and %d", engine.NumericMaxPrecision)
	}
	return m, m.Validate()
}

// numericOut is a numeric's text for a result: PostgreSQL's form, or for
// a document number beyond numeric's range, the number as written.
func numericOut(v any) any {
	switch x := v.(type) {
	case *apd.Decimal:
		return engine.NumericText(x)
	case json.Number:
		s := string(x)
		if plainDecimal(s) {
			return s
		}
		d, err := engine.ParseNumeric(s)
		if err != nil {
			return s
		}
		return engine.NumericText(d)
	case float64:
		d, err := engine.FloatNumeric(x, -1)
		if err != nil {
			return nil
		}
		return engine.NumericText(d)
	}
	if n, ok := asInt64(v); ok {
		return strconv.FormatInt(n, 10)
	}
	return nil
}

// plainDecimal reports whether JSON number text is already in numeric's
// text form: no exponent, and not a negative zero.
func plainDecimal(s string) bool {
	if strings.ContainsAny(s, "eE") {
		return false
	}
	if len(s) > 0 && s[0] == '-' {
		return strings.Trim(s[1:], "0.") != ""
	}
	return true
}

// docNumber converts a number to the form a document holds: int64,
// float64, or exact decimal text (json.Number). NaN and infinities have
// no JSON form.
func docNumber(v any) (any, error) {
	switch x := v.(type) {
	case int32:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case *apd.Decimal:
		if x.Form != apd.Finite {
			return nil, errorf(CodeInvalidText, "NaN and infinity cannot be stored in a JSON document")
		}
		return json.Number(engine.NumericText(x)), nil
	}
	return v, nil
}

// sortNumber converts an evaluated number to a value the engine compares
// (engine.CompareValues): integers of any width as int64.
func sortNumber(v any) any {
	switch x := v.(type) {
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	}
	return v
}

// keyNumber converts an evaluated number to a value the engine looks up
// (a key, an index range): integers as int64, and so is a numeric that is
// a whole number within int64 (a key 5.0 is the key 5); other numbers as
// they are, which the engine compares exactly.
func keyNumber(v any) any {
	switch x := v.(type) {
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case json.Number:
		if d, err := engine.ParseNumeric(string(x)); err == nil {
			if n, ok := wholeInt64(d); ok {
				return n
			}
		}
	case *apd.Decimal:
		if n, ok := wholeInt64(x); ok {
			return n
		}
	}
	return v
}

// wholeInt64 returns d as an int64 when it is a whole number in range.
func wholeInt64(d *apd.Decimal) (int64, bool) {
	if d.Form != apd.Finite {
		return 0, false
	}
	if d.Coeff.Sign() == 0 {
		return 0, true
	}
	if int64(d.Exponent)+d.NumDigits() > 19 {
		return 0, false // 10^19 and more
	}
	var q apd.BigInt
	if d.Exponent >= 0 {
		q.Mul(&d.Coeff, pow10(int64(d.Exponent)))
	} else {
		var r apd.BigInt
		q.QuoRem(&d.Coeff, pow10(int64(-d.Exponent)), &r)
		if r.Sign() != 0 {
			return 0, false
		}
	}
	if d.Negative {
		q.Neg(&q)
	}
	if !q.IsInt64() {
		return 0, false
	}
	return q.Int64(), true
}

// constNumber returns the text of the constant an operand is when it is a
// number with minus signs, through parentheses: PostgreSQL's parser folds
// them into the constant, so -2147483648 is an integer and
// -(-9223372036854775808) a numeric.
func constNumber(u *driftql.Unary) (string, bool) {
	if len(u.Casts) > 0 {
		return "", false
	}
	var text string
	switch p := u.Primary; {
	case p.Number != nil:
		text = *p.Number
	case p.Sub != nil:
		inner := soloUnary(p.Sub)
		if inner == nil {
			return "", false
		}
		t, ok := constNumber(inner)
		if !ok {
			return "", false
		}
		text = t
	default:
		return "", false
	}
	if u.Neg {
		if t, ok := strings.CutPrefix(text, "-"); ok {
			return t, true
		}
		return "-" + text, true
	}
	return text, true
}
