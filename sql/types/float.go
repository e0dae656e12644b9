package types

import (
	"math"
	"strconv"

	"github.com/driftdb/driftdb/sql/pgcode"
)

// appendFloat writes a float as PostgreSQL's float4out/float8out: with
// extra_float_digits above 0 the shortest text that reads back as the
// same value (exponent form below 1e-4 and from 1e15, or 1e6 for float4);
// otherwise printf's %g with 15 (6 for float4) plus extra_float_digits
// significant digits. NaN, Infinity and -Infinity are words.
func appendFloat(dst []byte, f float64, bits int, extraDigits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	if extraDigits > 0 {
		var buf [32]byte
		e := strconv.AppendFloat(buf[:0], f, 'e', -1, bits)
		i := len(e) - 1
		for e[i] != 'e' {
			i--
		}
		exp := 0
		for _, c := range e[i+2:] {
			exp = exp*10 + int(c-'0')
		}
		if e[i+1] == '-' {
			exp = -exp
		}
		limit := 15
		if bits == 32 {
			limit = 6
		}
		if exp < -4 || exp >= limit {
			return append(dst, e...)
		}
		// The same shortest digits, placed around the point.
		mant := e[:i]
		if mant[0] == '-' {
			dst = append(dst, '-')
			mant = mant[1:]
		}
		var digits [20]byte
		nd := 0
		for _, c := range mant {
			if c != '.' {
				digits[nd] = c
				nd++
			}
		}
		if exp < 0 {
			dst = append(dst, '0', '.')
			for k := -1; k > exp; k-- {
				dst = append(dst, '0')
			}
			return append(dst, digits[:nd]...)
		}
		if nd <= exp+1 {
			dst = append(dst, digits[:nd]...)
			for k := nd; k <= exp; k++ {
				dst = append(dst, '0')
			}
			return dst
		}
		dst = append(dst, digits[:exp+1]...)
		dst = append(dst, '.')
		return append(dst, digits[exp+1:nd]...)
	}
	digits := 15
	if bits == 32 {
		digits = 6
	}
	digits += extraDigits
	if digits < 1 {
		digits = 1
	}
	return strconv.AppendFloat(dst, f, 'g', digits, 64)
}

// scanFloat finds the longest prefix of s that C's strtod reads: an
// optional sign, then decimal digits with a point and exponent,
// hexadecimal (0x1.8p3), inf, infinity or nan. It returns the bytes read
// (0: none) and whether the number's digits were all zeros.
func scanFloat(s string) (n int, zero bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	rest := s[i:]
	switch {
	case hasPrefixFold(rest, "infinity"):
		return i + 8, false
	case hasPrefixFold(rest, "inf"):
		return i + 3, false
	case hasPrefixFold(rest, "nan"):
		j := i + 3
		if j < len(s) && s[j] == '(' {
			k := j + 1
			for k < len(s) && (isAlnum(s[k]) || s[k] == '_') {
				k++
			}
			if k < len(s) && s[k] == ')' {
				j = k + 1
			}
		}
		return j, false
	}
	zero = true
	isHex := len(rest) > 2 && rest[0] == '0' && (rest[1]|0x20) == 'x' && (isHexDigit(rest[2]) || (rest[2] == '.' && len(rest) > 3 && isHexDigit(rest[3])))
	digit := isDigit
	if isHex {
		i += 2
		digit = isHexDigit
	}
	start := i
	for i < len(s) && digit(s[i]) {
		if s[i] != '0' {
			zero = false
		}
		i++
	}
	nd := i - start
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && digit(s[j]) {
			if s[j] != '0' {
				zero = false
			}
			j++
		}
		nd += j - i - 1
		if nd > 0 {
			i = j
		}
	}
	if nd == 0 {
		return 0, true
	}
	expChar := byte('e')
	if isHex {
		expChar = 'p'
	}
	if i < len(s) && (s[i]|0x20) == expChar {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isDigit(s[j]) {
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			i = j
		}
	}
	return i, zero
}

func isHexDigit(c byte) bool { return isDigit(c) || ((c|0x20) >= 'a' && (c|0x20) <= 'f') }

func hasPrefixFold(s, lower string) bool {
	if len(s) < len(lower) {
		return false
	}
	for i := 0; i < len(lower); i++ {
		if s[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}

// convertFloat converts text scanFloat accepted.
func convertFloat(s string, bits int) (float64, error) {
	t := s
	i := 0
	if len(t) > 0 && (t[0] == '+' || t[0] == '-') {
		i = 1
	}
	if hasPrefixFold(t[i:], "nan") {
		return math.NaN(), nil
	}
	if len(t) > i+1 && t[i] == '0' && (t[i+1]|0x20) == 'x' {
		hasP := false
		for j := i; j < len(t); j++ {
			if t[j]|0x20 == 'p' {
				hasP = true
			}
		}
		if !hasP {
			t += "p0"
		}
	}
	return strconv.ParseFloat(t, bits)
}

// strtodPrefix reads a float at the start of s as strtod does; ok is
// false when nothing could be read or the value is out of range.
func strtodPrefix(s string) (float64, int, bool) {
	n, _ := scanFloat(s)
	if n == 0 {
		return 0, 0, false
	}
	f, err := convertFloat(s[:n], 64)
	if err != nil {
		return f, n, false
	}
	return f, n, true
}

// parseFloat is float8in and float4in: spaces around, strtod's syntax,
// 22003 for a value out of range (overflow, or underflow to zero).
func parseFloat(s string, bits int) (float64, error) {
	typeName := "double precision"
	if bits == 32 {
		typeName = "real"
	}
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	num := s[i:]
	n, zero := scanFloat(num)
	if n == 0 {
		return 0, errSyntax(typeName, s)
	}
	j := n
	for j < len(num) && isSpace(num[j]) {
		j++
	}
	if j != len(num) {
		return 0, errSyntax(typeName, s)
	}
	f, err := convertFloat(num[:n], bits)
	if err != nil && !math.IsInf(f, 0) {
		return 0, errSyntax(typeName, s)
	}
	finiteText := !hasPrefixFold(trimSign(num), "inf")
	if finiteText && (math.IsInf(f, 0) || (f == 0 && !zero)) {
		return 0, pgcode.New(pgcode.NumericValueOutOfRange,
			quoted(num[:n])+" is out of range for type "+typeName)
	}
	return f, nil
}

func trimSign(s string) string {
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		return s[1:]
	}
	return s
}
