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
		return types.DecodeHex(s)
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
		return types.DecodeEscape(s)
	}
	return nil, unknownEncoding(format)
}
