package plan

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// aggContext collects the aggregates of a query level while its select
// list, HAVING and ORDER BY are bound.
type aggContext struct {
	calls []*AggCall
	// inArg is set while an aggregate's arguments are bound: aggregates
	// do not nest.
	inArg bool
}

// aggRef stands for the i-th aggregate of the level until the select list
// is rewritten over the Agg node's output.
type aggRef struct {
	i int
	t *types.T
}

func (e *aggRef) Type() *types.T { return e.t }

// groupingRef is GROUPING(args) until the grouping sets are known.
type groupingRef struct {
	args []Expr
	loc  int32
}

func (e *groupingRef) Type() *types.T { return types.Int4 }

// windowContext collects the window functions of a query level.
type windowContext struct {
	calls   []*WindowCall
	windows map[string]*pg.WindowDef // WINDOW w AS (...)
	// inArg is set while a window function's arguments, PARTITION BY and
	// ORDER BY are bound: window functions do not nest.
	inArg bool
}

// winRef stands for the i-th window function until the Window node is
// built.
type winRef struct {
	i int
	t *types.T
}

func (e *winRef) Type() *types.T { return e.t }

// funcCall binds a function call: a scalar function, an aggregate (in a
// context that allows one) or a window function (with OVER).
func (b *Binder) funcCall(f *pg.FuncCall, s *scope, ec exprCtx) (Expr, error) {
	var parts []string
	for _, n := range f.Funcname {
		parts = append(parts, n.GetString_().GetSval())
	}
	name := parts[len(parts)-1]
	// information_schema's own helpers (_pg_expandarray, ...) are
	// builtins too; the driftdb schema's go by their qualified name.
	if qualified, ok := driftdbFunc(parts); ok {
		name = qualified
	} else if len(parts) == 2 && parts[0] != "pg_catalog" && parts[0] != "public" &&
		!(parts[0] == "information_schema" && strings.HasPrefix(name, "_pg_")) {
		return nil, b.errorf(pgcode.UndefinedFunction, f.Location, "function %s does not exist", strings.Join(parts, "."))
	}
	kind := builtins.Normal
	overloads := builtins.Lookup(name)
	isAgg, isWin := false, false
	for _, o := range overloads {
		switch o.Kind {
		case builtins.Aggregate:
			isAgg = true
		case builtins.Window:
			isWin = true
		}
	}
	switch {
	case f.Over != nil && (isAgg || isWin):
		kind = builtins.Aggregate
		if isWin {
			kind = builtins.Window
		}
	case f.Over != nil:
		return nil, b.errorf(pgcode.WrongObjectType, f.Location, "OVER specified, but %s is not a window function nor an aggregate function", name)
	case isWin:
		return nil, b.errorf(pgcode.WrongObjectType, f.Location, "window function %s requires an OVER clause", name)
	case isAgg:
		kind = builtins.Aggregate
	}
	if f.AggWithinGroup {
		if f.Over != nil {
			return nil, b.errorf(pgcode.WrongObjectType, f.Location, "OVER is not supported for ordered-set aggregate %s", name)
		}
		// An ordered-set aggregate (percentile_cont(0.5) WITHIN GROUP
		// (ORDER BY x)) takes its direct arguments and then the sorted
		// values, as its overloads declare: x is an argument too, and the
		// rows come to it in x's order.
		g := pg.FuncCall{Funcname: f.Funcname, Args: append([]*pg.Node(nil), f.Args...), AggOrder: f.AggOrder,
			AggFilter: f.AggFilter, AggDistinct: f.AggDistinct, FuncVariadic: f.FuncVariadic, Funcformat: f.Funcformat, Location: f.Location}
		for _, o := range f.AggOrder {
			g.Args = append(g.Args, o.GetSortBy().Node)
		}
		if kind != builtins.Aggregate {
			// No aggregate takes these arguments: PostgreSQL's error.
			args, err := b.args(g.Args, s, ec)
			if err != nil {
				return nil, err
			}
			_, err = builtins.Resolve(name, typesOf(args), builtins.Aggregate)
			if err == nil {
				err = pgcode.Newf(pgcode.UndefinedFunction, "function %s does not exist", name)
			}
			return nil, withPos(err, b.pos(f.Location))
		}
		return b.aggregate(name, &g, s, ec)
	}
	if (f.AggStar || f.AggDistinct || f.AggFilter != nil || len(f.AggOrder) > 0) && kind == builtins.Normal {
		return nil, b.errorf(pgcode.WrongObjectType, f.Location, "%s specified, but %s is not an aggregate function", aggOption(f), name)
	}
	if kind == builtins.Aggregate && f.Over == nil {
		return b.aggregate(name, f, s, ec)
	}
	if f.Over != nil {
		return b.windowCall(name, kind, f, s, ec)
	}
	args, err := b.callArgs(name, f.Args, s, ec, f.Location)
	if err != nil {
		return nil, err
	}
	r, err := builtins.Resolve(name, typesOf(args), builtins.Normal)
	if err != nil {
		return nil, withPos(err, b.pos(f.Location))
	}
	if r.Fn.Kind == builtins.SetReturning {
		return b.srfCall(name, r, args, s, ec, f.Location)
	}
	return b.apply(name, r, args, f.Location)
}

func aggOption(f *pg.FuncCall) string {
	switch {
	case f.AggStar:
		return "*"
	case f.AggDistinct:
		return "DISTINCT"
	case f.AggFilter != nil:
		return "FILTER"
	}
	return "ORDER BY"
}

// args binds function arguments.
//
// A parameter the client typed void is no argument, as in PostgreSQL:
// pgjdbc sends {? = call f(?)} as f($1, $2) with the result's placeholder
// $1 of type void.
func (b *Binder) args(nodes []*pg.Node, s *scope, ec exprCtx) ([]Expr, error) {
	out := make([]Expr, 0, len(nodes))
	for _, n := range nodes {
		if na := n.GetNamedArgExpr(); na != nil {
			return nil, b.errorf(pgcode.FeatureNotSupported, na.Location, "named arguments are not supported")
		}
		e, err := b.expr(n, s, exprCtx{where: ec.where, value: true})
		if err != nil {
			return nil, err
		}
		if p, ok := e.(*Param); ok && p.T != nil && p.T.Oid == types.OidVoid {
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

func typesOf(es []Expr) []*types.T {
	out := make([]*types.T, len(es))
	for i, e := range es {
		out[i] = e.Type()
	}
	return out
}

// aggregate binds an aggregate call into the level's aggregate context and
// returns its placeholder.
func (b *Binder) aggregate(name string, f *pg.FuncCall, s *scope, ec exprCtx) (Expr, error) {
	if s == nil || s.agg == nil {
		where := ec.where
		if where == "" {
			where = "this context"
		}
		return nil, b.errorf(pgcode.GroupingError, f.Location, "aggregate functions are not allowed in %s", where)
	}
	if s.agg.inArg {
		return nil, b.errorf(pgcode.GroupingError, f.Location, "aggregate function calls cannot be nested")
	}
	s.agg.inArg = true
	defer func() { s.agg.inArg = false }()
	call := &AggCall{Name: name, Distinct: f.AggDistinct, Star: f.AggStar}
	var args []Expr
	if !f.AggStar {
		var err error
		if args, err = b.args(f.Args, s, ec); err != nil {
			return nil, err
		}
	}
	r, err := builtins.Resolve(name, typesOf(args), builtins.Aggregate)
	if err != nil {
		return nil, withPos(err, b.pos(f.Location))
	}
	for i, a := range args {
		if args[i], err = b.coerce(a, r.ArgTypes[i], types.ContextImplicit, f.Location); err != nil {
			return nil, err
		}
	}
	call.Fn, call.Args, call.T = r.Fn, args, r.Ret
	if f.AggFilter != nil {
		if call.Filter, err = b.boolOperand(f.AggFilter, s, exprCtx{where: "FILTER"}, "FILTER"); err != nil {
			return nil, err
		}
	}
	for _, o := range f.AggOrder {
		k, err := b.sortKey(o.GetSortBy(), s)
		if err != nil {
			return nil, err
		}
		call.OrderBy = append(call.OrderBy, k)
	}
	s.agg.calls = append(s.agg.calls, call)
	return &aggRef{i: len(s.agg.calls) - 1, t: call.T}, nil
}

// windowDef resolves a named window of the WINDOW clause that extends an
// earlier one, w AS (p ORDER BY ...): the result has p's PARTITION BY and
// its own or p's ORDER BY.
func (b *Binder) windowDef(wd *pg.WindowDef, defined map[string]*pg.WindowDef) (*pg.WindowDef, error) {
	if _, dup := defined[wd.Name]; dup {
		return nil, b.errorf(pgcode.WindowingError, wd.Location, "window %q is already defined", wd.Name)
	}
	if wd.Refname == "" {
		return wd, nil
	}
	ref, ok := defined[wd.Refname]
	if !ok {
		return nil, b.errorf(pgcode.UndefinedObject, wd.Location, "window %q does not exist", wd.Refname)
	}
	if len(wd.PartitionClause) > 0 {
		return nil, b.errorf(pgcode.WindowingError, wd.Location, "cannot override PARTITION BY clause of window %q", wd.Refname)
	}
	if len(ref.OrderClause) > 0 && len(wd.OrderClause) > 0 {
		return nil, b.errorf(pgcode.WindowingError, wd.Location, "cannot override ORDER BY clause of window %q", wd.Refname)
	}
	if ref.FrameOptions&frameNonDefault != 0 {
		return nil, b.errorf(pgcode.WindowingError, wd.Location, "cannot copy window %q because it has a frame clause", wd.Refname)
	}
	out := &pg.WindowDef{Name: wd.Name, PartitionClause: ref.PartitionClause, OrderClause: wd.OrderClause,
		FrameOptions: wd.FrameOptions, StartOffset: wd.StartOffset, EndOffset: wd.EndOffset, Location: wd.Location}
	if len(out.OrderClause) == 0 {
		out.OrderClause = ref.OrderClause
	}
	return out, nil
}

// windowCall binds a window function (or an aggregate over a window).
func (b *Binder) windowCall(name string, kind builtins.Kind, f *pg.FuncCall, s *scope, ec exprCtx) (Expr, error) {
	if s == nil || s.win == nil {
		where := ec.where
		if where == "" {
			where = "this context"
		}
		return nil, b.errorf(pgcode.WindowingError, f.Location, "window functions are not allowed in %s", where)
	}
	if s.agg != nil && s.agg.inArg {
		return nil, b.errorf(pgcode.GroupingError, f.Location, "aggregate function calls cannot contain window function calls")
	}
	if s.win.inArg {
		return nil, b.errorf(pgcode.WindowingError, f.Location, "window function calls cannot be nested")
	}
	// PostgreSQL refuses these over a window rather than ignore them.
	if f.AggDistinct {
		return nil, b.errorf(pgcode.FeatureNotSupported, f.Location, "DISTINCT is not implemented for window functions")
	}
	if len(f.AggOrder) > 0 {
		return nil, b.errorf(pgcode.FeatureNotSupported, f.Location, "aggregate ORDER BY is not implemented for window functions")
	}
	s.win.inArg = true
	defer func() { s.win.inArg = false }()
	var args []Expr
	if !f.AggStar {
		var err error
		if args, err = b.args(f.Args, s, ec); err != nil {
			return nil, err
		}
	}
	r, err := builtins.Resolve(name, typesOf(args), kind)
	if err != nil {
		return nil, withPos(err, b.pos(f.Location))
	}
	for i, a := range args {
		if args[i], err = b.coerce(a, r.ArgTypes[i], types.ContextImplicit, f.Location); err != nil {
			return nil, err
		}
	}
	wd := f.Over
	if wd.Refname != "" || (wd.Name != "" && len(wd.PartitionClause) == 0 && len(wd.OrderClause) == 0) {
		ref := wd.Refname
		if ref == "" {
			ref = wd.Name
		}
		named, ok := s.win.windows[ref]
		if !ok {
			return nil, b.errorf(pgcode.UndefinedObject, wd.Location, "window %q does not exist", ref)
		}
		merged := &pg.WindowDef{PartitionClause: named.PartitionClause, OrderClause: named.OrderClause,
			FrameOptions: named.FrameOptions, StartOffset: named.StartOffset, EndOffset: named.EndOffset, Location: wd.Location}
		if len(wd.OrderClause) > 0 {
			merged.OrderClause = wd.OrderClause
		}
		if wd.FrameOptions != 0 && wd.FrameOptions != frameDefault {
			merged.FrameOptions, merged.StartOffset, merged.EndOffset = wd.FrameOptions, wd.StartOffset, wd.EndOffset
		}
		wd = merged
	}
	call := &WindowCall{Name: name, Fn: r.Fn, Args: args, T: r.Ret}
	for _, p := range wd.PartitionClause {
		e, err := b.expr(p, s, exprCtx{where: "PARTITION BY"})
		if err != nil {
			return nil, err
		}
		call.PartitionBy = append(call.PartitionBy, e)
	}
	for _, o := range wd.OrderClause {
		k, err := b.sortKey(o.GetSortBy(), s)
		if err != nil {
			return nil, err
		}
		call.OrderBy = append(call.OrderBy, k)
	}
	if call.Frame, err = b.frame(wd, call.OrderBy); err != nil {
		return nil, err
	}
	if f.AggFilter != nil {
		if call.Filter, err = b.boolOperand(f.AggFilter, s, exprCtx{where: "FILTER"}, "FILTER"); err != nil {
			return nil, err
		}
	}
	s.win.calls = append(s.win.calls, call)
	return &winRef{i: len(s.win.calls) - 1, t: call.T}, nil
}

// Frame option bits (PostgreSQL's FRAMEOPTION_*).
const (
	frameNonDefault           = 0x00001
	frameRange                = 0x00002
	frameRows                 = 0x00004
	frameGroups               = 0x00008
	frameBetween              = 0x00010
	frameStartUnboundedPrec   = 0x00020
	frameEndUnboundedPrec     = 0x00040
	frameStartUnboundedFollow = 0x00080
	frameEndUnboundedFollow   = 0x00100
	frameStartCurrentRow      = 0x00200
	frameEndCurrentRow        = 0x00400
	frameStartOffsetPrec      = 0x00800
	frameEndOffsetPrec        = 0x01000
	frameStartOffsetFollow    = 0x02000
	frameEndOffsetFollow      = 0x04000
	frameExcludeCurrentRow    = 0x08000
	frameExcludeGroup         = 0x10000
	frameExcludeTies          = 0x20000
	frameDefault              = frameRange | frameStartUnboundedPrec | frameEndCurrentRow
)

// Frame bound kinds of FrameBound.Kind.
const (
	BoundUnboundedPreceding uint8 = iota
	BoundPreceding
	BoundCurrentRow
	BoundFollowing
	BoundUnboundedFollowing
)

// Frame exclusions of WindowFrame.Exclude.
const (
	ExcludeNoOthers uint8 = iota
	ExcludeCurrentRow
	ExcludeGroup
	ExcludeTies
)

// frame binds a window's frame clause (nil: the default, RANGE BETWEEN
// UNBOUNDED PRECEDING AND CURRENT ROW) over the window's ORDER BY.
func (b *Binder) frame(wd *pg.WindowDef, orderBy []SortKey) (*WindowFrame, error) {
	o := wd.FrameOptions
	if o&frameNonDefault == 0 {
		return nil, nil
	}
	fr := &WindowFrame{Rows: o&frameRows != 0, Groups: o&frameGroups != 0}
	bound := func(unbPrec, unbFol, cur, offPrec, offFol int32, off *pg.Node) (FrameBound, error) {
		switch {
		case o&unbPrec != 0:
			return FrameBound{Kind: BoundUnboundedPreceding}, nil
		case o&unbFol != 0:
			return FrameBound{Kind: BoundUnboundedFollowing}, nil
		case o&cur != 0:
			return FrameBound{Kind: BoundCurrentRow}, nil
		}
		kind := BoundPreceding
		if o&offFol != 0 {
			kind = BoundFollowing
		}
		e, err := b.expr(off, nil, exprCtx{where: "window frame"})
		if err != nil {
			return FrameBound{}, err
		}
		if fr.Rows || fr.Groups {
			if e, err = b.coerce(e, types.Int8, types.ContextImplicit, wd.Location); err != nil {
				return FrameBound{}, err
			}
			return FrameBound{Kind: kind, Offset: e}, nil
		}
		return b.rangeBound(kind, e, orderBy, wd.Location)
	}
	var err error
	if fr.Start, err = bound(frameStartUnboundedPrec, frameStartUnboundedFollow, frameStartCurrentRow,
		frameStartOffsetPrec, frameStartOffsetFollow, wd.StartOffset); err != nil {
		return nil, err
	}
	if o&frameBetween != 0 {
		if fr.End, err = bound(frameEndUnboundedPrec, frameEndUnboundedFollow, frameEndCurrentRow,
			frameEndOffsetPrec, frameEndOffsetFollow, wd.EndOffset); err != nil {
			return nil, err
		}
	} else {
		fr.End = FrameBound{Kind: BoundCurrentRow}
	}
	switch {
	case o&frameExcludeCurrentRow != 0:
		fr.Exclude = ExcludeCurrentRow
	case o&frameExcludeGroup != 0:
		fr.Exclude = ExcludeGroup
	case o&frameExcludeTies != 0:
		fr.Exclude = ExcludeTies
	}
	return fr, nil
}

// rangeBound binds a RANGE frame's offset bound: the ORDER BY value of
// the current row moved by the offset, up or down as the bound and the
// order's direction say.
func (b *Binder) rangeBound(kind uint8, off Expr, orderBy []SortKey, loc int32) (FrameBound, error) {
	if len(orderBy) != 1 {
		return FrameBound{}, b.errorf(pgcode.WindowingError, loc, "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column")
	}
	key := orderBy[0]
	kt := key.E.Type()
	var ot *types.T
	switch kt.Family {
	case types.IntFamily, types.FloatFamily, types.DecimalFamily, types.IntervalFamily:
		ot = kt
	case types.DateFamily, types.TimestampFamily, types.TimestampTZFamily, types.TimeFamily:
		ot = types.Interval
	default:
		return FrameBound{}, b.errorf(pgcode.FeatureNotSupported, loc, "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s", kt.SQL)
	}
	if off.Type().Family == types.UnknownFamily || off.Type().Family != ot.Family {
		var err error
		if off, err = b.coerce(off, ot, types.ContextImplicit, loc); err != nil {
			return FrameBound{}, err
		}
	}
	op := "-"
	if (kind == BoundFollowing) != key.Desc {
		op = "+"
	}
	cur := &ColRef{Idx: 0, T: kt}
	limit, err := b.callOp(op, []Expr{cur, off}, loc)
	if err != nil {
		return FrameBound{}, err
	}
	var k Expr = cur
	if !types.Identical(kt, limit.Type()) {
		if k, err = b.coerce(cur, limit.Type(), types.ContextImplicit, loc); err != nil {
			return FrameBound{}, err
		}
	}
	return FrameBound{Kind: kind, Offset: off, Limit: limit, Key: k}, nil
}

// subLink binds a subquery in an expression.
func (b *Binder) subLink(sl *pg.SubLink, s *scope, ec exprCtx) (Expr, error) {
	sel := sl.Subselect.GetSelectStmt()
	if sel == nil {
		return nil, b.errorf(pgcode.FeatureNotSupported, sl.Location, "this kind of subquery is not supported")
	}
	inner := &scope{parent: s}
	if s != nil {
		inner.ctes = nil
	}
	n, err := b.selectStmt(sel, inner, nil)
	if err != nil {
		return nil, err
	}
	cols := n.Columns()
	sq := &Subquery{Plan: n, Correlated: inner.correlated}
	switch sl.SubLinkType {
	case pg.SubLinkType_EXISTS_SUBLINK:
		sq.Kind, sq.T = ExistsSubquery, types.Bool
		return sq, nil
	case pg.SubLinkType_EXPR_SUBLINK:
		if len(cols) != 1 {
			return nil, b.errorf(pgcode.SyntaxError, sl.Location, "subquery must return only one column")
		}
		sq.Kind, sq.T = ScalarSubquery, cols[0].Type
		return sq, nil
	case pg.SubLinkType_ARRAY_SUBLINK:
		if len(cols) != 1 {
			return nil, b.errorf(pgcode.SyntaxError, sl.Location, "subquery must return only one column")
		}
		at := types.ArrayOf(cols[0].Type)
		if at == nil {
			return nil, b.errorf(pgcode.UndefinedObject, sl.Location, "could not find array type for data type %s", cols[0].Type.SQL)
		}
		sq.Kind, sq.T = ArraySubquery, at
		return sq, nil
	case pg.SubLinkType_ANY_SUBLINK, pg.SubLinkType_ALL_SUBLINK:
		if err := b.quantified(sq, sl, cols, s, ec); err != nil {
			return nil, err
		}
		return sq, nil
	}
	return nil, b.errorf(pgcode.FeatureNotSupported, sl.Location, "this kind of subquery is not supported")
}

// quantified binds the comparison of x op ANY (SELECT ...) or x op ALL
// (SELECT ...); x may be a row, (a, b) IN (SELECT x, y ...), compared
// with the subquery's rows column by column.
func (b *Binder) quantified(sq *Subquery, sl *pg.SubLink, cols []Column, s *scope, ec exprCtx) error {
	var lefts []*pg.Node
	if row := sl.Testexpr.GetRowExpr(); row != nil {
		lefts = row.Args
	} else {
		lefts = []*pg.Node{sl.Testexpr}
	}
	switch {
	case len(cols) > len(lefts):
		return b.errorf(pgcode.SyntaxError, sl.Location, "subquery has too many columns")
	case len(cols) < len(lefts):
		return b.errorf(pgcode.SyntaxError, sl.Location, "subquery has too few columns")
	}
	op := "="
	if len(sl.OperName) > 0 {
		op = opName(sl.OperName)
	}
	if len(lefts) > 1 && op != "=" && op != "<>" {
		return b.errorf(pgcode.FeatureNotSupported, sl.Location, "row comparison with operator %s and a subquery is not supported", op)
	}
	for i, n := range lefts {
		left, err := b.expr(n, s, ec)
		if err != nil {
			return err
		}
		r, err := b.resolveOp(op, left.Type(), cols[i].Type, sl.Location)
		if err != nil {
			return err
		}
		if left, err = b.coerce(left, r.ArgTypes[0], types.ContextImplicit, sl.Location); err != nil {
			return err
		}
		if !types.Identical(r.ArgTypes[1], cols[i].Type) && types.CastContext(cols[i].Type, r.ArgTypes[1]) != types.ContextImplicit {
			return b.errorf(pgcode.DatatypeMismatch, sl.Location, "operator %s cannot compare %s with %s", op, left.Type().SQL, cols[i].Type.SQL)
		}
		if r.Ret.Family != types.BoolFamily {
			return b.errorf(pgcode.DatatypeMismatch, sl.Location, "row comparison operator must yield type boolean, not type %s", r.Ret.SQL)
		}
		sq.Left = append(sq.Left, left)
		sq.Op = append(sq.Op, r.Fn)
		sq.Cast = append(sq.Cast, r.ArgTypes[1])
	}
	sq.Kind, sq.T, sq.Unequal = AnySubquery, types.Bool, len(lefts) > 1 && op == "<>"
	if sl.SubLinkType == pg.SubLinkType_ALL_SUBLINK {
		sq.Kind = AllSubquery
	}
	return nil
}
