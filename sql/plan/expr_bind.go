package plan

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// exprCtx says where an expression stands, for the rules that depend on
// it: aggregates are allowed in a select list but not in WHERE; a
// double-quoted name that is no column is DriftQL's string where a value
// stands.
type exprCtx struct {
	where string // "WHERE", "JOIN conditions", ... for "aggregate functions are not allowed in X"
	value bool   // the node stands where a value is wanted (right of a comparison, IN list, LIKE pattern, BETWEEN bounds)
}

// expr binds a scalar expression against a scope.
func (b *Binder) expr(n *pg.Node, s *scope, ec exprCtx) (Expr, error) {
	if n == nil {
		return &Const{T: types.Unknown}, nil
	}
	switch x := n.Node.(type) {
	case *pg.Node_AConst:
		return b.constant(x.AConst)
	case *pg.Node_ParamRef:
		num := int(x.ParamRef.Number)
		if num < 1 || num > 65535 {
			return nil, b.errorf(pgcode.UndefinedParameter, x.ParamRef.Location, "there is no parameter $%d", num)
		}
		return &Param{N: num, T: b.param(num)}, nil
	case *pg.Node_ColumnRef:
		return b.columnRef(x.ColumnRef, s, ec)
	case *pg.Node_AExpr:
		return b.aexpr(x.AExpr, s, ec)
	case *pg.Node_BoolExpr:
		return b.boolExpr(x.BoolExpr, s, ec)
	case *pg.Node_NullTest:
		e, err := b.expr(x.NullTest.Arg, s, ec)
		if err != nil {
			return nil, err
		}
		if e.Type().Family == types.UnknownFamily {
			if e, err = b.coerce(e, types.Text, types.ContextImplicit, x.NullTest.Location); err != nil {
				return nil, err
			}
		}
		not := x.NullTest.Nulltesttype == pg.NullTestType_IS_NOT_NULL
		if r, ok := e.(*RowExpr); ok && len(r.Args) > 0 {
			// A row is NULL when every field is, NOT NULL when none is.
			tests := make([]Expr, len(r.Args))
			for i, a := range r.Args {
				tests[i] = &IsNull{E: a, Not: not}
			}
			if len(tests) == 1 {
				return tests[0], nil
			}
			return &And{Args: tests}, nil
		}
		return &IsNull{E: e, Not: not}, nil
	case *pg.Node_BooleanTest:
		e, err := b.boolOperand(x.BooleanTest.Arg, s, ec, "IS TRUE")
		if err != nil {
			return nil, err
		}
		bt := &IsBool{E: e}
		switch x.BooleanTest.Booltesttype {
		case pg.BoolTestType_IS_TRUE:
			bt.What = 1
		case pg.BoolTestType_IS_NOT_TRUE:
			bt.What, bt.Not = 1, true
		case pg.BoolTestType_IS_FALSE:
			bt.What = 0
		case pg.BoolTestType_IS_NOT_FALSE:
			bt.What, bt.Not = 0, true
		case pg.BoolTestType_IS_UNKNOWN:
			bt.What = -1
		case pg.BoolTestType_IS_NOT_UNKNOWN:
			bt.What, bt.Not = -1, true
		}
		return bt, nil
	case *pg.Node_TypeCast:
		e, err := b.expr(x.TypeCast.Arg, s, exprCtx{where: ec.where, value: true})
		if err != nil {
			return nil, err
		}
		t, err := b.typeName(x.TypeCast.TypeName)
		if err != nil {
			return nil, err
		}
		return b.coerce(e, t, types.ContextExplicit, x.TypeCast.Location)
	case *pg.Node_FuncCall:
		return b.funcCall(x.FuncCall, s, ec)
	case *pg.Node_CaseExpr:
		return b.caseExpr(x.CaseExpr, s, ec)
	case *pg.Node_GroupingFunc:
		// GROUPING(a, b): which of its arguments the row's grouping set
		// leaves out, as bits; worked out once the GROUP BY is known.
		g := &groupingRef{loc: x.GroupingFunc.Location}
		for _, a := range x.GroupingFunc.Args {
			e, err := b.expr(a, s, exprCtx{where: "GROUPING", value: true})
			if err != nil {
				return nil, err
			}
			g.args = append(g.args, e)
		}
		return g, nil
	case *pg.Node_CoalesceExpr:
		args, t, err := b.commonArgs(x.CoalesceExpr.Args, s, ec, "COALESCE", x.CoalesceExpr.Location)
		if err != nil {
			return nil, err
		}
		if err := b.noSRF(args, "COALESCE", x.CoalesceExpr.Location); err != nil {
			return nil, err
		}
		return &Coalesce{Args: args, T: t}, nil
	case *pg.Node_MinMaxExpr:
		name := "GREATEST"
		if x.MinMaxExpr.Op == pg.MinMaxOp_IS_LEAST {
			name = "LEAST"
		}
		args, t, err := b.commonArgs(x.MinMaxExpr.Args, s, ec, name, x.MinMaxExpr.Location)
		if err != nil {
			return nil, err
		}
		if _, err := b.resolveOp("<", t, t, x.MinMaxExpr.Location); err != nil {
			return nil, err
		}
		return &MinMax{Greatest: name == "GREATEST", Args: args, T: t}, nil
	case *pg.Node_SubLink:
		return b.subLink(x.SubLink, s, ec)
	case *pg.Node_AArrayExpr:
		return b.arrayExpr(x.AArrayExpr.Elements, s, ec, x.AArrayExpr.Location)
	case *pg.Node_AIndirection:
		return b.indirection(x.AIndirection, s, ec)
	case *pg.Node_SqlvalueFunction:
		return b.sqlValueFunction(x.SqlvalueFunction)
	case *pg.Node_CollateClause:
		return b.expr(x.CollateClause.Arg, s, ec)
	case *pg.Node_RowExpr:
		// ROW(a, b) and (a, b): a record of fields f1, f2, ...
		row := &RowExpr{}
		for i, a := range x.RowExpr.Args {
			e, err := b.expr(a, s, exprCtx{where: ec.where, value: true})
			if err != nil {
				return nil, err
			}
			row.Args = append(row.Args, e)
			row.Names = append(row.Names, fmt.Sprintf("f%d", i+1))
		}
		return row, nil
	}
	return nil, pgcode.Newf(pgcode.FeatureNotSupported, "expression %s is not supported", nodeName(n))
}

// constant binds a literal: integers are int4, or int8, or numeric as
// their size asks; other numbers numeric; strings unknown until their
// context gives them a type (as PostgreSQL types an untyped literal).
func (b *Binder) constant(c *pg.A_Const) (Expr, error) {
	if c.Isnull {
		return &Const{T: types.Unknown}, nil
	}
	switch v := c.Val.(type) {
	case *pg.A_Const_Ival:
		return &Const{Val: int64(v.Ival.Ival), T: types.Int4}, nil
	case *pg.A_Const_Fval:
		return numberConst(v.Fval.Fval, c.Location, b)
	case *pg.A_Const_Sval:
		return &Const{Val: v.Sval.Sval, T: types.Unknown}, nil
	case *pg.A_Const_Boolval:
		return &Const{Val: v.Boolval.Boolval, T: types.Bool}, nil
	case *pg.A_Const_Bsval:
		return nil, b.errorf(pgcode.FeatureNotSupported, c.Location, "bit string constants are not supported")
	}
	return &Const{T: types.Unknown}, nil
}

// numberConst types a numeric literal pg_query kept as text: an integer
// beyond int4 is int8, beyond int8 numeric; anything with a point or an
// exponent is numeric.
func numberConst(text string, loc int32, b *Binder) (Expr, error) {
	if !strings.ContainsAny(text, ".eE") {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			if n >= -1<<31 && n < 1<<31 {
				return &Const{Val: n, T: types.Int4}, nil
			}
			return &Const{Val: n, T: types.Int8}, nil
		}
	}
	d, err := engine.ParseNumeric(text)
	if err != nil {
		return nil, withPos(err, b.pos(loc))
	}
	return &Const{Val: d, T: types.Numeric}, nil
}

// columnRef binds a name: a column, table.column, a dotted path into a
// document (address.city), or, where a value stands, DriftQL's
// double-quoted string ("paid") when no column has the name.
func (b *Binder) columnRef(c *pg.ColumnRef, s *scope, ec exprCtx) (Expr, error) {
	var parts []string
	for _, f := range c.Fields {
		switch x := f.Node.(type) {
		case *pg.Node_String_:
			parts = append(parts, x.String_.Sval)
		case *pg.Node_AStar:
			return nil, b.errorf(pgcode.SyntaxError, c.Location, "* is not allowed here")
		}
	}
	if s == nil {
		if len(parts) == 1 && ec.value && b.quotedAt(c.Location) {
			return &Const{Val: parts[0], T: types.Unknown}, nil
		}
		return nil, b.errorf(pgcode.UndefinedColumn, c.Location, "column %q does not exist", strings.Join(parts, "."))
	}
	switch len(parts) {
	case 1:
		idx, depth, col, err := s.resolve("", parts[0], b.pos(c.Location))
		if err != nil && pgcode.Of(err) == pgcode.UndefinedColumn {
			if e, ok := b.wholeRow(parts[0], s); ok {
				return e, nil
			}
		}
		if err != nil {
			if ec.value && b.quotedAt(c.Location) && pgcode.Of(err) == pgcode.UndefinedColumn {
				return &Const{Val: parts[0], T: types.Unknown}, nil
			}
			return nil, err
		}
		return colRef(idx, depth, col), nil
	default:
		// schema.table.column first; then table.column; then column.path;
		// then table.column.path.
		if len(parts) == 3 && s.hasSchemaQualifier(parts[0], parts[1]) {
			idx, depth, col, err := s.resolve(parts[1], parts[2], b.pos(c.Location))
			if err != nil {
				return nil, err
			}
			return colRef(idx, depth, col), nil
		}
		idx, depth, col, err := s.resolve(parts[0], parts[1], b.pos(c.Location))
		if err == nil {
			if len(parts) == 2 {
				return colRef(idx, depth, col), nil
			}
			return b.docPath(colRef(idx, depth, col), parts[2:], c.Location)
		}
		if s.hasQualifier(parts[0]) {
			return nil, err
		}
		idx, depth, col, err2 := s.resolve("", parts[0], b.pos(c.Location))
		if err2 != nil {
			if len(parts) == 3 && (s.hasQualifier(parts[1]) || s.hasRelation(parts[1])) {
				// schema.table.column where the table is in FROM under an
				// alias or in no such schema.
				return nil, b.errorf(pgcode.UndefinedTable, c.Location, "invalid reference to FROM-clause entry for table %q", parts[1])
			}
			return nil, err
		}
		return b.docPath(colRef(idx, depth, col), parts[1:], c.Location)
	}
}

func colRef(idx, depth int, c *scopeCol) Expr {
	if depth == 0 {
		return &ColRef{Idx: idx, T: c.t, Name: c.name, Row: c.row}
	}
	return &OuterRef{Depth: depth, Idx: idx, T: c.t, Name: c.name}
}

// docPath is a path into a jsonb column's document (DriftQL's
// address.city): jsonb, NULL where the path leads nowhere.
func (b *Binder) docPath(e Expr, path []string, loc int32) (Expr, error) {
	if e.Type().Family != types.JSONBFamily && e.Type().Family != types.JSONFamily {
		return nil, b.errorf(pgcode.UndefinedColumn, loc, "column %q does not exist", strings.Join(path, "."))
	}
	return &DocPath{E: e, Path: path}, nil
}

// quotedAt reports whether the token at a location is a double-quoted
// name.
func (b *Binder) quotedAt(loc int32) bool {
	return loc >= 0 && int(loc) < len(b.text) && b.text[loc] == '"'
}

// aexpr binds an operator expression.
func (b *Binder) aexpr(a *pg.A_Expr, s *scope, ec exprCtx) (Expr, error) {
	op := opName(a.Name)
	switch a.Kind {
	case pg.A_Expr_Kind_AEXPR_OP:
		if a.Lexpr == nil {
			r, err := b.expr(a.Rexpr, s, exprCtx{where: ec.where, value: true})
			if err != nil {
				return nil, err
			}
			if op == "-" {
				if c, ok := r.(*Const); ok {
					if neg, ok := negateConst(c); ok {
						return neg, nil
					}
				}
			}
			return b.callOp(op, []Expr{r}, a.Location)
		}
		l, err := b.expr(a.Lexpr, s, ec)
		if err != nil {
			return nil, err
		}
		r, err := b.expr(a.Rexpr, s, exprCtx{where: ec.where, value: true})
		if err != nil {
			return nil, err
		}
		lr, lok := l.(*RowExpr)
		rr, rok := r.(*RowExpr)
		if lok && rok {
			return b.rowCompare(op, lr, rr, a.Location)
		}
		return b.callOp(op, []Expr{l, r}, a.Location)
	case pg.A_Expr_Kind_AEXPR_OP_ANY, pg.A_Expr_Kind_AEXPR_OP_ALL:
		l, err := b.expr(a.Lexpr, s, ec)
		if err != nil {
			return nil, err
		}
		r, err := b.expr(a.Rexpr, s, exprCtx{where: ec.where, value: true})
		if err != nil {
			return nil, err
		}
		return b.arrayOp(op, l, r, a.Kind == pg.A_Expr_Kind_AEXPR_OP_ALL, a.Location)
	case pg.A_Expr_Kind_AEXPR_DISTINCT, pg.A_Expr_Kind_AEXPR_NOT_DISTINCT:
		l, err := b.expr(a.Lexpr, s, ec)
		if err != nil {
			return nil, err
		}
		r, err := b.expr(a.Rexpr, s, exprCtx{where: ec.where, value: true})
		if err != nil {
			return nil, err
		}
		lr, lok := l.(*RowExpr)
		rr, rok := r.(*RowExpr)
		if lok && rok {
			return b.rowDistinct(lr, rr, a.Kind == pg.A_Expr_Kind_AEXPR_NOT_DISTINCT, a.Location)
		}
		eq, err := b.callOp("=", []Expr{l, r}, a.Location)
		if err != nil {
			return nil, err
		}
		c := eq.(*Call)
		return &DistinctFrom{A: c.Args[0], B: c.Args[1], Eq: c.Fn, Not: a.Kind == pg.A_Expr_Kind_AEXPR_NOT_DISTINCT}, nil
	case pg.A_Expr_Kind_AEXPR_NULLIF:
		l, err := b.expr(a.Lexpr, s, ec)
		if err != nil {
			return nil, err
		}
		r, err := b.expr(a.Rexpr, s, exprCtx{where: ec.where, value: true})
		if err != nil {
			return nil, err
		}
		eq, err := b.callOp("=", []Expr{l, r}, a.Location)
		if err != nil {
			return nil, err
		}
		c := eq.(*Call)
		return &NullIf{A: c.Args[0], B: c.Args[1], Eq: c.Fn}, nil
	case pg.A_Expr_Kind_AEXPR_IN:
		l, err := b.expr(a.Lexpr, s, ec)
		if err != nil {
			return nil, err
		}
		list := a.Rexpr.GetList()
		if list == nil {
			return nil, b.errorf(pgcode.SyntaxError, a.Location, "IN needs a list")
		}
		var items []Expr
		for _, it := range list.Items {
			e, err := b.expr(it, s, exprCtx{where: ec.where, value: true})
			if err != nil {
				return nil, err
			}
			items = append(items, e)
		}
		if lr, ok := l.(*RowExpr); ok {
			return b.rowInList(lr, items, op == "<>", a.Location)
		}
		return b.inList(l, items, op == "<>", a.Location)
	case pg.A_Expr_Kind_AEXPR_LIKE, pg.A_Expr_Kind_AEXPR_ILIKE, pg.A_Expr_Kind_AEXPR_SIMILAR:
		// x SIMILAR TO p reads as x ~ similar_to_escape(p): the grammar
		// has made the call.
		l, err := b.expr(a.Lexpr, s, ec)
		if err != nil {
			return nil, err
		}
		r, err := b.expr(a.Rexpr, s, exprCtx{where: ec.where, value: true})
		if err != nil {
			return nil, err
		}
		return b.callOp(op, []Expr{l, r}, a.Location)
	case pg.A_Expr_Kind_AEXPR_BETWEEN, pg.A_Expr_Kind_AEXPR_NOT_BETWEEN,
		pg.A_Expr_Kind_AEXPR_BETWEEN_SYM, pg.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM:
		x, err := b.expr(a.Lexpr, s, ec)
		if err != nil {
			return nil, err
		}
		bounds := a.Rexpr.GetList().GetItems()
		if len(bounds) != 2 {
			return nil, b.errorf(pgcode.SyntaxError, a.Location, "BETWEEN needs two bounds")
		}
		lo, err := b.expr(bounds[0], s, exprCtx{where: ec.where, value: true})
		if err != nil {
			return nil, err
		}
		hi, err := b.expr(bounds[1], s, exprCtx{where: ec.where, value: true})
		if err != nil {
			return nil, err
		}
		ge, err := b.callOp(">=", []Expr{x, lo}, a.Location)
		if err != nil {
			return nil, err
		}
		le, err := b.callOp("<=", []Expr{x, hi}, a.Location)
		if err != nil {
			return nil, err
		}
		var e Expr = &And{Args: []Expr{ge, le}}
		if a.Kind == pg.A_Expr_Kind_AEXPR_BETWEEN_SYM || a.Kind == pg.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM {
			ge2, err := b.callOp(">=", []Expr{x, hi}, a.Location)
			if err != nil {
				return nil, err
			}
			le2, err := b.callOp("<=", []Expr{x, lo}, a.Location)
			if err != nil {
				return nil, err
			}
			e = &Or{Args: []Expr{e, &And{Args: []Expr{ge2, le2}}}}
		}
		if a.Kind == pg.A_Expr_Kind_AEXPR_NOT_BETWEEN || a.Kind == pg.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM {
			e = &Not{E: e}
		}
		return e, nil
	}
	return nil, b.errorf(pgcode.FeatureNotSupported, a.Location, "operator expression %s is not supported", a.Kind)
}

// opName is an operator's name without a schema (OPERATOR(pg_catalog.~)).
func opName(names []*pg.Node) string {
	if len(names) == 0 {
		return ""
	}
	return names[len(names)-1].GetString_().GetSval()
}

// negateConst folds a minus sign into a numeric constant, as PostgreSQL's
// grammar does (-2147483648 is an int4).
func negateConst(c *Const) (*Const, bool) {
	switch v := c.Val.(type) {
	case int64:
		n := -v
		t := c.T
		if t.Oid == types.OidInt8 && n >= -1<<31 && n < 1<<31 {
			t = types.Int4
		}
		return &Const{Val: n, T: t}, true
	case *apd.Decimal:
		d := new(apd.Decimal).Neg(v)
		if d.Form == apd.Finite && d.Exponent == 0 {
			bi := new(big.Int).Set(d.Coeff.MathBigInt())
			if d.Negative {
				bi.Neg(bi)
			}
			if bi.IsInt64() {
				n := bi.Int64()
				if n >= -1<<31 && n < 1<<31 {
					return &Const{Val: n, T: types.Int4}, true
				}
				return &Const{Val: n, T: types.Int8}, true
			}
		}
		return &Const{Val: d, T: types.Numeric}, true
	}
	return nil, false
}

// callOp resolves an operator over bound operands and coerces them.
func (b *Binder) callOp(op string, args []Expr, loc int32) (Expr, error) {
	ts := make([]*types.T, len(args))
	for i, a := range args {
		ts[i] = a.Type()
	}
	r, err := builtins.Resolve(op, ts, builtins.Normal)
	if err != nil {
		return nil, withPos(err, b.pos(loc))
	}
	return b.apply(op, r, args, loc)
}

// resolveOp resolves a binary operator for two types.
func (b *Binder) resolveOp(op string, l, r *types.T, loc int32) (*builtins.Resolved, error) {
	res, err := builtins.Resolve(op, []*types.T{l, r}, builtins.Normal)
	if err != nil {
		return nil, withPos(err, b.pos(loc))
	}
	return res, nil
}

// apply makes the call of a resolved overload, its arguments coerced.
func (b *Binder) apply(name string, r *builtins.Resolved, args []Expr, loc int32) (Expr, error) {
	out := make([]Expr, len(args))
	for i, a := range args {
		c, err := b.coerce(a, r.ArgTypes[i], types.ContextImplicit, loc)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	if r.Fn.Volatility == builtins.Volatile {
		b.Volatile = true
	}
	return &Call{Name: name, Fn: r.Fn, Args: out, T: r.Ret}, nil
}

// withPos sets an error's position when it has none.
func withPos(err error, pos int) error {
	if e, ok := err.(*pgcode.Error); ok && e.Position == 0 {
		e.Position = pos
	}
	return err
}

// boolExpr binds AND, OR and NOT.
func (b *Binder) boolExpr(be *pg.BoolExpr, s *scope, ec exprCtx) (Expr, error) {
	name := map[pg.BoolExprType]string{pg.BoolExprType_AND_EXPR: "AND", pg.BoolExprType_OR_EXPR: "OR", pg.BoolExprType_NOT_EXPR: "NOT"}[be.Boolop]
	var args []Expr
	for _, a := range be.Args {
		e, err := b.boolOperand(a, s, ec, name)
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	switch be.Boolop {
	case pg.BoolExprType_AND_EXPR:
		return &And{Args: args}, nil
	case pg.BoolExprType_OR_EXPR:
		return &Or{Args: args}, nil
	}
	return &Not{E: args[0]}, nil
}

// boolOperand binds an operand that must be boolean (42804 otherwise).
func (b *Binder) boolOperand(n *pg.Node, s *scope, ec exprCtx, what string) (Expr, error) {
	e, err := b.expr(n, s, ec)
	if err != nil {
		return nil, err
	}
	return b.asBool(e, what, location(n))
}

// asBool coerces a condition to boolean.
func (b *Binder) asBool(e Expr, what string, loc int32) (Expr, error) {
	if e.Type().Family == types.BoolFamily {
		return e, nil
	}
	if e.Type().Family == types.UnknownFamily {
		return b.coerce(e, types.Bool, types.ContextImplicit, loc)
	}
	return nil, b.errorf(pgcode.DatatypeMismatch, loc, "argument of %s must be type boolean, not type %s", what, e.Type().SQL)
}

// coerce converts e to type t where context allows: an untyped literal
// becomes a constant of t (read as t's input at bind time), an untyped
// parameter takes t, anything else gets a cast when one exists in the
// context.
func (b *Binder) coerce(e Expr, t *types.T, ctx types.CoercionContext, loc int32) (Expr, error) {
	from := e.Type()
	if types.Identical(from, t) || t.Family == types.AnyFamily {
		return e, nil
	}
	base := t.WithMod(-1)
	switch x := e.(type) {
	case *Const:
		if from.Family == types.UnknownFamily {
			if x.Val == nil {
				return &Const{T: t}, nil
			}
			// The literal is read as the type, then takes the modifier as
			// a cast would (numeric(4,1) rounds; varchar(3) as the context
			// says).
			v, err := types.ParseText(x.Val.(string), base, b.tctx)
			if err == nil && t.Mod >= 0 {
				v, err = types.CastWith(v, base, t, ctx, b.tctx)
			}
			if err != nil {
				return nil, withPos(err, b.pos(loc))
			}
			return &Const{Val: v, T: t}, nil
		}
	case *Param:
		if from.Family == types.UnknownFamily {
			b.setParam(x.N, base)
			p := &Param{N: x.N, T: b.params[x.N-1]}
			if t.Mod >= 0 {
				return &Cast{E: p, T: t, Assign: ctx == types.ContextAssignment}, nil
			}
			return p, nil
		}
	}
	if from.Oid == t.Oid {
		// Only the modifier differs: a cast applies it (varchar(3), numeric(5,2)).
		return &Cast{E: e, T: t, Assign: ctx == types.ContextAssignment}, nil
	}
	if !types.CanCast(from, t, ctx) {
		if ctx == types.ContextExplicit {
			return nil, b.errorf(pgcode.CannotCoerce, loc, "cannot cast type %s to %s", from, t)
		}
		return nil, b.errorf(pgcode.DatatypeMismatch, loc, "expression is of type %s, but %s is wanted", from, t).(*pgcode.Error).
			WithHint("You will need to rewrite or cast the expression.")
	}
	return &Cast{E: e, T: t, Assign: ctx == types.ContextAssignment}, nil
}

// commonArgs binds arguments that must share a type (COALESCE, GREATEST,
// CASE results, VALUES columns, UNION): PostgreSQL's select_common_type.
func (b *Binder) commonArgs(nodes []*pg.Node, s *scope, ec exprCtx, what string, loc int32) ([]Expr, *types.T, error) {
	args := make([]Expr, len(nodes))
	for i, n := range nodes {
		e, err := b.expr(n, s, exprCtx{where: ec.where, value: true})
		if err != nil {
			return nil, nil, err
		}
		args[i] = e
	}
	t, err := b.commonType(args, what, loc)
	if err != nil {
		return nil, nil, err
	}
	for i, a := range args {
		if args[i], err = b.coerce(a, t, types.ContextImplicit, loc); err != nil {
			return nil, nil, err
		}
	}
	return args, t, nil
}

// commonType is the type expressions unite in.
func (b *Binder) commonType(args []Expr, what string, loc int32) (*types.T, error) {
	t := types.Unknown
	for _, a := range args {
		if a.Type().Family == types.UnknownFamily {
			continue // an untyped literal takes the others' type
		}
		c := builtins.CommonType(t, a.Type())
		if c == nil {
			return nil, b.errorf(pgcode.DatatypeMismatch, loc, "%s types %s and %s cannot be matched", what, t.SQL, a.Type().SQL)
		}
		t = c
	}
	if t.Family == types.UnknownFamily {
		t = types.Text
	}
	return t, nil
}

// caseExpr binds CASE.
func (b *Binder) caseExpr(c *pg.CaseExpr, s *scope, ec exprCtx) (Expr, error) {
	var operand Expr
	if c.Arg != nil {
		var err error
		if operand, err = b.expr(c.Arg, s, ec); err != nil {
			return nil, err
		}
	}
	var conds []Expr
	var results []Expr
	for _, w := range c.Args {
		cw := w.GetCaseWhen()
		var cond Expr
		var err error
		if operand != nil {
			v, err := b.expr(cw.Expr, s, exprCtx{where: ec.where, value: true})
			if err != nil {
				return nil, err
			}
			if cond, err = b.callOp("=", []Expr{operand, v}, cw.Location); err != nil {
				return nil, err
			}
		} else if cond, err = b.boolOperand(cw.Expr, s, ec, "CASE/WHEN"); err != nil {
			return nil, err
		}
		res, err := b.expr(cw.Result, s, exprCtx{where: ec.where, value: true})
		if err != nil {
			return nil, err
		}
		conds = append(conds, cond)
		results = append(results, res)
	}
	var els Expr
	if c.Defresult != nil {
		var err error
		if els, err = b.expr(c.Defresult, s, exprCtx{where: ec.where, value: true}); err != nil {
			return nil, err
		}
		results = append(results, els)
	}
	t, err := b.commonType(results, "CASE", c.Location)
	if err != nil {
		return nil, err
	}
	out := &Case{T: t}
	for i, cond := range conds {
		r, err := b.coerce(results[i], t, types.ContextImplicit, c.Location)
		if err != nil {
			return nil, err
		}
		out.Whens = append(out.Whens, When{Cond: cond, Then: r})
	}
	if els != nil {
		if out.Else, err = b.coerce(els, t, types.ContextImplicit, c.Location); err != nil {
			return nil, err
		}
	}
	if err := b.noSRF(append(append([]Expr{operand}, conds...), results...), "CASE", c.Location); err != nil {
		return nil, err
	}
	return out, nil
}

// inList binds x IN (list) as comparisons of x with each item.
func (b *Binder) inList(x Expr, items []Expr, not bool, loc int32) (Expr, error) {
	all := append([]Expr{x}, items...)
	t, err := b.commonType(all, "IN", loc)
	if err != nil {
		return nil, err
	}
	if x, err = b.coerce(x, t, types.ContextImplicit, loc); err != nil {
		return nil, err
	}
	in := &InList{E: x, Not: not}
	for _, it := range items {
		c, err := b.coerce(it, t, types.ContextImplicit, loc)
		if err != nil {
			return nil, err
		}
		r, err := b.resolveOp("=", t, t, loc)
		if err != nil {
			return nil, err
		}
		in.List = append(in.List, c)
		in.Eq = append(in.Eq, r.Fn)
	}
	return in, nil
}

// rowCompare binds a comparison of two row constructors as PostgreSQL
// compares rows: = and <> field by field (all equal; any unequal), an
// ordering the first pair of fields that differ decides, a pair with a
// NULL making the answer NULL. (a, b) < (x, y) becomes a < x OR (a = x AND
// b < y), with a <= x beside it, which the expansion implies and a range
// of the first column's key or index can read.
func (b *Binder) rowCompare(op string, l, r *RowExpr, loc int32) (Expr, error) {
	if len(l.Args) != len(r.Args) {
		return nil, b.errorf(pgcode.SyntaxError, loc, "unequal number of entries in row expressions")
	}
	if len(l.Args) == 0 {
		return nil, b.errorf(pgcode.FeatureNotSupported, loc, "cannot compare rows of zero length")
	}
	pair := func(op string, i int) (Expr, error) { return b.callOp(op, []Expr{l.Args[i], r.Args[i]}, loc) }
	n := len(l.Args)
	switch op {
	case "=", "<>":
		es := make([]Expr, n)
		for i := range es {
			e, err := pair(op, i)
			if err != nil {
				return nil, err
			}
			es[i] = e
		}
		switch {
		case n == 1:
			return es[0], nil
		case op == "=":
			return &And{Args: es}, nil
		}
		return &Or{Args: es}, nil
	case "<", "<=", ">", ">=":
		e, err := pair(op, n-1)
		if err != nil {
			return nil, err
		}
		strict := op[:1]
		for i := n - 2; i >= 0; i-- {
			first, err := pair(strict, i)
			if err != nil {
				return nil, err
			}
			eq, err := pair("=", i)
			if err != nil {
				return nil, err
			}
			e = &Or{Args: []Expr{first, &And{Args: []Expr{eq, e}}}}
		}
		if n > 1 {
			bound, err := pair(strict+"=", 0)
			if err != nil {
				return nil, err
			}
			e = &And{Args: []Expr{bound, e}}
		}
		return e, nil
	}
	if _, err := pair(op, 0); err != nil {
		return nil, err // no such operator for the fields
	}
	return nil, b.errorf(pgcode.UndefinedFunction, loc, "could not determine interpretation of row comparison operator %s", op)
}

// rowDistinct binds (a, b) IS [NOT] DISTINCT FROM (x, y): distinct when
// any pair of fields is, NULLs equal to each other.
func (b *Binder) rowDistinct(l, r *RowExpr, not bool, loc int32) (Expr, error) {
	if len(l.Args) != len(r.Args) {
		return nil, b.errorf(pgcode.SyntaxError, loc, "unequal number of entries in row expressions")
	}
	var es []Expr
	for i := range l.Args {
		eq, err := b.callOp("=", []Expr{l.Args[i], r.Args[i]}, loc)
		if err != nil {
			return nil, err
		}
		c := eq.(*Call)
		es = append(es, &DistinctFrom{A: c.Args[0], B: c.Args[1], Eq: c.Fn})
	}
	var e Expr = &Or{Args: es}
	if len(es) == 1 {
		e = es[0]
	}
	if not {
		e = &Not{E: e}
	}
	return e, nil
}

// rowInList binds (a, b) [NOT] IN ((x, y), ...): the rows' equalities,
// any of them (none of them).
func (b *Binder) rowInList(l *RowExpr, items []Expr, not bool, loc int32) (Expr, error) {
	op := "="
	if not {
		op = "<>"
	}
	var es []Expr
	for _, it := range items {
		r, ok := it.(*RowExpr)
		if !ok {
			return nil, b.errorf(pgcode.FeatureNotSupported, loc, "a row IN a list of other than rows is not supported")
		}
		e, err := b.rowCompare(op, l, r, loc)
		if err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	switch {
	case len(es) == 1:
		return es[0], nil
	case not:
		return &And{Args: es}, nil
	}
	return &Or{Args: es}, nil
}

// arrayOp binds x op ANY (array) / ALL (array).
func (b *Binder) arrayOp(op string, l, r Expr, all bool, loc int32) (Expr, error) {
	rt := r.Type()
	if rt.Family == types.UnknownFamily {
		// '{1,2}' as an array of the left operand's type.
		at := types.ArrayOf(l.Type())
		if at == nil {
			at = types.ArrayOf(types.Text)
		}
		var err error
		if r, err = b.coerce(r, at, types.ContextImplicit, loc); err != nil {
			return nil, err
		}
		rt = r.Type()
	}
	if !rt.IsArray() || rt.Elem == nil {
		return nil, b.errorf(pgcode.WrongObjectType, loc, "op ANY/ALL (array) requires array on right side")
	}
	res, err := b.resolveOp(op, l.Type(), rt.Elem, loc)
	if err != nil {
		return nil, err
	}
	if l, err = b.coerce(l, res.ArgTypes[0], types.ContextImplicit, loc); err != nil {
		return nil, err
	}
	if res.Ret.Family != types.BoolFamily {
		return nil, b.errorf(pgcode.DatatypeMismatch, loc, "op ANY/ALL (array) requires operator to yield boolean")
	}
	return &ArrayOp{Left: l, Array: r, Op: res.Fn, All: all}, nil
}

// arrayExpr binds ARRAY[...].
func (b *Binder) arrayExpr(elems []*pg.Node, s *scope, ec exprCtx, loc int32) (Expr, error) {
	if len(elems) == 0 {
		return &ArrayExpr{T: types.ArrayOf(types.Text)}, nil
	}
	args, t, err := b.commonArgs(elems, s, ec, "ARRAY", loc)
	if err != nil {
		return nil, err
	}
	if t.IsArray() && t.Elem != nil {
		// Sub-arrays: an array of one dimension more, of the same type.
		return &ArrayExpr{Elems: args, T: t.WithMod(-1), Multi: true}, nil
	}
	at := types.ArrayOf(t)
	if at == nil {
		return nil, b.errorf(pgcode.UndefinedObject, loc, "could not find array type for data type %s", t.SQL)
	}
	return &ArrayExpr{Elems: args, T: at}, nil
}

// indirection binds subscripts: of an array, an element (x[i], x[i][j])
// or a slice (x[a:b]); of a jsonb array, an element.
func (b *Binder) indirection(ind *pg.A_Indirection, s *scope, ec exprCtx) (Expr, error) {
	e, err := b.expr(ind.Arg, s, ec)
	if err != nil {
		return nil, err
	}
	sub := func(n *pg.Node) (Expr, error) {
		if n == nil {
			return nil, nil
		}
		x, err := b.expr(n, s, exprCtx{where: ec.where, value: true})
		if err != nil {
			return nil, err
		}
		return b.coerce(x, types.Int4, types.ContextImplicit, -1)
	}
	rest := ind.Indirection
	for len(rest) > 0 {
		t := e.Type()
		if t.IsArray() && t.Elem != nil {
			// The subscripts in a row make one subscripting.
			as := &ArraySub{E: e}
			for len(rest) > 0 && rest[0].GetAIndices() != nil {
				ai := rest[0].GetAIndices()
				rest = rest[1:]
				lo, err := sub(ai.Lidx)
				if err != nil {
					return nil, err
				}
				hi, err := sub(ai.Uidx)
				if err != nil {
					return nil, err
				}
				as.Slice = as.Slice || ai.IsSlice
				as.Lower = append(as.Lower, lo)
				as.Upper = append(as.Upper, hi)
			}
			if len(as.Upper) == 0 {
				return nil, pgcode.New(pgcode.FeatureNotSupported, "only subscripts are supported after an array")
			}
			if len(as.Upper) > types.MaxArrayDims {
				return nil, pgcode.Newf(pgcode.ProgramLimitExceeded, "number of array dimensions (%d) exceeds the maximum allowed (%d)",
					len(as.Upper), types.MaxArrayDims)
			}
			as.T = t.Elem
			if as.Slice {
				as.T = t.WithMod(-1)
			}
			e = as
			continue
		}
		if f := rest[0].GetString_(); f != nil {
			// (row).field: a set-returning function's row in the select
			// list, or a row constructed in place.
			fs, err := b.fieldSelect(e, f.Sval, s)
			if err != nil {
				return nil, err
			}
			e, rest = fs, rest[1:]
			continue
		}
		ai := rest[0].GetAIndices()
		if ai == nil || ai.IsSlice {
			return nil, pgcode.New(pgcode.FeatureNotSupported, "only subscripts x[i] of an array or jsonb are supported here")
		}
		rest = rest[1:]
		idx, err := sub(ai.Uidx)
		if err != nil {
			return nil, err
		}
		if t.Oid == types.OidName {
			if idx, err = b.coerce(idx, types.Int4, types.ContextImplicit, -1); err != nil {
				return nil, err
			}
			e = &Call{Name: "subscript", Fn: builtins.NameSubscript, Args: []Expr{e, idx}, T: types.Char}
			continue
		}
		if t.Family != types.JSONBFamily {
			return nil, pgcode.Newf(pgcode.DatatypeMismatch, "cannot subscript type %s because it does not support subscripting", t.SQL)
		}
		e = &Subscript{E: e, Index: idx, T: types.JSONB}
	}
	return e, nil
}

// sqlValueFunction binds CURRENT_DATE, CURRENT_USER and their kind as calls
// of the functions of the same meaning.
func (b *Binder) sqlValueFunction(f *pg.SQLValueFunction) (Expr, error) {
	name := map[pg.SQLValueFunctionOp]string{
		pg.SQLValueFunctionOp_SVFOP_CURRENT_DATE:        "current_date",
		pg.SQLValueFunctionOp_SVFOP_CURRENT_TIME:        "current_time",
		pg.SQLValueFunctionOp_SVFOP_CURRENT_TIME_N:      "current_time",
		pg.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP:   "now",
		pg.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N: "now",
		pg.SQLValueFunctionOp_SVFOP_LOCALTIME:           "localtime",
		pg.SQLValueFunctionOp_SVFOP_LOCALTIME_N:         "localtime",
		pg.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP:      "localtimestamp",
		pg.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N:    "localtimestamp",
		pg.SQLValueFunctionOp_SVFOP_CURRENT_ROLE:        "current_user",
		pg.SQLValueFunctionOp_SVFOP_CURRENT_USER:        "current_user",
		pg.SQLValueFunctionOp_SVFOP_USER:                "current_user",
		pg.SQLValueFunctionOp_SVFOP_SESSION_USER:        "session_user",
		pg.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG:     "current_database",
		pg.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA:      "current_schema",
	}[f.Op]
	if name == "" {
		return nil, b.errorf(pgcode.FeatureNotSupported, f.Location, "%s is not supported", f.Op)
	}
	r, err := builtins.Resolve(name, nil, builtins.Normal)
	if err != nil {
		return nil, withPos(err, b.pos(f.Location))
	}
	return b.apply(name, r, nil, f.Location)
}

// TypeName resolves a type as written in DDL: names, modifiers and [].
func TypeName(tn *pg.TypeName) (*types.T, error) {
	b := &Binder{}
	return b.typeName(tn)
}

// typeName resolves a type as written: names, modifiers and [].
func (b *Binder) typeName(tn *pg.TypeName) (*types.T, error) {
	var parts []string
	for _, n := range tn.Names {
		parts = append(parts, n.GetString_().GetSval())
	}
	name := strings.Join(parts, ".")
	t, ok := types.ByName(name)
	if name == "char" {
		// The grammar writes char as pg_catalog.bpchar: a bare "char" was
		// quoted, PostgreSQL's one-byte type.
		t, ok = types.Char, true
	}
	if !ok {
		if len(parts) == 2 && parts[0] == "pg_catalog" {
			t, ok = types.ByName(parts[1])
		}
		if !ok {
			return nil, b.errorf(pgcode.UndefinedObject, tn.Location, "type %q does not exist", name)
		}
	}
	var mods []int32
	for _, m := range tn.Typmods {
		c := m.GetAConst()
		if c == nil || c.GetIval() == nil {
			return nil, b.errorf(pgcode.SyntaxError, tn.Location, "type modifiers must be simple constants or identifiers")
		}
		mods = append(mods, c.GetIval().Ival)
	}
	if len(mods) > 0 {
		mod, err := typmod(t, mods)
		if err != nil {
			return nil, withPos(err, b.pos(tn.Location))
		}
		t = t.WithMod(mod)
	}
	if len(tn.ArrayBounds) > 0 {
		at := types.ArrayOf(t)
		if at == nil {
			return nil, b.errorf(pgcode.UndefinedObject, tn.Location, "could not find array type for data type %s", t.SQL)
		}
		t = at
	}
	return t, nil
}

// typmod computes the modifier of varchar(n), numeric(p,s), timestamp(p).
func typmod(t *types.T, mods []int32) (int32, error) {
	switch t.Oid {
	case types.OidVarchar, types.OidBpchar:
		if len(mods) != 1 || mods[0] < 1 || mods[0] > 10485760 {
			return 0, pgcode.Newf(pgcode.InvalidParameterValue, "length for type %s must be at least 1", t.Name)
		}
		return mods[0] + 4, nil
	case types.OidNumeric:
		p, s := mods[0], int32(0)
		if len(mods) > 1 {
			s = mods[1]
		}
		if len(mods) > 2 || p < 1 || p > 1000 {
			return 0, pgcode.Newf(pgcode.InvalidParameterValue, "NUMERIC precision %d must be between 1 and 1000", p)
		}
		if s < -1000 || s > 1000 {
			return 0, pgcode.Newf(pgcode.InvalidParameterValue, "NUMERIC scale %d must be between -1000 and 1000", s)
		}
		return (p<<16 | s&0xffff) + 4, nil
	case types.OidTimestamp, types.OidTimestampTZ, types.OidTime, types.OidInterval:
		if len(mods) != 1 || mods[0] < 0 {
			return 0, pgcode.Newf(pgcode.InvalidParameterValue, "invalid precision for type %s", t.Name)
		}
		return min(mods[0], 6), nil
	}
	return 0, pgcode.Newf(pgcode.SyntaxError, "type modifier is not allowed for type %q", t.Name)
}

// location returns a node's location, -1 when it has none.
func location(n *pg.Node) int32 {
	switch x := n.Node.(type) {
	case *pg.Node_ColumnRef:
		return x.ColumnRef.Location
	case *pg.Node_AConst:
		return x.AConst.Location
	case *pg.Node_AExpr:
		return x.AExpr.Location
	case *pg.Node_FuncCall:
		return x.FuncCall.Location
	case *pg.Node_TypeCast:
		return x.TypeCast.Location
	case *pg.Node_ParamRef:
		return x.ParamRef.Location
	case *pg.Node_BoolExpr:
		return x.BoolExpr.Location
	case *pg.Node_SubLink:
		return x.SubLink.Location
	}
	return -1
}

// nodeName names a node kind for messages.
func nodeName(n *pg.Node) string {
	b, _ := json.Marshal(n.Node)
	s := string(b)
	if i := strings.IndexByte(s, ':'); i > 0 {
		s = strings.Trim(s[:i], `{"`)
	}
	return s
}

// fieldSelect binds (e).name where e is a row whose fields are known.
func (b *Binder) fieldSelect(e Expr, name string, s *scope) (Expr, error) {
	var fields []Column
	switch x := e.(type) {
	case *ColRef:
		fields = x.Row
	case *srfRef:
		for sc := s; sc != nil && fields == nil; sc = sc.parent {
			if sc.srf != nil && x.i < len(sc.srf.calls) {
				fields = sc.srf.calls[x.i].RowOf
			}
		}
	case *RowExpr:
		for i, a := range x.Args {
			n := fmt.Sprintf("f%d", i+1)
			if i < len(x.Names) {
				n = x.Names[i]
			}
			fields = append(fields, Column{Name: n, Type: a.Type()})
		}
	}
	for i, f := range fields {
		if f.Name == name {
			return &FieldSelect{E: e, Field: name, Idx: i, T: f.Type}, nil
		}
	}
	if fields == nil {
		return nil, pgcode.Newf(pgcode.FeatureNotSupported, "field selection .%s from a %s is not supported", name, e.Type().SQL)
	}
	return nil, pgcode.Newf(pgcode.UndefinedColumn, "column %q not found in data type record", name)
}
