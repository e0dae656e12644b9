package exec

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Documents hold JSON values (nil, bool, int64, float64, json.Number,
// string, []any, map[string]any); columns are typed. fromDoc reads a
// document's value as a column's type; toDoc writes a value into a
// document. The round trip keeps every value: numbers exactly, times as
// RFC 3339 text with microseconds, bytes as \x hex text, arrays as JSON
// arrays.

// fromDoc converts a document value to a Datum of type t. A value that is
// not of the column's type (a column's type follows the values written:
// see docs/ENGINE.md) is converted as a cast would, or read through its
// text.
func fromDoc(v any, t *types.T, c *types.Context) (types.Datum, error) {
	if v == nil {
		return nil, nil
	}
	switch t.Family {
	// A value already of the datum's Go type is returned as the interface
	// it came in: no second boxing per row.
	case types.IntFamily, types.OidFamily:
		switch x := v.(type) {
		case int64:
			return v, nil
		case float64:
			if x == math.Trunc(x) && x >= -1<<63 && x < 1<<63 {
				return int64(x), nil
			}
		case json.Number:
			if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
				return n, nil
			}
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case types.FloatFamily:
		switch x := v.(type) {
		case int64:
			return float64(x), nil
		case float64:
			return v, nil
		case json.Number:
			return strconv.ParseFloat(string(x), 64)
		}
	case types.DecimalFamily:
		switch v.(type) {
		case int64, float64, json.Number:
			// A numeric(p,s) column's values were rounded to it when
			// written (the engine conforms them); a whole number may
			// still be stored without the scale's zeros, which it is
			// read with (0 in a numeric(12,2) reads 0.00).
			d, err := engine.NumericOf(v)
			if err != nil || t.Mod < 4 {
				return d, err
			}
			if scale := int32((t.Mod - 4) & 0xffff); d.Form == apd.Finite && -d.Exponent < scale {
				q := new(apd.Decimal)
				if _, err := apd.BaseContext.WithPrecision(1000).Quantize(q, d, -scale); err == nil {
					return q, nil
				}
			}
			return d, nil
		}
	case types.BoolFamily:
		if _, ok := v.(bool); ok {
			return v, nil
		}
	case types.StringFamily:
		if _, ok := v.(string); ok {
			return v, nil
		}
		return string(engine.ToJSON(v)), nil
	case types.JSONBFamily:
		return types.DJSONB{V: v}, nil
	case types.JSONFamily:
		return types.DJSON(engine.ToJSON(v)), nil
	case types.ArrayFamily:
		if arr, ok := v.([]any); ok && t.Elem != nil {
			// Nested JSON arrays are an array of several dimensions.
			flat, dims := arr, []int(nil)
			if t.Elem.Family != types.JSONFamily && t.Elem.Family != types.JSONBFamily {
				flat, dims = flattenDoc(arr)
			}
			out := &types.DArray{Elem: t.Elem, Vals: make([]types.Datum, len(flat))}
			for i, e := range flat {
				d, err := fromDoc(e, t.Elem, c)
				if err != nil {
					return nil, err
				}
				out.Vals[i] = d
			}
			return out.WithDims(dims), nil
		}
	}
	// Times, dates, uuids, bytes, intervals are kept as text; and a value
	// of another kind than its column reads through its text.
	s, ok := v.(string)
	if !ok {
		s = string(engine.ToJSON(v))
	}
	d, err := types.ParseText(s, t, c)
	if err != nil {
		return nil, fmt.Errorf("stored value %s does not read as %s: %w", truncate(s, 40), t, err)
	}
	return d, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// toDoc converts a Datum of type t to the value a document holds.
// ToDoc converts a value of type t to its form in a document.
func ToDoc(d types.Datum, t *types.T, c *types.Context) (any, error) { return toDoc(d, t, c) }

func toDoc(d types.Datum, t *types.T, c *types.Context) (any, error) {
	switch x := d.(type) {
	case nil:
		return nil, nil
	case bool, string, int64:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, pgcode.New(pgcode.InvalidTextRepresentation, "NaN and infinity cannot be stored in a JSON document")
		}
		return x, nil
	case *apd.Decimal:
		if x.Form != apd.Finite {
			return nil, pgcode.New(pgcode.InvalidTextRepresentation, "NaN and infinity cannot be stored in a JSON document")
		}
		return json.Number(engine.NumericText(x)), nil
	case types.DJSONB:
		return x.V, nil
	case types.DJSON:
		var v any
		dec := json.NewDecoder(bytesReader(string(x)))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, pgcode.Newf(pgcode.InvalidTextRepresentation, "invalid input syntax for type json")
		}
		return normalizeJSON(v), nil
	case *types.DArray:
		out := make([]any, len(x.Vals))
		for i, e := range x.Vals {
			v, err := toDoc(e, x.Elem, c)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		if len(x.Dims) > 1 {
			return nestDoc(out, x.Dims), nil
		}
		return out, nil
	case types.DTimestampTZ:
		if int64(x) == types.TimestampInfinity || int64(x) == types.TimestampNegInfinity {
			return types.FormatText(x, t, c), nil
		}
		return x.Time().Format(time.RFC3339Nano), nil
	}
	// Dates, times, uuids, bytes, intervals: their text.
	return types.FormatText(d, t, c), nil
}
