package exec

import (
	"fmt"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
)

// evalFn computes an expression over a row.
type evalFn func(row Row) (types.Datum, error)

// compileAll compiles expressions.
func (env *Env) compileAll(es []plan.Expr) ([]evalFn, error) {
	out := make([]evalFn, len(es))
	for i, e := range es {
		f, err := env.compile(e)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

// truth is a compiled condition: true only when the value is true (NULL
// and false both reject).
func (env *Env) truth(e plan.Expr) (func(Row) (bool, error), error) {
	if e == nil {
		return func(Row) (bool, error) { return true, nil }, nil
	}
	f, err := env.compile(e)
	if err != nil {
		return nil, err
	}
	return func(r Row) (bool, error) {
		v, err := f(r)
		b, _ := v.(bool)
		return b, err
	}, nil
}

// colRefs are the closures that read the first columns of a row, made
// once: a plan's column references compile to them without allocating.
var colRefs = func() []evalFn {
	fns := make([]evalFn, 32)
	for i := range fns {
		fns[i] = func(r Row) (types.Datum, error) { return r[i], nil }
	}
	return fns
}()

// compile turns an expression into a closure.
func (env *Env) compile(e plan.Expr) (evalFn, error) {
	switch x := e.(type) {
	case *plan.Const:
		v := x.Val
		return func(Row) (types.Datum, error) { return v, nil }, nil
	case *plan.Param:
		n := x.N - 1
		return func(Row) (types.Datum, error) {
			if n >= len(env.Params) {
				return nil, pgcode.Newf(pgcode.UndefinedParameter, "there is no parameter $%d", n+1)
			}
			return env.Params[n], nil
		}, nil
	case *plan.ColRef:
		if x.Idx >= 0 && x.Idx < len(colRefs) {
			return colRefs[x.Idx], nil
		}
		i := x.Idx
		return func(r Row) (types.Datum, error) { return r[i], nil }, nil
	case *plan.OuterRef:
		d, i := x.Depth, x.Idx
		return func(Row) (types.Datum, error) {
			if d > len(env.outer) {
				return nil, pgcode.New(pgcode.InternalError, "outer reference without an outer row")
			}
			return env.outer[len(env.outer)-d][i], nil
		}, nil
	case *plan.Call:
		return env.compileCall(x)
	case *plan.TupleKey:
		return env.compileTupleKey(x)
	case *plan.Cast:
		if v, ok := env.constant(x); ok {
			return func(Row) (types.Datum, error) { return v, nil }, nil
		}
		from, to, assign := x.E.Type(), x.T, x.Assign
		return env.strictUnary(x.E, func(v types.Datum) (types.Datum, error) {
			return env.cast(v, from, to, assign)
		})
	case *plan.And:
		fs, err := env.compileAll(x.Args)
		if err != nil {
			return nil, err
		}
		return func(r Row) (types.Datum, error) {
			null := false
			for _, f := range fs {
				v, err := f(r)
				if err != nil {
					return nil, err
				}
				if v == nil {
					null = true
				} else if !v.(bool) {
					return false, nil
				}
			}
			if null {
				return nil, nil
			}
			return true, nil
		}, nil
	case *plan.Or:
		fs, err := env.compileAll(x.Args)
		if err != nil {
			return nil, err
		}
		return func(r Row) (types.Datum, error) {
			null := false
			for _, f := range fs {
				v, err := f(r)
				if err != nil {
					return nil, err
				}
				if v == nil {
					null = true
				} else if v.(bool) {
					return true, nil
				}
			}
			if null {
				return nil, nil
			}
			return false, nil
		}, nil
	case *plan.Not:
		return env.strictUnary(x.E, func(v types.Datum) (types.Datum, error) { return !v.(bool), nil })
	case *plan.IsNull:
		f, err := env.compile(x.E)
		if err != nil {
			return nil, err
		}
		not := x.Not
		return func(r Row) (types.Datum, error) {
			v, err := f(r)
			if err != nil {
				return nil, err
			}
			return (v == nil) != not, nil
		}, nil
	case *plan.IsBool:
		f, err := env.compile(x.E)
		if err != nil {
			return nil, err
		}
		what, not := x.What, x.Not
		return func(r Row) (types.Datum, error) {
			v, err := f(r)
			if err != nil {
				return nil, err
			}
			var is bool
			switch what {
			case -1:
				is = v == nil
			case 1:
				is = v != nil && v.(bool)
			default:
				is = v != nil && !v.(bool)
			}
			return is != not, nil
		}, nil
	case *plan.Case:
		return env.compileCase(x)
	case *plan.Coalesce:
		fs, err := env.compileAll(x.Args)
		if err != nil {
			return nil, err
		}
		return func(r Row) (types.Datum, error) {
			for _, f := range fs {
				v, err := f(r)
				if err != nil || v != nil {
					return v, err
				}
			}
			return nil, nil
		}, nil
	case *plan.NullIf:
		a, err := env.compile(x.A)
		if err != nil {
			return nil, err
		}
		b, err := env.compile(x.B)
		if err != nil {
			return nil, err
		}
		eq := x.Eq
		return func(r Row) (types.Datum, error) {
			av, err := a(r)
			if err != nil || av == nil {
				return av, err
			}
			bv, err := b(r)
			if err != nil {
				return nil, err
			}
			if bv == nil {
				return av, nil
			}
			same, err := eq.Fn(env.Fn, []types.Datum{av, bv})
			if err != nil {
				return nil, err
			}
			if same == true {
				return nil, nil
			}
			return av, nil
		}, nil
	case *plan.MinMax:
		fs, err := env.compileAll(x.Args)
		if err != nil {
			return nil, err
		}
		t, greatest := x.T, x.Greatest
		return func(r Row) (types.Datum, error) {
			var best types.Datum
			for _, f := range fs {
				v, err := f(r)
				if err != nil {
					return nil, err
				}
				if v == nil {
					continue
				}
				if best == nil {
					best = v
					continue
				}
				c := types.Compare(v, best, t)
				if greatest && c > 0 || !greatest && c < 0 {
					best = v
				}
			}
			return best, nil
		}, nil
	case *plan.InList:
		return env.compileIn(x)
	case *plan.ArrayExpr:
		fs, err := env.compileAll(x.Elems)
		if err != nil {
			return nil, err
		}
		elem := x.T.Elem
		if x.Multi {
			return multiArray(fs, elem), nil
		}
		return func(r Row) (types.Datum, error) {
			a := &types.DArray{Elem: elem, Vals: make([]types.Datum, len(fs))}
			for i, f := range fs {
				v, err := f(r)
				if err != nil {
					return nil, err
				}
				a.Vals[i] = v
			}
			return a, nil
		}, nil
	case *plan.RowExpr:
		fs, err := env.compileAll(x.Args)
		if err != nil {
			return nil, err
		}
		ts := typesOfExprs(x.Args)
		return func(r Row) (types.Datum, error) {
			rec := &types.DRecord{Names: x.Names, Types: ts, Vals: make([]types.Datum, len(fs))}
			for i, f := range fs {
				v, err := f(r)
				if err != nil {
					return nil, err
				}
				rec.Vals[i] = v
			}
			return rec, nil
		}, nil
	case *plan.ArrayOp:
		return env.compileArrayOp(x)
	case *plan.DistinctFrom:
		a, err := env.compile(x.A)
		if err != nil {
			return nil, err
		}
		b, err := env.compile(x.B)
		if err != nil {
			return nil, err
		}
		eq, not := x.Eq, x.Not
		return func(r Row) (types.Datum, error) {
			av, err := a(r)
			if err != nil {
				return nil, err
			}
			bv, err := b(r)
			if err != nil {
				return nil, err
			}
			var same bool
			switch {
			case av == nil || bv == nil:
				same = av == nil && bv == nil
			default:
				v, err := eq.Fn(env.Fn, []types.Datum{av, bv})
				if err != nil {
					return nil, err
				}
				same = v == true
			}
			return same == not, nil
		}, nil
	case *plan.Subscript:
		return env.compileSubscript(x)
	case *plan.ArraySub:
		return env.compileArraySub(x)
	case *plan.GroupingExpr:
		return env.strictUnary(x.Set, func(v types.Datum) (types.Datum, error) {
			i := v.(int64)
			if i < 0 || int(i) >= len(x.Masks) {
				return nil, pgcode.Newf(pgcode.InternalError, "grouping set %d out of range", i)
			}
			return x.Masks[i], nil
		})
	case *plan.FieldSelect:
		return env.strictUnary(x.E, func(v types.Datum) (types.Datum, error) {
			rec, ok := v.(*types.DRecord)
			if !ok || x.Idx >= len(rec.Vals) {
				return nil, pgcode.Newf(pgcode.InternalError, "field %s of a value that is no record", x.Field)
			}
			return rec.Vals[x.Idx], nil
		})
	case *plan.ArraySet:
		return env.compileArraySet(x)
	case *plan.DocPath:
		path := x.Path
		return env.strictUnary(x.E, func(v types.Datum) (types.Datum, error) {
			var cur any
			switch d := v.(type) {
			case types.DJSONB:
				cur = d.V
			default:
				return nil, nil
			}
			for _, p := range path {
				m, ok := cur.(map[string]any)
				if !ok {
					return nil, nil
				}
				if cur, ok = m[p]; !ok {
					return nil, nil
				}
			}
			return types.DJSONB{V: cur}, nil
		})
	case *plan.Subquery:
		return env.compileSubquery(x)
	case *plan.Default:
		return func(Row) (types.Datum, error) { return nil, nil }, nil
	}
	return nil, pgcode.Newf(pgcode.FeatureNotSupported, "expression %T cannot run", e)
}

// compileCall compiles a function call; a strict function of a NULL is
// NULL without a call.
func (env *Env) compileCall(x *plan.Call) (evalFn, error) {
	fs, err := env.compileAll(x.Args)
	if err != nil {
		return nil, err
	}
	fn, strict := x.Fn.Fn, x.Fn.Strict
	if fn == nil {
		return nil, pgcode.Newf(pgcode.FeatureNotSupported, "function %s cannot be called here", x.Name)
	}
	if int2 := x.Fn.Int2; int2 != nil && len(fs) == 2 && strict {
		// Integer arithmetic: its result is boxed from slabs, not
		// allocated a value at a time.
		var boxes engine.Boxes
		return func(r Row) (types.Datum, error) {
			a, err := fs[0](r)
			if err != nil || a == nil {
				return nil, err
			}
			b, err := fs[1](r)
			if err != nil || b == nil {
				return nil, err
			}
			v, err := int2(a.(int64), b.(int64))
			if err != nil {
				return nil, err
			}
			return boxes.Int(v), nil
		}, nil
	}
	// One argument list serves every call of this expression: an
	// operator evaluates its expressions one at a time, and a function
	// does not keep its arguments (builtins.Overload.Fn).
	args := make([]types.Datum, len(fs))
	return func(r Row) (types.Datum, error) {
		for i, f := range fs {
			v, err := f(r)
			if err != nil {
				return nil, err
			}
			if v == nil && strict {
				return nil, nil
			}
			args[i] = v
		}
		return fn(env.Fn, args)
	}, nil
}

func (env *Env) compileCase(x *plan.Case) (evalFn, error) {
	type arm struct{ cond, then evalFn }
	arms := make([]arm, len(x.Whens))
	for i, w := range x.Whens {
		c, err := env.compile(w.Cond)
		if err != nil {
			return nil, err
		}
		t, err := env.compile(w.Then)
		if err != nil {
			return nil, err
		}
		arms[i] = arm{c, t}
	}
	var els evalFn
	if x.Else != nil {
		var err error
		if els, err = env.compile(x.Else); err != nil {
			return nil, err
		}
	}
	return func(r Row) (types.Datum, error) {
		for _, a := range arms {
			c, err := a.cond(r)
			if err != nil {
				return nil, err
			}
			if c == true {
				return a.then(r)
			}
		}
		if els != nil {
			return els(r)
		}
		return nil, nil
	}, nil
}

// compileIn compiles x IN (list): true on an equal item; else NULL if x
// or an item is NULL; else false. A list of constants of an integer or
// string type, compared by their own equality, is looked up in a set.
func (env *Env) compileIn(x *plan.InList) (evalFn, error) {
	e, err := env.compile(x.E)
	if err != nil {
		return nil, err
	}
	items, err := env.compileAll(x.List)
	if err != nil {
		return nil, err
	}
	eqs, not := x.Eq, x.Not
	set, setNull := env.constantSet(x)
	args := make([]types.Datum, 2) // one list for every call, as compileCall's
	return func(r Row) (types.Datum, error) {
		v, err := e(r)
		if err != nil || v == nil {
			return nil, err
		}
		if set != nil && hashable(v) {
			if _, ok := set[v]; ok {
				return !not, nil
			}
			if setNull {
				return nil, nil
			}
			return not, nil
		}
		null := false
		for i, it := range items {
			w, err := it(r)
			if err != nil {
				return nil, err
			}
			if w == nil {
				null = true
				continue
			}
			args[0], args[1] = v, w
			same, err := eqs[i].Fn(env.Fn, args)
			if err != nil {
				return nil, err
			}
			if same == true {
				return !not, nil
			}
		}
		if null {
			return nil, nil
		}
		return not, nil
	}, nil
}

// Kinds of types whose values are int64s (setInt) or strings (setString)
// that "=" finds equal exactly when they are equal as Go values: the
// integer types, and the string types but char(n), whose "=" ignores
// trailing blanks. A map of such values answers "=", and an array of
// them sorts as types.Compare does.
const (
	setInt = 1 + iota
	setString
)

// setKind is t's kind, or 0 for a type of neither.
func setKind(t *types.T) int {
	switch {
	case t.Family == types.IntFamily:
		return setInt
	case t.Family == types.StringFamily && t.Oid != types.OidBpchar:
		return setString
	}
	return 0
}

// sameSetKind reports whether every type of ts is of kind k.
func sameSetKind(k int, ts ...*types.T) bool {
	for _, t := range ts {
		if setKind(t) != k {
			return false
		}
	}
	return true
}

// constantSet returns the items of an IN list as a set, when a lookup
// decides as the list's equalities would: every item a constant (or a
// cast of one), x and every item of one setKind, each compared by "=".
// null says an item is NULL. From 4 items: a lookup is quicker than 4
// calls of "=".
func (env *Env) constantSet(x *plan.InList) (set map[types.Datum]struct{}, null bool) {
	if len(x.List) < 4 {
		return nil, false
	}
	k := setKind(x.E.Type())
	if k == 0 {
		return nil, false
	}
	vals := make([]types.Datum, len(x.List))
	for i, it := range x.List {
		v, ok := env.constant(it)
		if !ok || x.Eq[i].Name != "=" || !sameSetKind(k, it.Type(), x.Eq[i].Args[0], x.Eq[i].Args[1]) {
			return nil, false
		}
		vals[i] = v
	}
	return valueSet(vals)
}

// valueSet returns vals, integers and strings, as a set; null says one
// is NULL. A value of another kind gives no set.
func valueSet(vals []types.Datum) (set map[types.Datum]struct{}, null bool) {
	set = make(map[types.Datum]struct{}, len(vals))
	for _, v := range vals {
		switch v.(type) {
		case nil:
			null = true
		case int64, string:
			set[v] = struct{}{}
		default:
			return nil, false
		}
	}
	return set, null
}

// compileArrayOp compiles x op ANY/ALL (array).
func (env *Env) compileArrayOp(x *plan.ArrayOp) (evalFn, error) {
	l, err := env.compile(x.Left)
	if err != nil {
		return nil, err
	}
	a, err := env.compile(x.Array)
	if err != nil {
		return nil, err
	}
	op, all := x.Op, x.All
	var set map[types.Datum]struct{}
	var setNull bool
	if arr, ok := env.constantArray(x.Array); ok {
		// Made once, not at each row; with "=" and ANY, a set of its
		// integers or strings answers as the comparisons would.
		a = func(Row) (types.Datum, error) { return arr, nil }
		if len(arr.Vals) > 0 {
			set, setNull = arraySet(x, arr)
		}
	}
	args := make([]types.Datum, 2)
	return func(r Row) (types.Datum, error) {
		lv, err := l(r)
		if err != nil {
			return nil, err
		}
		if set != nil && hashable(lv) { // a set's array is not empty: a NULL lv is not hashable, and answers below
			if _, ok := set[lv]; ok {
				return true, nil
			}
			if setNull {
				return nil, nil
			}
			return false, nil
		}
		av, err := a(r)
		if err != nil || av == nil {
			return nil, err
		}
		arr := av.(*types.DArray)
		if len(arr.Vals) == 0 {
			return all, nil
		}
		if lv == nil {
			return nil, nil
		}
		null := false
		for _, ev := range arr.Vals {
			if ev == nil {
				null = true
				continue
			}
			args[0], args[1] = lv, ev
			v, err := op.Fn(env.Fn, args)
			if err != nil {
				return nil, err
			}
			if v == nil {
				null = true
				continue
			}
			if b := v.(bool); b != all {
				return b, nil
			}
		}
		if null {
			return nil, nil
		}
		return all, nil
	}, nil
}

// constantArray returns the value of an array expression that is the
// same at every row: ARRAY[...] of constants (or casts of them), an array
// literal, a cast of one. Not a NULL array.
func (env *Env) constantArray(e plan.Expr) (*types.DArray, bool) {
	if x, ok := e.(*plan.ArrayExpr); ok {
		if x.Multi {
			return nil, false
		}
		arr := &types.DArray{Elem: x.T.Elem, Vals: make([]types.Datum, len(x.Elems))}
		for i, el := range x.Elems {
			v, ok := env.constant(el)
			if !ok {
				return nil, false
			}
			arr.Vals[i] = v
		}
		return arr, true
	}
	v, ok := env.constant(e)
	arr, isArr := v.(*types.DArray)
	return arr, ok && isArr
}

// arraySet returns the values of arr, the constant array of x, as a set
// when x is "= ANY" and a lookup decides as its comparisons would: the
// left side and the elements of one setKind (see constantSet). null
// says an element is NULL.
func arraySet(x *plan.ArrayOp, arr *types.DArray) (set map[types.Datum]struct{}, null bool) {
	k := setKind(x.Left.Type())
	if x.All || x.Op.Name != "=" || k == 0 || !sameSetKind(k, arr.Elem, x.Op.Args[0], x.Op.Args[1]) {
		return nil, false
	}
	return valueSet(arr.Vals)
}

// compileSubscript compiles x[i].
func (env *Env) compileSubscript(x *plan.Subscript) (evalFn, error) {
	e, err := env.compile(x.E)
	if err != nil {
		return nil, err
	}
	idx, err := env.compile(x.Index)
	if err != nil {
		return nil, err
	}
	return func(r Row) (types.Datum, error) {
		v, err := e(r)
		if err != nil || v == nil {
			return nil, err
		}
		iv, err := idx(r)
		if err != nil || iv == nil {
			return nil, err
		}
		i := iv.(int64)
		switch a := v.(type) {
		case *types.DArray:
			if i < 1 || i > int64(len(a.Vals)) {
				return nil, nil
			}
			return a.Vals[i-1], nil
		case types.DJSONB:
			arr, ok := a.V.([]any)
			if !ok {
				return nil, nil
			}
			if i < 0 {
				i += int64(len(arr))
			}
			if i < 0 || i >= int64(len(arr)) {
				return nil, nil
			}
			return types.DJSONB{V: arr[i]}, nil
		}
		return nil, nil
	}, nil
}

func errUnsupported(n plan.Node) error {
	return pgcode.Newf(pgcode.FeatureNotSupported, "plan node %T cannot run", n)
}

// cast converts a value between types (assign: an assignment's rules).
func (env *Env) cast(v types.Datum, from, to *types.T, assign bool) (types.Datum, error) {
	cc := types.ContextExplicit
	if assign {
		cc = types.ContextAssignment
	}
	out, err := types.CastWith(v, from, to, cc, env.Fn.Types)
	if err != nil {
		return nil, err
	}
	return out, nil
}

var _ = fmt.Sprint

// constant returns the value of a constant, or of a cast of one, cast
// here once rather than at each row (1::bigint in an IN list, '2026-01-01'
// ::date beside a column). ok is false for any other expression, and for
// a cast that fails: that fails where it is evaluated, as before.
func (env *Env) constant(e plan.Expr) (v types.Datum, ok bool) {
	switch x := e.(type) {
	case *plan.Const:
		return x.Val, true
	case *plan.Cast:
		if v, ok = env.constant(x.E); !ok || v == nil {
			return v, ok
		}
		out, err := env.cast(v, x.E.Type(), x.T, x.Assign)
		return out, err == nil
	}
	return nil, false
}

// strictUnary compiles an expression of one operand that is NULL when
// its operand is: fn sees only the operand's non-NULL values.
func (env *Env) strictUnary(e plan.Expr, fn func(types.Datum) (types.Datum, error)) (evalFn, error) {
	f, err := env.compile(e)
	if err != nil {
		return nil, err
	}
	return func(r Row) (types.Datum, error) {
		v, err := f(r)
		if err != nil || v == nil {
			return nil, err
		}
		return fn(v)
	}, nil
}

// compileTupleKey evaluates the key of a row of a table whose primary key
// has several columns from its columns' values: NULL when one is.
func (env *Env) compileTupleKey(x *plan.TupleKey) (evalFn, error) {
	fs, err := env.compileAll(x.Vals)
	if err != nil {
		return nil, err
	}
	return func(r Row) (types.Datum, error) {
		vals := make([]any, len(fs))
		for i, f := range fs {
			v, err := f(r)
			if err != nil || v == nil {
				return nil, err
			}
			if vals[i], err = toDoc(v, x.Vals[i].Type(), env.Fn.Types); err != nil {
				return nil, err
			}
		}
		k, err := engine.EncodeKey(vals)
		if err != nil {
			return nil, pgcode.New(pgcode.InternalError, err.Error())
		}
		return k, nil
	}, nil
}
