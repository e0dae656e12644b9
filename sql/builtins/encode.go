package builtins

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// encode(bytea, format) and decode(text, format): binary data as text in
// PostgreSQL's three formats, hex, base64 (lines of 76 characters) and
// escape (octal escapes for the bytes that are no printable ASCII).

var _ = register(encodeDecode()...)

func encodeDecode() []*Overload {
	return []*Overload{
		def(1946, "encode", ts(types.Bytea, types.Text), types.Text, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return encodeBytes(a[0].([]byte), str(a[1]))
		}),
		def(1947, "decode", ts(types.Text, types.Text), types.Bytea, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return decodeBytes(str(a[0]), str(a[1]))
		}),
	}
}

func unknownEncoding(name string) error {
	return pgcode.Newf(pgcode.InvalidParameterValue, "unrecognized encoding: \"%s\"", name)
}

func encodeBytes(b []byte, format string) (string, error) {
	switch strings.ToLower(format) {
	case "hex":
		return hex.EncodeToString(b), nil
	case "base64":
		s := base64.StdEncoding.EncodeToString(b)
		var out strings.Builder
		for len(s) > 76 {
			out.WriteString(s[:76])
			out.WriteByte('\n')
			s = s[76:]
		}
		out.WriteString(s)
		return out.String(), nil
	case "escape":
		var out strings.Builder
		for _, c := range b {
			switch {
			case c == '\\':
				out.WriteString(`\\`)
			case c == 0 || c >= 0x80:
				fmt.Fprintf(&out, `\%03o`, c)
			default:
				out.WriteByte(c)
			}
		}
		return out.String(), nil
	}
	return "", unknownEncoding(format)
}

func decodeBytes(s, format string) ([]byte, error) {
	switch strings.ToLower(format) {
	case "hex":
		out := make([]byte, 0, len(s)/2)
		for i := 0; i < len(s); {
			c := s[i]
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				i++
				continue
			}
			hi, ok := hexDigit(c)
			if !ok {
				return nil, pgcode.Newf(pgcode.InvalidParameterValue, "invalid hexadecimal digit: \"%s\"", string(c))
			}
			if i+1 >= len(s) {
				return nil, pgcode.New(pgcode.InvalidParameterValue, "invalid hexadecimal data: odd number of digits")
			}
			lo, ok := hexDigit(s[i+1])
			if !ok {
				return nil, pgcode.Newf(pgcode.InvalidParameterValue, "invalid hexadecimal digit: \"%s\"", string(s[i+1]))
			}
			out = append(out, hi<<4|lo)
			i += 2
		}
		return out, nil
	case "base64":
		clean := strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
				return -1
			}
			return r
		}, s)
		for _, r := range clean {
			if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '/' || r == '=') {
				return nil, pgcode.Newf(pgcode.InvalidParameterValue, "invalid symbol \"%s\" found while decoding base64 sequence", string(r))
			}
		}
		out, err := base64.StdEncoding.DecodeString(clean)
		if err != nil {
			if len(clean)%4 != 0 {
				return nil, pgcode.New(pgcode.InvalidParameterValue, "invalid base64 end sequence").
					WithHint("Input data is missing padding, is truncated, or is otherwise corrupted.")
			}
			return nil, pgcode.New(pgcode.InvalidParameterValue, "unexpected \"=\" while decoding base64 sequence")
		}
		return out, nil
	case "escape":
		out := make([]byte, 0, len(s))
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c != '\\' {
				out = append(out, c)
				continue
			}
			switch {
			case i+1 < len(s) && s[i+1] == '\\':
				out = append(out, '\\')
				i++
			case i+3 < len(s) && isOctal(s[i+1]) && s[i+1] <= '3' && isOctal(s[i+2]) && isOctal(s[i+3]):
				out = append(out, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
				i += 3
			default:
				return nil, pgcode.New(pgcode.InvalidTextRepresentation, "invalid input syntax for type bytea")
			}
		}
		return out, nil
	}
	return nil, unknownEncoding(format)
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }
