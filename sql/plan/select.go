package plan

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"slices"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// selectStmt binds a query at one level. s is the level's scope, made by
// the caller with its parent (the enclosing query, for correlated
// subqueries) and the CTEs in scope; nil for a statement's top level.
func (b *Binder) selectStmt(sel *pg.SelectStmt, s *scope, _ []*CTE) (Node, error) {
	if s == nil {
		s = &scope{}
	}
	var with []*CTE
	if sel.WithClause != nil {
		var err error
		// Data-modifying statements in WITH: at the top of the statement
		// only (a query that writes runs as a write).
		top := b.topSelect == sel
		if with, err = b.withClause(sel.WithClause, s, top); err != nil {
			return nil, err
		}
		for _, c := range with {
			if c.Write {
				b.wrote = true
			}
		}
	}
	n, err := b.selectBody(sel, s)
	if err != nil {
		return nil, err
	}
	if len(with) > 0 {
		n = &With{CTEs: with, Body: n}
	}
	return n, nil
}

// selectBody binds a query without its WITH clause.
func (b *Binder) selectBody(sel *pg.SelectStmt, s *scope) (Node, error) {
	if sel.Op != pg.SetOperation_SETOP_NONE {
		return b.setOp(sel, s)
	}
	if len(sel.ValuesLists) > 0 {
		n, err := b.values(sel.ValuesLists, s)
		if err != nil {
			return nil, err
		}
		return b.orderLimit(n, sel, s)
	}
	if sel.IntoClause != nil {
		return nil, pgcode.New(pgcode.FeatureNotSupported, "SELECT INTO is not supported; use CREATE TABLE AS")
	}
	// FROM, then WHERE.
	input, err := b.fromClause(sel.FromClause, s)
	if err != nil {
		return nil, err
	}
	if err := b.locking(sel.LockingClause, input); err != nil {
		return nil, err
	}
	if sel.WhereClause != nil {
		cond, err := b.expr(sel.WhereClause, s, exprCtx{where: "WHERE"})
		if err != nil {
			return nil, err
		}
		if cond, err = b.asBool(cond, "WHERE", location(sel.WhereClause)); err != nil {
			return nil, err
		}
		input = &Filter{Input: input, Cond: cond}
	}
	// The select list, GROUP BY, HAVING, ORDER BY, with aggregates and
	// window functions collected.
	s.agg = &aggContext{}
	s.win = &windowContext{windows: map[string]*pg.WindowDef{}}
	for _, w := range sel.WindowClause {
		wd, err := b.windowDef(w.GetWindowDef(), s.win.windows)
		if err != nil {
			return nil, err
		}
		s.win.windows[wd.Name] = wd
	}
	s.srf = &srfContext{}
	targets, names, err := b.targetList(sel.TargetList, s)
	if err != nil {
		return nil, err
	}
	srfCalls := s.srf.calls
	s.srf = nil
	groups, sets, err := b.groupBy(sel.GroupClause, s, targets, names)
	if err != nil {
		return nil, err
	}
	var having Expr
	if sel.HavingClause != nil {
		if having, err = b.expr(sel.HavingClause, s, exprCtx{where: "HAVING"}); err != nil {
			return nil, err
		}
		if having, err = b.asBool(having, "HAVING", location(sel.HavingClause)); err != nil {
			return nil, err
		}
	}
	keys, extra, err := b.orderBy(sel.SortClause, s, targets, names)
	if err != nil {
		return nil, err
	}
	var distinctOn []Expr
	distinct := len(sel.DistinctClause) > 0
	if distinct && sel.DistinctClause[0] != nil && sel.DistinctClause[0].Node != nil {
		for _, d := range sel.DistinctClause {
			e, err := b.outputRef(d, s, targets, names, "DISTINCT ON")
			if err != nil {
				return nil, err
			}
			distinctOn = append(distinctOn, e)
		}
		// The leading ORDER BY keys must be the DISTINCT ON expressions
		// (in any order): the first row of each group is the one kept.
		for i, k := range keys {
			if i >= len(distinctOn) {
				break
			}
			e := orderExpr(k, targets, extra)
			if !slices.ContainsFunc(distinctOn, func(d Expr) bool { return equalExpr(d, e) }) {
				return nil, b.errorf(pgcode.InvalidColumnReference, sel.SortClause[i].GetSortBy().Location,
					"SELECT DISTINCT ON expressions must match initial ORDER BY expressions")
			}
		}
		// An expression DISTINCT ON needs that the select list lacks is
		// computed beside it, hidden, as ORDER BY's are.
		for _, d := range distinctOn {
			if !slices.ContainsFunc(targets, func(t Expr) bool { return equalExpr(t, d) }) &&
				!slices.ContainsFunc(extra, func(x Expr) bool { return equalExpr(x, d) }) {
				extra = append(extra, d)
			}
		}
	}
	// Aggregation: the Agg node's output is the group keys, then the
	// aggregates; everything above it refers to those.
	aggCalls := s.agg.calls
	s.agg = nil
	if len(aggCalls) > 0 || len(groups) > 0 || having != nil || sets != nil {
		agg := &Agg{Input: input, GroupBy: groups, Aggs: aggCalls, Sets: sets}
		b.sets, b.setCol = sets, len(groups)+len(aggCalls)
		for _, g := range groups {
			agg.Cols = append(agg.Cols, Column{Name: exprName(g), Type: g.Type()})
		}
		for _, a := range aggCalls {
			agg.Cols = append(agg.Cols, Column{Name: a.Name, Type: a.T})
		}
		if sets != nil {
			agg.Cols = append(agg.Cols, Column{Name: "grouping set", Type: types.Int8, Hidden: true})
		}
		rw := func(e Expr) (Expr, error) { return b.regroup(e, groups, s.cols) }
		for i := range targets {
			if targets[i], err = rw(targets[i]); err != nil {
				return nil, err
			}
		}
		for i := range extra {
			if extra[i], err = rw(extra[i]); err != nil {
				return nil, err
			}
		}
		for i := range distinctOn {
			if distinctOn[i], err = rw(distinctOn[i]); err != nil {
				return nil, err
			}
		}
		for _, c := range srfCalls {
			for i := range c.Args {
				if c.Args[i], err = rw(c.Args[i]); err != nil {
					return nil, err
				}
			}
		}
		for _, w := range s.win.calls {
			for i := range w.Args {
				if w.Args[i], err = rw(w.Args[i]); err != nil {
					return nil, err
				}
			}
			for i := range w.PartitionBy {
				if w.PartitionBy[i], err = rw(w.PartitionBy[i]); err != nil {
					return nil, err
				}
			}
			for i := range w.OrderBy {
				if w.OrderBy[i].E, err = rw(w.OrderBy[i].E); err != nil {
					return nil, err
				}
			}
			if w.Filter != nil {
				if w.Filter, err = rw(w.Filter); err != nil {
					return nil, err
				}
			}
		}
		input = agg
		if having != nil {
			if having, err = rw(having); err != nil {
				return nil, err
			}
			input = &Filter{Input: input, Cond: having}
		}
	}
	// Window functions: their values follow the input's columns.
	if calls := s.win.calls; len(calls) > 0 {
		base := len(input.Columns())
		win := &Window{Input: input, Calls: calls, Cols: append([]Column(nil), input.Columns()...)}
		for _, c := range calls {
			win.Cols = append(win.Cols, Column{Name: c.Name, Type: c.T})
		}
		for i := range targets {
			targets[i] = unwindow(targets[i], base)
		}
		for i := range extra {
			extra[i] = unwindow(extra[i], base)
		}
		for _, c := range srfCalls {
			for i := range c.Args {
				c.Args[i] = unwindow(c.Args[i], base)
			}
		}
		input = win
	}
	s.win = nil
	// Set-returning functions of the select list.
	input = projectSet(input, srfCalls, targets, extra, distinctOn)
	// The projection: the select list, then what ORDER BY needs besides.
	proj := &Project{Input: input, Exprs: append(targets, extra...)}
	for i, e := range proj.Exprs {
		c := Column{Name: "?column?", Type: outputType(e)}
		if cr, ok := e.(*ColRef); ok {
			if in := input.Columns(); cr.Idx < len(in) {
				c.Row = in[cr.Idx].Row
			}
		}
		if i < len(names) {
			c.Name = names[i].name
			c.Table, c.Attr = names[i].table, names[i].attr
		} else {
			c.Hidden = true
		}
		if e.Type().Family == types.UnknownFamily {
			proj.Exprs[i] = &Cast{E: e, T: types.Text}
		}
		proj.Cols = append(proj.Cols, c)
	}
	var n Node = proj
	if distinct {
		if len(distinctOn) == 0 && len(extra) > 0 {
			return nil, pgcode.New(pgcode.InvalidColumnReference, "for SELECT DISTINCT, ORDER BY expressions must appear in select list")
		}
		on := make([]Expr, len(distinctOn))
		for i, e := range distinctOn {
			on[i] = projected(e, proj)
		}
		if len(distinctOn) > 0 && len(keys) > 0 {
			// DISTINCT ON keeps the first row of each group in ORDER BY's order.
			n = &Sort{Input: n, Keys: keys}
			keys = nil
		}
		n = &Distinct{Input: n, On: on}
	}
	n, err = b.sortLimit(n, keys, sel)
	if err != nil {
		return nil, err
	}
	if len(extra) > 0 {
		// Drop the ORDER BY helpers.
		cols := proj.Cols[:len(targets)]
		exprs := make([]Expr, len(targets))
		for i := range exprs {
			exprs[i] = &ColRef{Idx: i, T: cols[i].Type, Name: cols[i].Name}
		}
		n = &Project{Input: n, Exprs: exprs, Cols: cols}
	}
	return n, nil
}

// outputType is the type a result column reports: an untyped literal is
// text.
func outputType(e Expr) *types.T {
	if e.Type().Family == types.UnknownFamily {
		return types.Text
	}
	return e.Type()
}

// projected maps an expression over the projection's input to the
// projection's output column that computes it.
func projected(e Expr, p *Project) Expr {
	for i, x := range p.Exprs {
		if equalExpr(e, x) {
			return &ColRef{Idx: i, T: p.Cols[i].Type, Name: p.Cols[i].Name}
		}
	}
	return e
}

// orderExpr is the expression a sort key of the select list sorts by.
func orderExpr(k SortKey, targets, extra []Expr) Expr {
	i := k.E.(*ColRef).Idx
	if i < len(targets) {
		return targets[i]
	}
	return extra[i-len(targets)]
}

// outName is a result column's name and, for a plain table column, where
// it comes from.
type outName struct {
	name  string
	table string
	attr  int16
	alias bool // AS name was written
}

// targetList binds the select list: * expanded, each item with its name.
func (b *Binder) targetList(list []*pg.Node, s *scope) ([]Expr, []outName, error) {
	var exprs []Expr
	var names []outName
	for _, item := range list {
		rt := item.GetResTarget()
		if cr := rt.Val.GetColumnRef(); cr != nil {
			if star, qual := isStar(cr); star {
				sc, depth, idx, err := s.star(qual, b.pos(cr.Location))
				if err != nil {
					return nil, nil, err
				}
				for _, i := range idx {
					c := &sc.cols[i]
					exprs = append(exprs, colRef(i, depth, c))
					names = append(names, outName{name: c.name, table: c.table, attr: c.attr})
				}
				continue
			}
		}
		e, err := b.expr(rt.Val, s, exprCtx{where: "SELECT"})
		if err != nil {
			return nil, nil, err
		}
		on := outName{name: figureName(rt.Val)}
		if rt.Name != "" {
			on = outName{name: rt.Name, alias: true}
		}
		if cr, ok := e.(*ColRef); ok && rt.Name == "" {
			c := s.cols[cr.Idx]
			on.table, on.attr = c.table, c.attr
		} else if cr, ok := e.(*ColRef); ok {
			c := s.cols[cr.Idx]
			on.table, on.attr = c.table, c.attr
		}
		exprs = append(exprs, e)
		names = append(names, on)
	}
	return exprs, names, nil
}

// isStar reports whether a column reference is * or t.*.
func isStar(cr *pg.ColumnRef) (bool, string) {
	n := len(cr.Fields)
	if n == 0 || cr.Fields[n-1].GetAStar() == nil {
		return false, ""
	}
	if n == 2 {
		return true, cr.Fields[0].GetString_().GetSval()
	}
	return true, ""
}

// figureName is the name PostgreSQL gives an unnamed result column
// (FigureColname).
func figureName(n *pg.Node) string {
	name, _ := figureNameStrength(n)
	return name
}

// figureNameStrength is figureName with how strong the name is, as
// PostgreSQL's FigureColnameInternal ranks them: 2 for a name of its own
// (a column, a function, coalesce), 1 for a cast's type or "case", which
// a cast around it replaces ('pg_class'::regclass::oid is oid), 0 for
// none.
func figureNameStrength(n *pg.Node) (string, int) {
	switch x := n.Node.(type) {
	case *pg.Node_ColumnRef:
		f := x.ColumnRef.Fields
		if len(f) > 0 {
			if s := f[len(f)-1].GetString_(); s != nil {
				return s.Sval, 2
			}
		}
	case *pg.Node_FuncCall:
		f := x.FuncCall.Funcname
		return f[len(f)-1].GetString_().GetSval(), 2
	case *pg.Node_AIndirection:
		// (row).field is named after the field; x[i] after x.
		ind := x.AIndirection.Indirection
		if len(ind) > 0 {
			if s := ind[len(ind)-1].GetString_(); s != nil {
				return s.Sval, 2
			}
		}
		return figureNameStrength(x.AIndirection.Arg)
	case *pg.Node_TypeCast:
		if name, strength := figureNameStrength(x.TypeCast.Arg); strength > 1 {
			return name, strength
		}
		names := x.TypeCast.TypeName.Names
		return names[len(names)-1].GetString_().GetSval(), 1
	case *pg.Node_CaseExpr:
		if x.CaseExpr.Defresult != nil {
			if name, strength := figureNameStrength(x.CaseExpr.Defresult); strength > 1 {
				return name, strength
			}
		}
		return "case", 1
	case *pg.Node_CoalesceExpr:
		return "coalesce", 2
	case *pg.Node_MinMaxExpr:
		if x.MinMaxExpr.Op == pg.MinMaxOp_IS_GREATEST {
			return "greatest", 2
		}
		return "least", 2
	case *pg.Node_AExpr:
		if x.AExpr.Kind == pg.A_Expr_Kind_AEXPR_NULLIF {
			return "nullif", 2
		}
	case *pg.Node_SqlvalueFunction:
		return map[pg.SQLValueFunctionOp]string{
			pg.SQLValueFunctionOp_SVFOP_CURRENT_DATE: "current_date", pg.SQLValueFunctionOp_SVFOP_CURRENT_TIME: "current_time",
			pg.SQLValueFunctionOp_SVFOP_CURRENT_TIME_N: "current_time", pg.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP: "current_timestamp",
			pg.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N: "current_timestamp", pg.SQLValueFunctionOp_SVFOP_LOCALTIME: "localtime",
			pg.SQLValueFunctionOp_SVFOP_LOCALTIME_N: "localtime", pg.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP: "localtimestamp",
			pg.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N: "localtimestamp", pg.SQLValueFunctionOp_SVFOP_CURRENT_ROLE: "current_role",
			pg.SQLValueFunctionOp_SVFOP_CURRENT_USER: "current_user", pg.SQLValueFunctionOp_SVFOP_USER: "user",
			pg.SQLValueFunctionOp_SVFOP_SESSION_USER: "session_user", pg.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG: "current_catalog",
			pg.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA: "current_schema",
		}[x.SqlvalueFunction.Op], 2
	case *pg.Node_SubLink:
		switch x.SubLink.SubLinkType {
		case pg.SubLinkType_EXISTS_SUBLINK:
			return "exists", 2
		case pg.SubLinkType_ARRAY_SUBLINK:
			return "array", 2
		case pg.SubLinkType_EXPR_SUBLINK:
			// The subquery's column name, whatever it is: a cast
			// around it keeps it ((SELECT 1)::text is ?column?).
			if sel := x.SubLink.Subselect.GetSelectStmt(); sel != nil && len(sel.TargetList) == 1 {
				rt := sel.TargetList[0].GetResTarget()
				if rt.Name != "" {
					return rt.Name, 2
				}
				return figureName(rt.Val), 2
			}
		}
	case *pg.Node_AArrayExpr:
		return "array", 2
	case *pg.Node_RowExpr:
		return "row", 2
	case *pg.Node_BoolExpr, *pg.Node_AConst, *pg.Node_ParamRef, *pg.Node_NullTest, *pg.Node_BooleanTest:
	}
	return "?column?", 0
}

// exprName names an expression for an Agg's column (EXPLAIN only).
func exprName(e Expr) string {
	if c, ok := e.(*ColRef); ok {
		return c.Name
	}
	return "?column?"
}

// outputRef binds an ORDER BY, GROUP BY or DISTINCT ON item: a position
// (an integer constant) or an output column's name stand for that select
// list item; anything else is an expression over the input.
func (b *Binder) outputRef(n *pg.Node, s *scope, targets []Expr, names []outName, what string) (Expr, error) {
	if c := n.GetAConst(); c != nil {
		if iv, ok := c.Val.(*pg.A_Const_Ival); ok {
			k := int(iv.Ival.Ival)
			if k < 1 || k > len(targets) {
				return nil, b.errorf(pgcode.InvalidColumnReference, c.Location, "%s position %d is not in select list", what, k)
			}
			return targets[k-1], nil
		}
	}
	if cr := n.GetColumnRef(); cr != nil && len(cr.Fields) == 1 {
		name := cr.Fields[0].GetString_().GetSval()
		match := -1
		for i, on := range names {
			if on.name == name {
				if match >= 0 && !equalExpr(targets[match], targets[i]) {
					return nil, b.errorf(pgcode.AmbiguousColumn, cr.Location, "%s %q is ambiguous", what, name)
				}
				match = i
			}
		}
		if match >= 0 {
			// An input column of that name wins in GROUP BY, as in PostgreSQL.
			if what != "GROUP BY" {
				return targets[match], nil
			}
			if _, _, _, err := s.resolve("", name, 0); err != nil {
				return targets[match], nil
			}
		}
	}
	return b.expr(n, s, exprCtx{where: what})
}

// groupBy binds GROUP BY. With grouping sets (GROUPING SETS, ROLLUP,
// CUBE, ()) it also returns the sets, each a list of indices into the
// expressions; nil when there are none.
func (b *Binder) groupBy(items []*pg.Node, s *scope, targets []Expr, names []outName) ([]Expr, [][]int, error) {
	var out []Expr
	saved := s.agg
	s.agg = nil // no aggregates in GROUP BY
	defer func() { s.agg = saved }()
	index := func(it *pg.Node) (int, error) {
		e, err := b.outputRef(it, s, targets, names, "GROUP BY")
		if err != nil {
			return 0, err
		}
		if hasAggOrWin(e) {
			return 0, b.errorf(pgcode.GroupingError, location(it), "aggregate functions are not allowed in GROUP BY")
		}
		if err := b.noSRF([]Expr{e}, "GROUP BY", location(it)); err != nil {
			return 0, err
		}
		for i, o := range out {
			if equalExpr(o, e) {
				return i, nil
			}
		}
		out = append(out, e)
		return len(out) - 1, nil
	}
	// unit binds a grouping unit: an expression, or a parenthesized list
	// of them.
	unit := func(it *pg.Node) ([]int, error) {
		if row := it.GetRowExpr(); row != nil {
			var u []int
			for _, a := range row.Args {
				i, err := index(a)
				if err != nil {
					return nil, err
				}
				u = append(u, i)
			}
			return u, nil
		}
		i, err := index(it)
		return []int{i}, err
	}
	var setsOf func(gs *pg.GroupingSet) ([][]int, error)
	setsOf = func(gs *pg.GroupingSet) ([][]int, error) {
		var units [][]int
		if gs.Kind != pg.GroupingSetKind_GROUPING_SET_SETS {
			for _, it := range gs.Content {
				u, err := unit(it)
				if err != nil {
					return nil, err
				}
				units = append(units, u)
			}
		}
		switch gs.Kind {
		case pg.GroupingSetKind_GROUPING_SET_EMPTY:
			return [][]int{{}}, nil
		case pg.GroupingSetKind_GROUPING_SET_ROLLUP:
			var out [][]int
			for n := len(units); n >= 0; n-- {
				out = append(out, slices.Concat(units[:n]...))
			}
			return out, nil
		case pg.GroupingSetKind_GROUPING_SET_CUBE:
			if len(units) > 12 {
				return nil, b.errorf(pgcode.ProgramLimitExceeded, gs.Location, "CUBE is limited to 12 elements")
			}
			var out [][]int
			for mask := (1 << len(units)) - 1; mask >= 0; mask-- {
				set := []int{}
				for i, u := range units {
					if mask&(1<<i) != 0 {
						set = append(set, u...)
					}
				}
				out = append(out, set)
			}
			return out, nil
		}
		// GROUPING SETS (...): each item a set, or sets of its own.
		var out [][]int
		for _, it := range gs.Content {
			if inner := it.GetGroupingSet(); inner != nil {
				more, err := setsOf(inner)
				if err != nil {
					return nil, err
				}
				out = append(out, more...)
				continue
			}
			u, err := unit(it)
			if err != nil {
				return nil, err
			}
			out = append(out, u)
		}
		return out, nil
	}
	sets := [][]int{{}}
	grouping := false
	for _, it := range items {
		if gs := it.GetGroupingSet(); gs != nil {
			if gs.Kind == pg.GroupingSetKind_GROUPING_SET_EMPTY && len(items) == 1 {
				continue // GROUP BY (): one group, as no GROUP BY with aggregates
			}
			grouping = true
			more, err := setsOf(gs)
			if err != nil {
				return nil, nil, err
			}
			var next [][]int
			for _, a := range sets {
				for _, m := range more {
					next = append(next, slices.Concat(a, m))
				}
			}
			sets = next
			continue
		}
		i, err := index(it)
		if err != nil {
			return nil, nil, err
		}
		for k := range sets {
			sets[k] = append(sets[k], i)
		}
	}
	if !grouping {
		return out, nil, nil
	}
	return out, sets, nil
}

// orderBy binds ORDER BY: its keys over the projection's output (the
// select list, then extra expressions the result does not show).
func (b *Binder) orderBy(items []*pg.Node, s *scope, targets []Expr, names []outName) ([]SortKey, []Expr, error) {
	var keys []SortKey
	var extra []Expr
	for _, it := range items {
		sb := it.GetSortBy()
		e, err := b.outputRef(sb.Node, s, targets, names, "ORDER BY")
		if err != nil {
			return nil, nil, err
		}
		k := sortKeyOf(sb)
		idx := -1
		for i, t := range targets {
			if equalExpr(t, e) {
				idx = i
				break
			}
		}
		if idx < 0 {
			for i, x := range extra {
				if equalExpr(x, e) {
					idx = len(targets) + i
				}
			}
		}
		if idx < 0 {
			extra = append(extra, e)
			idx = len(targets) + len(extra) - 1
		}
		if err := b.sortable(e.Type(), sb.Location); err != nil {
			return nil, nil, err
		}
		k.E = &ColRef{Idx: idx, T: e.Type()}
		keys = append(keys, k)
	}
	return keys, extra, nil
}

// sortKey binds a sort key over a scope directly (aggregate ORDER BY,
// window ORDER BY).
func (b *Binder) sortKey(sb *pg.SortBy, s *scope) (SortKey, error) {
	e, err := b.expr(sb.Node, s, exprCtx{where: "ORDER BY"})
	if err != nil {
		return SortKey{}, err
	}
	if err := b.sortable(e.Type(), sb.Location); err != nil {
		return SortKey{}, err
	}
	k := sortKeyOf(sb)
	k.E = e
	return k, nil
}

func sortKeyOf(sb *pg.SortBy) SortKey {
	k := SortKey{Desc: sb.SortbyDir == pg.SortByDir_SORTBY_DESC}
	switch sb.SortbyNulls {
	case pg.SortByNulls_SORTBY_NULLS_FIRST:
		k.NullsFirst = true
	case pg.SortByNulls_SORTBY_NULLS_LAST:
		k.NullsFirst = false
	default:
		k.NullsFirst = k.Desc // PostgreSQL: NULLs sort as larger than any value
	}
	return k
}

// sortable checks that a type has an order.
func (b *Binder) sortable(t *types.T, loc int32) error {
	if t.Family == types.JSONFamily {
		return b.errorf(pgcode.UndefinedFunction, loc, "could not identify an ordering operator for type json")
	}
	return nil
}

// sortLimit adds ORDER BY, LIMIT and OFFSET.
func (b *Binder) sortLimit(n Node, keys []SortKey, sel *pg.SelectStmt) (Node, error) {
	count, offset, err := b.limits(sel)
	if err != nil {
		return nil, err
	}
	ties := sel.LimitOption == pg.LimitOption_LIMIT_OPTION_WITH_TIES
	if ties && len(keys) == 0 {
		return nil, pgcode.New(pgcode.SyntaxError, "WITH TIES cannot be specified without ORDER BY clause")
	}
	if len(keys) > 0 {
		srt := &Sort{Input: n, Keys: keys}
		if count != nil && !ties {
			srt.Limit, srt.Offset = count, offset // top-N (ties would be cut)
		}
		n = srt
	}
	if count != nil || offset != nil {
		l := &Limit{Input: n, Count: count, Offset: offset}
		if ties {
			l.Ties = keys
		}
		n = l
	}
	return n, nil
}

// limits binds LIMIT and OFFSET (int8, no column references).
func (b *Binder) limits(sel *pg.SelectStmt) (count, offset Expr, err error) {
	bind := func(n *pg.Node, what string) (Expr, error) {
		if n == nil {
			return nil, nil
		}
		if c := n.GetAConst(); c != nil && c.Isnull {
			return nil, nil // LIMIT NULL: no limit
		}
		e, err := b.expr(n, nil, exprCtx{where: what})
		if err != nil {
			return nil, err
		}
		return b.coerce(e, types.Int8, types.ContextImplicit, location(n))
	}
	if count, err = bind(sel.LimitCount, "LIMIT"); err != nil {
		return nil, nil, err
	}
	if offset, err = bind(sel.LimitOffset, "OFFSET"); err != nil {
		return nil, nil, err
	}
	return count, offset, nil
}

// orderLimit adds ORDER BY and LIMIT over a node's own output columns
// (VALUES, set operations).
func (b *Binder) orderLimit(n Node, sel *pg.SelectStmt, s *scope) (Node, error) {
	if len(sel.SortClause) == 0 && sel.LimitCount == nil && sel.LimitOffset == nil {
		return n, nil
	}
	cols := n.Columns()
	out := &scope{parent: s.parent, cols: scopeOf(cols, "")}
	targets := make([]Expr, len(cols))
	names := make([]outName, len(cols))
	for i, c := range cols {
		targets[i] = &ColRef{Idx: i, T: c.Type, Name: c.Name}
		names[i] = outName{name: c.Name}
	}
	keys, extra, err := b.orderBy(sel.SortClause, out, targets, names)
	if err != nil {
		return nil, err
	}
	if len(extra) > 0 {
		return nil, pgcode.New(pgcode.InvalidColumnReference, "ORDER BY on a UNION/INTERSECT/EXCEPT result must be on one of the result columns")
	}
	return b.sortLimit(n, keys, sel)
}

// values binds a VALUES list: the columns take the common type of each
// position.
func (b *Binder) values(lists []*pg.Node, s *scope) (Node, error) {
	v := &Values{}
	var rows [][]Expr
	width := -1
	for _, l := range lists {
		items := l.GetList().GetItems()
		if width >= 0 && len(items) != width {
			return nil, b.errorf(pgcode.SyntaxError, location(items[0]), "VALUES lists must all be the same length")
		}
		width = len(items)
		row := make([]Expr, len(items))
		for i, it := range items {
			e, err := b.expr(it, s, exprCtx{where: "VALUES", value: true})
			if err != nil {
				return nil, err
			}
			row[i] = e
		}
		rows = append(rows, row)
	}
	for c := 0; c < width; c++ {
		col := make([]Expr, len(rows))
		for r := range rows {
			col[r] = rows[r][c]
		}
		t, err := b.commonType(col, "VALUES", -1)
		if err != nil {
			return nil, err
		}
		for r := range rows {
			if rows[r][c], err = b.coerce(rows[r][c], t, types.ContextImplicit, -1); err != nil {
				return nil, err
			}
		}
		v.Cols = append(v.Cols, Column{Name: "column" + itoa(c+1), Type: t})
	}
	v.Rows = rows
	return v, nil
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// setOp binds UNION, INTERSECT and EXCEPT.
func (b *Binder) setOp(sel *pg.SelectStmt, s *scope) (Node, error) {
	bindSide := func(side *pg.SelectStmt) (Node, error) {
		inner := &scope{parent: s.parent, ctes: s.ctes}
		return b.selectStmt(side, inner, nil)
	}
	l, err := bindSide(sel.Larg)
	if err != nil {
		return nil, err
	}
	r, err := bindSide(sel.Rarg)
	if err != nil {
		return nil, err
	}
	kind := map[pg.SetOperation]SetOpKind{pg.SetOperation_SETOP_UNION: Union, pg.SetOperation_SETOP_INTERSECT: Intersect, pg.SetOperation_SETOP_EXCEPT: Except}[sel.Op]
	name := map[SetOpKind]string{Union: "UNION", Intersect: "INTERSECT", Except: "EXCEPT"}[kind]
	lc, rc := l.Columns(), r.Columns()
	if len(lc) != len(rc) {
		return nil, pgcode.Newf(pgcode.SyntaxError, "each %s query must have the same number of columns", name)
	}
	op := &SetOp{Kind: kind, All: sel.All}
	var lcast, rcast []Expr
	needL, needR := false, false
	for i := range lc {
		t := builtinsCommon(lc[i].Type, rc[i].Type)
		if t == nil {
			return nil, pgcode.Newf(pgcode.DatatypeMismatch, "%s types %s and %s cannot be matched", name, lc[i].Type.SQL, rc[i].Type.SQL)
		}
		le, err := b.coerce(&ColRef{Idx: i, T: lc[i].Type}, t, types.ContextImplicit, -1)
		if err != nil {
			return nil, err
		}
		re, err := b.coerce(&ColRef{Idx: i, T: rc[i].Type}, t, types.ContextImplicit, -1)
		if err != nil {
			return nil, err
		}
		needL = needL || !types.Identical(lc[i].Type, t)
		needR = needR || !types.Identical(rc[i].Type, t)
		lcast, rcast = append(lcast, le), append(rcast, re)
		op.Cols = append(op.Cols, Column{Name: lc[i].Name, Type: t})
	}
	if needL {
		l = &Project{Input: l, Exprs: lcast, Cols: op.Cols}
	}
	if needR {
		r = &Project{Input: r, Exprs: rcast, Cols: op.Cols}
	}
	op.Left, op.Right = l, r
	return b.orderLimit(op, sel, s)
}

// hasAggOrWin reports whether an expression holds an aggregate or window
// placeholder.
func hasAggOrWin(e Expr) bool {
	found := false
	Walk(e, func(x Expr) bool {
		switch x.(type) {
		case *aggRef, *winRef:
			found = true
		}
		return !found
	})
	return found
}

// regroup rewrites an expression of an aggregating query over the Agg
// node's output: a GROUP BY expression becomes its key's column, an
// aggregate its result's; a column of the input outside both is an error.
func (b *Binder) regroup(e Expr, groups []Expr, cols []scopeCol) (Expr, error) {
	var err error
	out := mapExpr(e, func(x Expr) (Expr, bool) {
		if err != nil {
			return x, true
		}
		for i, g := range groups {
			if equalExpr(x, g) {
				return &ColRef{Idx: i, T: g.Type(), Name: exprName(g)}, true
			}
		}
		switch y := x.(type) {
		case *aggRef:
			return &ColRef{Idx: len(groups) + y.i, T: y.t}, true
		case *groupingRef:
			var g Expr
			g, err = b.grouping(y, groups)
			return g, true
		case *winRef, *srfRef:
			return x, true
		case *ColRef:
			name := y.Name
			if y.Idx < len(cols) && cols[y.Idx].qualifier != "" {
				name = cols[y.Idx].qualifier + "." + name
			}
			err = pgcode.Newf(pgcode.GroupingError, "column %q must appear in the GROUP BY clause or be used in an aggregate function", name)
			return x, true
		case *Subquery:
			if y.Correlated {
				err = pgcode.New(pgcode.FeatureNotSupported, "a correlated subquery in an aggregating query's select list is not supported")
			}
			return x, true
		}
		return x, false
	})
	return out, err
}

// unwindow replaces window placeholders with the Window node's columns.
func unwindow(e Expr, base int) Expr {
	return mapExpr(e, func(x Expr) (Expr, bool) {
		if w, ok := x.(*winRef); ok {
			return &ColRef{Idx: base + w.i, T: w.t}, true
		}
		return x, false
	})
}

// withClause binds WITH: each CTE in order, visible to the ones after it
// (and to itself, recursive). writes allows data-modifying statements (a
// WITH before INSERT, UPDATE or DELETE).
func (b *Binder) withClause(w *pg.WithClause, s *scope, writes bool) ([]*CTE, error) {
	var out []*CTE
	for _, n := range w.Ctes {
		c := n.GetCommonTableExpr()
		for _, prev := range out {
			if prev.Name == c.Ctename {
				return nil, b.errorf(pgcode.DuplicateAlias, c.Location, "WITH query name %q specified more than once", c.Ctename)
			}
		}
		sel := c.Ctequery.GetSelectStmt()
		if sel == nil {
			cte, err := b.writeCTE(c, writes, append(append([]*CTE(nil), s.ctes...), out...))
			if err != nil {
				return nil, err
			}
			out = append(out, cte)
			continue
		}
		if w.Recursive && refersTo(sel, c.Ctename) {
			if sel.Op != pg.SetOperation_SETOP_UNION || !refersTo(sel.Rarg, c.Ctename) {
				return nil, b.errorf(pgcode.InvalidRecursion, c.Location,
					"recursive query %q does not have the form non-recursive-term UNION [ALL] recursive-term", c.Ctename)
			}
			if refersTo(sel.Larg, c.Ctename) {
				return nil, b.errorf(pgcode.InvalidRecursion, c.Location,
					"recursive reference to query %q must not appear within its non-recursive term", c.Ctename)
			}
		}
		var aliases []string
		for _, a := range c.Aliascolnames {
			aliases = append(aliases, a.GetString_().GetSval())
		}
		cte := &CTE{Name: c.Ctename}
		if w.Recursive && sel.Op == pg.SetOperation_SETOP_UNION && refersTo(sel.Rarg, c.Ctename) {
			anchor, err := b.selectStmt(sel.Larg, &scope{parent: s.parent, ctes: append(append([]*CTE(nil), s.ctes...), out...)}, nil)
			if err != nil {
				return nil, err
			}
			cte.Cols = renameCols(anchor.Columns(), aliases)
			cte.Plan, cte.UnionAll = anchor, sel.All
			inner := &scope{parent: s.parent, ctes: append(append(append([]*CTE(nil), s.ctes...), out...), cte)}
			rec, err := b.selectStmt(sel.Rarg, inner, nil)
			if err != nil {
				return nil, err
			}
			rc := rec.Columns()
			if len(rc) != len(cte.Cols) {
				return nil, b.errorf(pgcode.SyntaxError, c.Location, "each UNION query must have the same number of columns")
			}
			var casts []Expr
			need := false
			for i := range rc {
				e, err := b.coerce(&ColRef{Idx: i, T: rc[i].Type}, cte.Cols[i].Type, types.ContextAssignment, c.Location)
				if err != nil {
					return nil, pgcode.Newf(pgcode.DatatypeMismatch, "recursive query %q column %d has type %s in non-recursive term but type %s overall",
						c.Ctename, i+1, cte.Cols[i].Type.SQL, rc[i].Type.SQL)
				}
				need = need || !types.Identical(rc[i].Type, cte.Cols[i].Type)
				casts = append(casts, e)
			}
			if need {
				rec = &Project{Input: rec, Exprs: casts, Cols: cte.Cols}
			}
			cte.Recursive = rec
		} else {
			p, err := b.selectStmt(sel, &scope{parent: s.parent, ctes: append(append([]*CTE(nil), s.ctes...), out...)}, nil)
			if err != nil {
				return nil, err
			}
			cte.Plan, cte.Cols = p, renameCols(p.Columns(), aliases)
		}
		out = append(out, cte)
	}
	s.ctes = append(s.ctes, out...)
	return out, nil
}

// writeCTE binds a data-modifying statement in WITH; ctes are the WITH
// queries before it.
func (b *Binder) writeCTE(c *pg.CommonTableExpr, writes bool, ctes []*CTE) (*CTE, error) {
	var q *Query
	var err error
	switch x := c.Ctequery.Node.(type) {
	case *pg.Node_InsertStmt:
		err = b.writeCTEAllowed(c, writes, x.InsertStmt.WithClause)
		if err == nil {
			q, err = b.insert(x.InsertStmt, ctes)
		}
	case *pg.Node_UpdateStmt:
		err = b.writeCTEAllowed(c, writes, x.UpdateStmt.WithClause)
		if err == nil {
			q, err = b.update(x.UpdateStmt, ctes)
		}
	case *pg.Node_DeleteStmt:
		err = b.writeCTEAllowed(c, writes, x.DeleteStmt.WithClause)
		if err == nil {
			q, err = b.delete(x.DeleteStmt, ctes)
		}
	default:
		return nil, b.errorf(pgcode.FeatureNotSupported, c.Location, "WITH %s: only SELECT, INSERT, UPDATE and DELETE are supported in WITH", c.Ctename)
	}
	if err != nil {
		return nil, err
	}
	var aliases []string
	for _, a := range c.Aliascolnames {
		aliases = append(aliases, a.GetString_().GetSval())
	}
	return &CTE{Name: c.Ctename, Plan: q.Plan, Cols: renameCols(q.Plan.Columns(), aliases), Write: true}, nil
}

// writeCTEAllowed fails for a data-modifying statement in WITH where
// DriftDB cannot run one: below the top level, or before a SELECT (whose
// rows stream out of a read-only statement).
func (b *Binder) writeCTEAllowed(c *pg.CommonTableExpr, writes bool, own *pg.WithClause) error {
	if !writes {
		return b.errorf(pgcode.FeatureNotSupported, c.Location,
			"WITH %s: a data-modifying statement in WITH is supported only at the top level of an INSERT, UPDATE or DELETE", c.Ctename)
	}
	if own != nil {
		return b.errorf(pgcode.FeatureNotSupported, c.Location, "WITH %s: a WITH clause in a data-modifying statement in WITH is not supported", c.Ctename)
	}
	return nil
}

// refersTo reports whether a query names a relation (a CTE's own name in
// its recursive part).
func refersTo(sel *pg.SelectStmt, name string) bool {
	if sel == nil {
		return false
	}
	found := false
	var walk func(n *pg.Node)
	walk = func(n *pg.Node) {
		if n == nil || found {
			return
		}
		switch x := n.Node.(type) {
		case *pg.Node_RangeVar:
			found = x.RangeVar.Relname == name && x.RangeVar.Schemaname == ""
		case *pg.Node_JoinExpr:
			walk(x.JoinExpr.Larg)
			walk(x.JoinExpr.Rarg)
		case *pg.Node_RangeSubselect:
			found = refersTo(x.RangeSubselect.Subquery.GetSelectStmt(), name)
		}
	}
	for _, f := range sel.FromClause {
		walk(f)
	}
	return found || refersTo(sel.Larg, name) || refersTo(sel.Rarg, name)
}

func renameCols(cols []Column, aliases []string) []Column {
	out := append([]Column(nil), cols...)
	for i := range out {
		out[i].Table, out[i].Attr = "", 0
		if i < len(aliases) {
			out[i].Name = aliases[i]
		}
	}
	return out
}

// locking applies FOR UPDATE / FOR SHARE to the tables a query reads: in a
// transaction, the rows they yield are checked at commit (engine.Txn.Lock;
// nothing waits). SKIP LOCKED has no locks to skip; the past cannot be
// locked.
func (b *Binder) locking(clauses []*pg.Node, n Node) error {
	for _, c := range clauses {
		lc := c.GetLockingClause()
		if lc.WaitPolicy == pg.LockWaitPolicy_LockWaitSkip {
			return pgcode.New(pgcode.FeatureNotSupported, "SKIP LOCKED is not supported: DriftDB takes no row locks to skip (a change is checked when the transaction commits)")
		}
		var rels []string
		for _, r := range lc.LockedRels {
			rels = append(rels, r.GetRangeVar().GetRelname())
		}
		var err error
		WalkNodes(n, func(x Node) {
			s, ok := x.(*Scan)
			if !ok || err != nil {
				return
			}
			if len(rels) > 0 && !contains(rels, s.Alias) && !contains(rels, s.Table) {
				return
			}
			if s.Travel.Kind != TravelNone {
				err = pgcode.New(pgcode.FeatureNotSupported, "FOR UPDATE and FOR SHARE cannot be used with AS OF: the past cannot be changed")
				return
			}
			s.Lock = true
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// grouping binds GROUPING(args): each argument must be one of the GROUP
// BY expressions; the value has a bit set, first argument highest, for
// each argument the row's grouping set leaves out.
func (b *Binder) grouping(g *groupingRef, groups []Expr) (Expr, error) {
	idx := make([]int, len(g.args))
	for k, a := range g.args {
		idx[k] = -1
		for i, e := range groups {
			if equalExpr(a, e) {
				idx[k] = i
			}
		}
		if idx[k] < 0 {
			return nil, b.errorf(pgcode.GroupingError, g.loc, "arguments to GROUPING must be grouping expressions of the associated query level")
		}
	}
	if b.sets == nil {
		return &Const{Val: int64(0), T: types.Int4}, nil
	}
	ge := &GroupingExpr{Set: &ColRef{Idx: b.setCol, T: types.Int8, Name: "grouping set"}}
	for _, set := range b.sets {
		var m int64
		for k, i := range idx {
			if !slices.Contains(set, i) {
				m |= 1 << (len(idx) - 1 - k)
			}
		}
		ge.Masks = append(ge.Masks, m)
	}
	return ge, nil
}
