package types

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/pgcode"
)

// Numeric's binary form (PostgreSQL's numeric_send): four 16-bit fields,
// then ndigits base-10000 digits, most significant first.
//
//	ndigits  number of digits
//	weight   the power of 10000 of the first digit (int16)
//	sign     0x0000 +, 0x4000 -, 0xC000 NaN, 0xD000 Infinity, 0xF000 -Infinity
//	dscale   digits shown after the point (at most 0x3FFF)
//
// Part of the protocol: never change.
const (
	numericPos    = 0x0000
	numericNeg    = 0x4000
	numericNaN    = 0xC000
	numericPosInf = 0xD000
	numericNegInf = 0xF000
)

// binaryError is a malformed binary value (22P03, as PostgreSQL).
func binaryError(msg string) *pgcode.Error {
	return pgcode.New(pgcode.InvalidBinaryRepresentation, msg)
}

// appendNumericBinary encodes a numeric in numeric_send's form. Its
// decimal text groups into base-10000 digits in one pass. (pgx's
// NumericCodec divides a big integer by 10000 for every digit: quadratic,
// a second for a value of 131072 digits.)
func appendNumericBinary(dst []byte, d *apd.Decimal) ([]byte, error) {
	header := func(ndigits, weight int, sign uint16, dscale int) []byte {
		dst = binary.BigEndian.AppendUint16(dst, uint16(ndigits))
		dst = binary.BigEndian.AppendUint16(dst, uint16(int16(weight)))
		dst = binary.BigEndian.AppendUint16(dst, sign)
		return binary.BigEndian.AppendUint16(dst, uint16(dscale))
	}
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return header(0, 0, numericNaN, 0), nil
	case apd.Infinite:
		// PostgreSQL sends a dscale of 32 with infinities: bits of their
		// header read as the scale.
		if d.Negative {
			return header(0, 0, numericNegInf, 32), nil
		}
		return header(0, 0, numericPosInf, 32), nil
	}
	if err := engine.CheckNumeric(d); err != nil {
		return nil, fromEngine(err)
	}
	text := string(engine.AppendNumeric(nil, d))
	neg := strings.HasPrefix(text, "-")
	if neg {
		text = text[1:]
	}
	intPart, frac, _ := strings.Cut(text, ".")
	intPart = strings.TrimLeft(intPart, "0")
	// The digits padded to whole groups of four on both sides of the point.
	lead := (4 - len(intPart)%4) % 4
	all := make([]byte, 0, lead+len(intPart)+len(frac)+3)
	all = append(all, "000"[:lead]...)
	all = append(all, intPart...)
	all = append(all, frac...)
	all = append(all, "000"[:(4-len(frac)%4)%4]...)
	weight := (lead+len(intPart))/4 - 1
	for len(all) > 0 && string(all[:4]) == "0000" { // leading zero groups
		all = all[4:]
		weight--
	}
	for len(all) > 0 && string(all[len(all)-4:]) == "0000" { // trailing zero groups
		all = all[:len(all)-4]
	}
	sign := uint16(numericPos)
	if len(all) == 0 {
		weight = 0
	} else if neg {
		sign = numericNeg
	}
	dst = header(len(all)/4, weight, sign, len(frac))
	for i := 0; i < len(all); i += 4 {
		g := uint16(all[i]-'0')*1000 + uint16(all[i+1]-'0')*100 + uint16(all[i+2]-'0')*10 + uint16(all[i+3]-'0')
		dst = binary.BigEndian.AppendUint16(dst, g)
	}
	return dst, nil
}

// decodeNumericBinary reads numeric's binary form as PostgreSQL's
// numeric_recv does: digits beyond dscale are truncated away. Its work
// follows len(b), not the value's size: the weight only places the digits
// (it becomes an exponent), so 8 bytes saying "weight 32767" cost as
// little as any other 8 bytes.
func decodeNumericBinary(b []byte) (*apd.Decimal, error) {
	if len(b) < 8 {
		return nil, binaryError("insufficient data in binary numeric")
	}
	ndigits := int(binary.BigEndian.Uint16(b))
	weight := int64(int16(binary.BigEndian.Uint16(b[2:])))
	sign := binary.BigEndian.Uint16(b[4:])
	dscale := int64(binary.BigEndian.Uint16(b[6:]))
	if len(b) != 8+2*ndigits {
		return nil, binaryError(fmt.Sprintf("binary numeric of %d bytes holds %d digits", len(b), ndigits))
	}
	d := new(apd.Decimal)
	switch sign {
	case numericPos, numericNeg:
		d.Negative = sign == numericNeg
	case numericNaN:
		d.Form = apd.NaN
		return d, nil
	case numericPosInf, numericNegInf:
		d.Form, d.Negative = apd.Infinite, sign == numericNegInf
		return d, nil
	default:
		return nil, binaryError(`invalid sign in external "numeric" value`)
	}
	if dscale > 0x3FFF {
		return nil, binaryError(`invalid scale in external "numeric" value`)
	}
	digits := make([]uint16, ndigits)
	for i := range digits {
		if digits[i] = binary.BigEndian.Uint16(b[8+2*i:]); digits[i] >= 10000 {
			return nil, binaryError(`invalid digit in external "numeric" value`)
		}
	}
	// Digit i holds the decimal exponents 4*(weight-i) to 4*(weight-i)+3.
	// Keep those at or above -dscale; the last digit kept may lose some of
	// its decimal digits.
	last := ndigits - 1
	for last >= 0 && 4*(weight-int64(last))+3 < -dscale {
		last--
	}
	first := 0
	for first <= last && digits[first] == 0 {
		first++
	}
	// The exponents of the first nonzero decimal digit and of the last
	// one kept.
	var firstExp, lastExp int64
	if first <= last {
		lead := int64(len(strconv.Itoa(int(digits[first]))))
		firstExp = 4*(weight-int64(first)) + lead - 1
		lastExp = max(4*(weight-int64(last)), -dscale)
	}
	if first > last || firstExp < lastExp { // zero (after truncation), with its scale
		d.Negative = false
		d.Exponent = int32(-dscale)
		return d, nil
	}
	// An int16 weight keeps firstExp below 4*32768 and dscale keeps
	// lastExp at or above -16383: the value is within numeric's limits.
	text := make([]byte, 0, firstExp-lastExp+4)
	text = strconv.AppendUint(text, uint64(digits[first]), 10)
	for _, g := range digits[first+1 : last+1] {
		text = append(text, byte('0'+g/1000), byte('0'+g/100%10), byte('0'+g/10%10), byte('0'+g%10))
	}
	text = text[:firstExp-lastExp+1] // what the last digit has below -dscale goes
	if _, ok := d.Coeff.SetString(string(text), 10); !ok {
		return nil, binaryError(`invalid digit in external "numeric" value`)
	}
	d.Exponent = int32(lastExp)
	if dscale > 0 && lastExp > -dscale {
		// Show dscale digits after the point, as PostgreSQL does (1 with
		// dscale 2 is 1.00): one multiplication, not a string of zeros.
		d = engine.RoundNumeric(d, int32(dscale), true)
	}
	return d, nil
}
