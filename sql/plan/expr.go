package plan

import (
	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/types"
)

// Expr is a typed scalar expression. Every Expr knows its result type once
// bound; the executor compiles the tree into closures (sql/exec).
type Expr interface {
	Type() *types.T
}

// Const is a constant.
type Const struct {
	Val types.Datum
	T   *types.T
}

// Param is a statement parameter: $N (1-based), of the type inferred or
// given for it.
type Param struct {
	N int
	T *types.T
}

// ColRef is a column of the row an operator's expressions run on: the
// output of its input (Idx), or for a join the left input's columns then
// the right's.
type ColRef struct {
	Idx  int
	T    *types.T
	Name string // for EXPLAIN and errors
	// Row are a record column's fields, where known.
	Row []Column
}

// OuterRef is a column of an enclosing query's row, for a correlated
// subquery: Depth 1 is the query the subquery stands in, 2 the one around
// it, and so on.
type OuterRef struct {
	Depth int
	Idx   int
	T     *types.T
	Name  string
}

// Call applies a function or operator overload to its arguments.
type Call struct {
	Name string // as written, for EXPLAIN and errors
	Fn   *builtins.Overload
	Args []Expr
	T    *types.T
}

// TupleKey is the key of a row of a table whose primary key has several
// columns, made of the values Vals of its key columns Names, in the key's
// order: text (engine.EncodeKey), NULL when a value is. The planner
// makes it for a point read; it is no expression SQL writes.
type TupleKey struct {
	Names []string
	Vals  []Expr
}

// Type of a TupleKey is text, as the key field's.
func (e *TupleKey) Type() *types.T { return types.Text }

// Cast converts its operand to a type.
type Cast struct {
	E Expr
	T *types.T
	// Assign: a cast of assignment (INSERT, UPDATE) rather than an explicit
	// one: varchar(n) then errors instead of truncating.
	Assign bool
}

// And is a conjunction, Or a disjunction; both follow SQL's three-valued
// logic.
type And struct{ Args []Expr }

// Or is a disjunction.
type Or struct{ Args []Expr }

// Not is NOT.
type Not struct{ E Expr }

// IsNull is IS [NOT] NULL.
type IsNull struct {
	E   Expr
	Not bool
}

// IsBool is IS [NOT] TRUE / FALSE / UNKNOWN.
type IsBool struct {
	E    Expr
	What int8 // 1 TRUE, 0 FALSE, -1 UNKNOWN
	Not  bool
}

// When is one WHEN of a CASE.
type When struct{ Cond, Then Expr }

// Case is CASE WHEN ... THEN ... [ELSE ...] END; a CASE x WHEN v form is
// bound to conditions x = v.
type Case struct {
	Whens []When
	Else  Expr // nil: NULL
	T     *types.T
}

// Coalesce is COALESCE(args).
type Coalesce struct {
	Args []Expr
	T    *types.T
}

// NullIf is NULLIF(a, b).
type NullIf struct {
	A, B Expr
	Eq   *builtins.Overload // a = b
}

// MinMax is GREATEST or LEAST.
type MinMax struct {
	Greatest bool
	Args     []Expr
	T        *types.T
}

// InList is x [NOT] IN (list).
type InList struct {
	E    Expr
	List []Expr
	Eq   []*builtins.Overload // x = list[i]
	Not  bool
}

// RowExpr is a row value: ROW(a, b), or a FROM item's name standing for
// its whole row. Names are the fields' names.
type RowExpr struct {
	Args  []Expr
	Names []string
}

// Type is record.
func (e *RowExpr) Type() *types.T { return types.Record }

// GroupingExpr is GROUPING(...) over an Agg with grouping sets: Set reads
// the number of the row's set, Masks the value for each set.
type GroupingExpr struct {
	Set   Expr
	Masks []int64
}

// Type is integer.
func (e *GroupingExpr) Type() *types.T { return types.Int4 }

// FieldSelect is (row).field: the field Idx of a row value.
type FieldSelect struct {
	E     Expr
	Field string
	Idx   int
	T     *types.T
}

// Type is the field's.
func (e *FieldSelect) Type() *types.T { return e.T }

// ArrayExpr is ARRAY[...]. With Multi its elements are arrays of T
// themselves, the items of a first dimension ahead of theirs
// (ARRAY[[1, 2], [3, 4]]).
type ArrayExpr struct {
	Elems []Expr
	T     *types.T // the array type
	Multi bool
}

// DistinctFrom is a IS [NOT] DISTINCT FROM b: equality where NULL equals
// NULL.
type DistinctFrom struct {
	A, B Expr
	Eq   *builtins.Overload
	Not  bool // IS NOT DISTINCT FROM
}

// ArrayOp is x op ANY (array) or x op ALL (array).
type ArrayOp struct {
	Left, Array Expr
	Op          *builtins.Overload
	All         bool
}

// Subscript is x[i]: an array's element (1-based), or a jsonb array's
// (0-based, as jsonb subscripts are).
type Subscript struct {
	E, Index Expr
	T        *types.T
}

// ArraySub is subscripting of an array: an element, x[i][j] (NULL when
// the subscripts do not fit), or with Slice a part of it, x[a:b][c:d]
// (a subscript without colon then runs from 1; Lower and Upper entries
// are nil where a bound is left out).
type ArraySub struct {
	E            Expr
	Lower, Upper []Expr
	Slice        bool
	T            *types.T
}

// Type is the element type, or the array type for a slice.
func (e *ArraySub) Type() *types.T { return e.T }

// DocPath is a dotted path into a jsonb value (DriftQL's address.city):
// the value there, jsonb, or NULL where the path leads nowhere.
type DocPath struct {
	E    Expr
	Path []string
}

// SubqueryKind is how a subquery stands in an expression.
type SubqueryKind uint8

// Subquery kinds.
const (
	ScalarSubquery SubqueryKind = iota // (SELECT x): its one value, NULL for no row, 21000 for two
	ExistsSubquery                     // EXISTS (SELECT ...)
	AnySubquery                        // x op ANY (SELECT ...), x IN (SELECT ...)
	AllSubquery                        // x op ALL (SELECT ...)
	ArraySubquery                      // ARRAY(SELECT ...)
)

// Subquery is a query inside an expression. Correlated subqueries refer
// to the enclosing row through OuterRef and run again for each row;
// uncorrelated ones run once per statement.
type Subquery struct {
	Kind SubqueryKind
	Plan Node
	// ANY/ALL: the left operand, one expression for each of the
	// subquery's columns (several for a row: (a, b) IN (SELECT x, y ...)),
	// the comparison of each, and the type each column's values are
	// compared as.
	Left []Expr
	Op   []*builtins.Overload
	Cast []*types.T
	// Unequal is set for a row compared with <>: unequal when any column
	// is (a row compared with = is equal when every column is).
	Unequal    bool
	Correlated bool
	T          *types.T
}

// Type implementations.

func (e *Const) Type() *types.T        { return e.T }
func (e *Param) Type() *types.T        { return e.T }
func (e *ColRef) Type() *types.T       { return e.T }
func (e *OuterRef) Type() *types.T     { return e.T }
func (e *Call) Type() *types.T         { return e.T }
func (e *Cast) Type() *types.T         { return e.T }
func (e *And) Type() *types.T          { return types.Bool }
func (e *Or) Type() *types.T           { return types.Bool }
func (e *Not) Type() *types.T          { return types.Bool }
func (e *IsNull) Type() *types.T       { return types.Bool }
func (e *IsBool) Type() *types.T       { return types.Bool }
func (e *Case) Type() *types.T         { return e.T }
func (e *Coalesce) Type() *types.T     { return e.T }
func (e *NullIf) Type() *types.T       { return e.A.Type() }
func (e *MinMax) Type() *types.T       { return e.T }
func (e *InList) Type() *types.T       { return types.Bool }
func (e *ArrayExpr) Type() *types.T    { return e.T }
func (e *Subquery) Type() *types.T     { return e.T }
func (e *DistinctFrom) Type() *types.T { return types.Bool }
func (e *ArrayOp) Type() *types.T      { return types.Bool }
func (e *Subscript) Type() *types.T    { return e.T }
func (e *DocPath) Type() *types.T      { return types.JSONB }

// Walk calls fn for e and every expression under it (not into subquery
// plans), depth first; fn returns false to skip an expression's children.
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	switch x := e.(type) {
	case *Call:
		for _, a := range x.Args {
			Walk(a, fn)
		}
	case *Cast:
		Walk(x.E, fn)
	case *And:
		for _, a := range x.Args {
			Walk(a, fn)
		}
	case *Or:
		for _, a := range x.Args {
			Walk(a, fn)
		}
	case *Not:
		Walk(x.E, fn)
	case *IsNull:
		Walk(x.E, fn)
	case *IsBool:
		Walk(x.E, fn)
	case *Case:
		for _, w := range x.Whens {
			Walk(w.Cond, fn)
			Walk(w.Then, fn)
		}
		Walk(x.Else, fn)
	case *Coalesce:
		for _, a := range x.Args {
			Walk(a, fn)
		}
	case *NullIf:
		Walk(x.A, fn)
		Walk(x.B, fn)
	case *MinMax:
		for _, a := range x.Args {
			Walk(a, fn)
		}
	case *InList:
		Walk(x.E, fn)
		for _, a := range x.List {
			Walk(a, fn)
		}
	case *ArrayExpr:
		for _, a := range x.Elems {
			Walk(a, fn)
		}
	case *RowExpr:
		for _, a := range x.Args {
			Walk(a, fn)
		}
	case *Subquery:
		for _, a := range x.Left {
			Walk(a, fn)
		}
	case *DistinctFrom:
		Walk(x.A, fn)
		Walk(x.B, fn)
	case *ArrayOp:
		Walk(x.Left, fn)
		Walk(x.Array, fn)
	case *Subscript:
		Walk(x.E, fn)
		Walk(x.Index, fn)
	case *ArraySet:
		Walk(x.Base, fn)
		for _, i := range x.Index {
			Walk(i, fn)
		}
		Walk(x.Val, fn)
	case *FieldSelect:
		Walk(x.E, fn)
	case *GroupingExpr:
		Walk(x.Set, fn)
	case *ArraySub:
		Walk(x.E, fn)
		for i := range x.Upper {
			Walk(x.Lower[i], fn)
			Walk(x.Upper[i], fn)
		}
	case *DocPath:
		Walk(x.E, fn)
	}
}
