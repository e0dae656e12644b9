package exec

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/driftql"
	"github.com/driftdb/driftdb/engine"
)

// tableCols returns a table's columns as the current view sees them.
func (s *Session) tableCols(table string) ([]engine.Column, error) {
	return s.db.View().Columns(table)
}

// colType returns the OID of a table column or system column, and whether
// the name is known.
func colType(cols []engine.Column, name string) (uint32, bool) {
	switch name {
	case colSeq:
		return OIDInt8, true
	case colTS:
		return OIDTimestamptz, true
	case colDoc:
		return OIDJSONB, true
	}
	for _, c := range cols {
		if c.Name == name {
			return oidOf(c.Type), true
		}
	}
	return 0, false
}

// queryTable returns the table a SELECT reads, its alias, and its AS OF.
func (sel *selectInfo) init(st *Stmt) error {
	q := st.ast.Select
	sel.q = q
	if q.From == nil {
		return nil
	}
	parts := q.From.Table.Strings()
	if len(parts) == 2 && (parts[0] == "public" || parts[0] == st.s.opts.Database) {
		parts = parts[1:]
	}
	if len(parts) != 1 {
		return errorf(CodeUndefinedTable, "relation %q does not exist", q.From.Table.String())
	}
	sel.table = parts[0]
	if q.From.Alias != nil {
		sel.alias = q.From.Alias.Text()
	}
	for _, a := range []*driftql.AsOf{q.From.AsOf, q.AsOf, q.AsOf2} {
		if a != nil {
			if sel.asOf != nil {
				return errorf(CodeSyntax, "AS OF given twice")
			}
			sel.asOf = a
		}
	}
	for _, l := range []*driftql.Locking{q.Lock, q.Lock2} {
		if l != nil {
			if sel.lock != nil {
				return errorf(CodeSyntax, "FOR UPDATE or FOR SHARE given twice")
			}
			sel.lock = l
		}
	}
	cols, err := st.s.tableCols(sel.table)
	if err != nil {
		return err
	}
	sel.cols = cols
	return nil
}

type selectInfo struct {
	q            *driftql.Select
	table, alias string
	asOf         *driftql.AsOf
	lock         *driftql.Locking
	cols         []engine.Column
}

// resolveColumn checks that a path names a column of the table (or a
// system column) and returns its OID (jsonb for a path into a document).
func (sel *selectInfo) resolveColumn(p *driftql.Path) (uint32, error) {
	parts := p.Strings()
	if len(parts) > 1 && (parts[0] == sel.table || parts[0] == sel.alias) {
		parts = parts[1:]
	}
	oid, ok := colType(sel.cols, parts[0])
	if !ok {
		return 0, errorf(CodeUndefinedColumn, "column %q does not exist", p.String())
	}
	if len(parts) > 1 {
		return OIDJSONB, nil
	}
	return oid, nil
}

// columns returns the result columns of the statement (nil when it
// returns no rows).
func (st *Stmt) columns() ([]Column, error) {
	a := st.ast
	switch {
	case a.Select != nil:
		var sel selectInfo
		if err := sel.init(st); err != nil {
			return nil, err
		}
		return sel.resultColumns()
	case a.ShowDrift != nil:
		return driftColumns, nil
	case a.Show != nil:
		r, err := st.execShow()
		if err != nil {
			return nil, err
		}
		return r.Columns, nil
	case a.Insert != nil && len(a.Insert.Returning) > 0,
		a.Update != nil && len(a.Update.Returning) > 0,
		a.Delete != nil && len(a.Delete.Returning) > 0:
		table, items := returningOf(a)
		cols, err := st.s.tableCols(table)
		if err != nil {
			return nil, err
		}
		sel := selectInfo{table: table, cols: cols, q: &driftql.Select{Items: items}}
		return sel.resultColumns()
	}
	return nil, nil
}

func returningOf(a *driftql.Statement) (string, []*driftql.SelItem) {
	switch {
	case a.Insert != nil:
		return a.Insert.Table.Text(), a.Insert.Returning
	case a.Update != nil:
		return a.Update.Table.Text(), a.Update.Returning
	case a.Delete != nil:
		return a.Delete.Table.Text(), a.Delete.Returning
	}
	return "", nil
}

// resultColumns types the select list.
func (sel *selectInfo) resultColumns() ([]Column, error) {
	var out []Column
	for _, it := range sel.q.Items {
		if it.Star {
			if sel.table == "" {
				return nil, errorf(CodeSyntax, "SELECT * with no tables specified is not valid")
			}
			for i, c := range sel.cols {
				out = append(out, Column{Name: c.Name, OID: oidOf(c.Type), Attr: int16(i + 1), Typmod: c.Typmod})
			}
			continue
		}
		oid, err := sel.exprType(it.Expr)
		if err != nil {
			return nil, err
		}
		if oid == OIDUnknown {
			oid = OIDText
		}
		name := exprName(it.Expr)
		if it.Alias != nil {
			name = it.Alias.Text()
		}
		out = append(out, Column{Name: name, OID: oid, Typmod: sel.exprTypmod(it.Expr)})
	}
	return out, nil
}

// exprTypmod is the numeric typmod an expression shows: a declared
// numeric(p,s) column's, or a cast's to numeric(p,s); none for anything
// computed.
func (sel *selectInfo) exprTypmod(e *driftql.Expr) engine.Typmod {
	u := soloUnary(e)
	if u == nil || u.Neg {
		return engine.Typmod{}
	}
	cast := func(t *driftql.TypeName) engine.Typmod {
		if oid, _ := oidOfTypeName(t.Text()); oid != OIDNumeric {
			return engine.Typmod{}
		}
		m, _ := numericTypmod(t.Args)
		return m
	}
	if n := len(u.Casts); n > 0 {
		return cast(u.Casts[n-1])
	}
	p := u.Primary
	switch {
	case p.Cast != nil:
		return cast(p.Cast.Type)
	case p.Sub != nil:
		return sel.exprTypmod(p.Sub)
	case p.Column != nil && p.Call == nil:
		parts := p.Column.Strings()
		if len(parts) > 1 && (parts[0] == sel.table || parts[0] == sel.alias) {
			parts = parts[1:]
		}
		if len(parts) == 1 {
			for _, c := range sel.cols {
				if c.Name == parts[0] {
					return c.Typmod
				}
			}
		}
	}
	return engine.Typmod{}
}

// exprName is the column name PostgreSQL gives an unaliased expression.
func exprName(e *driftql.Expr) string {
	if p := soloPrimary(e); p != nil {
		switch {
		case p.Column != nil:
			parts := p.Column.Strings()
			return parts[len(parts)-1]
		case p.Call != nil:
			parts := p.Call.Name.Strings()
			return parts[len(parts)-1]
		case p.Cast != nil:
			return exprName(p.Cast.Expr)
		case p.Sub != nil:
			return exprName(p.Sub)
		}
	}
	return "?column?"
}

// soloUnary returns the operand of an expression that is nothing but one
// operand (negated or cast, or not), or nil.
func soloUnary(e *driftql.Expr) *driftql.Unary {
	if e == nil || len(e.Or) != 1 || len(e.Or[0].And) != 1 {
		return nil
	}
	n := e.Or[0].And[0]
	if n.Not || n.Cond.Op != "" || n.Cond.Is != nil || n.Cond.In != nil || n.Cond.Like != nil || n.Cond.Between != nil {
		return nil
	}
	a := n.Cond.Left
	if len(a.Rest) > 0 || len(a.Left.Rest) > 0 {
		return nil
	}
	return a.Left.Left
}

// soloPrimary returns the operand of an expression that is nothing but
// one operand (casts allowed), or nil.
func soloPrimary(e *driftql.Expr) *driftql.Primary {
	if u := soloUnary(e); u != nil && !u.Neg {
		return u.Primary
	}
	return nil
}

// exprType infers the type of an expression without evaluating it.
func (sel *selectInfo) exprType(e *driftql.Expr) (uint32, error) {
	if len(e.Or) > 1 || len(e.Or[0].And) > 1 {
		return OIDBool, sel.checkColumns(e)
	}
	n := e.Or[0].And[0]
	c := n.Cond
	if n.Not || c.Op != "" || c.Is != nil || c.In != nil || c.Like != nil || c.Between != nil {
		return OIDBool, sel.checkColumns(e)
	}
	return sel.addType(c.Left)
}

func (sel *selectInfo) checkColumns(e *driftql.Expr) error {
	var err error
	driftql.WalkExpr(e, func(c *driftql.CmpExpr) {
		for _, a := range []*driftql.AddExpr{c.Left, c.Right} {
			if a != nil && err == nil {
				_, err = sel.addType(a)
			}
		}
	})
	return err
}

func (sel *selectInfo) addType(a *driftql.AddExpr) (uint32, error) {
	t, err := sel.mulType(a.Left)
	if err != nil {
		return 0, err
	}
	for _, r := range a.Rest {
		u, err := sel.mulType(r.Right)
		if err != nil {
			return 0, err
		}
		if r.Op == "||" {
			t = OIDText
			continue
		}
		t = numericResult(t, u)
	}
	return t, nil
}

func (sel *selectInfo) mulType(m *driftql.MulExpr) (uint32, error) {
	t, err := sel.unaryType(m.Left)
	if err != nil {
		return 0, err
	}
	for _, r := range m.Rest {
		u, err := sel.unaryType(r.Right)
		if err != nil {
			return 0, err
		}
		t = numericResult(t, u)
	}
	return t, nil
}

// numericResult is the type of an arithmetic operator's result, as
// PostgreSQL resolves it: integers widen to the wider of the two; integer
// with numeric is numeric; anything with double precision is double
// precision (real only with real). Text, which is read as a number, takes
// the other side's type. Operands whose type is not known before they are
// evaluated (a parameter, a jsonb column) give numeric, which shows any
// number exactly.
func numericResult(a, b uint32) uint32 {
	rank := func(t uint32) int {
		switch t {
		case OIDInt2:
			return 1
		case OIDInt4:
			return 2
		case OIDInt8:
			return 3
		case OIDNumeric:
			return 4
		case OIDFloat4:
			return 5
		case OIDFloat8:
			return 6
		}
		return 0
	}
	ra, rb := rank(a), rank(b)
	switch {
	case a == OIDText && rb > 0:
		return b
	case b == OIDText && ra > 0:
		return a
	case ra == 0 || rb == 0:
		// A parameter, a jsonb column, text with text: a number of any
		// type, which numeric shows exactly.
		return OIDNumeric
	case ra == 5 && rb == 5:
		return OIDFloat4
	case ra >= 5 || rb >= 5:
		return OIDFloat8
	case ra >= rb:
		return a
	}
	return b
}

// literalType is the type literalNumber gives a numeric literal.
func literalType(text string) uint32 {
	n, _ := literalNumber(text)
	switch n.(type) {
	case int32:
		return OIDInt4
	case int64:
		return OIDInt8
	}
	return OIDNumeric
}

func (sel *selectInfo) unaryType(u *driftql.Unary) (uint32, error) {
	if u.Neg {
		if text, ok := constNumber(u); ok {
			return literalType(text), nil
		}
	}
	if n := len(u.Casts); n > 0 {
		if _, err := sel.primaryType(u.Primary); err != nil {
			return 0, err
		}
		oid, ok := oidOfTypeName(u.Casts[n-1].Text())
		if !ok {
			return 0, errorf(CodeUndefinedObject, "type %q does not exist", u.Casts[n-1].Text())
		}
		return oid, nil
	}
	return sel.primaryType(u.Primary)
}

func (sel *selectInfo) primaryType(p *driftql.Primary) (uint32, error) {
	switch {
	case p.Number != nil:
		return literalType(*p.Number), nil
	case p.SQ != nil, p.Str != nil:
		return OIDText, nil
	case p.Param != nil:
		// Known only when bound: text on its own, numeric in arithmetic
		// (numericResult).
		return OIDUnknown, nil
	case p.Bool != nil:
		return OIDBool, nil
	case p.Null:
		return OIDText, nil
	case p.Sub != nil:
		return sel.exprType(p.Sub)
	case p.Cast != nil:
		oid, ok := oidOfTypeName(p.Cast.Type.Text())
		if !ok {
			return 0, errorf(CodeUndefinedObject, "type %q does not exist", p.Cast.Type.Text())
		}
		return oid, nil
	case p.Doc != nil:
		return OIDJSONB, nil
	case p.Call != nil:
		return sel.callType(p.Call)
	case p.Column != nil:
		if sel.table == "" {
			parts := p.Column.Strings()
			if len(parts) == 1 {
				switch parts[0] {
				case "current_timestamp", "localtimestamp", "now":
					return OIDTimestamptz, nil
				case "current_date":
					return OIDDate, nil
				case "current_user", "session_user", "user", "current_role", "current_catalog", "current_schema":
					return OIDName, nil
				}
			}
			return 0, errorf(CodeUndefinedColumn, "column %q does not exist", p.Column.String())
		}
		return sel.resolveColumn(p.Column)
	}
	return OIDText, nil
}

func (sel *selectInfo) callType(c *driftql.Call) (uint32, error) {
	name := strings.TrimPrefix(strings.ToLower(c.Name.String()), "pg_catalog.")
	argType := func() (uint32, error) {
		if len(c.Args) == 0 {
			return OIDText, nil
		}
		return sel.exprType(c.Args[0])
	}
	switch name {
	case "count":
		return OIDInt8, nil
	case "sum", "avg":
		t, err := argType()
		if err != nil {
			return 0, err
		}
		return aggregateType(name, t), nil
	case "min", "max", "coalesce", "abs":
		return argType()
	case "now", "current_timestamp", "statement_timestamp", "transaction_timestamp", "clock_timestamp":
		return OIDTimestamptz, nil
	case "pg_sleep":
		return OIDText, nil
	case "pg_backend_pid", "length", "char_length":
		return OIDInt4, nil
	case "current_database", "current_schema", "current_user", "session_user":
		return OIDName, nil
	}
	for _, a := range c.Args {
		if err := sel.checkColumns(a); err != nil {
			return 0, err
		}
	}
	return OIDText, nil
}

// aggregateType is the type of sum or avg over values of type t, as in
// PostgreSQL: sum of smallint or integer is bigint, of bigint numeric
// (it cannot overflow), of real or double precision the same; avg of
// floats is double precision; anything else is numeric.
func aggregateType(name string, t uint32) uint32 {
	switch {
	case t == OIDFloat8 || t == OIDFloat4 && name == "avg":
		return OIDFloat8
	case t == OIDFloat4:
		return OIDFloat4
	case name == "sum" && (t == OIDInt2 || t == OIDInt4):
		return OIDInt8
	}
	return OIDNumeric
}

// isAggregate reports whether a select item is an aggregate call.
func isAggregate(it *driftql.SelItem) (*driftql.Call, bool) {
	if it.Star {
		return nil, false
	}
	p := soloPrimary(it.Expr)
	if p == nil || p.Call == nil {
		return nil, false
	}
	switch strings.ToLower(p.Call.Name.String()) {
	case "count", "sum", "min", "max", "avg":
		return p.Call, true
	}
	return nil, false
}

func (st *Stmt) execSelect(ctx context.Context, ev *evaluator) (*Result, error) {
	var sel selectInfo
	if err := sel.init(st); err != nil {
		return nil, err
	}
	var cols []Column
	var fields []string // see plainFields
	if c := &st.selCols; len(sel.cols) > 0 && c.result != nil && c.from == &sel.cols[0] && c.n == len(sel.cols) {
		cols, fields = c.result, c.fields
	} else {
		var err error
		if cols, err = sel.resultColumns(); err != nil {
			return nil, err
		}
		fields = sel.plainFields(st.s, cols)
		if len(sel.cols) > 0 {
			c.from, c.n, c.result, c.fields = &sel.cols[0], len(sel.cols), cols, fields
		}
	}
	q := sel.q
	res := &Result{Columns: cols}
	if sel.table == "" {
		row, err := ev.project(q.Items, cols, nil)
		if err != nil {
			return nil, err
		}
		if q.Where != nil {
			ok, err := ev.truth(q.Where, nil)
			if err != nil || !ok {
				res.Tag = "SELECT 0"
				return res, err
			}
		}
		res.Rows = [][]any{row}
		res.Tag = "SELECT 1"
		return res, nil
	}
	asOf := ""
	if sel.asOf != nil {
		v, err := ev.value(sel.asOf.Point)
		if err != nil {
			return nil, err
		}
		switch v := v.(type) {
		case string:
			asOf = v
		case int64:
			// A bare integer is a seq: AS OF 42 is AS OF "@seq:42", and a
			// prepared statement can take the seq as an int8 parameter.
			if v < 0 {
				return nil, errorf(CodeInvalidParameter, "AS OF seq %d is negative", v)
			}
			asOf = "@seq:" + strconv.FormatInt(v, 10)
		default:
			return nil, errorf(CodeInvalidParameter, "AS OF wants a seq, \"@seq:N\" or an RFC 3339 time")
		}
	}
	if sel.lock != nil {
		if err := st.lockRows(ctx, ev, &sel, asOf); err != nil {
			return nil, err
		}
	}
	view, err := st.s.readView(asOf)
	if err != nil {
		return nil, err
	}
	limit, offset, err := ev.limits(q)
	if err != nil {
		return nil, err
	}
	aggs := 0
	for _, it := range q.Items {
		if _, ok := isAggregate(it); ok {
			aggs++
		}
	}
	if aggs > 0 && aggs != len(q.Items) {
		return nil, errorf(CodeFeatureNotSupported, "mixing aggregates and plain columns needs GROUP BY, which is not supported")
	}
	if len(q.OrderBy) == 0 && aggs == 0 {
		return sel.streamSelect(view, ev, fields, cols, limit, offset)
	}
	// Sorting and aggregates need every row first.
	var envs []*rowEnv
	err = sel.candidates(ctx, view, ev, q.Where, false, func(r *engine.Row, doc map[string]any, holds bool) (bool, error) {
		env := &rowEnv{table: sel.table, alias: sel.alias, doc: doc, row: r}
		if q.Where != nil && !holds {
			ok, err := ev.truth(q.Where, env)
			if err != nil || !ok {
				return err == nil, err
			}
		}
		envs = append(envs, env)
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if aggs > 0 {
		row, err := ev.aggregate(q.Items, cols, envs)
		if err != nil {
			return nil, err
		}
		res.Rows = [][]any{row}
		res.Tag = "SELECT 1"
		return res, nil
	}
	if len(q.OrderBy) > 0 {
		if err := ev.orderBy(q.OrderBy, q.Items, envs); err != nil {
			return nil, err
		}
	}
	if offset > len(envs) {
		offset = len(envs)
	}
	envs = envs[offset:]
	if limit >= 0 && limit < len(envs) {
		envs = envs[:limit]
	}
	res.Rows = make([][]any, 0, len(envs))
	for _, env := range envs {
		row, err := ev.project(q.Items, cols, env)
		if err != nil {
			return nil, err
		}
		res.Rows = append(res.Rows, row)
	}
	res.Tag = selectTag(len(res.Rows))
	return res, nil
}

// lockRows runs FOR UPDATE / FOR SHARE: inside a transaction, every row the
// WHERE clause selects is checked at commit (engine.Txn.Lock); nothing
// waits, and the first transaction to commit a change of such a row wins.
// Outside a transaction the statement's own snapshot is all there is to
// lock, as in PostgreSQL's autocommit. LIMIT does not narrow what is
// checked.
func (st *Stmt) lockRows(ctx context.Context, ev *evaluator, sel *selectInfo, asOf string) error {
	s := st.s
	if sel.lock.SkipLocked {
		return errorf(CodeFeatureNotSupported, "SKIP LOCKED is not supported: DriftDB takes no row locks to skip (a change is checked when the transaction commits)")
	}
	if asOf != "" || strings.TrimSpace(s.settings["driftdb.as_of"]) != "" {
		return errorf(CodeFeatureNotSupported, "FOR %s cannot be used with AS OF: the past cannot be changed", strings.Join(sel.lock.Strength, " "))
	}
	if s.txn == nil {
		return nil
	}
	if s.txReadOnly {
		return errorf(CodeReadOnlyTxn, "cannot execute SELECT FOR %s in a read-only transaction", strings.Join(sel.lock.Strength, " "))
	}
	where := sel.q.Where
	var lerr error
	err := sel.candidates(ctx, s.txn.View(), ev, where, false, func(r *engine.Row, doc map[string]any, holds bool) (bool, error) {
		if where != nil && !holds {
			ok, err := ev.truth(where, &rowEnv{table: sel.table, alias: sel.alias, doc: doc, row: r})
			if err != nil || !ok {
				return err == nil, err
			}
		}
		lerr = s.txn.Lock(sel.table, r.Key.Value())
		return lerr == nil, nil
	})
	if err != nil {
		return err
	}
	return lerr
}

// plainFields returns, for a SELECT without ORDER BY whose items are all *
// or plain columns of the table, the document field each result column
// shows; else nil. Such a query reads those fields straight from each row.
func (sel *selectInfo) plainFields(s *Session, cols []Column) []string {
	q := sel.q
	if len(q.OrderBy) > 0 {
		return nil
	}
	names := make([]string, 0, len(cols))
	for _, it := range q.Items {
		if it.Star {
			i := len(names)
			for j := 0; i+j < len(cols) && cols[i+j].Attr == int16(j+1); j++ {
				names = append(names, cols[i+j].Name)
			}
			continue
		}
		u := soloUnary(it.Expr)
		if u == nil || u.Neg || len(u.Casts) > 0 || u.Primary.Column == nil || u.Primary.Call != nil {
			return nil
		}
		p := u.Primary
		parts := p.Column.Parts
		if len(parts) == 2 {
			if first := parts[0].Text(); first == sel.table || first == sel.alias {
				parts = parts[1:]
			}
		}
		if len(parts) != 1 {
			return nil
		}
		name := parts[0].Text()
		if _, kw := s.keywordValue(name); kw || name == colSeq || name == colTS || name == colDoc {
			return nil
		}
		known := false
		for _, c := range sel.cols {
			if c.Name == name {
				known = true
				break
			}
		}
		if !known {
			return nil
		}
		names = append(names, name)
	}
	if len(names) != len(cols) {
		return nil
	}
	return names
}

// selectTag is the command tag of a SELECT that returned n rows.
func selectTag(n int) string {
	switch n {
	case 0:
		return "SELECT 0"
	case 1:
		return "SELECT 1"
	}
	return "SELECT " + strconv.Itoa(n)
}

// limits evaluates LIMIT and OFFSET (-1: no limit).
func (ev *evaluator) limits(q *driftql.Select) (limit, offset int, err error) {
	limit = -1
	for _, x := range []struct {
		e   *driftql.Expr
		out *int
		kw  string
	}{{q.Limit, &limit, "LIMIT"}, {q.Offset, &offset, "OFFSET"}} {
		if x.e == nil {
			continue
		}
		v, err := ev.expr(x.e, nil)
		if err != nil {
			return 0, 0, err
		}
		if v == nil {
			continue
		}
		n, ok := outValue(v, OIDInt8).(int64)
		if !ok || n < 0 {
			return 0, 0, errorf(CodeInvalidParameter, "%s must be a non-negative integer", x.kw)
		}
		*x.out = int(n)
	}
	return limit, offset, nil
}

// project evaluates the select list for one row. A * stands for the
// table columns, which resultColumns numbered from 1 (Attr).
func (ev *evaluator) project(items []*driftql.SelItem, cols []Column, env *rowEnv) ([]any, error) {
	row := make([]any, 0, len(cols))
	for _, it := range items {
		if it.Star {
			i := len(row)
			for j := 0; i+j < len(cols) && cols[i+j].Attr == int16(j+1); j++ {
				var v any
				if env != nil && env.doc != nil {
					v = env.doc[cols[i+j].Name]
				}
				row = append(row, outValue(v, cols[i+j].OID))
			}
			continue
		}
		v, err := ev.expr(it.Expr, env)
		if err != nil {
			return nil, err
		}
		row = append(row, outValue(v, cols[len(row)].OID))
	}
	return row, nil
}

// orderBy sorts rows by the ORDER BY terms (a number names a select item).
func (ev *evaluator) orderBy(terms []*driftql.OrderItem, items []*driftql.SelItem, envs []*rowEnv) error {
	keys := make([][]any, len(envs))
	for i, env := range envs {
		keys[i] = make([]any, len(terms))
		for j, t := range terms {
			e := t.Expr
			if p := soloPrimary(e); p != nil && p.Number != nil {
				n, err := strconv.Atoi(*p.Number)
				if err != nil || n < 1 || n > len(items) || items[n-1].Star {
					return errorf(CodeInvalidParameter, "ORDER BY position %s is not in select list", *p.Number)
				}
				e = items[n-1].Expr
			}
			v, err := ev.expr(e, env)
			if err != nil {
				return err
			}
			keys[i][j] = v
		}
	}
	idx := make([]int, len(envs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		for j, t := range terms {
			x, y := keys[idx[a]][j], keys[idx[b]][j]
			c := sortValues(x, y, t.Nulls)
			if t.Desc {
				c = -sortValues(x, y, flipNulls(t.Nulls))
			}
			if c != 0 {
				return c < 0
			}
		}
		return false
	})
	sorted := make([]*rowEnv, len(envs))
	for i, k := range idx {
		sorted[i] = envs[k]
	}
	copy(envs, sorted)
	return nil
}

func flipNulls(n string) string {
	switch strings.ToUpper(n) {
	case "FIRST":
		return "LAST"
	case "LAST":
		return "FIRST"
	}
	return ""
}

// sortValues orders values ascending, NULLs last unless asked first.
func sortValues(a, b any, nulls string) int {
	if a == nil || b == nil {
		if a == nil && b == nil {
			return 0
		}
		first := strings.EqualFold(nulls, "FIRST")
		if (a == nil) != first {
			return 1
		}
		return -1
	}
	if c, ok := compareCoerce(a, b); ok {
		return c
	}
	return engine.SortCompare(sortNumber(a), sortNumber(b))
}

// aggregate computes count/sum/min/max/avg over the rows, each in the
// type its result column has (aggregateType): sum of integers as an
// int64 (bigint) or exactly (numeric), of floats as a float; avg as the
// sum divided by the count in that type.
func (ev *evaluator) aggregate(items []*driftql.SelItem, cols []Column, envs []*rowEnv) ([]any, error) {
	row := make([]any, len(items))
	for i, it := range items {
		call, _ := isAggregate(it)
		name := strings.ToLower(call.Name.String())
		if call.Star {
			if name != "count" {
				return nil, errorf(CodeSyntax, "%s(*) is not valid", name)
			}
			row[i] = int64(len(envs))
			continue
		}
		if len(call.Args) != 1 {
			return nil, errorf(CodeUndefinedFunction, "function %s with %d arguments does not exist", name, len(call.Args))
		}
		acc := accumulator{name: name, oid: cols[i].OID}
		seen := map[string]bool{}
		for _, env := range envs {
			v, err := ev.expr(call.Args[0], env)
			if err != nil {
				return nil, err
			}
			if v == nil {
				continue
			}
			if call.Distinct {
				k := distinctKey(v)
				if seen[k] {
					continue
				}
				seen[k] = true
			}
			if err := acc.add(v); err != nil {
				return nil, err
			}
		}
		v, err := acc.result()
		if err != nil {
			return nil, err
		}
		row[i] = outValue(v, cols[i].OID)
	}
	return row, nil
}

// accumulator is the state of one aggregate.
type accumulator struct {
	name  string
	oid   uint32 // the result's type
	count int64
	i     int64        // sum into bigint
	f     float64      // sum of floats
	d     *apd.Decimal // sum into numeric
	best  any          // min, max
}

func (a *accumulator) add(v any) error {
	a.count++
	switch a.name {
	case "count":
		return nil
	case "min", "max":
		if a.best == nil {
			a.best = v
			return nil
		}
		c, ok := compareCoerce(v, a.best)
		if ok && ((a.name == "min" && c < 0) || (a.name == "max" && c > 0)) {
			a.best = v
		}
		return nil
	}
	if s, ok := v.(string); ok {
		if n, ok := parseNumber(strings.TrimSpace(s)); ok {
			v = n
		}
	}
	if numKindOf(v) == notNumber {
		return errorf(CodeUndefinedFunction, "function %s(%s) does not exist", a.name, kindName(v))
	}
	switch a.oid {
	case OIDInt8:
		n, err := castInt(v, kindInt8)
		if err != nil {
			return err
		}
		s, err := intArith("+", a.i, n.(int64), kindInt8)
		if err != nil {
			return err
		}
		a.i = s.(int64)
	case OIDFloat8, OIDFloat4:
		f, err := floatOf(v)
		if err != nil {
			return err
		}
		s, err := floatArith("+", a.f, f)
		if err != nil {
			return err
		}
		a.f = s.(float64)
	default:
		var d *apd.Decimal
		var err error
		if f, isFloat := v.(float64); isFloat {
			d, err = engine.FloatNumeric(f, -1) // a float in a jsonb column: its digits
		} else {
			d, err = decimalOf(v)
		}
		if err != nil {
			return err
		}
		if a.d == nil {
			a.d = d
			return nil
		}
		s, err := numericArith("+", a.d, d)
		if err != nil {
			return err
		}
		a.d = s.(*apd.Decimal)
	}
	return nil
}

func (a *accumulator) result() (any, error) {
	switch a.name {
	case "count":
		return a.count, nil
	case "min", "max":
		return a.best, nil
	}
	if a.count == 0 {
		return nil, nil
	}
	switch a.oid {
	case OIDInt8:
		return a.i, nil
	case OIDFloat8, OIDFloat4:
		if a.name == "avg" {
			return floatArith("/", a.f, float64(a.count))
		}
		return a.f, nil
	}
	if a.name == "avg" {
		return numericArith("/", a.d, apd.New(a.count, 0))
	}
	return a.d, nil
}

// distinctKey is what DISTINCT compares: equal numbers of any type and
// scale (1, 1.0, 1.00) have one key, their text without trailing zeros.
func distinctKey(v any) string {
	if numKindOf(v) != notNumber {
		var d *apd.Decimal
		var err error
		if f, ok := v.(float64); ok {
			d, err = engine.FloatNumeric(f, -1)
		} else {
			d, err = decimalOf(v)
		}
		if err == nil {
			t := engine.NumericText(d)
			if strings.Contains(t, ".") {
				t = strings.TrimRight(strings.TrimRight(t, "0"), ".")
			}
			return "n" + t
		}
	}
	return string(engine.ToJSON(v))
}

// candidates calls fn for the rows a query may return: through the primary
// key or an index when a top-level condition allows, else a scan. fn
// applies the WHERE itself, unless holds says the row is known to meet it
// (the WHERE is the one condition the key or index answered).
//
// With lazy, rows come undecoded (doc is nil) for fn to read as it needs.
func (sel *selectInfo) candidates(ctx context.Context, v *engine.View, ev *evaluator, where *driftql.Expr, lazy bool,
	fn func(r *engine.Row, doc map[string]any, holds bool) (bool, error)) error {
	var ferr error
	holds := false
	visit := func(r *engine.Row) bool {
		if ferr = ctx.Err(); ferr != nil {
			return false
		}
		var doc map[string]any
		if !lazy {
			var err error
			if doc, err = r.Doc(); err != nil {
				ferr = err
				return false
			}
		}
		more, err := fn(r, doc, holds)
		if err != nil {
			ferr = err
			return false
		}
		return more
	}
	if field, op, val, ok := sel.plan(v, ev, where); ok {
		holds = len(where.Or) == 1 && len(where.Or[0].And) == 1
		spec, _ := v.Spec(sel.table)
		if field == spec.PK && op == engine.OpEq {
			r, found, err := v.Get(sel.table, val)
			if err != nil {
				if engine.Code(err) == engine.CodeInvalidText || engine.Code(err) == engine.CodeDatatypeMismatch {
					return nil // a value that is no key of this table matches nothing
				}
				return err
			}
			if found {
				visit(&r)
			}
			return ferr
		}
		lookup := v.IndexLookup
		if lazy {
			lookup = v.IndexLookupLazy
		}
		if err := lookup(sel.table, field, op, val, visit); err != nil {
			return err
		}
		return ferr
	}
	if err := v.Scan(sel.table, visit); err != nil {
		return err
	}
	return ferr
}

// plan finds a top-level condition "field op constant" that the primary
// key or an index answers.
func (sel *selectInfo) plan(v *engine.View, ev *evaluator, where *driftql.Expr) (string, engine.Op, any, bool) {
	if where == nil || len(where.Or) != 1 {
		return "", 0, nil, false
	}
	spec, err := v.Spec(sel.table)
	if err != nil {
		return "", 0, nil, false
	}
	var best struct {
		field string
		op    engine.Op
		val   any
		ok    bool
	}
	for _, n := range where.Or[0].And {
		c := n.Cond
		if n.Not || c.Op == "" || c.Op == "!=" || c.Op == "<>" {
			continue
		}
		field, op, val, ok := sel.condition(ev, c)
		if !ok {
			continue
		}
		if field == spec.PK && op == engine.OpEq {
			return field, op, val, true
		}
		if v.Indexed(sel.table, field) && (!best.ok || op == engine.OpEq) {
			best.field, best.op, best.val, best.ok = field, op, val, true
		}
	}
	return best.field, best.op, best.val, best.ok
}

// condition reads "column op constant" (either way round).
func (sel *selectInfo) condition(ev *evaluator, c *driftql.CmpExpr) (string, engine.Op, any, bool) {
	var op, flipped engine.Op
	switch c.Op {
	case "=":
		op, flipped = engine.OpEq, engine.OpEq
	case "<":
		op, flipped = engine.OpLt, engine.OpGt
	case "<=":
		op, flipped = engine.OpLe, engine.OpGe
	case ">":
		op, flipped = engine.OpGt, engine.OpLt
	case ">=":
		op, flipped = engine.OpGe, engine.OpLe
	default:
		return "", 0, nil, false
	}
	field, ok := sel.fieldOf(c.Left)
	other := c.Right
	if !ok {
		if field, ok = sel.fieldOf(c.Right); !ok {
			return "", 0, nil, false
		}
		other, op = c.Left, flipped
	}
	val, ok := ev.constant(other)
	if !ok || val == nil {
		return "", 0, nil, false
	}
	// An index compares values of one kind, while WHERE first reads text
	// as the other side's kind: use the index only where both agree on
	// every row, that is when the column holds one kind and the constant
	// is (or converts to) that kind.
	colType := engine.Type("")
	for _, col := range sel.cols {
		if col.Name == field {
			colType = col.Type
		}
	}
	switch colType {
	case engine.TypeInt8, engine.TypeFloat8, engine.TypeNumeric:
		if s, isStr := val.(string); isStr {
			n, ok := parseNumber(strings.TrimSpace(s))
			if !ok {
				return "", 0, nil, false
			}
			val = n
		}
		if numKindOf(val) == notNumber {
			return "", 0, nil, false
		}
		val = keyNumber(val)
	case engine.TypeText, engine.TypeTimestamptz:
		if _, ok := val.(string); !ok {
			return "", 0, nil, false
		}
	case engine.TypeBool:
		if s, isStr := val.(string); isStr {
			b, ok := parseBool(s)
			if !ok {
				return "", 0, nil, false
			}
			val = b
		}
		if _, ok := val.(bool); !ok {
			return "", 0, nil, false
		}
	default:
		// jsonb (mixed kinds) or a nested path: scan.
		if colType != "" || !strings.Contains(field, ".") {
			return "", 0, nil, false
		}
	}
	return field, op, val, true
}

// fieldOf returns the field a lone column reference names.
func (sel *selectInfo) fieldOf(a *driftql.AddExpr) (string, bool) {
	if a == nil || len(a.Rest) > 0 || len(a.Left.Rest) > 0 || a.Left.Left.Neg || len(a.Left.Left.Casts) > 0 {
		return "", false
	}
	p := a.Left.Left.Primary
	if p.Column == nil || p.Call != nil {
		return "", false
	}
	parts := p.Column.Strings()
	if len(parts) > 1 && (parts[0] == sel.table || parts[0] == sel.alias) {
		parts = parts[1:]
	}
	return strings.Join(parts, "."), true
}

// constant evaluates an operand that does not depend on the row: literals,
// parameters, casts and operators over them ('status-' || $1).
func (ev *evaluator) constant(a *driftql.AddExpr) (any, bool) {
	if a == nil || !rowFree(a) {
		return nil, false
	}
	v, err := ev.add(a, nil)
	if err != nil {
		return nil, false
	}
	return v, true
}

// rowFree reports whether a reads nothing of a row.
func rowFree(a *driftql.AddExpr) bool {
	if !mulRowFree(a.Left) {
		return false
	}
	for _, op := range a.Rest {
		if !mulRowFree(op.Right) {
			return false
		}
	}
	return true
}

func mulRowFree(m *driftql.MulExpr) bool {
	if !primaryRowFree(m.Left.Primary) {
		return false
	}
	for _, op := range m.Rest {
		if !primaryRowFree(op.Right.Primary) {
			return false
		}
	}
	return true
}

func primaryRowFree(p *driftql.Primary) bool {
	return p.Number != nil || p.SQ != nil || p.Str != nil || p.Param != nil || p.Bool != nil
}
