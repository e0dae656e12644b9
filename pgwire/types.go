package pgwire

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/driftdb/driftdb/sql"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Values go to and come from the client in the formats of package
// sql/types: text as PostgreSQL's output and input functions write and
// read it (in the session's DateStyle, TimeZone and extra_float_digits),
// binary as its send and receive functions.

// typeSize is the size RowDescription gives for a type: its typlen, with
// -1 for every variable-length one.
func typeSize(t *types.T) int16 {
	if t.Len < 0 {
		return -1
	}
	return t.Len
}

// appendValue appends v, not NULL, in the format (0 text, 1 binary) for
// the column's type.
func appendValue(dst []byte, v types.Datum, col *sql.Column, format int16, tc *types.Context) ([]byte, error) {
	if format == 1 {
		b, err := types.AppendBinary(dst, v, col.Type)
		if err != nil {
			return nil, pgcode.Wrap(pgcode.Of(err), err, fmt.Sprintf("column %q: %v", col.Name, err))
		}
		return b, nil
	}
	return types.AppendText(dst, v, col.Type, tc), nil
}

// decodeParam reads a Bind parameter's bytes as a value of t.
func decodeParam(b []byte, t *types.T, binaryFormat bool, tc *types.Context) (types.Datum, error) {
	if b == nil {
		return nil, nil
	}
	if binaryFormat {
		return types.ParseBinary(b, t)
	}
	if t.Family == types.UnknownFamily {
		return string(b), nil
	}
	return types.ParseText(string(b), t, tc)
}

// paramError gives the error of a parameter that cannot be read the
// context PostgreSQL gives it: which parameter, and the start of its
// text.
func paramError(i int, raw []byte, binaryFormat bool, portal string, err error) error {
	where := fmt.Sprintf("portal %q parameter $%d", portal, i+1)
	if portal == "" {
		where = fmt.Sprintf("unnamed portal parameter $%d", i+1)
	}
	if !binaryFormat && utf8.Valid(raw) {
		v := string(raw)
		if len(v) > 64 {
			v = strings.ToValidUTF8(v[:64], "") + "..."
		}
		where += " = '" + strings.ReplaceAll(v, "'", "''") + "'"
	}
	out := pgcode.From(err)
	out.Where, out.Position = where, 0
	return out
}
