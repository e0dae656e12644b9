package exec

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/driftql"
	"github.com/driftdb/driftdb/engine"
)

// execWrite runs INSERT, PATCH, SOFT DELETE, UPDATE or DELETE: inside the
// session's transaction, or in one of its own.
func (st *Stmt) execWrite(ctx context.Context, ev *evaluator) (*Result, error) {
	s := st.s
	if err := s.writable(); err != nil {
		return nil, err
	}
	if s.txn != nil {
		return st.applyWrite(ctx, s.txn, ev)
	}
	// Outside BEGIN a write is an atomic read-modify-write of the latest
	// committed state: on a conflict the engine runs it again.
	var res *Result
	cm, err := s.db.Autocommit(ctx, func(tx *engine.Txn) error {
		var err error
		res, err = st.applyWrite(ctx, tx, ev)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.finish(cm); err != nil {
		return nil, err
	}
	return res, nil
}

func (st *Stmt) applyWrite(ctx context.Context, tx *engine.Txn, ev *evaluator) (*Result, error) {
	a := st.ast
	switch {
	case a.Insert != nil:
		return st.insert(tx, ev)
	case a.Patch != nil:
		p := a.Patch
		key, err := ev.value(p.Key)
		if err != nil {
			return nil, err
		}
		text, err := docText(ev, p.Doc, p.DocParam)
		if err != nil {
			return nil, err
		}
		if err := tx.Patch(p.Table.Text(), key, text); err != nil {
			return nil, err
		}
		return &Result{Tag: "PATCH 1"}, nil
	case a.SoftDelete != nil:
		d := a.SoftDelete
		key, err := ev.value(d.Key)
		if err != nil {
			return nil, err
		}
		if err := tx.SoftDelete(d.Table.Text(), key); err != nil {
			return nil, err
		}
		return &Result{Tag: "SOFT DELETE 1"}, nil
	case a.Update != nil:
		return st.update(ctx, tx, ev)
	case a.Delete != nil:
		return st.delete(ctx, tx, ev)
	}
	return nil, errorf(CodeFeatureNotSupported, "not a write: %s", a.SQL)
}

// docText returns the JSON text of a document literal or parameter.
func docText(ev *evaluator, doc *driftql.JSONObject, param *driftql.Param) ([]byte, error) {
	if doc != nil {
		return []byte(doc.Text()), nil
	}
	if n, err := strconv.Atoi(param.N[1:]); err == nil && n >= 1 && n <= len(ev.params) {
		if raw, ok := ev.params[n-1].(json.RawMessage); ok {
			return raw, nil // keep the document's key order
		}
	}
	v, err := ev.param(param)
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case string:
		return []byte(x), nil
	case json.RawMessage:
		return x, nil
	case map[string]any:
		return engine.ToJSON(x), nil
	case nil:
		return nil, errorf(engine.CodeNotNullViolation, "document parameter %s is NULL", param.N)
	}
	return nil, errorf(CodeDatatypeMismatch, "document parameter %s must be JSON text, not %s", param.N, kindName(v))
}

func (st *Stmt) insert(tx *engine.Txn, ev *evaluator) (*Result, error) {
	ins := st.ast.Insert
	table := ins.Table.Text()
	var docs []map[string]any
	if ins.Doc != nil || ins.DocParam != nil {
		text, err := docText(ev, ins.Doc, ins.DocParam)
		if err != nil {
			return nil, err
		}
		if _, err := tx.Insert(table, text); err != nil {
			return nil, err
		}
		if len(ins.Returning) > 0 {
			var doc map[string]any
			dec := json.NewDecoder(bytesReader(text))
			dec.UseNumber()
			if err := dec.Decode(&doc); err == nil {
				docs = append(docs, normalizeJSON(doc).(map[string]any))
			}
		}
		return st.returning(ins.Returning, table, docs, insertTag(1), ev)
	}
	cols := st.insCols
	if cols == nil && len(ins.Columns) > 0 {
		cols = make([]string, len(ins.Columns))
		for i, c := range ins.Columns {
			cols[i] = c.Text()
		}
		st.insCols = cols // a prepared INSERT names them once
	}
	if len(cols) == 0 {
		tcols, err := tx.View().Columns(table)
		if err != nil {
			return nil, err
		}
		for _, c := range tcols {
			cols = append(cols, c.Name)
		}
	}
	spec, err := tx.Spec(table)
	if err != nil {
		return nil, err
	}
	if st.insOps == nil {
		// One slice for every row: a statement of the simple protocol is a
		// new Stmt each time, and a bulk INSERT has a thousand rows.
		n := 0
		for _, r := range ins.Rows {
			n += len(r.Values)
		}
		st.insOps = make([]*driftql.Unary, 0, n)
		for _, r := range ins.Rows {
			for _, e := range r.Values {
				st.insOps = append(st.insOps, soloUnary(e))
			}
		}
	}
	ops := st.insOps
	for _, r := range ins.Rows {
		if len(r.Values) > len(cols) {
			return nil, errorf(CodeSyntax, "INSERT has more expressions than target columns")
		}
		doc := make(map[string]any, len(r.Values))
		order := make([]string, 0, len(r.Values))
		for i, e := range r.Values {
			var v any
			var err error
			if u := ops[i]; u != nil {
				v, err = ev.unary(u, nil)
			} else {
				v, err = ev.expr(e, nil)
			}
			if err != nil {
				return nil, err
			}
			sv, err := coerceDeclared(spec, cols[i], v)
			if err != nil {
				return nil, err
			}
			if sv, err = storable(sv); err != nil {
				return nil, err
			}
			if _, dup := doc[cols[i]]; dup {
				return nil, errorf(CodeSyntax, "column %q specified more than once", cols[i])
			}
			doc[cols[i]] = sv
			order = append(order, cols[i])
		}
		ops = ops[len(r.Values):]
		if _, err := tx.InsertDoc(table, doc, order); err != nil {
			return nil, err
		}
		if len(ins.Returning) > 0 {
			docs = append(docs, doc)
		}
	}
	return st.returning(ins.Returning, table, docs, insertTag(len(ins.Rows)), ev)
}

// insertTag is the command tag of an INSERT of n rows.
func insertTag(n int) string {
	if n == 1 {
		return "INSERT 0 1"
	}
	return "INSERT 0 " + strconv.Itoa(n)
}

// storable converts an evaluated value to a document value.
func storable(v any) (any, error) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), nil
	case []byte:
		return string(x), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, errorf(CodeInvalidText, "NaN and infinity cannot be stored in a JSON document")
		}
	case int32, int16, *apd.Decimal:
		return docNumber(v)
	case int:
		return int64(x), nil
	case [16]byte:
		return fmt.Sprintf("%x-%x-%x-%x-%x", x[0:4], x[4:6], x[6:8], x[8:10], x[10:16]), nil
	}
	return v, nil
}

// coerceDeclared converts a value written to a declared column to the
// column's type, as PostgreSQL's assignment does: text as an untyped
// literal ('10' into an int8 column), a number to the column's number type
// (2.5 into an int8 column is 3; into numeric(10,2) it is rounded by the
// engine). Other values are left for the engine to check.
func coerceDeclared(spec *engine.TableSpec, col string, v any) (any, error) {
	_, isText := v.(string)
	isNumber := numKindOf(v) != notNumber
	if !isText && !isNumber {
		return v, nil
	}
	for _, c := range spec.Columns {
		if c.Name != col {
			continue
		}
		switch c.Type {
		case engine.TypeInt8:
			if _, ok := v.(int64); ok {
				return v, nil
			}
			return castTo(v, OIDInt8, engine.Typmod{})
		case engine.TypeFloat8:
			if _, ok := v.(float64); ok {
				return v, nil
			}
			return castTo(v, OIDFloat8, engine.Typmod{})
		case engine.TypeNumeric:
			if _, isFloat := v.(float64); isFloat || isText || c.Typmod.Precision != 0 {
				return castTo(v, OIDNumeric, c.Typmod)
			}
		case engine.TypeBool, engine.TypeJSONB:
			if isText {
				return castTo(v, oidOf(c.Type), engine.Typmod{})
			}
		}
		return v, nil
	}
	return v, nil
}

// returning builds the result of a write: RETURNING rows, or just the tag.
func (st *Stmt) returning(items []*driftql.SelItem, table string, docs []map[string]any, tag string, ev *evaluator) (*Result, error) {
	res := &Result{Tag: tag}
	if len(items) == 0 {
		return res, nil
	}
	cols, err := st.columns()
	if err != nil {
		return nil, err
	}
	res.Columns = cols
	for _, d := range docs {
		row, err := ev.project(items, cols, &rowEnv{table: table, doc: d})
		if err != nil {
			return nil, err
		}
		res.Rows = append(res.Rows, row)
	}
	return res, nil
}

// matching returns the keys and documents of the live rows a WHERE selects,
// as the transaction sees them.
func (st *Stmt) matching(ctx context.Context, tx *engine.Txn, ev *evaluator, table string, where *driftql.Expr) ([]engine.Key, []map[string]any, error) {
	view := tx.View()
	cols, err := view.Columns(table)
	if err != nil {
		return nil, nil, err
	}
	sel := selectInfo{table: table, cols: cols}
	if where != nil {
		if err := sel.checkColumns(where); err != nil {
			return nil, nil, err
		}
	}
	var keys []engine.Key
	var docs []map[string]any
	err = sel.candidates(ctx, view, ev, where, false, func(r *engine.Row, doc map[string]any, holds bool) (bool, error) {
		if where != nil && !holds {
			ok, err := ev.truth(where, &rowEnv{table: table, doc: doc, row: r})
			if err != nil || !ok {
				return err == nil, err
			}
		}
		keys = append(keys, r.Key)
		docs = append(docs, doc)
		return true, nil
	})
	return keys, docs, err
}

func (st *Stmt) update(ctx context.Context, tx *engine.Txn, ev *evaluator) (*Result, error) {
	up := st.ast.Update
	table := up.Table.Text()
	keys, docs, err := st.matching(ctx, tx, ev, table, up.Where)
	if err != nil {
		return nil, err
	}
	spec, err := tx.Spec(table)
	if err != nil {
		return nil, err
	}
	var after []map[string]any
	for i, k := range keys {
		env := &rowEnv{table: table, doc: docs[i]}
		patch := map[string]any{}
		var order []string
		for _, as := range up.Sets {
			v, err := ev.expr(as.Value, env)
			if err != nil {
				return nil, err
			}
			parts := as.Column.Strings()
			if len(parts) > 1 && parts[0] == table {
				parts = parts[1:]
			}
			if len(parts) == 1 {
				if v, err = coerceDeclared(spec, parts[0], v); err != nil {
					return nil, err
				}
			}
			sv, err := storable(v)
			if err != nil {
				return nil, err
			}
			if parts[0] == spec.PK {
				if pk, ok := docs[i][spec.PK]; !ok || !sameValue(pk, sv) {
					return nil, errorf(CodeFeatureNotSupported, "UPDATE cannot change the primary key %q; insert a new row instead", spec.PK)
				}
			}
			setPath(patch, parts, sv)
			order = append(order, parts[0])
		}
		if err := tx.PatchDoc(table, k.Value(), patch, order); err != nil {
			return nil, err
		}
		if len(up.Returning) > 0 {
			row, _, err := tx.View().Get(table, k.Value())
			if err == nil {
				d, _ := row.Doc()
				after = append(after, d)
			}
		}
	}
	return st.returning(up.Returning, table, after, fmt.Sprintf("UPDATE %d", len(keys)), ev)
}

func sameValue(a, b any) bool {
	c, ok := compareCoerce(a, b)
	return ok && c == 0
}

// setPath sets a (possibly nested) field in a merge patch. A NULL value in
// SQL's UPDATE sets the field to null rather than removing it: the column
// then reads as NULL either way.
func setPath(patch map[string]any, parts []string, v any) {
	for _, p := range parts[:len(parts)-1] {
		next, ok := patch[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			patch[p] = next
		}
		patch = next
	}
	patch[parts[len(parts)-1]] = v
}

func (st *Stmt) delete(ctx context.Context, tx *engine.Txn, ev *evaluator) (*Result, error) {
	del := st.ast.Delete
	table := del.Table.Text()
	keys, docs, err := st.matching(ctx, tx, ev, table, del.Where)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if err := tx.SoftDelete(table, k.Value()); err != nil {
			return nil, err
		}
	}
	return st.returning(del.Returning, table, docs, fmt.Sprintf("DELETE %d", len(keys)), ev)
}

// inferParamTypes fills in the types of parameters the client left
// unspecified, from where they stand: compared with a column, a column of
// INSERT or UPDATE, a key, a document, LIMIT or OFFSET.
func inferParamTypes(st *Stmt, params []uint32) {
	a := st.ast
	set := func(p *driftql.Param, oid uint32) {
		if p == nil {
			return
		}
		n, err := strconv.Atoi(p.N[1:])
		if err != nil || n < 1 || n > len(params) || params[n-1] != 0 {
			return
		}
		params[n-1] = oid
	}
	paramOf := func(x *driftql.AddExpr) *driftql.Param {
		if x == nil || len(x.Rest) > 0 || len(x.Left.Rest) > 0 {
			return nil
		}
		return x.Left.Left.Primary.Param
	}
	table := ""
	switch {
	case a.Select != nil && a.Select.From != nil:
		table = a.Select.From.Table.String()
	case a.Insert != nil:
		table = a.Insert.Table.Text()
	case a.Update != nil:
		table = a.Update.Table.Text()
	case a.Delete != nil:
		table = a.Delete.Table.Text()
	case a.Patch != nil:
		table = a.Patch.Table.Text()
	case a.SoftDelete != nil:
		table = a.SoftDelete.Table.Text()
	case a.ShowDrift != nil:
		table = a.ShowDrift.Table.Text()
	}
	v := st.s.db.View()
	cols, _ := v.Columns(table)
	typeOf := func(name string) uint32 {
		oid, ok := colType(cols, name)
		if !ok {
			return OIDText
		}
		return oid
	}
	pkType := func() uint32 {
		if len(cols) > 0 {
			return typeOf(cols[0].Name)
		}
		return OIDText
	}
	sel := selectInfo{table: table, cols: cols}
	// A cast says it first: $1::int8.
	exprs := statementExprs(st)
	if a.Insert != nil {
		for _, r := range a.Insert.Rows {
			exprs = append(exprs, r.Values...)
		}
	}
	for _, e := range exprs {
		driftql.WalkOperands(e, func(u *driftql.Unary) {
			if n := len(u.Casts); n > 0 && u.Primary.Param != nil {
				if oid, ok := oidOfTypeName(u.Casts[n-1].Text()); ok {
					set(u.Primary.Param, oid)
				}
			}
		})
	}
	for _, e := range statementExprs(st) {
		driftql.WalkExpr(e, func(c *driftql.CmpExpr) {
			if f, ok := sel.fieldOf(c.Left); ok {
				set(paramOf(c.Right), typeOf(f))
				if c.In != nil {
					for _, x := range c.In.Values {
						set(paramOf(x), typeOf(f))
					}
				}
				if c.Between != nil {
					set(paramOf(c.Between.Lo), typeOf(f))
					set(paramOf(c.Between.Hi), typeOf(f))
				}
			}
			if f, ok := sel.fieldOf(c.Right); ok {
				set(paramOf(c.Left), typeOf(f))
			}
		})
	}
	switch {
	case a.Select != nil:
		for _, e := range []*driftql.Expr{a.Select.Limit, a.Select.Offset} {
			if p := soloPrimary(e); p != nil {
				set(p.Param, OIDInt8)
			}
		}
	case a.Insert != nil:
		set(a.Insert.DocParam, OIDJSONB)
		names := make([]string, len(a.Insert.Columns))
		for i, c := range a.Insert.Columns {
			names[i] = c.Text()
		}
		if len(names) == 0 {
			for _, c := range cols {
				names = append(names, c.Name)
			}
		}
		for _, r := range a.Insert.Rows {
			for i, x := range r.Values {
				if p := soloPrimary(x); p != nil && i < len(names) {
					set(p.Param, typeOf(names[i]))
				}
			}
		}
	case a.Update != nil:
		for _, as := range a.Update.Sets {
			if p := soloPrimary(as.Value); p != nil {
				set(p.Param, typeOf(as.Column.String()))
			}
		}
	case a.Patch != nil:
		set(a.Patch.Key.Param, pkType())
		set(a.Patch.DocParam, OIDJSONB)
	case a.SoftDelete != nil:
		set(a.SoftDelete.Key.Param, pkType())
	case a.ShowDrift != nil:
		set(a.ShowDrift.Key.Param, pkType())
	}
}

// statementExprs lists the expressions of a statement.
func statementExprs(st *Stmt) []*driftql.Expr {
	a := st.ast
	switch {
	case a.Select != nil:
		out := []*driftql.Expr{a.Select.Where}
		for _, it := range a.Select.Items {
			out = append(out, it.Expr)
		}
		return out
	case a.Update != nil:
		out := []*driftql.Expr{a.Update.Where}
		for _, as := range a.Update.Sets {
			out = append(out, as.Value)
		}
		return out
	case a.Delete != nil:
		return []*driftql.Expr{a.Delete.Where}
	}
	return nil
}
