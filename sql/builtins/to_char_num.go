package builtins

import (
	"math"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// to_char of numbers: the template patterns of PostgreSQL's number
// formatting (9 0 . , D G S MI PL SG PR L V EEEE RN TH FM), in the C
// locale, which the server's is: '.' for D, ',' for G, a blank for L.
// The number is first written as digits (rounded to the pattern's
// digits after the point), then the pattern is walked, placing the
// digits, the sign and the other characters, as NUM_processor does.

var _ = register(numToCharFuncs()...)

func numToCharFuncs() []*Overload {
	T := types.Text
	return []*Overload{
		def(1773, "to_char", ts(types.Int4, T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return intToChar(a[0].(int64), a[1].(string), 32)
		}).stable(),
		def(1774, "to_char", ts(types.Int8, T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return intToChar(a[0].(int64), a[1].(string), 64)
		}).stable(),
		def(1775, "to_char", ts(types.Float4, T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return floatToChar(a[0].(float64), a[1].(string), 32)
		}).stable(),
		def(1776, "to_char", ts(types.Float8, T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return floatToChar(a[0].(float64), a[1].(string), 64)
		}).stable(),
		def(1772, "to_char", ts(types.Numeric, T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return numericToChar(a[0].(*apd.Decimal), a[1].(string))
		}).stable(),
	}
}

// Number pattern keywords.
const (
	numComma = iota + 1
	numDec
	num0
	num9
	numB
	numC
	numD
	numE
	numFM
	numG
	numL
	numMI
	numPL
	numPR
	numRN
	numRNLower
	numSG
	numSP
	numS
	numTH
	numTHLower
	numV
)

// numKeywords in PostgreSQL's order of trying: the first that the
// pattern starts with wins.
var numKeywords = []struct {
	s  string
	id int
}{
	{",", numComma}, {".", numDec}, {"0", num0}, {"9", num9}, {"B", numB}, {"C", numC}, {"D", numD},
	{"EEEE", numE}, {"FM", numFM}, {"G", numG}, {"L", numL}, {"MI", numMI}, {"PL", numPL}, {"PR", numPR},
	{"RN", numRN}, {"SG", numSG}, {"SP", numSP}, {"S", numS}, {"TH", numTH}, {"V", numV},
	{"b", numB}, {"c", numC}, {"d", numD}, {"eeee", numE}, {"fm", numFM}, {"g", numG}, {"l", numL},
	{"mi", numMI}, {"pl", numPL}, {"pr", numPR}, {"rn", numRNLower}, {"sg", numSG}, {"sp", numSP},
	{"s", numS}, {"th", numTHLower}, {"v", numV},
}

// numNode is a keyword of the pattern, or (id 0) text copied as it is.
type numNode struct {
	id   int
	text string
}

// Flags of a number pattern (NUMDesc's).
const (
	nfDecimal = 1 << iota
	nfLDecimal
	nfZero
	nfBlank
	nfFillMode
	nfLSign
	nfBracket
	nfMinus
	nfPlus
	nfRoman
	nfMulti
	nfEEEE
)

// Where the S of a pattern anchors its sign.
const (
	lsignNone = iota
	lsignPre
	lsignPost
)

// numDesc is what a number pattern says: digits before and after the
// point, where zero filling starts and ends, the flags.
type numDesc struct {
	pre, post, multi   int
	zeroStart, zeroEnd int
	lsign, preLsignNum int
	flag               int
}

func (d *numDesc) is(f int) bool { return d.flag&f != 0 }

func numSyntax(msg string) error { return pgcode.New(pgcode.SyntaxError, msg) }

// parseNumFormat reads a number pattern.
func parseNumFormat(f string) ([]numNode, *numDesc, error) {
	var nodes []numNode
	d := &numDesc{}
	for i := 0; i < len(f); {
		id := 0
		for _, k := range numKeywords {
			if strings.HasPrefix(f[i:], k.s) {
				id = k.id
				nodes = append(nodes, numNode{id: id, text: k.s})
				i += len(k.s)
				break
			}
		}
		if id != 0 {
			if err := d.prepare(id); err != nil {
				return nil, nil, err
			}
			continue
		}
		switch {
		case f[i] == '"':
			i++
			for i < len(f) {
				if f[i] == '"' {
					i++
					break
				}
				if f[i] == '\\' && i+1 < len(f) {
					i++
				}
				n := charLen(f[i:])
				nodes = append(nodes, numNode{text: f[i : i+n]})
				i += n
			}
		default:
			if f[i] == '\\' && i+1 < len(f) && f[i+1] == '"' {
				i++
			}
			n := charLen(f[i:])
			nodes = append(nodes, numNode{text: f[i : i+n]})
			i += n
		}
	}
	return nodes, d, nil
}

// charLen is the length in bytes of the character s starts with.
func charLen(s string) int {
	for i := 1; i < len(s); i++ {
		if s[i]&0xC0 != 0x80 {
			return i
		}
	}
	return len(s)
}

// prepare takes one keyword into the description, as NUMDesc_prepare.
func (d *numDesc) prepare(id int) error {
	if d.is(nfEEEE) && id != num9 && id != num0 && id != numDec && id != numD {
		return numSyntax(`"EEEE" must be the last pattern used`)
	}
	switch id {
	case num9:
		if d.is(nfBracket) {
			return numSyntax(`"9" must be ahead of "PR"`)
		}
		switch {
		case d.is(nfMulti):
			d.multi++
		case d.is(nfDecimal):
			d.post++
		default:
			d.pre++
		}
	case num0:
		if d.is(nfBracket) {
			return numSyntax(`"0" must be ahead of "PR"`)
		}
		if !d.is(nfZero) && !d.is(nfDecimal) {
			d.flag |= nfZero
			d.zeroStart = d.pre + 1
		}
		if !d.is(nfDecimal) {
			d.pre++
		} else {
			d.post++
		}
		d.zeroEnd = d.pre + d.post
	case numB:
		if d.pre == 0 && d.post == 0 && !d.is(nfZero) {
			d.flag |= nfBlank
		}
	case numD, numDec:
		if id == numD {
			d.flag |= nfLDecimal
		}
		if d.is(nfDecimal) {
			return numSyntax("multiple decimal points")
		}
		if d.is(nfMulti) {
			return numSyntax(`cannot use "V" and decimal point together`)
		}
		d.flag |= nfDecimal
	case numFM:
		d.flag |= nfFillMode
	case numS:
		if d.is(nfLSign) {
			return numSyntax(`cannot use "S" twice`)
		}
		if d.is(nfPlus) || d.is(nfMinus) || d.is(nfBracket) {
			return numSyntax(`cannot use "S" and "PL"/"MI"/"SG"/"PR" together`)
		}
		if !d.is(nfDecimal) {
			d.lsign = lsignPre
			d.preLsignNum = d.pre
			d.flag |= nfLSign
		} else if d.lsign == lsignNone {
			d.lsign = lsignPost
			d.flag |= nfLSign
		}
	case numMI:
		if d.is(nfLSign) {
			return numSyntax(`cannot use "S" and "MI" together`)
		}
		d.flag |= nfMinus
	case numPL:
		if d.is(nfLSign) {
			return numSyntax(`cannot use "S" and "PL" together`)
		}
		d.flag |= nfPlus
	case numSG:
		if d.is(nfLSign) {
			return numSyntax(`cannot use "S" and "SG" together`)
		}
		d.flag |= nfMinus | nfPlus
	case numPR:
		if d.is(nfLSign) || d.is(nfPlus) || d.is(nfMinus) {
			return numSyntax(`cannot use "PR" and "S"/"PL"/"MI"/"SG" together`)
		}
		d.flag |= nfBracket
	case numRN, numRNLower:
		d.flag |= nfRoman
	case numV:
		if d.is(nfDecimal) {
			return numSyntax(`cannot use "V" and decimal point together`)
		}
		d.flag |= nfMulti
	case numE:
		if d.is(nfEEEE) {
			return numSyntax(`cannot use "EEEE" twice`)
		}
		if d.is(nfBlank) || d.is(nfFillMode) || d.is(nfLSign) || d.is(nfBracket) || d.is(nfMinus) ||
			d.is(nfPlus) || d.is(nfRoman) || d.is(nfMulti) {
			return numSyntax(`"EEEE" is incompatible with other formats`).(*pgcode.Error).
				WithDetail(`"EEEE" may only be used together with digit and decimal point patterns.`)
		}
		d.flag |= nfEEEE
	}
	return nil
}

// overflowed is the digits of a number too wide for its pattern: all #.
func overflowed(d *numDesc) string {
	b := []byte(strings.Repeat("#", d.pre+d.post+1))
	b[d.pre] = '.'
	return string(b)
}

// roman writes 1 to 3999 in Roman numerals; other numbers are 15 #.
func roman(n int64) string {
	if n < 1 || n > 3999 {
		return strings.Repeat("#", 15)
	}
	var b strings.Builder
	for _, r := range []struct {
		v int64
		s string
	}{{1000, "M"}, {900, "CM"}, {500, "D"}, {400, "CD"}, {100, "C"}, {90, "XC"}, {50, "L"}, {40, "XL"},
		{10, "X"}, {9, "IX"}, {5, "V"}, {4, "IV"}, {1, "I"}} {
		for n >= r.v {
			b.WriteString(r.s)
			n -= r.v
		}
	}
	return b.String()
}

// padPre is the blank digit positions before a number's digits.
func padPre(digits string, d *numDesc) (string, int) {
	pre := len(digits)
	if p := strings.IndexByte(digits, '.'); p >= 0 {
		pre = p
	}
	switch {
	case pre < d.pre:
		return digits, d.pre - pre
	case pre > d.pre:
		return overflowed(d), 0
	}
	return digits, 0
}

func intToChar(v int64, f string, bits int) (types.Datum, error) {
	nodes, d, err := parseNumFormat(f)
	if err != nil {
		return nil, err
	}
	switch {
	case d.is(nfRoman):
		return numFormat(nodes, d, roman(v), 0, '+')
	case d.is(nfEEEE):
		s := strconv.FormatFloat(float64(v), 'e', d.post, 64)
		if s[0] != '-' {
			s = " " + s
		}
		return numFormat(nodes, d, s, 0, '+')
	}
	if d.is(nfMulti) {
		m := int64(math.Pow(10, float64(d.multi)))
		if bits == 32 {
			// int4's product wraps, as PostgreSQL's does; a factor past
			// int4's range is its smallest value there.
			m32 := int32(math.MinInt32)
			if m <= math.MaxInt32 {
				m32 = int32(m)
			}
			v = int64(int32(v) * m32)
		} else if r := v * m; m != 0 && (r/m != v || d.multi > 18) {
			return nil, pgcode.New(pgcode.NumericValueOutOfRange, "bigint out of range")
		} else {
			v = r
		}
		d.pre += d.multi
	}
	sign := byte('+')
	digits := strconv.FormatInt(v, 10)
	if digits[0] == '-' {
		sign, digits = '-', digits[1:]
	}
	pre := len(digits)
	if d.post > 0 {
		digits += "." + strings.Repeat("0", d.post)
	}
	spaces := 0
	switch {
	case pre < d.pre:
		spaces = d.pre - pre
	case pre > d.pre:
		digits = overflowed(d)
	}
	return numFormat(nodes, d, digits, spaces, sign)
}

func floatToChar(v float64, f string, bits int) (types.Datum, error) {
	nodes, d, err := parseNumFormat(f)
	if err != nil {
		return nil, err
	}
	switch {
	case d.is(nfRoman):
		return numFormat(nodes, d, roman(int64(math.RoundToEven(v))), 0, '+')
	case d.is(nfEEEE):
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b := []byte(strings.Repeat("#", d.pre+d.post+6))
			b[0], b[d.pre+1] = ' ', '.'
			return numFormat(nodes, d, string(b), 0, '+')
		}
		s := strconv.FormatFloat(v, 'e', d.post, bits)
		if s[0] != '-' {
			s = " " + s
		}
		return numFormat(nodes, d, s, 0, '+')
	}
	if d.is(nfMulti) {
		v *= math.Pow(10, float64(d.multi))
		d.pre += d.multi
	}
	maxDigits := 15 // DBL_DIG
	if bits == 32 {
		maxDigits = 6 // FLT_DIG
		v = float64(float32(v))
	}
	whole := len(formatFixed(math.Abs(v), 0, bits))
	switch {
	case whole >= maxDigits:
		d.post = 0
	case whole+d.post > maxDigits:
		d.post = maxDigits - whole
	}
	s := formatFixed(v, d.post, bits)
	sign := byte('+')
	if s[0] == '-' {
		sign, s = '-', s[1:]
	}
	s, spaces := padPre(s, d)
	return numFormat(nodes, d, s, spaces, sign)
}

// formatFixed is %.*f as PostgreSQL's snprintf writes it: fixed point,
// with NaN, Infinity and -Infinity spelled out.
func formatFixed(v float64, prec, bits int) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(v, 'f', prec, bits)
}

func numericToChar(v *apd.Decimal, f string) (types.Datum, error) {
	nodes, d, err := parseNumFormat(f)
	if err != nil {
		return nil, err
	}
	switch {
	case d.is(nfRoman):
		n := int64(0)
		if v.Form == apd.Finite {
			r := numericRound(v, 0)
			if i, err := r.Int64(); err == nil && i >= math.MinInt32 && i <= math.MaxInt32 {
				n = i
			} else {
				return nil, errIntegerRange
			}
		} else {
			return nil, pgcode.New(pgcode.FeatureNotSupported, "cannot convert NaN to integer")
		}
		return numFormat(nodes, d, roman(n), 0, '+')
	case d.is(nfEEEE):
		var s string
		if v.Form != apd.Finite {
			b := []byte(strings.Repeat("#", d.pre+d.post+6))
			b[0], b[d.pre+1] = ' ', '.'
			s = string(b)
		} else {
			s = numericSci(v, d.post)
			if s[0] != '-' {
				s = " " + s
			}
		}
		return numFormat(nodes, d, s, 0, '+')
	}
	if d.is(nfMulti) && v.Form == apd.Finite {
		x := &apd.Decimal{Exponent: v.Exponent + int32(d.multi), Negative: v.Negative}
		x.Coeff.Set(&v.Coeff)
		v = plain(x)
		d.pre += d.multi
	}
	return finishNumeric(nodes, d, v)
}

var errIntegerRange = pgcode.New(pgcode.NumericValueOutOfRange, "integer out of range")

// finishNumeric writes a numeric rounded to the pattern's digits after
// the point and formats it.
func finishNumeric(nodes []numNode, d *numDesc, v *apd.Decimal) (types.Datum, error) {
	s := string(engine.AppendNumeric(nil, numericRound(v, int64(d.post))))
	sign := byte('+')
	if s[0] == '-' {
		sign, s = '-', s[1:]
	}
	s, spaces := padPre(s, d)
	return numFormat(nodes, d, s, spaces, sign)
}

// numericSci writes a finite numeric as d.dddde+xx with scale digits
// after the point, as numeric_out_sci.
func numericSci(v *apd.Decimal, scale int) string {
	exp := int64(0)
	if !v.IsZero() {
		exp = int64(v.Exponent) + v.NumDigits() - 1
	}
	sig := &apd.Decimal{Exponent: v.Exponent - int32(exp), Negative: v.Negative}
	sig.Coeff.Set(&v.Coeff)
	sig = numericRound(sig, int64(scale))
	out := string(engine.AppendNumeric(nil, sig))
	es := strconv.FormatInt(abs64(exp), 10)
	if len(es) < 2 {
		es = "0" + es
	}
	if exp < 0 {
		return out + "e-" + es
	}
	return out + "e+" + es
}

// numProc is NUM_processor's state while it writes a number.
type numProc struct {
	d         *numDesc
	number    string
	p         int // the next character of number
	out       strings.Builder
	sign      byte
	signWrote bool
	numIn     bool
	numCurr   int
	numCount  int
	preSpaces int
	lastRel   int // index in number of the last digit worth writing (-1: none)
}

func (np *numProc) numberAt(i int) byte {
	if i < len(np.number) {
		return np.number[i]
	}
	return 0
}

// predecSpace is IS_PREDEC_SPACE: a lone 0 before the point of a pattern
// without 0s is a blank.
func (np *numProc) predecSpace() bool {
	return !np.d.is(nfZero) && np.p == 0 && np.numberAt(0) == '0' && np.d.post != 0
}

// numFormat walks the pattern over the number's digits (without sign;
// preSpaces digit positions left blank before them).
func numFormat(nodes []numNode, d *numDesc, number string, preSpaces int, sign byte) (types.Datum, error) {
	np := &numProc{d: d, number: number, sign: sign, preSpaces: preSpaces, lastRel: -1}
	if d.zeroStart > 0 {
		d.zeroStart--
	}
	if d.is(nfEEEE) {
		return number, nil
	}
	if d.is(nfRoman) {
		d.lsign, d.preLsignNum, d.post, d.pre, np.preSpaces, np.sign = 0, 0, 0, 0, 0, 0
		d.flag &= nfFillMode
		d.flag |= nfRoman
	}
	if d.is(nfPlus) || d.is(nfMinus) {
		np.signWrote = !(d.is(nfPlus) && !d.is(nfMinus))
	} else {
		if np.sign != '-' && d.is(nfFillMode) {
			d.flag &^= nfBracket
		}
		np.signWrote = np.sign == '+' && d.is(nfFillMode) && !d.is(nfLSign)
		if d.lsign == lsignPre && d.pre == d.preLsignNum {
			d.lsign = lsignPost
		}
	}
	np.numCount = d.post + d.pre - 1
	if d.is(nfFillMode) && d.is(nfDecimal) {
		np.lastRel = lastRelevant(number)
		if np.lastRel >= 0 && d.zeroEnd > np.preSpaces {
			lastZero := min(len(number)-1, d.zeroEnd-np.preSpaces)
			if np.lastRel < lastZero {
				np.lastRel = lastZero
			}
		}
	}
	if !np.signWrote && np.preSpaces == 0 {
		np.numCount++
	}
	for _, n := range nodes {
		if n.id == 0 {
			np.out.WriteString(n.text)
			continue
		}
		if err := np.action(n.id); err != nil {
			return nil, err
		}
	}
	out := np.out.String()
	if i := strings.IndexByte(out, 0); i >= 0 {
		out = out[:i]
	}
	return out, nil
}

// lastRelevant is the index of the last nonzero digit after the point,
// or of the point; -1 when there is no point.
func lastRelevant(s string) int {
	p := strings.IndexByte(s, '.')
	if p < 0 {
		return -1
	}
	r := p
	for i := p + 1; i < len(s); i++ {
		if s[i] != '0' {
			r = i
		}
	}
	return r
}

func (np *numProc) action(id int) error {
	d := np.d
	fill := d.is(nfFillMode)
	switch id {
	case num9, num0, numDec, numD:
		np.numPart(id)
	case numComma, numG:
		switch {
		case np.numIn:
			np.out.WriteByte(',')
		case !fill:
			np.out.WriteByte(' ')
		}
	case numL:
		np.out.WriteByte(' ') // the C locale has no currency symbol
	case numRN, numRNLower:
		s := np.number
		if id == numRNLower {
			s = strings.ToLower(s)
		}
		if !fill && len(s) < 15 {
			s = strings.Repeat(" ", 15-len(s)) + s
		}
		np.out.WriteString(s)
	case numTH, numTHLower:
		if d.is(nfRoman) || np.numberAt(0) == '#' || np.sign == '-' || d.is(nfDecimal) {
			return nil
		}
		th, err := numSuffix(np.number)
		if err != nil {
			return err
		}
		if id == numTHLower {
			th = strings.ToLower(th)
		}
		np.out.WriteString(th)
	case numMI:
		switch {
		case np.sign == '-':
			np.out.WriteByte('-')
		case !fill:
			np.out.WriteByte(' ')
		}
	case numPL:
		switch {
		case np.sign == '+':
			np.out.WriteByte('+')
		case !fill:
			np.out.WriteByte(' ')
		}
	case numSG:
		np.out.WriteByte(np.sign)
	}
	return nil
}

// numSuffix is the English ordinal suffix of a number's last digit.
func numSuffix(num string) (string, error) {
	last := num[len(num)-1]
	if last < '0' || last > '9' {
		return "", pgcode.Newf(pgcode.InvalidTextRepresentation, "\"%s\" is not a number", num)
	}
	if len(num) > 1 && num[len(num)-2] == '1' {
		return "TH", nil
	}
	switch last {
	case '1':
		return "ST", nil
	case '2':
		return "ND", nil
	case '3':
		return "RD", nil
	}
	return "TH", nil
}

// numPart writes a digit position or the point, with the sign before the
// first digit written, as NUM_numpart_to_char.
func (np *numProc) numPart(id int) {
	d := np.d
	if d.is(nfRoman) {
		return
	}
	fill := d.is(nfFillMode)
	lastRelIsPoint := np.lastRel >= 0 && np.numberAt(np.lastRel) == '.'
	if !np.signWrote &&
		(np.numCurr >= np.preSpaces || (d.is(nfZero) && d.zeroStart == np.numCurr)) &&
		(!np.predecSpace() || lastRelIsPoint) {
		switch {
		case d.is(nfLSign):
			if d.lsign == lsignPre {
				np.out.WriteByte(np.sign)
				np.signWrote = true
			}
		case d.is(nfBracket):
			if np.sign == '+' {
				np.out.WriteByte(' ')
			} else {
				np.out.WriteByte('<')
			}
			np.signWrote = true
		case np.sign == '+':
			if !fill {
				np.out.WriteByte(' ')
			}
			np.signWrote = true
		case np.sign == '-':
			np.out.WriteByte('-')
			np.signWrote = true
		}
	}
	switch {
	case np.numCurr < np.preSpaces && (d.zeroStart > np.numCurr || !d.is(nfZero)):
		if !fill {
			np.out.WriteByte(' ')
		}
	case d.is(nfZero) && np.numCurr < np.preSpaces && d.zeroStart <= np.numCurr:
		np.out.WriteByte('0')
		np.numIn = true
	default:
		if np.numberAt(np.p) == '.' {
			if !lastRelIsPoint || fill {
				np.out.WriteByte('.')
			}
		} else {
			switch {
			case np.lastRel >= 0 && np.p > np.lastRel && id != num0:
			case np.predecSpace():
				if !fill {
					np.out.WriteByte(' ')
				} else if lastRelIsPoint {
					np.out.WriteByte('0')
				}
			default:
				// Past the number's end this is its terminating zero byte,
				// which ends the text (see numFormat).
				np.out.WriteByte(np.numberAt(np.p))
				np.numIn = true
			}
		}
		if np.p < len(np.number) {
			np.p++
		}
	}
	end := np.numCount
	if np.preSpaces > 0 {
		end++
	}
	if d.is(nfDecimal) {
		end++
	}
	if np.lastRel >= 0 && np.lastRel == np.p {
		end = np.numCurr
	}
	if np.numCurr+1 == end {
		switch {
		case np.signWrote && d.is(nfBracket):
			if np.sign == '+' {
				np.out.WriteByte(' ')
			} else {
				np.out.WriteByte('>')
			}
		case d.is(nfLSign) && d.lsign == lsignPost:
			np.out.WriteByte(np.sign)
		}
	}
	np.numCurr++
}
