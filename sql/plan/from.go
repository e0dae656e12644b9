package plan

import (
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
	"github.com/driftdb/driftdb/sql/vtable"
)

// System columns of every table: outside *, available by name.
const (
	ColSeq   = "_seq"   // the seq of the event that made the row's version
	ColTS    = "_ts"    // its time
	ColDoc   = "_doc"   // the whole document
	ColEvent = "_event" // history scans: INSERT, PATCH or SOFT_DELETE
)

// fromClause binds FROM: each item, cross-joined with the ones before it
// (conditions in WHERE turn that into a proper join when the planner sees
// equalities). Without FROM, one empty row.
func (b *Binder) fromClause(items []*pg.Node, s *scope) (Node, error) {
	if len(items) == 0 {
		return &Values{Rows: [][]Expr{{}}}, nil
	}
	var n Node
	for _, it := range items {
		m, cols, err := b.fromItem(it, s)
		if err != nil {
			return nil, err
		}
		if n == nil {
			n, s.cols = m, cols
			continue
		}
		if err := checkNames(s.cols, cols); err != nil {
			return nil, err
		}
		all := append(append([]scopeCol(nil), s.cols...), cols...)
		n = &Join{Kind: CrossJoin, Left: n, Right: m, Cols: columnsOf(all), Lateral: isLateral(it)}
		s.cols = all
	}
	return n, nil
}

func isLateral(n *pg.Node) bool {
	switch x := n.Node.(type) {
	case *pg.Node_RangeSubselect:
		return x.RangeSubselect.Lateral
	case *pg.Node_RangeFunction:
		return true // a function in FROM may read the items before it
	}
	return false
}

// fromItem binds one FROM item; s.cols holds the columns of the items
// before it (LATERAL items may read them).
func (b *Binder) fromItem(n *pg.Node, s *scope) (Node, []scopeCol, error) {
	switch x := n.Node.(type) {
	case *pg.Node_RangeVar:
		return b.rangeVar(x.RangeVar, s)
	case *pg.Node_RangeSubselect:
		rs := x.RangeSubselect
		sel := rs.Subquery.GetSelectStmt()
		if rs.Alias == nil {
			return nil, nil, pgcode.New(pgcode.SyntaxError, "subquery in FROM must have an alias").
				WithHint("For example, FROM (SELECT ...) [AS] foo.")
		}
		inner := &scope{parent: s.parent, ctes: s.ctes, unreachable: s.cols}
		if rs.Lateral {
			inner.parent = &scope{cols: s.cols, parent: s.parent, ctes: s.ctes}
		}
		p, err := b.selectStmt(sel, inner, nil)
		if err != nil {
			return nil, nil, err
		}
		// A name of an enclosing query read from inside makes this
		// query correlated too: it runs once for each of that query's
		// rows.
		if rs.Lateral && inner.parent.correlated || !rs.Lateral && inner.correlated {
			s.correlated = true
		}
		cols, err := aliased(p.Columns(), rs.Alias)
		if err != nil {
			return nil, nil, err
		}
		return p, scopeOf(cols, rs.Alias.Aliasname), nil
	case *pg.Node_JoinExpr:
		return b.join(x.JoinExpr, s)
	case *pg.Node_RangeFunction:
		return b.rangeFunction(x.RangeFunction, s)
	}
	return nil, nil, pgcode.Newf(pgcode.FeatureNotSupported, "FROM item %s is not supported", nodeName(n))
}

// aliased applies an alias's column names.
func aliased(cols []Column, a *pg.Alias) ([]Column, error) {
	out := append([]Column(nil), cols...)
	if a == nil {
		return out, nil
	}
	if len(a.Colnames) > len(out) {
		return nil, pgcode.Newf(pgcode.InvalidColumnReference, "table %q has %d columns available but %d columns specified", a.Aliasname, len(out), len(a.Colnames))
	}
	for i, c := range a.Colnames {
		out[i].Name = c.GetString_().GetSval()
	}
	for i := range out {
		out[i].Qualifier = a.Aliasname
	}
	return out, nil
}

// rangeVar binds a table name: a WITH query of that name, else a table.
// The columns of a relation named without an alias keep its schema, for
// names qualified by schema and table (public.t.c).
func (b *Binder) rangeVar(rv *pg.RangeVar, s *scope) (Node, []scopeCol, error) {
	n, sc, err := b.rangeVarNode(rv, s)
	if err != nil || rv.Alias != nil {
		return n, sc, err
	}
	if _, ok := n.(*CTEScan); ok {
		return n, sc, nil
	}
	schema := rv.Schemaname
	if schema == "" {
		schema = "public"
		if _, ok := n.(*VirtualScan); ok {
			schema = vtable.PgCatalog
		}
	}
	for i := range sc {
		sc[i].schema = schema
	}
	return n, sc, nil
}

// rangeVarNode binds a table name to the node that reads it.
func (b *Binder) rangeVarNode(rv *pg.RangeVar, s *scope) (Node, []scopeCol, error) {
	qual := rv.Relname
	if rv.Alias != nil {
		qual = rv.Alias.Aliasname
	}
	if rv.Schemaname == "" {
		if cte := s.lookupCTE(rv.Relname); cte != nil {
			if cte.Write && len(cte.Cols) == 0 {
				return nil, nil, b.errorf(pgcode.FeatureNotSupported, rv.Location, "WITH query %q does not have a RETURNING clause", cte.Name)
			}
			cols, err := aliased(cte.Cols, rv.Alias)
			if err != nil {
				return nil, nil, err
			}
			return &CTEScan{CTE: cte, Cols: cols}, scopeOf(cols, qual), nil
		}
	}
	if virtualSchema(rv.Schemaname) {
		return b.virtualTable(rv, rv.Schemaname, s)
	}
	if rv.Schemaname != "" && rv.Schemaname != "public" {
		return nil, nil, b.errorf(pgcode.UndefinedTable, rv.Location, "relation \"%s.%s\" does not exist", rv.Schemaname, rv.Relname)
	}
	if text, cols, ok := b.cat.View(rv.Relname); ok {
		return b.view(rv, text, cols, s)
	}
	t, err := b.cat.Table(rv.Relname)
	if err != nil {
		// pg_catalog is on the search path: its tables need no schema.
		if _, ok := vtable.Lookup(vtable.PgCatalog, rv.Relname); ok && rv.Schemaname == "" && pgcode.Of(err) == pgcode.UndefinedTable {
			return b.virtualTable(rv, vtable.PgCatalog, s)
		}
		if sc, ok := b.cat.(SequenceCatalog); ok && pgcode.Of(err) == pgcode.UndefinedTable && sc.IsSequence(rv.Relname) {
			return b.sequenceRow(rv, qual)
		}
		return nil, nil, withPos(err, b.pos(rv.Location))
	}
	travel, err := b.travelFor(rv.Location)
	if err != nil {
		return nil, nil, err
	}
	scan := &Scan{Table: t.Name, Alias: qual, Travel: travel, Indexes: t.Indexes, Spec: t.Spec, RowID: t.Spec != nil && t.Spec.RowID, Rows: t.Rows}
	if t.Spec != nil {
		scan.KeyFields = t.Spec.PKColumns
	}
	history := travel.Kind == TravelBetween || travel.Kind == TravelAll
	for i, c := range t.Cols {
		scan.Fields = append(scan.Fields, t.FieldOf(c.Name))
		scan.Sys = append(scan.Sys, SysNone)
		scan.Cols = append(scan.Cols, Column{Name: c.Name, Type: c.Type, Table: t.Name, Attr: t.Attnum(i), Qualifier: qual, Hidden: c.Hidden && !(history && scan.RowID)})
	}
	sys := []struct {
		name string
		kind SysCol
		t    *types.T
	}{{ColSeq, SysSeq, types.Int8}, {ColTS, SysTS, types.TimestampTZ}, {ColDoc, SysDoc, types.JSONB}}
	if history {
		sys = append(sys, struct {
			name string
			kind SysCol
			t    *types.T
		}{ColEvent, SysEvent, types.Text})
	}
	for _, c := range sys {
		scan.Fields = append(scan.Fields, "")
		scan.Sys = append(scan.Sys, c.kind)
		// History scans show their system columns in *: the versions are
		// the point of such a query.
		scan.Cols = append(scan.Cols, Column{Name: c.name, Type: c.t, Qualifier: qual, Hidden: !history || c.kind == SysDoc})
	}
	cols, err := aliased(scan.Cols, rv.Alias)
	if err != nil {
		return nil, nil, err
	}
	if rv.Alias == nil {
		for i := range cols {
			cols[i].Qualifier = qual
		}
	}
	scan.Cols = cols
	sc := scopeOf(cols, qual)
	doc := len(t.Cols) + 2
	b.items++
	for i := range sc {
		sc[i].doc = doc
		if i < len(t.Cols) {
			sc[i].item = b.items
		}
	}
	return scan, sc, nil
}

// sequenceRow is a sequence read as a relation: one row of its state,
// read when the statement runs (log_cnt, the values PostgreSQL has taken
// ahead, is 0: DriftDB takes none ahead for a session).
func (b *Binder) sequenceRow(rv *pg.RangeVar, qual string) (Node, []scopeCol, error) {
	name := &Const{Val: rv.Relname, T: types.Text}
	v := &Values{
		Rows: [][]Expr{{
			&Call{Name: "last_value", Fn: builtins.SeqLastValue, Args: []Expr{name}, T: types.Int8},
			&Const{Val: int64(0), T: types.Int8},
			&Call{Name: "is_called", Fn: builtins.SeqIsCalled, Args: []Expr{name}, T: types.Bool},
		}},
		Cols: []Column{{Name: "last_value", Type: types.Int8, Qualifier: qual}, {Name: "log_cnt", Type: types.Int8, Qualifier: qual},
			{Name: "is_called", Type: types.Bool, Qualifier: qual}},
	}
	cols, err := aliased(v.Cols, rv.Alias)
	if err != nil {
		return nil, nil, err
	}
	v.Cols = cols
	return v, scopeOf(cols, qual), nil
}

// travelFor binds the time travel clause of the table reference at a
// location: its own, else the statement's, else none (the session's
// driftdb.as_of and the transaction's snapshot apply then).
func (b *Binder) travelFor(loc int32) (Travel, error) {
	var own, stmt *TravelClause
	for i := range b.travel {
		c := &b.travel[i]
		switch {
		case c.Ref == int(loc):
			own = c
		case c.Ref < 0:
			stmt = c
		}
	}
	c := own
	if c == nil {
		c = stmt
	}
	if c == nil {
		return Travel{}, nil
	}
	tr := Travel{Kind: c.Kind}
	var pts []Expr
	for _, e := range c.Exprs {
		x, err := b.expr(e, nil, exprCtx{where: "AS OF", value: true})
		if err != nil {
			return Travel{}, err
		}
		switch x.Type().Family {
		case types.IntFamily, types.StringFamily, types.UnknownFamily, types.TimestampTZFamily, types.TimestampFamily:
		default:
			return Travel{}, pgcode.Newf(pgcode.InvalidParameterValue, "AS OF wants a seq, \"@seq:N\" or an RFC 3339 time, not %s", x.Type().SQL).At(c.Pos)
		}
		if p, ok := x.(*Param); ok && p.T.Family == types.UnknownFamily {
			b.setParam(p.N, types.Text)
			x = &Param{N: p.N, T: types.Text}
		}
		pts = append(pts, x)
	}
	if len(pts) > 0 {
		tr.From = pts[0]
	}
	if len(pts) > 1 {
		tr.To = pts[1]
	}
	return tr, nil
}

// join binds a JOIN.
func (b *Binder) join(j *pg.JoinExpr, s *scope) (Node, []scopeCol, error) {
	saved := s.cols
	left, lcols, err := b.fromItem(j.Larg, s)
	if err != nil {
		return nil, nil, err
	}
	s.cols = append(append([]scopeCol(nil), saved...), lcols...)
	right, rcols, err := b.fromItem(j.Rarg, s)
	if err != nil {
		return nil, nil, err
	}
	s.cols = saved
	if err := checkNames(lcols, rcols); err != nil {
		return nil, nil, err
	}
	kind := map[pg.JoinType]JoinKind{pg.JoinType_JOIN_INNER: InnerJoin, pg.JoinType_JOIN_LEFT: LeftJoin,
		pg.JoinType_JOIN_RIGHT: RightJoin, pg.JoinType_JOIN_FULL: FullJoin}[j.Jointype]
	if j.Quals == nil && len(j.UsingClause) == 0 && !j.IsNatural && kind == InnerJoin {
		kind = CrossJoin
	}
	all := append(append([]scopeCol(nil), lcols...), rcols...)
	// Outer joins make the nullable side's columns NULL-able; the types
	// stay.
	node := &Join{Kind: kind, Left: left, Right: right, Lateral: isLateral(j.Rarg)}
	js := &scope{cols: all, parent: s.parent, ctes: s.ctes, unreachable: saved}
	var using []string
	if j.IsNatural {
		for _, i := range shownCols(lcols) {
			l := lcols[i]
			for _, r := range rcols {
				if !r.hidden && r.name == l.name {
					using = append(using, l.name)
				}
			}
		}
	}
	for _, u := range j.UsingClause {
		using = append(using, u.GetString_().GetSval())
	}
	var conds []Expr
	var merged []scopeCol // USING columns, shown once, first
	var mergedExprs []Expr
	hide := map[int]bool{}
	for _, name := range using {
		li, ri := findCol(lcols, name), findCol(rcols, name)
		if li < 0 || ri < 0 {
			return nil, nil, pgcode.Newf(pgcode.UndefinedColumn, "column %q specified in USING clause does not exist in %s table", name, map[bool]string{true: "left", false: "right"}[li < 0])
		}
		l := &ColRef{Idx: li, T: lcols[li].t, Name: name}
		r := &ColRef{Idx: len(lcols) + ri, T: rcols[ri].t, Name: name}
		eq, err := b.callOp("=", []Expr{l, r}, -1)
		if err != nil {
			return nil, nil, err
		}
		conds = append(conds, eq)
		hide[li], hide[len(lcols)+ri] = true, true
		var e Expr = l
		switch kind {
		case RightJoin:
			e = r
		case FullJoin:
			c := eq.(*Call)
			e = &Coalesce{Args: []Expr{c.Args[0], c.Args[1]}, T: c.Args[0].Type()}
		}
		col := lcols[li]
		col.qualifier, col.item = "", 0 // shown first, not among its table's
		col.t = e.Type()
		merged = append(merged, col)
		mergedExprs = append(mergedExprs, e)
	}
	if j.Quals != nil {
		c, err := b.expr(j.Quals, js, exprCtx{where: "JOIN conditions"})
		if err != nil {
			return nil, nil, err
		}
		if c, err = b.asBool(c, "JOIN/ON", location(j.Quals)); err != nil {
			return nil, nil, err
		}
		conds = append(conds, c)
	}
	if len(conds) == 1 {
		node.On = conds[0]
	} else if len(conds) > 1 {
		node.On = &And{Args: conds}
	}
	node.Cols = columnsOf(all)
	var n Node = node
	out := all
	if len(using) > 0 {
		// The merged columns come first; the joined ones stay reachable by
		// qualified name but leave * and unqualified names to the merged.
		proj := &Project{Input: node}
		out = nil
		for i, m := range merged {
			proj.Exprs = append(proj.Exprs, mergedExprs[i])
			out = append(out, m)
		}
		for i, c := range all {
			proj.Exprs = append(proj.Exprs, &ColRef{Idx: i, T: c.t, Name: c.name})
			if hide[i] {
				c.hidden = true
				c.name = "\x00" + c.name // reachable only as qualifier.name, below
			}
			out = append(out, c)
		}
		proj.Cols = columnsOf(out)
		n = proj
		for i := range out {
			if len(out[i].name) > 0 && out[i].name[0] == 0 {
				out[i].name = out[i].name[1:]
				out[i].usingHidden = true
			}
		}
		if j.Alias != nil {
			for i := range out {
				out[i].qualifier = j.Alias.Aliasname
			}
		}
	}
	return n, out, nil
}

func findCol(cols []scopeCol, name string) int {
	for i, c := range cols {
		if c.name == name && !c.hidden {
			return i
		}
	}
	return -1
}

// rangeFunction binds a function in FROM: generate_series(1, 3),
// unnest(ARRAY[...]), jsonb_array_elements(...), several side by side in
// ROWS FROM (...), with ordinality.
func (b *Binder) rangeFunction(rf *pg.RangeFunction, s *scope) (Node, []scopeCol, error) {
	// Arguments may read the FROM items before this one (LATERAL), whose
	// row the join runs this item under as an outer row; the first item
	// runs under none, so its arguments see the enclosing queries only.
	var inner, above *scope
	if len(s.cols) == 0 {
		inner = &scope{parent: s.parent, ctes: s.ctes}
		above = inner
	} else {
		above = &scope{cols: s.cols, parent: s.parent, ctes: s.ctes}
		inner = &scope{parent: above}
	}
	defer func() {
		if above.correlated {
			s.correlated = true // a name resolved in an enclosing query
		}
	}()
	fs := &FuncScan{Ordinality: rf.Ordinality}
	for _, f := range rf.Functions {
		items := f.GetList().GetItems()
		if len(items) > 1 && len(items[1].GetList().GetItems()) > 0 {
			return nil, nil, pgcode.New(pgcode.FeatureNotSupported, "a column definition list is not supported")
		}
		fc := items[0].GetFuncCall()
		if fc == nil {
			return nil, nil, pgcode.New(pgcode.FeatureNotSupported, "only a function call may stand in FROM")
		}
		calls, err := b.fromCall(fc, inner, !rf.IsRowsfrom && len(rf.Functions) == 1)
		if err != nil {
			return nil, nil, err
		}
		fs.Funcs = append(fs.Funcs, calls...)
	}
	fs.Name = fs.Funcs[0].Name
	qual := fs.Name
	if rf.Alias != nil {
		qual = rf.Alias.Aliasname
	}
	for _, c := range fs.Funcs {
		fs.Cols = append(fs.Cols, c.Cols...)
	}
	if len(fs.Funcs) == 1 && len(fs.Funcs[0].Cols) == 1 && len(fs.Funcs[0].Fn.SRFCols) == 0 &&
		rf.Alias != nil && len(rf.Alias.Colnames) == 0 {
		fs.Cols[0].Name = rf.Alias.Aliasname // FROM f(...) AS x: the column is x too
	}
	if rf.Ordinality {
		fs.Cols = append(fs.Cols, Column{Name: "ordinality", Type: types.Int8})
	}
	cols, err := aliased(fs.Cols, rf.Alias)
	if err != nil {
		return nil, nil, err
	}
	fs.Cols = cols
	sc := scopeOf(cols, qual)
	if len(fs.Funcs) == 1 && len(fs.Funcs[0].Fn.SRFCols) <= 1 {
		// The function's value under the item's name (FROM f(...) AS e:
		// e is the value), as the whole row of a function of one column.
		for i := range sc {
			sc[i].scalarFunc = i == 0
		}
	}
	return fs, sc, nil
}

// fromCall binds one function call of a FROM item. unnest of several
// arrays, alone in FROM, is a call of unnest per array side by side.
func (b *Binder) fromCall(fc *pg.FuncCall, s *scope, alone bool) ([]*SRFCall, error) {
	name := fc.Funcname[len(fc.Funcname)-1].GetString_().GetSval()
	if len(fc.Funcname) == 2 {
		if qualified, ok := driftdbFunc([]string{fc.Funcname[0].GetString_().GetSval(), name}); ok {
			name = qualified
		}
	}
	args, err := b.args(fc.Args, s, exprCtx{where: "FROM"})
	if err != nil {
		return nil, err
	}
	if name == "unnest" && len(args) > 1 {
		if !alone {
			return nil, b.errorf(pgcode.SyntaxError, fc.Location, "UNNEST() with multiple arguments cannot have a column definition list")
		}
		var out []*SRFCall
		for _, a := range args {
			c, err := b.fromCallArgs(name, []Expr{a}, fc.Location)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	}
	c, err := b.fromCallArgs(name, args, fc.Location)
	if err != nil {
		return nil, err
	}
	return []*SRFCall{c}, nil
}

func (b *Binder) fromCallArgs(name string, args []Expr, loc int32) (*SRFCall, error) {
	r, err := builtins.Resolve(name, typesOf(args), builtins.SetReturning)
	if err != nil {
		// A scalar function in FROM gives one row.
		if r, err = builtins.Resolve(name, typesOf(args), builtins.Normal); err != nil {
			return nil, withPos(err, b.pos(loc))
		}
	}
	for i, a := range args {
		if args[i], err = b.coerce(a, r.ArgTypes[i], types.ContextImplicit, loc); err != nil {
			return nil, err
		}
	}
	if r.Fn.Volatility == builtins.Volatile {
		b.Volatile = true
	}
	c := &SRFCall{Name: name, Fn: r.Fn, Args: args}
	if len(r.Fn.SRFCols) == 0 {
		c.Cols = []Column{{Name: name, Type: r.Ret}}
	}
	for i, col := range r.Fn.SRFCols {
		c.Cols = append(c.Cols, Column{Name: col.Name, Type: srfColType(r, i)})
	}
	return c, nil
}

// maxViewDepth bounds views reading views.
const maxViewDepth = 32

// view binds a view's query where its name stands, as a subquery in FROM
// with the view's name (or the reference's alias) and its columns' names.
// Its tables travel in time with the statement (AS OF at the end, SET
// driftdb.as_of, the transaction's snapshot); a clause on the view's own
// reference is refused.
func (b *Binder) view(rv *pg.RangeVar, text string, cols []string, s *scope) (Node, []scopeCol, error) {
	for _, c := range b.travel {
		if c.Ref == int(rv.Location) {
			return nil, nil, pgcode.Newf(pgcode.FeatureNotSupported, "AS OF on a view (%s) is not supported: give it at the end of the statement", rv.Relname).At(c.Pos)
		}
	}
	if b.viewDepth >= maxViewDepth {
		return nil, nil, pgcode.Newf(pgcode.StatementTooComplex, "views nested deeper than %d", maxViewDepth)
	}
	res, err := pg.Parse(text)
	if err != nil || len(res.Stmts) != 1 || res.Stmts[0].Stmt.GetSelectStmt() == nil {
		return nil, nil, pgcode.Newf(pgcode.InternalError, "view %q: its query does not parse: %v", rv.Relname, err)
	}
	alias := &pg.Alias{Aliasname: rv.Relname}
	if rv.Alias != nil {
		alias.Aliasname = rv.Alias.Aliasname
		alias.Colnames = rv.Alias.Colnames
	}
	if len(alias.Colnames) == 0 {
		for _, c := range cols {
			alias.Colnames = append(alias.Colnames, pg.MakeStrNode(c))
		}
	}
	// The view's text has positions of its own, and clauses of the
	// statement's table references do not reach into it.
	savedText, savedTravel := b.text, b.travel
	b.text = ""
	b.travel = nil
	for _, c := range savedTravel {
		if c.Ref < 0 {
			b.travel = append(b.travel, c)
		}
	}
	b.viewDepth++
	defer func() { b.text, b.travel = savedText, savedTravel; b.viewDepth-- }()
	sub := &pg.Node{Node: &pg.Node_RangeSubselect{RangeSubselect: &pg.RangeSubselect{Subquery: res.Stmts[0].Stmt, Alias: alias}}}
	node, sc, err := b.fromItem(sub, &scope{parent: s.parent, ctes: nil})
	if err != nil {
		return nil, nil, err
	}
	// The columns come from the view, as PostgreSQL's RowDescription
	// says, not from the tables under it.
	attr := int16(0)
	for i := range sc {
		if !sc[i].hidden {
			attr++
			sc[i].table, sc[i].attr = rv.Relname, attr
		}
	}
	return node, sc, nil
}
