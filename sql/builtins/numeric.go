package builtins

import (
	"math"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Numeric arithmetic: exact, with PostgreSQL's result scales and limits
// (moved here from the statement path that came before the SQL layer).

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
func numericArith(op string, x, y *apd.Decimal) (types.Datum, error) {
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
			return nil, pgcode.New(pgcode.DivisionByZero, "division by zero")
		}
		d = divRound(x, y, divScale(x, y))
	case "%":
		if y.IsZero() {
			return nil, pgcode.New(pgcode.DivisionByZero, "division by zero")
		}
		d = modTrunc(x, y)
	default:
		return nil, pgcode.Newf(pgcode.InternalError, "unknown operator %s", op)
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
func numericSpecial(op string, x, y *apd.Decimal) (types.Datum, error) {
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
				return nil, pgcode.New(pgcode.DivisionByZero, "division by zero")
			}
			return infinity(x.Negative != y.Negative), nil
		}
		return decimalZero, nil // finite / infinity
	case "%":
		if xi {
			if sign(y) == 0 {
				return nil, pgcode.New(pgcode.DivisionByZero, "division by zero")
			}
			return decimalNaN, nil
		}
		return x, nil // finite % infinity
	}
	return nil, pgcode.Newf(pgcode.InternalError, "unknown operator %s", op)
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
		lead.Quo(&lead, pow10(drop))
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

// pow10 returns 10^n as a big integer, an operand its caller must not
// change: the first powers are made once (a division computed two or
// three of them a row, each an exponentiation).
func pow10(n int64) *apd.BigInt {
	if n >= 0 && n < int64(len(powers10)) {
		return &powers10[n]
	}
	var p apd.BigInt
	return p.Exp(apd.NewBigInt(10), apd.NewBigInt(n), nil)
}

var powers10 = func() (t [64]apd.BigInt) {
	t[0].SetInt64(1)
	for i := 1; i < len(t); i++ {
		t[i].Mul(&t[i-1], apd.NewBigInt(10))
	}
	return t
}()

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
