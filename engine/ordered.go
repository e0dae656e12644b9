package engine

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
)

// The ordered encoding writes keys and index values as bytes whose order
// (bytes.Compare) is the engine's order: compareKeys for keys, SortCompare
// for values. Each encoding is prefix-free (none is the beginning of
// another), so that a tuple of them, written one after another, orders as
// the tuple does: (value, key, seq) for an index entry as compareEntries
// orders it, (key, seq) for a version. It is what an ordered store on disk
// keys its entries by; entryPrefix is its first bytes, cut and padded to
// 16 for comparisons in memory.
//
// Keys:
//   - an integer: ordKeyInt, then its 8 bytes big-endian with the sign bit
//     flipped;
//   - a string: ordKeyString, then its bytes escaped (0x00 as 0x00 0xff)
//     and ended by 0x00 0x01.
//
// Values, each led by the byte entryPrefix leads with:
//   - a string, an array or an object: its text (an array's or object's
//     JSON, as SortCompare orders them), escaped and ended as a key's;
//   - a number other than zero, the infinities and NaN: its decimal
//     exponent (two bytes biased by 1<<15 when it is within 1 to 1<<16-2
//     of the bias, else 0x0000 or 0xffff and the exponent's 8 bytes with
//     the sign bit flipped), then its significant digits as nibbles (a
//     digit d as d+1) ended by a zero nibble and padded with one to a
//     whole byte. A negative number has every byte after the first
//     inverted, so that greater magnitudes come first;
//   - false, true, zero, the infinities, NaN and null: the first byte.

const (
	ordKeyInt    byte = 0x08
	ordKeyString byte = 0x10
)

// errOrdered is returned for bytes that are not an ordered encoding.
var errOrdered = errors.New("not an ordered encoding")

// appendOrderedKey appends k's ordered encoding to dst.
func appendOrderedKey(dst []byte, k Key) []byte {
	if k.IsInt {
		dst = append(dst, ordKeyInt)
		return binary.BigEndian.AppendUint64(dst, uint64(k.Int)^1<<63)
	}
	return appendOrderedText(append(dst, ordKeyString), k.Str)
}

// readOrderedKey decodes the key at the start of b and returns the rest.
func readOrderedKey(b []byte) (Key, []byte, error) {
	if len(b) == 0 {
		return Key{}, nil, errOrdered
	}
	switch b[0] {
	case ordKeyInt:
		if len(b) < 9 {
			return Key{}, nil, errOrdered
		}
		return Key{Int: int64(binary.BigEndian.Uint64(b[1:9]) ^ 1<<63), IsInt: true}, b[9:], nil
	case ordKeyString:
		s, rest, err := readOrderedText(b[1:])
		return Key{Str: s}, rest, err
	}
	return Key{}, nil, errOrdered
}

// appendOrderedText appends s escaped and ended.
func appendOrderedText(dst []byte, s string) []byte {
	for {
		i := indexZero(s)
		if i < 0 {
			break
		}
		dst = append(append(dst, s[:i]...), 0x00, 0xff)
		s = s[i+1:]
	}
	return append(append(dst, s...), 0x00, 0x01)
}

func indexZero(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return i
		}
	}
	return -1
}

// readOrderedText undoes appendOrderedText at the start of b.
func readOrderedText(b []byte) (string, []byte, error) {
	n, escapes, err := orderedTextLen(b)
	if err != nil {
		return "", nil, err
	}
	if escapes == 0 {
		return string(b[:n-2]), b[n:], nil
	}
	out := make([]byte, 0, n-2-escapes)
	for i := 0; i < n-2; i++ {
		out = append(out, b[i])
		if b[i] == 0 {
			i++ // the escape's 0xff
		}
	}
	return string(out), b[n:], nil
}

// orderedTextLen returns the length of the escaped text at the start of b,
// its end included, and how many zero bytes it escapes.
func orderedTextLen(b []byte) (n, escapes int, err error) {
	for i := 0; i+1 < len(b); i++ {
		if b[i] != 0 {
			continue
		}
		switch b[i+1] {
		case 0x01:
			return i + 2, escapes, nil
		case 0xff:
			escapes++
			i++
		default:
			return 0, 0, errOrdered
		}
	}
	return 0, 0, errOrdered
}

// appendOrderedValue appends v's ordered encoding to dst.
func appendOrderedValue(dst []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		return appendOrderedText(append(dst, pfxString), x)
	case bool:
		if x {
			return append(dst, pfxTrue)
		}
		return append(dst, pfxFalse)
	case []any:
		return appendOrderedText(append(dst, pfxArray), string(ToJSON(x)))
	case map[string]any:
		return appendOrderedText(append(dst, pfxObject), string(ToJSON(x)))
	}
	if kindOf(v) != kindNumber {
		return append(dst, pfxNull)
	}
	var buf [32]byte
	tag, e, digits := numberDigits(v, buf[:0])
	dst = append(dst, tag)
	if tag != pfxPos && tag != pfxNeg {
		return dst
	}
	start := len(dst)
	if b := e + 1<<15; b >= 1 && b <= 1<<16-2 {
		dst = binary.BigEndian.AppendUint16(dst, uint16(b))
	} else {
		wide := uint16(0)
		if b > 0 {
			wide = 1<<16 - 1
		}
		dst = binary.BigEndian.AppendUint16(dst, wide)
		dst = binary.BigEndian.AppendUint64(dst, uint64(e)^1<<63)
	}
	for i := 0; i <= len(digits); i += 2 {
		hi := digits[i] - '0' + 1
		lo := byte(0)
		if i+1 < len(digits) {
			lo = digits[i+1] - '0' + 1
		}
		dst = append(dst, hi<<4|lo)
		if lo == 0 {
			break
		}
		if i+2 == len(digits) {
			dst = append(dst, 0) // the end nibble and its pad
			break
		}
	}
	if tag == pfxNeg {
		for i := start; i < len(dst); i++ {
			dst[i] = ^dst[i]
		}
	}
	return dst
}

// skipOrderedValue returns what follows the value encoded at the start of
// b.
func skipOrderedValue(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, errOrdered
	}
	switch b[0] {
	case pfxString, pfxArray, pfxObject:
		n, _, err := orderedTextLen(b[1:])
		if err != nil {
			return nil, err
		}
		return b[1+n:], nil
	case pfxFalse, pfxTrue, pfxZero, pfxNegInf, pfxPosInf, pfxNaN, pfxNull:
		return b[1:], nil
	case pfxPos, pfxNeg:
	default:
		return nil, errOrdered
	}
	flip := byte(0)
	if b[0] == pfxNeg {
		flip = 0xff
	}
	i := 3
	if len(b) < i {
		return nil, errOrdered
	}
	if w := b[1] ^ flip; w == b[2]^flip && (w == 0 || w == 0xff) {
		i += 8
	}
	for ; i < len(b); i++ {
		c := b[i] ^ flip
		if c>>4 == 0 || c&0x0f == 0 {
			return b[i+1:], nil
		}
	}
	return nil, errOrdered
}

// maxIntegerText is the most digits of an integer readOrderedValue writes
// out whole; a larger one keeps its exponent.
const maxIntegerText = 400

// readOrderedValue decodes the value at the start of b and returns the
// rest. A number comes back in the form a document holds it in
// (normalizeNumber): an int64 when it is an integer that fits, else a
// float64 when one holds every digit, else its exact text; it compares
// as the number encoded did, whatever form that one had.
func readOrderedValue(b []byte) (any, []byte, error) {
	if len(b) == 0 {
		return nil, nil, errOrdered
	}
	switch b[0] {
	case pfxString:
		return readOrderedText(b[1:])
	case pfxArray, pfxObject:
		text, rest, err := readOrderedText(b[1:])
		if err != nil {
			return nil, nil, err
		}
		p := jsonParser{b: []byte(text)}
		v, ok := p.value(1)
		if !ok || p.i != len(p.b) || (b[0] == pfxArray) != (kindOf(v) == kindArray) {
			return nil, nil, errOrdered
		}
		return v, rest, nil
	case pfxFalse:
		return false, b[1:], nil
	case pfxTrue:
		return true, b[1:], nil
	case pfxZero:
		return int64(0), b[1:], nil
	case pfxNegInf:
		return math.Inf(-1), b[1:], nil
	case pfxPosInf:
		return math.Inf(1), b[1:], nil
	case pfxNaN:
		return math.NaN(), b[1:], nil
	case pfxNull:
		return nil, b[1:], nil
	case pfxPos, pfxNeg:
	default:
		return nil, nil, errOrdered
	}
	rest, err := skipOrderedValue(b)
	if err != nil {
		return nil, nil, err
	}
	enc := b[1 : len(b)-len(rest)]
	flip := byte(0) // a negative number's bytes are inverted
	if b[0] == pfxNeg {
		flip = 0xff
	}
	var e int64
	at := 2
	if w := binary.BigEndian.Uint16(enc) ^ uint16(flip)<<8 ^ uint16(flip); w != 0 && w != 1<<16-1 {
		e = int64(w) - 1<<15
	} else {
		e, at = int64(binary.BigEndian.Uint64(enc[2:])^uint64(flip)*0x0101010101010101^1<<63), 10
	}
	digits := make([]byte, 0, 2*(len(enc)-at))
	for _, c := range enc[at:] {
		c ^= flip
		for _, d := range [2]byte{c >> 4, c & 0x0f} {
			if d == 0 {
				break
			}
			digits = append(digits, '0'+d-1)
		}
	}
	if len(digits) == 0 {
		return nil, nil, errOrdered
	}
	sign := ""
	if b[0] == pfxNeg {
		sign = "-"
	}
	if int64(len(digits)) <= e && e <= maxIntegerText {
		// An integer: its digits, then zeros up to the exponent, as a
		// document writes it (normalizeNumber).
		text := sign + string(digits) + strings.Repeat("0", int(e)-len(digits))
		return normalizeNumber(json.Number(text)), rest, nil
	}
	text := sign + "0." + string(digits) + "e" + strconv.FormatInt(e, 10)
	return normalizeNumber(json.Number(text)), rest, nil
}
