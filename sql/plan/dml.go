package plan

import (
	"slices"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Insert writes the rows of Source, whose columns are the target columns
// Names in order, each already of its column's type where the column is
// declared.
type Insert struct {
	Table      *Table
	Names      []string
	Fields     []string // the stored field of each of Names (Table.FieldOf)
	Source     Node
	OnConflict *OnConflict
	Checks     []Check  // over the row written
	Returning  []Expr   // over the row written: the table's columns (TableRow)
	RetCols    []Column // the result's columns (nil without RETURNING)
}

// OnConflict is INSERT ... ON CONFLICT on the primary key: DO NOTHING, or
// DO UPDATE SET ... [WHERE ...] over the existing row's columns followed
// by the proposed row's (excluded.*).
type OnConflict struct {
	DoNothing bool
	Sets      []SetItem
	Where     Expr
}

// SetItem is one assignment of UPDATE or ON CONFLICT DO UPDATE: a column
// (or a dotted path into a document, DriftQL's address.city) and its new
// value.
type SetItem struct {
	Col  string
	Path []string // nested fields below Col, for a document path
	E    Expr
}

// Update changes the rows Source yields: Source's first columns are the
// table's (TableRow), its key among them; Sets read Source's row.
type Update struct {
	Table     *Table
	Source    Node
	Sets      []SetItem
	Checks    []Check // over the table's columns after the update
	Returning []Expr  // over the table's columns after the update
	// RetFull: RETURNING reads the source's whole row (UPDATE ... FROM),
	// the table's columns as updated.
	RetFull bool
	RetCols []Column
}

// Delete soft-deletes the rows Source yields (the table's columns first).
type Delete struct {
	Table     *Table
	Source    Node
	RetFull   bool   // RETURNING reads the source's whole row (DELETE ... USING)
	Returning []Expr // over the table's columns before the delete
	RetCols   []Column
}

// Columns of a write are those of its RETURNING list.
func (n *Insert) Columns() []Column { return n.RetCols }
func (n *Update) Columns() []Column { return n.RetCols }
func (n *Delete) Columns() []Column { return n.RetCols }

// tableScope is the scope of a table's row as writes see it: its columns
// in order (the system columns are not part of a written row).
func (b *Binder) tableScope(t *Table, qual string) []scopeCol {
	out := make([]scopeCol, len(t.Cols))
	b.items++
	for i, c := range t.Cols {
		out[i] = scopeCol{qualifier: qual, name: c.Name, t: c.Type, table: t.Name, attr: t.Attnum(i), doc: -1, hidden: c.Hidden, item: b.items}
	}
	return out
}

// returning binds a RETURNING list over a table's row.
func (b *Binder) returning(list []*pg.Node, t *Table, qual string) ([]Expr, []Column, error) {
	return b.returningIn(list, &scope{cols: b.tableScope(t, qual)})
}

// returningIn binds a RETURNING list over a scope: an UPDATE ... FROM's
// or a DELETE ... USING's returns the other tables' columns too.
func (b *Binder) returningIn(list []*pg.Node, s *scope) ([]Expr, []Column, error) {
	if len(list) == 0 {
		return nil, nil, nil
	}
	exprs, names, err := b.targetList(list, s)
	if err != nil {
		return nil, nil, err
	}
	cols := make([]Column, len(exprs))
	for i, e := range exprs {
		cols[i] = Column{Name: names[i].name, Type: outputType(e), Table: names[i].table, Attr: names[i].attr}
		if e.Type().Family == types.UnknownFamily {
			exprs[i] = &Cast{E: e, T: types.Text}
		}
	}
	return exprs, cols, nil
}

// BindInsert binds INSERT.
func (b *Binder) BindInsert(ins *pg.InsertStmt) (*Query, error) {
	with, err := b.writeWith(ins.WithClause)
	if err != nil {
		return nil, err
	}
	return b.insert(ins, with)
}

// writeWith binds the WITH clause of a write: its queries may be
// data-modifying statements themselves.
func (b *Binder) writeWith(w *pg.WithClause) ([]*CTE, error) {
	if w == nil {
		return nil, nil
	}
	return b.withClause(w, &scope{}, true)
}

// withSource makes a write's source run with the write's WITH queries in
// scope.
func withSource(with []*CTE, src Node) Node {
	if len(with) == 0 {
		return src
	}
	return &With{CTEs: with, Body: src}
}

// insert binds INSERT with the WITH queries before it.
func (b *Binder) insert(ins *pg.InsertStmt, with []*CTE) (*Query, error) {
	rv := ins.Relation
	t, err := b.cat.Table(rv.Relname)
	if err != nil {
		return nil, withPos(err, b.pos(rv.Location))
	}
	for _, c := range b.travel {
		if c.Ref == int(rv.Location) || c.Ref < 0 {
			return nil, pgcode.New(pgcode.ReadOnlySQLTransaction, "AS OF cannot be used in a write: the past does not change").At(c.Pos)
		}
	}
	qual := rv.Relname
	if rv.Alias != nil {
		qual = rv.Alias.Aliasname
	}
	node := &Insert{Table: t}
	for _, c := range ins.Cols {
		rt := c.GetResTarget()
		if len(rt.Indirection) > 0 {
			return nil, b.errorf(pgcode.FeatureNotSupported, rt.Location, "INSERT into a subfield or element is not supported")
		}
		for _, n := range node.Names {
			if n == rt.Name {
				return nil, b.errorf(pgcode.DuplicateColumn, rt.Location, "column %q specified more than once", rt.Name)
			}
		}
		if i := t.Col(rt.Name); i >= 0 && t.Cols[i].Hidden {
			return nil, b.errorf(pgcode.UndefinedColumn, rt.Location, "column %q of relation %q does not exist", rt.Name, t.Name)
		}
		node.Names = append(node.Names, rt.Name)
	}
	if len(ins.Cols) == 0 {
		for _, i := range t.Shown() {
			node.Names = append(node.Names, t.Cols[i].Name)
		}
	}
	sel := ins.SelectStmt.GetSelectStmt()
	var src Node
	switch {
	case sel == nil: // DEFAULT VALUES
		src = &Values{Rows: [][]Expr{{}}}
		node.Names = nil
	case len(sel.ValuesLists) > 0 && sel.Op == pg.SetOperation_SETOP_NONE:
		src, err = b.insertValues(sel, t, node, ins.Override)
		if err != nil {
			return nil, err
		}
	default:
		q, err := b.selectStmt(sel, &scope{ctes: with}, nil)
		if err != nil {
			return nil, err
		}
		cols := q.Columns()
		if len(cols) > len(node.Names) {
			return nil, pgcode.New(pgcode.SyntaxError, "INSERT has more expressions than target columns")
		}
		if len(ins.Cols) > 0 && len(cols) < len(node.Names) {
			return nil, pgcode.New(pgcode.SyntaxError, "INSERT has more target columns than expressions")
		}
		node.Names = node.Names[:len(cols)]
		for _, n := range node.Names {
			if err := checkIdentity(t, n, ins.Override); err != nil {
				return nil, err
			}
		}
		proj := &Project{Input: q}
		for i, c := range cols {
			e, err := b.assign(&ColRef{Idx: i, T: c.Type, Name: c.Name}, t, node.Names[i], -1)
			if err != nil {
				return nil, err
			}
			proj.Exprs = append(proj.Exprs, e)
			proj.Cols = append(proj.Cols, Column{Name: node.Names[i], Type: outputType(e)})
		}
		src = prune(proj)
	}
	for _, n := range node.Names {
		if err := newColumn(t, n); err != nil {
			return nil, err
		}
	}
	if src, err = b.withDefaults(t, node, src); err != nil {
		return nil, err
	}
	node.Fields = make([]string, len(node.Names))
	for i, n := range node.Names {
		node.Fields[i] = t.FieldOf(n)
	}
	if node.Checks, err = b.checks(t); err != nil {
		return nil, err
	}
	node.Source = withSource(with, src)
	if oc := ins.OnConflictClause; oc != nil {
		if node.OnConflict, err = b.onConflict(oc, t, qual, node); err != nil {
			return nil, err
		}
	}
	if node.Returning, node.RetCols, err = b.returning(ins.ReturningList, t, qual); err != nil {
		return nil, err
	}
	return &Query{Plan: node, Cols: node.RetCols}, nil
}

// newColumn checks a column a write names that the table may not have.
// A table whose columns were declared (SQL's CREATE TABLE) has those and
// no others, as in PostgreSQL (42703); a DriftQL table (pk=...) grows a
// column for each new field written.
func newColumn(t *Table, n string) error {
	if t.Col(n) >= 0 {
		return nil
	}
	if t.Spec != nil && len(t.Spec.Columns) > 0 {
		return pgcode.Newf(pgcode.UndefinedColumn, "column %q of relation %q does not exist", n, t.Name)
	}
	if !validColumnName(n) {
		return pgcode.Newf(pgcode.InvalidName, "invalid column name %q", n)
	}
	return nil
}

// validColumnName: a new field's name must be one an identifier can
// write (the table grows a column of that name).
func validColumnName(n string) bool { return n != "" && len(n) <= 63 }

// insertValues binds INSERT ... VALUES: each value coerced to its
// column's type as an assignment (PostgreSQL resolves an untyped literal
// to the column's type; a declared column gets an assignment cast).
func (b *Binder) insertValues(sel *pg.SelectStmt, t *Table, node *Insert, override pg.OverridingKind) (Node, error) {
	v := &Values{}
	width := -1
	for _, l := range sel.ValuesLists {
		items := l.GetList().GetItems()
		if len(items) > len(node.Names) {
			return nil, b.errorf(pgcode.SyntaxError, location(items[len(node.Names)]), "INSERT has more expressions than target columns")
		}
		if width >= 0 && len(items) != width {
			return nil, b.errorf(pgcode.SyntaxError, location(items[0]), "VALUES lists must all be the same length")
		}
		width = len(items)
		row := make([]Expr, len(items))
		for i, it := range items {
			if it.GetSetToDefault() != nil {
				d, err := b.columnDefault(t, node.Names[i])
				if err != nil {
					return nil, err
				}
				if d == nil {
					row[i] = &Default{Col: node.Names[i]}
				} else {
					row[i] = d
				}
				continue
			}
			if err := checkIdentity(t, node.Names[i], override); err != nil {
				return nil, err
			}
			e, err := b.expr(it, nil, exprCtx{where: "VALUES", value: true})
			if err != nil {
				return nil, err
			}
			if row[i], err = b.assign(e, t, node.Names[i], location(it)); err != nil {
				return nil, err
			}
		}
		v.Rows = append(v.Rows, row)
	}
	node.Names = node.Names[:width]
	for i, n := range node.Names {
		var ct *types.T
		for _, r := range v.Rows {
			if _, ok := r[i].(*Default); !ok {
				ct = r[i].Type()
				break
			}
		}
		if ct == nil {
			ct = types.Text
		}
		v.Cols = append(v.Cols, Column{Name: n, Type: ct})
	}
	return v, nil
}

// Default is DEFAULT in a VALUES list: the column's default (none yet:
// the field is left out of the document).
type Default struct{ Col string }

// Type of DEFAULT is the column's; it stands only where a value of a
// column is written.
func (e *Default) Type() *types.T { return types.Unknown }

// assign coerces a value written to a column: to the declared type (an
// assignment cast, or the literal read as that type); an undeclared
// column takes the value's own type (an untyped literal is text), as the
// table's columns follow what is written. A parameter of unknown type
// written to an undeclared column takes the type the column shows (text
// for a new one): a client that sends a number for a bigint column gets
// a number stored.
func (b *Binder) assign(e Expr, t *Table, col string, loc int32) (Expr, error) {
	i := t.Col(col)
	if i < 0 || !t.Cols[i].Declared {
		if e.Type().Family == types.UnknownFamily {
			if _, ok := e.(*Param); ok && i >= 0 {
				return b.coerce(e, t.Cols[i].Type, types.ContextImplicit, loc)
			}
			return b.coerce(e, types.Text, types.ContextImplicit, loc)
		}
		return e, nil
	}
	ct := t.Cols[i].Type
	out, err := b.coerce(e, ct, types.ContextAssignment, loc)
	if err != nil {
		if pe, ok := err.(*pgcode.Error); ok && pe.Code == pgcode.DatatypeMismatch {
			return nil, b.errorf(pgcode.DatatypeMismatch, loc, "column %q is of type %s but expression is of type %s", col, ct, e.Type()).(*pgcode.Error).
				WithHint("You will need to rewrite or cast the expression.")
		}
		return nil, err
	}
	return out, nil
}

// onConflict binds ON CONFLICT.
func (b *Binder) onConflict(oc *pg.OnConflictClause, t *Table, qual string, ins *Insert) (*OnConflict, error) {
	out := &OnConflict{DoNothing: oc.Action == pg.OnConflictAction_ONCONFLICT_NOTHING}
	if inf := oc.Infer; inf != nil {
		if inf.Conname != "" && (inf.Conname != t.Name+"_pkey" || t.Cols[0].Hidden) {
			return nil, b.errorf(pgcode.UndefinedObject, oc.Location, "constraint %q for table %q does not exist", inf.Conname, t.Name)
		}
		if len(inf.IndexElems) > 0 && !inferKey(t, inf.IndexElems) {
			return nil, b.errorf(pgcode.InvalidColumnReference, oc.Location, "there is no unique or exclusion constraint matching the ON CONFLICT specification")
		}
	} else if !out.DoNothing {
		return nil, b.errorf(pgcode.SyntaxError, oc.Location, "ON CONFLICT DO UPDATE requires inference specification or constraint name").(*pgcode.Error).
			WithHint("For example, ON CONFLICT (column_name).")
	}
	if out.DoNothing {
		return out, nil
	}
	// The existing row's columns, then excluded's (the proposed row,
	// with every column of the table).
	s := &scope{cols: b.tableScope(t, qual)}
	for i, c := range t.Cols {
		s.cols = append(s.cols, scopeCol{qualifier: "excluded", name: c.Name, t: c.Type, attr: t.Attnum(i), doc: -1, hidden: c.Hidden})
	}
	var err error
	if out.Sets, err = b.setList(oc.TargetList, t, s); err != nil {
		return nil, err
	}
	if oc.WhereClause != nil {
		if out.Where, err = b.boolOperand(oc.WhereClause, s, exprCtx{where: "WHERE"}, "WHERE"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// inferKey reports whether ON CONFLICT's columns are the table's primary
// key: its column, or every column of a key of several, in any order.
func inferKey(t *Table, elems []*pg.Node) bool {
	var names []string
	for _, n := range elems {
		el := n.GetIndexElem()
		if el == nil || el.Name == "" {
			return false
		}
		if !slices.Contains(names, el.Name) {
			names = append(names, el.Name)
		}
	}
	if t.Spec != nil && len(t.Spec.PKColumns) > 0 {
		if len(names) != len(t.Spec.PKColumns) {
			return false
		}
		for _, n := range names {
			if !slices.Contains(t.Spec.PKColumns, t.FieldOf(n)) {
				return false
			}
		}
		return true
	}
	return len(names) == 1 && names[0] == t.Cols[0].Name && !t.Cols[0].Hidden
}

// setList binds UPDATE's SET list over a scope.
func (b *Binder) setList(list []*pg.Node, t *Table, s *scope) ([]SetItem, error) {
	var out []SetItem
	for _, n := range list {
		rt := n.GetResTarget()
		val := rt.Val
		var fromRow Expr // SET (a, b) = (SELECT ...): the column's field
		if mr := val.GetMultiAssignRef(); mr != nil {
			// SET (a, b) = (x, y): each column its item of the row.
			if sl := mr.Source.GetSubLink(); sl != nil && (sl.SubLinkType == pg.SubLinkType_EXPR_SUBLINK || sl.SubLinkType == pg.SubLinkType_MULTIEXPR_SUBLINK) {
				var err error
				if fromRow, err = b.rowSubqueryField(sl, int(mr.Colno)-1, int(mr.Ncolumns), s); err != nil {
					return nil, err
				}
			} else {
				row := mr.Source.GetRowExpr()
				if row == nil {
					return nil, b.errorf(pgcode.FeatureNotSupported, rt.Location, "this source of SET (a, b) = ... is not supported")
				}
				if len(row.Args) != int(mr.Ncolumns) {
					return nil, b.errorf(pgcode.SyntaxError, rt.Location, "number of columns does not match number of values")
				}
				val = row.Args[mr.Colno-1]
			}
		}
		item := SetItem{Col: rt.Name}
		if i := t.Col(rt.Name); i >= 0 && t.Cols[i].Hidden {
			return nil, b.errorf(pgcode.FeatureNotSupported, rt.Location, "cannot assign to system column %q", rt.Name)
		}
		if err := newColumn(t, rt.Name); err != nil {
			return nil, withPos(err, b.pos(rt.Location))
		}
		if len(rt.Indirection) > 0 && rt.Indirection[0].GetAIndices() != nil {
			// SET a[i] = v: the column's array with the element replaced.
			var err error
			if out, err = b.setElement(out, rt, val, t, s); err != nil {
				return nil, err
			}
			continue
		}
		for _, ind := range rt.Indirection {
			str := ind.GetString_()
			if str == nil {
				return nil, b.errorf(pgcode.FeatureNotSupported, rt.Location, "SET of an array element is not supported")
			}
			item.Path = append(item.Path, str.Sval)
		}
		if item.Col == t.Cols[0].Name && len(item.Path) == 0 {
			// Setting the key to itself is harmless; to another value, it
			// would make another row (checked when it runs).
		}
		for _, prev := range out {
			if prev.Col == item.Col && len(prev.Path) == 0 && len(item.Path) == 0 {
				return nil, b.errorf(pgcode.SyntaxError, rt.Location, "multiple assignments to same column %q", item.Col)
			}
		}
		if fromRow == nil && val.GetSetToDefault() != nil {
			d, err := b.columnDefault(t, item.Col)
			if err != nil {
				return nil, err
			}
			if item.E = d; d == nil {
				item.E = &Default{Col: item.Col}
			}
			out = append(out, item)
			continue
		}
		e := fromRow
		if e == nil {
			var err error
			if e, err = b.expr(val, s, exprCtx{where: "UPDATE", value: true}); err != nil {
				return nil, err
			}
		}
		var err error
		if len(item.Path) == 0 {
			if e, err = b.assign(e, t, item.Col, location(val)); err != nil {
				return nil, err
			}
		} else if e.Type().Family == types.UnknownFamily {
			if e, err = b.coerce(e, types.Text, types.ContextImplicit, location(val)); err != nil {
				return nil, err
			}
		}
		item.E = e
		out = append(out, item)
	}
	return out, nil
}

// rowSubqueryField binds field i of SET (a, b, ...) = (SELECT x, y, ...):
// the subquery, as one that yields its row as a record (NULLs for no row,
// 21000 for two), and the field of it. Each column binds the subquery of
// its own (an uncorrelated one runs once; a correlated one once for each
// column of each row).
func (b *Binder) rowSubqueryField(sl *pg.SubLink, i, n int, s *scope) (Expr, error) {
	sel := sl.Subselect.GetSelectStmt()
	if sel == nil {
		return nil, b.errorf(pgcode.FeatureNotSupported, sl.Location, "this kind of subquery is not supported")
	}
	inner := &scope{parent: s}
	p, err := b.selectStmt(sel, inner, nil)
	if err != nil {
		return nil, err
	}
	cols := p.Columns()
	var shown []Column
	for _, c := range cols {
		if !c.Hidden {
			shown = append(shown, c)
		}
	}
	if len(shown) != n {
		return nil, b.errorf(pgcode.SyntaxError, sl.Location, "number of columns does not match number of values")
	}
	row := &RowExpr{}
	for j, c := range cols {
		if !c.Hidden {
			row.Args = append(row.Args, &ColRef{Idx: j, T: c.Type, Name: c.Name})
			row.Names = append(row.Names, c.Name)
		}
	}
	proj := &Project{Input: p, Exprs: []Expr{row}, Cols: []Column{{Name: "row", Type: types.Record}}}
	sq := &Subquery{Plan: proj, Correlated: inner.correlated, Kind: ScalarSubquery, T: types.Record}
	return &FieldSelect{E: sq, Field: shown[i].Name, Idx: i, T: shown[i].Type}, nil
}

// BindUpdate binds UPDATE.
func (b *Binder) BindUpdate(up *pg.UpdateStmt) (*Query, error) {
	with, err := b.writeWith(up.WithClause)
	if err != nil {
		return nil, err
	}
	return b.update(up, with)
}

// update binds UPDATE with the WITH queries before it.
func (b *Binder) update(up *pg.UpdateStmt, with []*CTE) (*Query, error) {
	src, s, t, qual, err := b.writeSource(up.Relation, up.FromClause, up.WhereClause, with)
	if err != nil {
		return nil, err
	}
	node := &Update{Table: t, Source: src}
	if node.Sets, err = b.setList(up.TargetList, t, s); err != nil {
		return nil, err
	}
	if node.Checks, err = b.checks(t); err != nil {
		return nil, err
	}
	if len(up.FromClause) > 0 {
		node.RetFull = true
		node.Returning, node.RetCols, err = b.returningIn(up.ReturningList, &scope{cols: s.cols, ctes: s.ctes})
	} else {
		node.Returning, node.RetCols, err = b.returning(up.ReturningList, t, qual)
	}
	if err != nil {
		return nil, err
	}
	needAll(src)
	node.Source = withSource(with, src)
	return &Query{Plan: node, Cols: node.RetCols}, nil
}

// BindDelete binds DELETE.
func (b *Binder) BindDelete(del *pg.DeleteStmt) (*Query, error) {
	with, err := b.writeWith(del.WithClause)
	if err != nil {
		return nil, err
	}
	return b.delete(del, with)
}

// delete binds DELETE with the WITH queries before it.
func (b *Binder) delete(del *pg.DeleteStmt, with []*CTE) (*Query, error) {
	src, ds, t, qual, err := b.writeSource(del.Relation, del.UsingClause, del.WhereClause, with)
	if err != nil {
		return nil, err
	}
	node := &Delete{Table: t, Source: src}
	if len(del.UsingClause) > 0 {
		node.RetFull = true
		node.Returning, node.RetCols, err = b.returningIn(del.ReturningList, &scope{cols: ds.cols, ctes: ds.ctes})
	} else {
		node.Returning, node.RetCols, err = b.returning(del.ReturningList, t, qual)
	}
	if err != nil {
		return nil, err
	}
	needAll(src)
	node.Source = withSource(with, src)
	return &Query{Plan: node, Cols: node.RetCols}, nil
}

// writeSource binds the rows an UPDATE or DELETE changes: the target
// table (its columns first), joined with FROM / USING items, filtered by
// WHERE, with the statement's WITH queries in scope. Time travel cannot
// apply: the past does not change.
func (b *Binder) writeSource(rv *pg.RangeVar, from []*pg.Node, where *pg.Node, with []*CTE) (Node, *scope, *Table, string, error) {
	t, err := b.cat.Table(rv.Relname)
	if err != nil {
		return nil, nil, nil, "", withPos(err, b.pos(rv.Location))
	}
	for _, c := range b.travel {
		if c.Ref == int(rv.Location) || c.Ref < 0 {
			return nil, nil, nil, "", pgcode.New(pgcode.ReadOnlySQLTransaction, "AS OF cannot be used in a write: the past does not change").At(c.Pos)
		}
	}
	s := &scope{}
	n, cols, err := b.rangeVar(rv, s) // a table, never a WITH query
	if err != nil {
		return nil, nil, nil, "", err
	}
	s.cols, s.ctes = cols, with
	qual := cols[0].qualifier
	for _, it := range from {
		m, mc, err := b.fromItem(it, s)
		if err != nil {
			return nil, nil, nil, "", err
		}
		all := append(append([]scopeCol(nil), s.cols...), mc...)
		n = &Join{Kind: CrossJoin, Left: n, Right: m, Cols: columnsOf(all), Lateral: isLateral(it)}
		s.cols = all
	}
	if where != nil {
		cond, err := b.boolOperand(where, s, exprCtx{where: "WHERE"}, "WHERE")
		if err != nil {
			return nil, nil, nil, "", err
		}
		n = &Filter{Input: n, Cond: cond}
	}
	return n, s, t, qual, nil
}
