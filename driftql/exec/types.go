package exec

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

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

// outValue converts a document value to the Go value a result column of
// type oid carries (see pgwire.Result): nil, bool, int64, float64, string
// (text and numeric), []byte (json/jsonb text, bytea), time.Time.
func outValue(v any, oid uint32) any {
	if v == nil {
		return nil
	}
	switch oid {
	case OIDInt8, OIDInt4, OIDInt2:
		switch x := v.(type) {
		case int64:
			return v // as it is: boxing x again would allocate
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 9.2e18 {
				return int64(x)
			}
		case json.Number:
			if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
				return i
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
		case int64:
			return float64(x)
		case json.Number:
			f, _ := strconv.ParseFloat(string(x), 64)
			return f
		case string:
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return f
			}
		}
		return nil
	case OIDNumeric:
		switch x := v.(type) {
		case int64:
			return strconv.FormatInt(x, 10)
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64)
		case json.Number:
			return numericText(string(x))
		case string:
			if _, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return strings.TrimSpace(x)
			}
		}
		return nil
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

// textOf renders a value as text: strings as they are, everything else as
// its JSON text.
func textOf(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return v
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

// numericText writes an exact decimal without exponent.
func numericText(s string) string {
	if !strings.ContainsAny(s, "eE") {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
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
