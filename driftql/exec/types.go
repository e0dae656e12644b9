package exec

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/engine"
)

// Type OIDs of the PostgreSQL types results use.
const (
	OIDBool        uint32 = 16
	OIDBytea       uint32 = 17
	OIDName        uint32 = 19
	OIDInt8        uint32 = 20
	OIDInt2        uint32 = 21
	OIDInt4        uint32 = 23
	OIDText        uint32 = 25
	OIDJSON        uint32 = 114
	OIDFloat4      uint32 = 700
	OIDFloat8      uint32 = 701
	OIDUnknown     uint32 = 705
	OIDVarchar     uint32 = 1043
	OIDDate        uint32 = 1082
	OIDTimestamp   uint32 = 1114
	OIDTimestamptz uint32 = 1184
	OIDNumeric     uint32 = 1700
	OIDUUID        uint32 = 2950
	OIDJSONB       uint32 = 3802
)

// Column is a result column: a name and a type OID.
type Column struct {
	Name string
	OID  uint32
	// Table and Attr identify a table column (0 when not one).
	Attr int16
	// Typmod is a numeric's precision and scale (numeric(10,2)), when the
	// column shows a declared one or a cast to one.
	Typmod engine.Typmod
}

// oidOf maps an engine column type to a type OID.
func oidOf(t engine.Type) uint32 {
	switch t {
	case engine.TypeInt8:
		return OIDInt8
	case engine.TypeFloat8:
		return OIDFloat8
	case engine.TypeNumeric:
		return OIDNumeric
	case engine.TypeBool:
		return OIDBool
	case engine.TypeJSONB:
		return OIDJSONB
	case engine.TypeTimestamptz:
		return OIDTimestamptz
	}
	return OIDText
}

// oidOfTypeName maps a SQL type name (casts) to an OID.
func oidOfTypeName(name string) (uint32, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "int8", "bigint":
		return OIDInt8, true
	case "int4", "int", "integer":
		return OIDInt4, true
	case "int2", "smallint":
		return OIDInt2, true
	case "float8", "double precision", "float", "double":
		return OIDFloat8, true
	case "float4", "real":
		return OIDFloat4, true
	case "numeric", "decimal":
		return OIDNumeric, true
	case "text", "varchar", "character varying", "char", "character", "bpchar", "name", "regclass", "regtype":
		return OIDText, true
	case "bool", "boolean":
		return OIDBool, true
	case "json":
		return OIDJSON, true
	case "jsonb":
		return OIDJSONB, true
	case "timestamptz", "timestamp with time zone":
		return OIDTimestamptz, true
	case "timestamp", "timestamp without time zone":
		return OIDTimestamp, true
	case "date":
		return OIDDate, true
	case "uuid":
		return OIDUUID, true
	case "bytea":
		return OIDBytea, true
	}
	return 0, false
}

// outValue converts a value to the Go value a result column of type oid
// carries (see pgwire.Result): nil, bool, int64 (every integer type),
// float64, string (text, and numeric in PostgreSQL's text form), []byte
// (json/jsonb text, bytea), time.Time.
func outValue(v any, oid uint32) any {
	if v == nil {
		return nil
	}
	switch oid {
	case OIDInt8, OIDInt4, OIDInt2:
		switch x := v.(type) {
		case int64:
			return v // as it is: boxing x again would allocate
		case int32:
			return int64(x)
		case int16:
			return int64(x)
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 9.2e18 {
				return int64(x)
			}
		case json.Number, *apd.Decimal:
			if n, err := castInt(v, kindInt8); err == nil {
				return n
			}
		case string:
			if i, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
				return i
			}
		case bool:
			if x {
				return int64(1)
			}
			return int64(0)
		}
		return nil
	case OIDFloat8, OIDFloat4:
		switch x := v.(type) {
		case float64:
			return v
		case string:
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return f
			}
		default:
			if numKindOf(v) != notNumber {
				if f, err := floatOf(v); err == nil {
					return f
				}
			}
		}
		return nil
	case OIDNumeric:
		if x, ok := v.(string); ok {
			if d, err := engine.ParseNumeric(x); err == nil {
				return engine.NumericText(d)
			}
			return nil
		}
		return numericOut(v)
	case OIDBool:
		switch x := v.(type) {
		case bool:
			return v
		case string:
			if b, ok := parseBool(x); ok {
				return b
			}
		}
		return nil
	case OIDJSONB, OIDJSON:
		if b, ok := v.([]byte); ok {
			return b
		}
		return engine.ToJSON(v)
	case OIDTimestamptz, OIDTimestamp, OIDDate:
		switch x := v.(type) {
		case time.Time:
			return v
		case string:
			if t, err := engine.ParseTimestamp(x); err == nil {
				return t
			}
		case int64:
			return time.UnixMilli(x).UTC()
		}
		return nil
	case OIDBytea:
		switch x := v.(type) {
		case []byte:
			return v
		case string:
			return []byte(x)
		}
		return nil
	}
	// text and anything else: the value's text.
	return textOf(v)
}

// textOf renders a value as text: strings as they are, numbers as
// PostgreSQL writes them, everything else as its JSON text.
func textOf(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return v
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int16:
		return strconv.FormatInt(int64(x), 10)
	case float64:
		return string(AppendFloat(nil, x, 64))
	case json.Number, *apd.Decimal:
		return numericOut(v)
	case bool:
		if x {
			return "true"
		}
		return "false"
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.999999Z07")
	case []byte:
		return string(x)
	}
	return string(engine.ToJSON(v))
}

// AppendFloat appends a float in PostgreSQL's text form (12 and later):
// the shortest digits that read back as f (bits 32 for real), written
// without an exponent when it is from -4 to below 15 (6 for real), as
// 1e+15 or 1.5e-05 otherwise; NaN, Infinity, -Infinity.
func AppendFloat(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, bits)
	// e is [-]d[.ddd]e±dd: read the exponent back.
	i := len(e) - 1
	for e[i] != 'e' {
		i--
	}
	exp, _ := strconv.Atoi(string(e[i+1:]))
	limit := 15
	if bits == 32 {
		limit = 6
	}
	if exp < -4 || exp >= limit {
		return append(dst, e...)
	}
	return strconv.AppendFloat(dst, f, 'f', -1, bits)
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "t", "true", "yes", "on", "1", "y":
		return true, true
	case "f", "false", "no", "off", "0", "n":
		return false, true
	}
	return false, false
}
