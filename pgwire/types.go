package pgwire

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

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
		return append(dst, formatFloat(x, oid)...)
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

// formatFloat prints a float as PostgreSQL 12+ does: the shortest text
// that reads back exactly.
func formatFloat(f float64, oid uint32) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	bits := 64
	if oid == exec.OIDFloat4 {
		bits = 32
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
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
		return binary.BigEndian.AppendUint64(dst, math.Float64bits(f)), nil
	case exec.OIDFloat4:
		f, ok := v.(float64)
		if !ok {
			return nil, fmt.Errorf("cannot encode %T as float4", v)
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

// appendNumericBinary encodes a decimal string in numeric's binary form:
// ndigits, weight, sign, dscale, then base-10000 digits.
func appendNumericBinary(dst []byte, s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "NaN":
		return append(dst, 0, 0, 0, 0, 0xC0, 0, 0, 0), nil
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	if strings.ContainsAny(s, "eE") {
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			return nil, fmt.Errorf("invalid numeric %q", s)
		}
		s = r.FloatString(30)
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	intPart, frac, _ := strings.Cut(s, ".")
	for _, c := range intPart + frac {
		if c < '0' || c > '9' {
			return nil, fmt.Errorf("invalid numeric %q", s)
		}
	}
	dscale := len(frac)
	// Pad the integer part on the left and the fraction on the right to
	// whole groups of four digits.
	if pad := (4 - len(intPart)%4) % 4; pad > 0 {
		intPart = strings.Repeat("0", pad) + intPart
	}
	if pad := (4 - len(frac)%4) % 4; pad > 0 {
		frac += strings.Repeat("0", pad)
	}
	all := intPart + frac
	var digits []int16
	for i := 0; i < len(all); i += 4 {
		d, _ := strconv.Atoi(all[i : i+4])
		digits = append(digits, int16(d))
	}
	weight := len(intPart)/4 - 1
	// Strip leading and trailing zero groups.
	for len(digits) > 0 && digits[0] == 0 {
		digits = digits[1:]
		weight--
	}
	for len(digits) > 0 && digits[len(digits)-1] == 0 {
		digits = digits[:len(digits)-1]
	}
	sign := uint16(0)
	if neg && len(digits) > 0 {
		sign = 0x4000
	}
	if len(digits) == 0 {
		weight = 0
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(digits)))
	dst = binary.BigEndian.AppendUint16(dst, uint16(int16(weight)))
	dst = binary.BigEndian.AppendUint16(dst, sign)
	dst = binary.BigEndian.AppendUint16(dst, uint16(dscale))
	for _, d := range digits {
		dst = binary.BigEndian.AppendUint16(dst, uint16(d))
	}
	return dst, nil
}

// decodeNumericBinary reads numeric's binary form as a decimal string.
func decodeNumericBinary(b []byte) (string, error) {
	if len(b) < 8 {
		return "", fmt.Errorf("numeric too short")
	}
	n := int(binary.BigEndian.Uint16(b))
	weight := int(int16(binary.BigEndian.Uint16(b[2:])))
	sign := binary.BigEndian.Uint16(b[4:])
	dscale := int(binary.BigEndian.Uint16(b[6:]))
	if len(b) != 8+2*n || dscale > 16383 {
		return "", fmt.Errorf("numeric of wrong length")
	}
	if sign == 0xC000 {
		return "NaN", nil
	}
	var intDigits, fracDigits strings.Builder
	for i := 0; i < n; i++ {
		d := binary.BigEndian.Uint16(b[8+2*i:])
		if d > 9999 {
			return "", fmt.Errorf("numeric digit out of range")
		}
		group := fmt.Sprintf("%04d", d)
		if i <= weight {
			intDigits.WriteString(group)
		} else {
			fracDigits.WriteString(group)
		}
	}
	ip := intDigits.String()
	for i := n; i <= weight; i++ {
		ip += "0000"
	}
	fp := fracDigits.String()
	if weight < -1 {
		fp = strings.Repeat("0000", -weight-1) + fp
	}
	ip = strings.TrimLeft(ip, "0")
	if ip == "" {
		ip = "0"
	}
	for len(fp) < dscale {
		fp += "0"
	}
	fp = fp[:min(len(fp), dscale)]
	out := ip
	if fp != "" {
		out += "." + fp
	}
	if sign == 0x4000 {
		out = "-" + out
	}
	return out, nil
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
		s, err := decodeNumericBinary(b)
		if err != nil {
			return nil, err
		}
		return decodeTextParam(s, oid)
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
	case exec.OIDBytea:
		if strings.HasPrefix(s, `\x`) {
			return hex.DecodeString(s[2:])
		}
		return []byte(s), nil
	}
	return s, nil
}
