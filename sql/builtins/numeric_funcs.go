package builtins

import (
	"math"
	"math/big"
	"strconv"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// The numeric functions: rounding, roots, exponentials and logarithms,
// powers, gcd and lcm. Results take PostgreSQL's scales (at least 16
// significant digits, at least the arguments' scales, at most 1000) and
// are rounded half away from zero, as numeric.c rounds them. Where
// numeric.c computes a transcendental function to its scale with guard
// digits, the value here comes from apd with more digits than asked and
// is then rounded to the scale.

// plain returns d with a non-positive exponent: finite numerics keep
// their digits after the point in the exponent, as the rest of the SQL
// layer expects.
func plain(d *apd.Decimal) *apd.Decimal {
	if d.Form != apd.Finite || d.Exponent <= 0 {
		return d
	}
	out := &apd.Decimal{Negative: d.Negative}
	out.Coeff.Mul(&d.Coeff, pow10(int64(d.Exponent)))
	if out.Coeff.Sign() == 0 {
		out.Negative = false
	}
	return out
}

// withScale returns d with exactly scale digits after the point: zeros
// added, or digits cut (truncated: callers cut only zeros or want
// truncation).
func withScale(d *apd.Decimal, scale int32) *apd.Decimal {
	if d.Form != apd.Finite {
		return d
	}
	d = plain(d)
	out := &apd.Decimal{Negative: d.Negative, Exponent: -scale}
	switch k := int64(-d.Exponent) - int64(scale); {
	case k > 0:
		out.Coeff.Quo(&d.Coeff, pow10(k))
	case k < 0:
		out.Coeff.Mul(&d.Coeff, pow10(-k))
	default:
		out.Coeff.Set(&d.Coeff)
	}
	if out.Coeff.Sign() == 0 {
		out.Negative = false
	}
	return out
}

// minScale is the fewest digits after the point that keep the value.
func minScale(d *apd.Decimal) int32 {
	s := scaleOf(d)
	if s == 0 || d.Coeff.Sign() == 0 {
		return 0
	}
	var c, r apd.BigInt
	c.Abs(&d.Coeff)
	ten := apd.NewBigInt(10)
	for s > 0 {
		var q apd.BigInt
		q.QuoRem(&c, ten, &r)
		if r.Sign() != 0 {
			break
		}
		c.Set(&q)
		s--
	}
	return s
}

// numericRound is round(x, s): half away from zero to s digits after the
// point (s < 0 rounds to tens, hundreds...; the scale is then 0).
func numericRound(x *apd.Decimal, s int64) *apd.Decimal {
	if x.Form != apd.Finite {
		return x
	}
	s = min(max(s, -(numericWeightMax+1)*decDigits-1), numericDscaleMax)
	if s >= 0 {
		return plain(engine.RoundNumeric(x, int32(s), true))
	}
	return plain(engine.RoundNumeric(x, int32(s), false))
}

// numericTrunc is trunc(x, s): digits past s cut, zeros added up to s.
func numericTrunc(x *apd.Decimal, s int64) *apd.Decimal {
	if x.Form != apd.Finite {
		return x
	}
	s = min(max(s, -(numericWeightMax+1)*decDigits), numericDscaleMax)
	if s >= 0 {
		return withScale(x, int32(s))
	}
	// Cut to a multiple of 10^-s, scale 0.
	x = plain(x)
	k := int64(-x.Exponent) - s
	out := &apd.Decimal{Negative: x.Negative}
	out.Coeff.Quo(&x.Coeff, pow10(k))
	out.Coeff.Mul(&out.Coeff, pow10(-s))
	if out.Coeff.Sign() == 0 {
		out.Negative = false
	}
	return out
}

// numericRoundDir is ceil (dir 1) or floor (dir -1) to scale 0.
func numericRoundDir(x *apd.Decimal, _ int32, dir int) *apd.Decimal {
	if x.Form != apd.Finite {
		return x
	}
	t := numericTrunc(x, 0)
	if t.Cmp(x) != 0 && (dir > 0) != x.Negative {
		t = addDecimal(t, apd.New(int64(dir), 0), false)
	}
	t = withScale(t, 0)
	if t.Coeff.Sign() == 0 {
		t.Negative = false
	}
	return t
}

// numericDiv is div(x, y): the quotient truncated to an integer.
func numericDiv(x, y *apd.Decimal) (types.Datum, error) {
	if x.Form != apd.Finite || y.Form != apd.Finite {
		switch {
		case x.Form == apd.NaN || y.Form == apd.NaN:
			return decimalNaN, nil
		case x.Form == apd.Infinite:
			if y.Form == apd.Infinite {
				return decimalNaN, nil
			}
			if y.IsZero() {
				return nil, errDivZero
			}
			return infinity(x.Negative != y.Negative), nil
		}
		return apd.New(0, 0), nil
	}
	if y.IsZero() {
		return nil, errDivZero
	}
	q := truncQuo(x, y)
	out := &apd.Decimal{Negative: q.Sign() < 0}
	out.Coeff.Abs(q)
	return out, nil
}

// nbase returns the weight of |d| in base 10000 and its first k digits in
// that base (PostgreSQL's NumericVar weight and digits).
func nbase(d *apd.Decimal, k int) (weight int64, digits []int64) {
	if d.Coeff.Sign() == 0 {
		return 0, nil
	}
	weight, _ = nbaseLead(d)
	// |d| / 10000^(weight-k+1), truncated, holds the first k digits.
	shift := int64(d.Exponent) - decDigits*(weight-int64(k)+1)
	var c apd.BigInt
	c.Abs(&d.Coeff)
	if shift >= 0 {
		c.Mul(&c, pow10(shift))
	} else {
		c.Quo(&c, pow10(-shift))
	}
	digits = make([]int64, k)
	base := apd.NewBigInt(10000)
	for i := k - 1; i >= 0; i-- {
		var r apd.BigInt
		c.QuoRem(&c, base, &r)
		digits[i] = r.Int64()
	}
	return weight, digits
}

// toFloat is numericvar_to_double_no_overflow: the nearest double,
// ±Inf beyond its range.
func toFloat(d *apd.Decimal) float64 {
	f, _ := strconv.ParseFloat(d.Text('e'), 64)
	return f
}

// estimateLnDweight is PostgreSQL's estimate_ln_dweight: the decimal
// weight of ln(x), for choosing scales.
func estimateLnDweight(x *apd.Decimal) int64 {
	if x.Sign() <= 0 {
		return 0
	}
	if x.Cmp(apd.New(9, -1)) >= 0 && x.Cmp(apd.New(11, -1)) <= 0 {
		d := addDecimal(x, apd.New(1, 0), true)
		if d.Coeff.Sign() == 0 {
			return 0
		}
		w, dg := nbase(d, 1)
		return w*decDigits + int64(math.Log10(float64(dg[0])))
	}
	w, dg := nbase(x, 2)
	digits := float64(dg[0])
	dweight := w * decDigits
	if dg[1] != 0 || hasMoreNbaseDigits(x, w) {
		digits = digits*10000 + float64(dg[1])
		dweight -= decDigits
	}
	lnVar := math.Log(digits) + float64(dweight)*2.302585092994046
	return int64(math.Log10(math.Abs(lnVar)))
}

// hasMoreNbaseDigits reports whether |x| has base-10000 digits after its
// first (PostgreSQL strips trailing zero digits, so ndigits > 1).
func hasMoreNbaseDigits(x *apd.Decimal, weight int64) bool {
	// The value of the first digit place: 10000^weight. x has more
	// digits when it is not a multiple of it.
	e := decDigits * weight
	if int64(x.Exponent) >= e {
		return false
	}
	var r apd.BigInt
	r.Rem(&x.Coeff, pow10(e-int64(x.Exponent)))
	return r.Sign() != 0
}

// ctxFor is an apd context with digits significant digits.
func ctxFor(digits int64) *apd.Context {
	c := apd.BaseContext.WithPrecision(uint32(max(digits, 20)))
	c.MaxExponent = apd.MaxExponent
	c.MinExponent = apd.MinExponent
	return c
}

// roundTo rounds an apd result to scale digits after the point.
func roundTo(d *apd.Decimal, scale int32) *apd.Decimal {
	out := plain(engine.RoundNumeric(d, scale, true))
	if out.Coeff.Sign() == 0 {
		out.Negative = false
	}
	return out
}

// numericSqrt is sqrt(numeric): exact, rounded to its scale.
func numericSqrt(x *apd.Decimal) (types.Datum, error) {
	switch {
	case x.Form == apd.NaN:
		return x, nil
	case x.Form == apd.Infinite:
		if x.Negative {
			return nil, errSqrtNegative
		}
		return x, nil
	case x.Sign() < 0:
		return nil, errSqrtNegative
	}
	weight, _ := nbaseLead(x)
	sweight := weight*decDigits/2 + 1
	return sqrtRound(x, clampScale(max(minSigDigits-sweight, int64(scaleOf(x))))), nil
}

// sqrtRound is the square root of a finite x >= 0 rounded half up to
// rscale digits after the point.
func sqrtRound(x *apd.Decimal, rscale int32) *apd.Decimal {
	// q = isqrt(x * 10^(2 rscale)), rounded: up when 4 x 10^(2 rscale) >=
	// (2q + 1)^2.
	e := int64(x.Exponent) + 2*int64(rscale)
	var n big.Int
	n.Set(x.Coeff.MathBigInt())
	var den big.Int
	den.SetInt64(1)
	if e >= 0 {
		n.Mul(&n, big.NewInt(10).Exp(big.NewInt(10), big.NewInt(e), nil))
	} else {
		den.Exp(big.NewInt(10), big.NewInt(-e), nil)
	}
	var floorN big.Int
	floorN.Quo(&n, &den)
	q := new(big.Int).Sqrt(&floorN)
	var lhs, rhs big.Int
	lhs.Mul(&n, big.NewInt(4))
	rhs.Lsh(q, 1)
	rhs.Add(&rhs, big.NewInt(1))
	rhs.Mul(&rhs, &rhs)
	rhs.Mul(&rhs, &den)
	if lhs.Cmp(&rhs) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	out := &apd.Decimal{Exponent: -rscale}
	out.Coeff.SetMathBigInt(q)
	return out
}

// numericExp is exp(numeric).
func numericExp(x *apd.Decimal) (types.Datum, error) {
	switch {
	case x.Form == apd.NaN:
		return x, nil
	case x.Form == apd.Infinite:
		if x.Negative {
			return apd.New(0, 0), nil
		}
		return x, nil
	}
	val := toFloat(x)
	w := min(max(val*0.434294481903252, -numericMaxResultScale), numericMaxResultScale)
	rscale := clampScale(max(minSigDigits-int64(w), int64(scaleOf(x))))
	if math.Abs(val) >= numericMaxResultScale*3 {
		if val > 0 {
			return nil, errNumericOver
		}
		return withScale(apd.New(0, 0), rscale), nil
	}
	return expTo(x, rscale)
}

// expTo is e^x rounded to scale digits after the point.
func expTo(x *apd.Decimal, scale int32) (*apd.Decimal, error) {
	w := int64(toFloat(x) * 0.434294481903252)
	c := ctxFor(int64(scale) + max(w, 0) + 25)
	out := new(apd.Decimal)
	if _, err := c.Exp(out, x); err != nil {
		return nil, errNumericOver
	}
	return roundTo(out, scale), nil
}

// lnTo is ln(x) for x > 0 rounded to scale digits after the point.
func lnTo(x *apd.Decimal, scale int32) (*apd.Decimal, error) {
	c := ctxFor(int64(scale) + 30)
	out := new(apd.Decimal)
	if _, err := c.Ln(out, x); err != nil {
		return nil, pgcode.Wrap(pgcode.InternalError, err, "ln: "+err.Error())
	}
	return roundTo(out, scale), nil
}

func checkLnArg(x *apd.Decimal) error {
	switch {
	case x.IsZero():
		return errLogZero
	case x.Sign() < 0:
		return errLogNegative
	}
	return nil
}

// numericLn is ln(numeric).
func numericLn(x *apd.Decimal) (types.Datum, error) {
	switch {
	case x.Form == apd.NaN:
		return x, nil
	case x.Form == apd.Infinite:
		if x.Negative {
			return nil, errLogNegative
		}
		return x, nil
	}
	if err := checkLnArg(x); err != nil {
		return nil, err
	}
	rscale := clampScale(max(minSigDigits-estimateLnDweight(x), int64(scaleOf(x))))
	return lnTo(x, rscale)
}

// numericLog is log(b, x): the logarithm of x to base b.
func numericLog(b, x *apd.Decimal) (types.Datum, error) {
	if b.Form != apd.Finite || x.Form != apd.Finite {
		switch {
		case b.Form == apd.NaN || x.Form == apd.NaN:
			return decimalNaN, nil
		case b.Sign() < 0 || x.Sign() < 0:
			return nil, errLogNegative
		case b.Sign() == 0 || x.Sign() == 0:
			return nil, errLogZero
		case b.Form == apd.Infinite:
			if x.Form == apd.Infinite {
				return decimalNaN, nil
			}
			return apd.New(0, 0), nil
		}
		return infinity(false), nil
	}
	if err := checkLnArg(b); err != nil {
		return nil, err
	}
	if err := checkLnArg(x); err != nil {
		return nil, err
	}
	bw, xw := estimateLnDweight(b), estimateLnDweight(x)
	rw := xw - bw
	rscale := clampScale(max(minSigDigits-rw, int64(scaleOf(b)), int64(scaleOf(x))))
	c := ctxFor(int64(rscale) + max(rw, 0) + 30)
	var lb, lx, q apd.Decimal
	if _, err := c.Ln(&lb, b); err != nil {
		return nil, pgcode.Wrap(pgcode.InternalError, err, "log: "+err.Error())
	}
	if lb.IsZero() {
		return nil, errDivZero
	}
	if _, err := c.Ln(&lx, x); err != nil {
		return nil, pgcode.Wrap(pgcode.InternalError, err, "log: "+err.Error())
	}
	if _, err := c.Quo(&q, &lx, &lb); err != nil {
		return nil, pgcode.Wrap(pgcode.InternalError, err, "log: "+err.Error())
	}
	return roundTo(&q, rscale), nil
}

// isIntegral reports whether a finite decimal is a whole number.
func isIntegral(d *apd.Decimal) bool {
	if d.Exponent >= 0 || d.Coeff.Sign() == 0 {
		return true
	}
	var r apd.BigInt
	r.Rem(&d.Coeff, pow10(int64(-d.Exponent)))
	return r.Sign() == 0
}

// numericPower is power(numeric, numeric) with PostgreSQL's rules for NaN,
// infinities, zero and negative bases.
func numericPower(x, y *apd.Decimal) (types.Datum, error) {
	one := apd.New(1, 0)
	if x.Form != apd.Finite || y.Form != apd.Finite {
		if x.Form == apd.NaN {
			if y.Form == apd.Finite && y.IsZero() {
				return one, nil
			}
			return decimalNaN, nil
		}
		if y.Form == apd.NaN {
			if x.Form == apd.Finite && x.Cmp(one) == 0 {
				return one, nil
			}
			return decimalNaN, nil
		}
		s1, s2 := x.Sign(), y.Sign()
		if s1 == 0 && s2 < 0 {
			return nil, errZeroPowerNeg
		}
		if s1 < 0 && y.Form == apd.Finite && !isIntegral(y) {
			return nil, errComplexPower
		}
		if x.Form == apd.Finite && x.Cmp(one) == 0 {
			return one, nil
		}
		if s2 == 0 {
			return one, nil
		}
		if s1 == 0 && s2 > 0 {
			return apd.New(0, 0), nil
		}
		if y.Form == apd.Infinite {
			absGtOne := true
			if x.Form == apd.Finite {
				if x.Cmp(apd.New(-1, 0)) == 0 {
					return one, nil
				}
				absGtOne = new(apd.Decimal).Abs(x).Cmp(one) > 0
			}
			if absGtOne == (s2 > 0) {
				return infinity(false), nil
			}
			return apd.New(0, 0), nil
		}
		if !x.Negative { // +Inf
			if s2 > 0 {
				return infinity(false), nil
			}
			return apd.New(0, 0), nil
		}
		// -Inf
		if s2 < 0 {
			return apd.New(0, 0), nil
		}
		if isIntegral(y) && oddInteger(y) {
			return infinity(true), nil
		}
		return infinity(false), nil
	}
	if x.IsZero() && y.Sign() < 0 {
		return nil, errZeroPowerNeg
	}
	if isIntegral(y) {
		yi := truncQuo(y, one)
		if yi.IsInt64() && yi.Int64() >= math.MinInt32 && yi.Int64() <= math.MaxInt32 {
			return powerInt(x, yi.Int64())
		}
	}
	if x.IsZero() {
		return withScale(apd.New(0, 0), minSigDigits), nil
	}
	neg := false
	base := x
	if x.Negative {
		if !isIntegral(y) {
			return nil, errComplexPower
		}
		neg = oddInteger(y)
		base = new(apd.Decimal).Abs(x)
	}
	lnDweight := estimateLnDweight(base)
	local := max(8-lnDweight, 0)
	lb, err := lnTo(base, int32(min(local, numericDscaleMax)))
	if err != nil {
		return nil, err
	}
	var ln apd.Decimal
	if _, err := ctxFor(200).Mul(&ln, lb, y); err != nil {
		return nil, errNumericOver
	}
	val := toFloat(&ln)
	if math.Abs(val) > numericMaxResultScale*3.01 {
		if val > 0 {
			return nil, errNumericOver
		}
		return withScale(apd.New(0, 0), numericMaxDisplayScale), nil
	}
	val *= 0.434294481903252
	rscale := clampScale(max(minSigDigits-int64(val), int64(scaleOf(base)), int64(scaleOf(y))))
	c := ctxFor(int64(rscale) + max(int64(val), 0) + 30)
	var lnb, prod apd.Decimal
	if _, err := c.Ln(&lnb, base); err != nil {
		return nil, pgcode.Wrap(pgcode.InternalError, err, "power: "+err.Error())
	}
	if _, err := c.Mul(&prod, &lnb, y); err != nil {
		return nil, errNumericOver
	}
	r, err := expTo(&prod, rscale)
	if err != nil {
		return nil, err
	}
	if neg && r.Coeff.Sign() != 0 {
		r.Negative = true
	}
	return r, nil
}

func oddInteger(d *apd.Decimal) bool {
	if d.Form != apd.Finite || !isIntegral(d) {
		return false
	}
	q := truncQuo(d, apd.New(1, 0))
	return q.Bit(0) == 1
}

// powerInt is x^n for an integer n, as PostgreSQL 15's power_var_int:
// the result has 16 digits after the point at least (the base's scale if
// larger); exact where the digits allow, then rounded.
func powerInt(x *apd.Decimal, n int64) (types.Datum, error) {
	rscale := clampScale(max(minSigDigits, int64(scaleOf(x))))
	switch {
	case n == 0:
		return withScale(apd.New(1, 0), rscale), nil
	case n == 1:
		return roundTo(x, rscale), nil
	case n == -1:
		return divRound(apd.New(1, 0), x, rscale), nil
	case x.IsZero():
		if n < 0 {
			return nil, errDivZero
		}
		return withScale(apd.New(0, 0), rscale), nil
	}
	// The decimal weight of the result, from the first base-10000 digits
	// (up to 16 decimal digits) of the base.
	w, dg := nbase(x, 4)
	fv, p := 0.0, w*decDigits
	last := len(dg)
	for last > 1 && dg[last-1] == 0 && !hasDigitsAfter(x, w, last-1) {
		last--
	}
	for i := 0; i < last; i++ {
		fv = fv*10000 + float64(dg[i])
		if i > 0 {
			p -= decDigits
		}
	}
	f := float64(n) * (math.Log10(fv) + float64(p))
	if f > 3*math.MaxInt16*decDigits {
		return nil, errNumericOver
	}
	if f+1 < -float64(rscale) || f+1 < -numericMaxDisplayScale {
		return withScale(apd.New(0, 0), rscale), nil
	}
	abs := n
	if abs < 0 {
		abs = -abs
	}
	var out *apd.Decimal
	if abs*x.NumDigits() <= 20000 {
		p := &apd.Decimal{Negative: x.Negative && abs%2 == 1, Exponent: x.Exponent * int32(abs)}
		p.Coeff.Exp(&x.Coeff, apd.NewBigInt(abs), nil)
		if n < 0 {
			out = divRound(apd.New(1, 0), p, rscale)
		} else {
			out = roundTo(p, rscale)
		}
	} else {
		sig := 1 + int64(rscale) + int64(f) + int64(math.Log(float64(abs))) + 8
		out = new(apd.Decimal)
		if _, err := ctxFor(sig+10).Pow(out, x, apd.New(n, 0)); err != nil {
			if n < 0 {
				return withScale(apd.New(0, 0), rscale), nil
			}
			return nil, errNumericOver
		}
		out = roundTo(out, rscale)
	}
	if err := engine.CheckNumeric(out); err != nil {
		if n < 0 {
			return withScale(apd.New(0, 0), rscale), nil
		}
		return nil, errNumericOver
	}
	return out, nil
}

// hasDigitsAfter reports whether |x| has nonzero base-10000 digits after
// the k-th (counting from 0 at weight w).
func hasDigitsAfter(x *apd.Decimal, w int64, k int) bool {
	e := decDigits * (w - int64(k))
	if int64(x.Exponent) >= e {
		return false
	}
	var r apd.BigInt
	r.Rem(&x.Coeff, pow10(e-int64(x.Exponent)))
	return r.Sign() != 0
}

// factorial is factorial(n) as numeric.
func factorial(n int64) (types.Datum, error) {
	switch {
	case n < 0:
		return nil, pgcode.New(pgcode.NumericValueOutOfRange, "factorial of a negative number is undefined")
	case n <= 1:
		return apd.New(1, 0), nil
	case n > 32177:
		return nil, errNumericOver
	}
	var f big.Int
	f.MulRange(1, n)
	out := new(apd.Decimal)
	out.Coeff.SetMathBigInt(&f)
	return out, nil
}

// aligned returns |x| and |y| as integers at their common exponent.
func aligned(x, y *apd.Decimal) (a, b *big.Int, e int32) {
	e = min(x.Exponent, y.Exponent)
	a = new(big.Int).Abs(x.Coeff.MathBigInt())
	a.Mul(a, pow10(int64(x.Exponent-e)).MathBigInt())
	b = new(big.Int).Abs(y.Coeff.MathBigInt())
	b.Mul(b, pow10(int64(y.Exponent-e)).MathBigInt())
	return a, b, e
}

func numericGCD(x, y *apd.Decimal) (types.Datum, error) {
	if x.Form != apd.Finite || y.Form != apd.Finite {
		return decimalNaN, nil
	}
	a, b, e := aligned(x, y)
	g := new(big.Int).GCD(nil, nil, a, b)
	out := &apd.Decimal{Exponent: e}
	out.Coeff.SetMathBigInt(g)
	return withScale(out, max(scaleOf(x), scaleOf(y))), nil
}

func numericLCM(x, y *apd.Decimal) (types.Datum, error) {
	if x.Form != apd.Finite || y.Form != apd.Finite {
		return decimalNaN, nil
	}
	scale := max(scaleOf(x), scaleOf(y))
	if x.IsZero() || y.IsZero() {
		return withScale(apd.New(0, 0), scale), nil
	}
	a, b, e := aligned(x, y)
	g := new(big.Int).GCD(nil, nil, a, b)
	l := new(big.Int).Quo(a, g)
	l.Mul(l, b)
	out := &apd.Decimal{Exponent: e}
	out.Coeff.SetMathBigInt(l)
	out = withScale(out, scale)
	if err := engine.CheckNumeric(out); err != nil {
		return nil, err
	}
	return out, nil
}

// intGCD is gcd of int4 or int8; a result the type cannot hold (the
// smallest integer's magnitude) fails with 22003.
func intGCD(x, y int64, t *types.T) (types.Datum, error) {
	g := gcd64(x, y)
	if g > uint64(math.MaxInt64) {
		return nil, errOutOfRange(intName(t))
	}
	return fitInt(int64(g), t)
}

func gcd64(x, y int64) uint64 {
	a, b := absU(x), absU(y)
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func absU(x int64) uint64 {
	if x < 0 {
		return uint64(-(x + 1)) + 1
	}
	return uint64(x)
}

func intLCM(x, y int64, t *types.T) (types.Datum, error) {
	if x == 0 || y == 0 {
		return int64(0), nil
	}
	g := gcd64(x, y)
	if g > uint64(math.MaxInt64) {
		return nil, errOutOfRange(intName(t))
	}
	q := x / int64(g)
	r, err := intArith("*", q, y, t)
	if err != nil {
		return nil, err
	}
	v := r.(int64)
	if v < 0 {
		if v == math.MinInt64 || t.Oid == types.OidInt4 && v == math.MinInt32 {
			return nil, errOutOfRange(intName(t))
		}
		v = -v
	}
	return fitInt(v, t)
}
