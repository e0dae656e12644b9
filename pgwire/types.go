package pgwire

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/driftql/exec"
	"github.com/driftdb/driftdb/engine"
)

// pgEpoch is where PostgreSQL's binary timestamps and dates count from.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// typeSize is the fixed size of a type (-1: variable).
func typeSize(oid uint32) int16 {
	switch oid {
	case exec.OIDBool:
		return 1
	case exec.OIDInt2:
		return 2
	case exec.OIDInt4, exec.OIDFloat4, exec.OIDDate:
		return 4
	case exec.OIDInt8, exec.OIDFloat8, exec.OIDTimestamp, exec.OIDTimestamptz:
		return 8
	case exec.OIDUUID:
		return 16
	case exec.OIDName:
		return 64
	}
	return -1
}

// encodeText writes a value in PostgreSQL's text format for oid. v is nil
// or the Go type exec gives for the OID.
func encodeText(dst []byte, v any, oid uint32) []byte {
	switch x := v.(type) {
	case bool:
		if x {
			return append(dst, 't')
		}
		return append(dst, 'f')
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case float64:
		bits := 64
		if oid == exec.OIDFloat4 {
			bits = 32
		}
		return exec.AppendFloat(dst, x, bits)
	case string:
		return append(dst, x...)
	case []byte:
		if oid == exec.OIDBytea {
			dst = append(dst, `\x`...)
			return hex.AppendEncode(dst, x)
		}
		return append(dst, x...)
	case time.Time:
		switch oid {
		case exec.OIDDate:
			return x.UTC().AppendFormat(dst, "2006-01-02")
		case exec.OIDTimestamp:
			return x.UTC().AppendFormat(dst, "2006-01-02 15:04:05.999999")
		}
		dst = x.UTC().AppendFormat(dst, "2006-01-02 15:04:05.999999")
		return append(dst, "+00"...)
	case [16]byte:
		h := hex.EncodeToString(x[:])
		return append(dst, h[:8]+"-"+h[8:12]+"-"+h[12:16]+"-"+h[16:20]+"-"+h[20:]...)
	}
	return fmt.Append(dst, v)
}

// encodeBinary writes a value in PostgreSQL's binary format for oid.
func encodeBinary(dst []byte, v any, oid uint32) ([]byte, error) {
	switch oid {
	case exec.OIDInt8, exec.OIDInt4, exec.OIDInt2:
		n, ok := v.(int64)
		if !ok {
			return nil, fmt.Errorf("cannot encode %T as integer", v)
		}
		switch oid {
		case exec.OIDInt8:
			return binary.BigEndian.AppendUint64(dst, uint64(n)), nil
		case exec.OIDInt4:
			if n < math.MinInt32 || n > math.MaxInt32 {
				return nil, fmt.Errorf("integer out of range")
			}
			return binary.BigEndian.AppendUint32(dst, uint32(int32(n))), nil
		}
		if n < math.MinInt16 || n > math.MaxInt16 {
			return nil, fmt.Errorf("smallint out of range")
		}
		return binary.BigEndian.AppendUint16(dst, uint16(int16(n))), nil
	case exec.OIDFloat8:
		f, ok := v.(float64)
		if !ok {
			return nil, fmt.Errorf("cannot encode %T as float8", v)
		}
		if math.IsNaN(f) {
			return binary.BigEndian.AppendUint64(dst, 0x7ff8000000000000), nil // PostgreSQL's NaN
		}
		return binary.BigEndian.AppendUint64(dst, math.Float64bits(f)), nil
	case exec.OIDFloat4:
		f, ok := v.(float64)
		if !ok {
			return nil, fmt.Errorf("cannot encode %T as float4", v)
		}
		if math.IsNaN(f) {
			return binary.BigEndian.AppendUint32(dst, 0x7fc00000), nil
		}
		return binary.BigEndian.AppendUint32(dst, math.Float32bits(float32(f))), nil
	case exec.OIDBool:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("cannot encode %T as bool", v)
		}
		if b {
			return append(dst, 1), nil
		}
		return append(dst, 0), nil
	case exec.OIDJSONB:
		dst = append(dst, 1)
		return encodeText(dst, v, oid), nil
	case exec.OIDTimestamptz, exec.OIDTimestamp:
		t, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("cannot encode %T as timestamp", v)
		}
		us := t.Sub(pgEpoch).Microseconds()
		return binary.BigEndian.AppendUint64(dst, uint64(us)), nil
	case exec.OIDDate:
		t, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("cannot encode %T as date", v)
		}
		days := int32(math.Floor(t.UTC().Sub(pgEpoch).Hours() / 24))
		return binary.BigEndian.AppendUint32(dst, uint32(days)), nil
	case exec.OIDUUID:
		u, ok := v.([16]byte)
		if s, isStr := v.(string); isStr {
			b, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
			if err != nil || len(b) != 16 {
				return nil, fmt.Errorf("invalid uuid %q", s)
			}
			copy(u[:], b)
			ok = true
		}
		if !ok {
			return nil, fmt.Errorf("cannot encode %T as uuid", v)
		}
		return append(dst, u[:]...), nil
	case exec.OIDNumeric:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("cannot encode %T as numeric", v)
		}
		return appendNumericBinary(dst, s)
	case exec.OIDBytea:
		if b, ok := v.([]byte); ok {
			return append(dst, b...), nil
		}
	}
	// text, varchar, name, json: the text bytes.
	return encodeText(dst, v, oid), nil
}

// appendNumericBinary encodes numeric text as exec gives it (PostgreSQL's
// text form) in numeric's binary form. Its decimal digits group into
// base-10000 digits in one pass. (pgx's NumericCodec, which the tests use
// to read the result back, divides a big integer by 10000 for every
// digit: quadratic, a second for a value of 131072 digits.)
func appendNumericBinary(dst []byte, s string) ([]byte, error) {
	header := func(ndigits, weight int, sign uint16, dscale int) []byte {
		dst = binary.BigEndian.AppendUint16(dst, uint16(ndigits))
		dst = binary.BigEndian.AppendUint16(dst, uint16(int16(weight)))
		dst = binary.BigEndian.AppendUint16(dst, sign)
		return binary.BigEndian.AppendUint16(dst, uint16(dscale))
	}
	switch s {
	case "NaN":
		return header(0, 0, numericNaN, 0), nil
	case "Infinity":
		// PostgreSQL sends a dscale of 32 with infinities: bits of their
		// header read as the scale.
		return header(0, 0, numericPosInf, 32), nil
	case "-Infinity":
		return header(0, 0, numericNegInf, 32), nil
	}
	text := s
	neg := strings.HasPrefix(text, "-")
	if neg {
		text = text[1:]
	}
	intPart, frac, _ := strings.Cut(text, ".")
	if intPart == "" || !allDigits(intPart) || !allDigits(frac) {
		// Another form (a document's number written with an exponent):
		// read it as numeric, within numeric's limits.
		d, err := engine.ParseNumeric(s)
		if err != nil {
			return nil, err
		}
		if t := engine.NumericText(d); t != s {
			return appendNumericBinary(dst, t)
		}
		return nil, fmt.Errorf("invalid numeric %q", s)
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > engine.NumericMaxIntDigits || len(frac) > engine.NumericMaxScale {
		return nil, &exec.Error{Code: exec.CodeNumericRange, Msg: "value overflows numeric format"}
	}
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

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Numeric's binary form (PostgreSQL's numeric_send): four 16-bit fields,
// then ndigits base-10000 digits, most significant first.
//
//	ndigits  number of digits
//	weight   the power of 10000 of the first digit (int16)
//	sign     0x0000 +, 0x4000 -, 0xC000 NaN, 0xD000 Infinity, 0xF000 -Infinity
//	dscale   digits shown after the point (at most 0x3FFF)
const (
	numericPos    = 0x0000
	numericNeg    = 0x4000
	numericNaN    = 0xC000
	numericPosInf = 0xD000
	numericNegInf = 0xF000
)

// binaryError is a malformed binary parameter (22P03, as PostgreSQL).
func binaryError(msg string) error {
	return &exec.Error{Code: "22P03", Msg: msg}
}

// decodeNumericBinary reads numeric's binary form as PostgreSQL's
// numeric_recv does: digits beyond dscale are truncated away. Its work
// follows len(b), not the value's size: the weight only places the digits
// (it becomes an exponent), so 8 bytes saying "weight 32767" cost as
// little as any other 8 bytes. (Building the zeros such a weight stands
// for took seconds.)
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

// paramError is the error of a parameter that cannot be read: with its
// own SQLSTATE when it has one (22003 for a numeric beyond the limits,
// 22P03 for a malformed binary value), else 22P02.
func paramError(i int, err error) error {
	code := exec.CodeInvalidText
	var coded interface{ SQLState() string }
	if errors.As(err, &coded) {
		code = coded.SQLState()
	}
	return &exec.Error{Code: code, Msg: fmt.Sprintf("parameter $%d: %v", i+1, err)}
}

// decodeParam turns a parameter's bytes into the value exec expects.
func decodeParam(b []byte, oid uint32, binaryFormat bool) (any, error) {
	if b == nil {
		return nil, nil
	}
	if !binaryFormat {
		if oid == exec.OIDInt8 || oid == exec.OIDInt4 || oid == exec.OIDInt2 {
			if n, ok := parseDecimal(b); ok {
				return n, nil // the usual form, without a string
			}
		}
		return decodeTextParam(string(b), oid)
	}
	fixed := func(n int) error {
		if len(b) != n {
			return fmt.Errorf("binary value of %d bytes for a type of %d", len(b), n)
		}
		return nil
	}
	switch oid {
	case exec.OIDInt8:
		if err := fixed(8); err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint64(b)), nil
	case exec.OIDInt4:
		if err := fixed(4); err != nil {
			return nil, err
		}
		return int64(int32(binary.BigEndian.Uint32(b))), nil
	case exec.OIDInt2:
		if err := fixed(2); err != nil {
			return nil, err
		}
		return int64(int16(binary.BigEndian.Uint16(b))), nil
	case exec.OIDFloat8:
		if err := fixed(8); err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
	case exec.OIDFloat4:
		if err := fixed(4); err != nil {
			return nil, err
		}
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b))), nil
	case exec.OIDBool:
		if err := fixed(1); err != nil {
			return nil, err
		}
		return b[0] != 0, nil
	case exec.OIDJSONB:
		if len(b) == 0 || b[0] != 1 {
			return nil, fmt.Errorf("unsupported jsonb binary version")
		}
		return json.RawMessage(append([]byte(nil), b[1:]...)), nil
	case exec.OIDJSON:
		return json.RawMessage(append([]byte(nil), b...)), nil
	case exec.OIDTimestamptz, exec.OIDTimestamp:
		if err := fixed(8); err != nil {
			return nil, err
		}
		us := int64(binary.BigEndian.Uint64(b))
		return pgEpoch.Add(time.Duration(us) * time.Microsecond), nil
	case exec.OIDDate:
		if err := fixed(4); err != nil {
			return nil, err
		}
		days := int32(binary.BigEndian.Uint32(b))
		return pgEpoch.AddDate(0, 0, int(days)), nil
	case exec.OIDUUID:
		if err := fixed(16); err != nil {
			return nil, err
		}
		var u [16]byte
		copy(u[:], b)
		return string(encodeText(nil, u, oid)), nil
	case exec.OIDNumeric:
		return decodeNumericBinary(b)
	case exec.OIDBytea:
		return append([]byte(nil), b...), nil
	}
	return string(b), nil
}

// parseDecimal reads an integer written as an optional minus sign and
// digits, as clients send them; anything else (spaces, a plus sign, out of
// range) is left to strconv.
func parseDecimal(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 { // 18 digits cannot overflow
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

func decodeTextParam(s string, oid uint32) (any, error) {
	switch oid {
	case exec.OIDInt8, exec.OIDInt4, exec.OIDInt2:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid input syntax for type bigint: %q", s)
		}
		return n, nil
	case exec.OIDFloat8, exec.OIDFloat4:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, fmt.Errorf("invalid input syntax for type double precision: %q", s)
		}
		return f, nil
	case exec.OIDBool:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "t", "true", "yes", "on", "1":
			return true, nil
		case "f", "false", "no", "off", "0":
			return false, nil
		}
		return nil, fmt.Errorf("invalid input syntax for type boolean: %q", s)
	case exec.OIDTimestamptz, exec.OIDTimestamp, exec.OIDDate:
		t, err := engine.ParseTimestamp(s)
		if err != nil {
			return nil, fmt.Errorf("invalid input syntax for type timestamp: %q", s)
		}
		return t, nil
	case exec.OIDJSON, exec.OIDJSONB:
		return json.RawMessage(s), nil
	case exec.OIDNumeric:
		return engine.ParseNumeric(s)
	case exec.OIDBytea:
		if strings.HasPrefix(s, `\x`) {
			return hex.DecodeString(s[2:])
		}
		return []byte(s), nil
	}
	return s, nil
}
