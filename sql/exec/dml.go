package exec

import (
	"maps"
	"slices"
	"strings"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
)

// Counter is an operator that reports how many rows it changed (the
// count of INSERT n, UPDATE n, DELETE n).
type Counter interface {
	Count() int64
}

// writeOp runs a write: it changes every row of its source in the
// transaction, and yields the RETURNING rows as it goes.
type writeOp struct {
	env   *Env
	src   Operator
	ret   []evalFn
	count int64
	each  func(Row) (Row, bool, error) // the write of one source row; its table row after
}

func (op *writeOp) Count() int64 { return op.count }

func (op *writeOp) Next() (Row, error) {
	for {
		if err := op.env.Ctx.Err(); err != nil {
			return nil, err
		}
		r, err := op.src.Next()
		if err != nil || r == nil {
			return nil, err
		}
		row, wrote, err := op.each(r)
		if err != nil {
			return nil, err
		}
		if !wrote {
			continue
		}
		op.count++
		if op.ret == nil {
			continue
		}
		out := make(Row, len(op.ret))
		for i, f := range op.ret {
			if out[i], err = f(row); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
}

func (op *writeOp) Close() { op.src.Close() }

func (env *Env) newWrite(src plan.Node, ret []plan.Expr) (*writeOp, error) {
	if env.Txn == nil {
		return nil, pgcode.New(pgcode.InternalError, "a write runs without a transaction")
	}
	op := &writeOp{env: env}
	env.writing = true
	var err error
	if len(ret) > 0 {
		if op.ret, err = env.compileAll(ret); err != nil {
			return nil, err
		}
	}
	if op.src, err = build(env, src); err != nil {
		return nil, err
	}
	return op, nil
}

// tableRow reads a document as the table's row (RETURNING).
func (env *Env) tableRow(t *plan.Table, doc map[string]any) (Row, error) {
	row := make(Row, len(t.Cols))
	for i, c := range t.Cols {
		v, err := fromDoc(doc[t.FieldOf(c.Name)], c.Type, env.Fn.Types)
		if err != nil {
			return nil, err
		}
		row[i] = v
	}
	return row, nil
}

func newInsert(env *Env, n *plan.Insert) (Operator, error) {
	op, err := env.newWrite(n.Source, n.Returning)
	if err != nil {
		return nil, err
	}
	op.each, err = env.insertOne(n, op.ret != nil)
	if err != nil {
		return nil, err
	}
	return op, nil
}

// Inserter inserts rows into a table one at a time as they come (COPY
// FROM): each is given as the parameters of a bound INSERT ... VALUES
// of one row of parameters, whose expressions make the row written.
type Inserter struct {
	env   *Env
	exprs []evalFn
	each  func(Row) (Row, bool, error)
	row   Row
	count int64
}

// NewInserter prepares an Inserter for n, whose Source is a Values of one
// row.
func NewInserter(env *Env, n *plan.Insert) (*Inserter, error) {
	if env.Txn == nil {
		return nil, pgcode.New(pgcode.InternalError, "a write runs without a transaction")
	}
	v, ok := n.Source.(*plan.Values)
	if !ok || len(v.Rows) != 1 {
		return nil, pgcode.New(pgcode.InternalError, "an inserter needs a VALUES of one row")
	}
	in := &Inserter{env: env, row: make(Row, len(v.Rows[0]))}
	var err error
	if in.exprs, err = env.compileAll(v.Rows[0]); err != nil {
		return nil, err
	}
	if in.each, err = env.insertOne(n, false); err != nil {
		return nil, err
	}
	return in, nil
}

// Insert inserts the row the parameters make.
func (in *Inserter) Insert(params []types.Datum) error {
	in.env.Params = params
	for i, f := range in.exprs {
		v, err := f(nil)
		if err != nil {
			return err
		}
		in.row[i] = v
	}
	_, wrote, err := in.each(in.row)
	if wrote {
		in.count++
	}
	return err
}

// Count returns the number of rows inserted.
func (in *Inserter) Count() int64 { return in.count }

// insertOne makes the write of one source row of an INSERT; returning
// says whether the table's row after is wanted.
func (env *Env) insertOne(n *plan.Insert, returning bool) (func(Row) (Row, bool, error), error) {
	srcCols := n.Source.Columns()
	tx, t := env.Txn, n.Table
	var sets []evalFn
	var where func(Row) (bool, error)
	var err error
	if oc := n.OnConflict; oc != nil && !oc.DoNothing {
		es := make([]plan.Expr, len(oc.Sets))
		for i, s := range oc.Sets {
			es[i] = s.E
		}
		if sets, err = env.compileAll(es); err != nil {
			return nil, err
		}
		if where, err = env.truth(oc.Where); err != nil {
			return nil, err
		}
	}
	checks, err := env.checks(t, n.Checks)
	if err != nil {
		return nil, err
	}
	// affected are the keys the statement inserted or updated: ON
	// CONFLICT DO UPDATE must not reach one twice.
	affected := map[engine.Key]bool{}
	// spare is the last row's document when the transaction did not keep
	// it (a large one: a COPY's rows past the first thousand), filled
	// again for the next row in place of a new map and key list (a fifth
	// of what an import of 9 million rows allocated).
	var spare map[string]any
	var spareOrder []string
	fields := n.Fields
	return func(r Row) (Row, bool, error) {
		var doc map[string]any
		var order []string
		if spare != nil {
			doc, order, spare = spare, spareOrder[:0], nil
			if len(doc) > len(fields) {
				clear(doc) // a field the engine added (a row id, a composite key); else each is set again below
			}
		} else {
			doc = make(map[string]any, len(fields))
			order = make([]string, 0, len(fields))
		}
		for i, f := range fields {
			v, err := toDoc(r[i], srcCols[i].Type, env.Fn.Types)
			if err != nil {
				return nil, false, err
			}
			doc[f], order = v, append(order, f)
		}
		if oc := n.OnConflict; oc != nil {
			key, ok := doc[t.FieldOf(t.Cols[0].Name)]
			if t.Spec != nil && len(t.Spec.PKColumns) > 0 {
				var err error
				if key, err = engine.KeyOfDoc(t.Spec, doc); err != nil {
					key = nil // the insert reports it
				}
				ok = key != nil
			}
			if k, err := engine.KeyOf(key); ok && key != nil && err == nil && !oc.DoNothing {
				if affected[k] {
					return nil, false, pgcode.New(pgcode.CardinalityViolation, "ON CONFLICT DO UPDATE command cannot affect row a second time").
						WithHint("Ensure that no rows proposed for insertion within the same command have duplicate constrained values.")
				}
				affected[k] = true
			}
			if ok && key != nil {
				// A concurrent insert of the key makes the commit fail and
				// run again (outside a transaction), so it sees the row.
				if err := tx.Lock(t.Name, key); err != nil {
					return nil, false, err
				}
				cur, found, err := tx.View().Get(t.Name, key)
				if err != nil {
					return nil, false, err
				}
				if found {
					if oc.DoNothing {
						return nil, false, nil
					}
					return env.conflictUpdate(t, n.OnConflict, sets, where, &cur, doc, checks)
				}
			}
		}
		if checks != nil {
			row, err := env.tableRow(t, doc)
			if err != nil {
				return nil, false, err
			}
			if err := checks(row); err != nil {
				return nil, false, err
			}
		}
		lent := !returning && !tx.KeepsDocuments()
		k, err := tx.InsertDoc(t.Name, doc, order)
		if err != nil {
			return nil, false, env.failingRow(t, doc, err)
		}
		if lent {
			spare, spareOrder = doc, order
			return nil, true, nil
		}
		if t.Spec != nil && t.Spec.RowID {
			doc[engine.RowIDField] = k.Value() // the key the engine gave, for RETURNING
		}
		if !returning {
			return nil, true, nil
		}
		row, err := env.tableRow(t, doc)
		return row, true, err
	}, nil
}

// conflictUpdate runs ON CONFLICT DO UPDATE on the existing row cur with
// the proposed document (excluded).
func (env *Env) conflictUpdate(t *plan.Table, oc *plan.OnConflict, sets []evalFn, where func(Row) (bool, error), cur *engine.Row, proposed map[string]any, checks func(Row) error) (Row, bool, error) {
	doc, err := cur.Doc()
	if err != nil {
		return nil, false, err
	}
	existing, err := env.tableRow(t, doc)
	if err != nil {
		return nil, false, err
	}
	excluded, err := env.tableRow(t, proposed)
	if err != nil {
		return nil, false, err
	}
	row := append(existing, excluded...)
	if ok, err := where(row); err != nil || !ok {
		return nil, false, err
	}
	return env.patch(t, oc.Sets, sets, row, cur.Key.Value(), checks)
}

// patch applies SET items to the row with key, evaluated over row, and
// returns the table's row after.
func (env *Env) patch(t *plan.Table, items []plan.SetItem, fs []evalFn, row Row, key any, checks func(Row) error) (Row, bool, error) {
	patch := make(map[string]any, len(items))
	order := make([]string, 0, len(items))
	var newKey any // the row's new key, when the UPDATE changes it
	// keySets are the new values of the columns of a primary key of
	// several columns, by field.
	var keySets map[string]any
	composite := t.Spec != nil && len(t.Spec.PKColumns) > 0
	for i, it := range items {
		v, err := fs[i](row)
		if err != nil {
			return nil, false, err
		}
		dv, err := toDoc(v, it.E.Type(), env.Fn.Types)
		if err != nil {
			return nil, false, err
		}
		if f := t.FieldOf(it.Col); composite && len(it.Path) == 0 && slices.Contains(t.Spec.PKColumns, f) {
			if dv == nil {
				return nil, false, pgcode.Newf(pgcode.NotNullViolation, "null value in column %q of relation %q violates not-null constraint", it.Col, t.Name)
			}
			if keySets == nil {
				keySets = map[string]any{}
			}
			keySets[f] = dv
			continue
		}
		if it.Col == t.Cols[0].Name && len(it.Path) == 0 {
			if dv == nil {
				return nil, false, pgcode.Newf(pgcode.NotNullViolation, "null value in column %q of relation %q violates not-null constraint", it.Col, t.Name)
			}
			if !sameKey(dv, key) {
				newKey = dv
			}
			continue
		}
		if _, isDefault := it.E.(*plan.Default); isDefault {
			dv = nil
		}
		f := t.FieldOf(it.Col)
		setPath(patch, append([]string{f}, it.Path...), dv)
		order = append(order, f)
	}
	if err := env.Txn.PatchDoc(t.Name, key, patch, order); err != nil {
		return nil, false, err
	}
	r, found, err := env.Txn.View().Get(t.Name, key)
	if err != nil || !found {
		return nil, true, err
	}
	doc, err := r.Doc()
	if err != nil {
		return nil, false, err
	}
	if keySets != nil {
		// The key columns' new values make a new key when they differ.
		next := make(map[string]any, len(doc)+len(keySets))
		maps.Copy(next, doc)
		maps.Copy(next, keySets)
		if k, err := engine.KeyOfDoc(t.Spec, next); err != nil {
			return nil, false, err
		} else if !sameKey(k, key) {
			newKey = k
		}
	}
	if newKey != nil {
		// A new key is a new row: the row under the old key is deleted
		// (its history stays) and the document goes in under the new
		// one, which must be free (23505).
		moved := make(map[string]any, len(doc))
		for k, v := range doc {
			moved[k] = v
		}
		pk := t.FieldOf(t.Cols[0].Name)
		moved[pk] = newKey
		for f, v := range keySets {
			moved[f] = v
		}
		if _, err := env.Txn.InsertDoc(t.Name, moved, docOrder(t, moved)); err != nil {
			return nil, false, err
		}
		if err := env.Txn.SoftDelete(t.Name, key); err != nil {
			return nil, false, err
		}
		doc = moved
	}
	after, err := env.tableRow(t, doc)
	if err == nil && checks != nil {
		err = checks(after)
	}
	return after, true, err
}

func sameKey(a, b any) bool {
	ka, err1 := engine.KeyOf(a)
	kb, err2 := engine.KeyOf(b)
	return err1 == nil && err2 == nil && ka == kb
}

// setPath sets a (possibly nested) field in a merge patch. SQL's NULL
// sets the field to null rather than removing it: the column reads as
// NULL either way.
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

func newUpdate(env *Env, n *plan.Update) (Operator, error) {
	op, err := env.newWrite(n.Source, n.Returning)
	if err != nil {
		return nil, err
	}
	es := make([]plan.Expr, len(n.Sets))
	for i, s := range n.Sets {
		es[i] = s.E
	}
	fs, err := env.compileAll(es)
	if err != nil {
		return nil, err
	}
	t := n.Table
	keyT := t.Cols[0].Type
	seen := map[engine.Key]bool{}
	checks, err := env.checks(t, n.Checks)
	if err != nil {
		return nil, err
	}
	op.each = func(r Row) (Row, bool, error) {
		key, err := toDoc(r[0], keyT, env.Fn.Types)
		if err != nil {
			return nil, false, err
		}
		// A row that FROM joins to several rows is updated once, as in
		// PostgreSQL.
		if k, err := engine.KeyOf(key); err == nil {
			if seen[k] {
				return nil, false, nil
			}
			seen[k] = true
		}
		after, wrote, err := env.patch(t, n.Sets, fs, r, key, checks)
		if err != nil || !n.RetFull || after == nil {
			return after, wrote, err
		}
		return append(after[:len(t.Cols):len(t.Cols)], r[len(t.Cols):]...), wrote, nil
	}
	return op, nil
}

func newDelete(env *Env, n *plan.Delete) (Operator, error) {
	op, err := env.newWrite(n.Source, n.Returning)
	if err != nil {
		return nil, err
	}
	t := n.Table
	keyT := t.Cols[0].Type
	seen := map[engine.Key]bool{}
	op.each = func(r Row) (Row, bool, error) {
		key, err := toDoc(r[0], keyT, env.Fn.Types)
		if err != nil {
			return nil, false, err
		}
		if k, err := engine.KeyOf(key); err == nil {
			if seen[k] {
				return nil, false, nil
			}
			seen[k] = true
		}
		if err := env.Txn.SoftDelete(t.Name, key); err != nil {
			return nil, false, err
		}
		if n.RetFull {
			return r, true, nil
		}
		return r[:len(t.Cols)], true, nil
	}
	return op, nil
}

// failingRow gives a not-null violation PostgreSQL's detail: the row
// that failed, every column in the table's order.
func (env *Env) failingRow(t *plan.Table, doc map[string]any, err error) error {
	if pgcode.Of(err) != pgcode.NotNullViolation {
		return err
	}
	row, rerr := env.tableRow(t, doc)
	if rerr != nil {
		return err
	}
	return pgcode.From(err).WithDetail(failingRowText(t, row, env.Fn.Types))
}

// checks compiles a table's CHECK constraints into one function of the
// row written (nil when there are none): a row fails a check whose
// expression is false, with PostgreSQL's error and the row in its detail.
func (env *Env) checks(t *plan.Table, cs []plan.Check) (func(Row) error, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	fs := make([]evalFn, len(cs))
	for i, c := range cs {
		f, err := env.compile(c.E)
		if err != nil {
			return nil, err
		}
		fs[i] = f
	}
	return func(r Row) error {
		for i, f := range fs {
			v, err := f(r)
			if err != nil {
				return err
			}
			if v == false {
				return pgcode.Newf(pgcode.CheckViolation, "new row for relation %q violates check constraint %q", t.Name, cs[i].Name).
					WithDetail(failingRowText(t, r, env.Fn.Types))
			}
		}
		return nil
	}, nil
}

// failingRowText is PostgreSQL's detail of a row a constraint refused.
func failingRowText(t *plan.Table, row Row, c *types.Context) string {
	var b strings.Builder
	b.WriteString("Failing row contains (")
	sep := ""
	for _, i := range t.Shown() {
		b.WriteString(sep)
		sep = ", "
		if i >= len(row) || row[i] == nil {
			b.WriteString("null")
			continue
		}
		b.WriteString(types.FormatText(row[i], t.Cols[i].Type, c))
	}
	b.WriteString(").")
	return b.String()
}

// docOrder lists a document's fields in the table's column order, then
// any others.
func docOrder(t *plan.Table, doc map[string]any) []string {
	out := make([]string, 0, len(doc))
	seen := make(map[string]bool, len(doc))
	for _, c := range t.Cols {
		f := t.FieldOf(c.Name)
		if _, ok := doc[f]; ok && !seen[f] {
			out, seen[f] = append(out, f), true
		}
	}
	for f := range doc {
		if !seen[f] {
			out = append(out, f)
		}
	}
	return out
}
