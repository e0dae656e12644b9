package builtins

import (
	"strings"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// The JSON aggregates: jsonb_agg and json_agg gather values into an
// array, jsonb_object_agg and json_object_agg pairs into an object. A
// NULL value is gathered as null (they are not strict); a NULL key is an
// error. No rows give NULL.

var _ = register(jsonAggregates()...)

func jsonAggregates() []*Overload {
	agg := func(oid uint32, name string, args []*types.T, ret *types.T, f func(at []*types.T) Accumulator) *Overload {
		return &Overload{Name: name, Oid: oid, Kind: Aggregate, Args: args, Ret: ret, Agg: f, Volatility: Stable}
	}
	elem := ts(types.AnyElement)
	pair := ts(types.AnyT, types.AnyT)
	return []*Overload{
		agg(3267, "jsonb_agg", elem, types.JSONB, func(at []*types.T) Accumulator {
			return &jsonbAggAcc{t: argType(at, 0)}
		}),
		agg(3175, "json_agg", elem, types.JSON, func(at []*types.T) Accumulator {
			t := argType(at, 0)
			// PostgreSQL starts an array or a row value after the first
			// on a line of its own.
			return &jsonAggAcc{t: t, sep: t != nil && (t.IsArray() || t.Family == types.RecordFamily)}
		}),
		agg(3270, "jsonb_object_agg", pair, types.JSONB, func(at []*types.T) Accumulator {
			return &jsonbObjectAggAcc{kt: argType(at, 0), vt: argType(at, 1)}
		}),
		agg(3197, "json_object_agg", pair, types.JSON, func(at []*types.T) Accumulator {
			return &jsonObjectAggAcc{kt: argType(at, 0), vt: argType(at, 1)}
		}),
	}
}

// jsonbAggAcc is jsonb_agg.
type jsonbAggAcc struct {
	t    *types.T
	vals []any
	any  bool
}

func (a *jsonbAggAcc) Add(c *Context, v []types.Datum) error {
	e, err := toJSONB(c, v[0], a.t)
	if err != nil {
		return err
	}
	a.vals, a.any = append(a.vals, e), true
	return nil
}

func (a *jsonbAggAcc) Result(*Context) (types.Datum, error) {
	if !a.any {
		return nil, nil
	}
	return jsonbOf(append([]any(nil), a.vals...)), nil
}

// jsonAggAcc is json_agg: the array's text, built as rows come.
type jsonAggAcc struct {
	t   *types.T
	sep bool // a line break before each element after the first
	b   strings.Builder
	n   int
}

func (a *jsonAggAcc) Add(c *Context, v []types.Datum) error {
	if a.n == 0 {
		a.b.WriteByte('[')
	} else {
		a.b.WriteString(", ")
		if a.sep && v[0] != nil {
			a.b.WriteString("\n ")
		}
	}
	a.n++
	appendJSON(c, &a.b, v[0], a.t)
	return nil
}

func (a *jsonAggAcc) Result(*Context) (types.Datum, error) {
	if a.n == 0 {
		return nil, nil
	}
	return types.DJSON(a.b.String() + "]"), nil
}

var errNullFieldName = pgcode.New(pgcode.InvalidParameterValue, "field name must not be null")

// jsonbObjectAggAcc is jsonb_object_agg: a repeated key keeps its last
// value.
type jsonbObjectAggAcc struct {
	kt, vt *types.T
	m      map[string]any
}

func (a *jsonbObjectAggAcc) Add(c *Context, v []types.Datum) error {
	if v[0] == nil {
		return errNullFieldName
	}
	k, err := jsonKey(c, v[0], a.kt)
	if err != nil {
		return err
	}
	val, err := toJSONB(c, v[1], a.vt)
	if err != nil {
		return err
	}
	if a.m == nil {
		a.m = map[string]any{}
	}
	a.m[k] = val
	return nil
}

func (a *jsonbObjectAggAcc) Result(*Context) (types.Datum, error) {
	if a.m == nil {
		return nil, nil
	}
	return jsonbOf(copyObject(a.m)), nil
}

// jsonObjectAggAcc is json_object_agg: every pair, in the order of the
// rows, written as PostgreSQL writes them ({ "k" : v, ... }).
type jsonObjectAggAcc struct {
	kt, vt *types.T
	b      strings.Builder
	n      int
}

func (a *jsonObjectAggAcc) Add(c *Context, v []types.Datum) error {
	if v[0] == nil {
		return errNullFieldName
	}
	k, err := jsonKey(c, v[0], a.kt)
	if err != nil {
		return err
	}
	if a.n == 0 {
		a.b.WriteString("{ ")
	} else {
		a.b.WriteString(", ")
	}
	a.n++
	a.b.WriteString(jsonQuote(k))
	a.b.WriteString(" : ")
	appendJSON(c, &a.b, v[1], a.vt)
	return nil
}

func (a *jsonObjectAggAcc) Result(*Context) (types.Datum, error) {
	if a.n == 0 {
		return nil, nil
	}
	return types.DJSON(a.b.String() + " }"), nil
}
