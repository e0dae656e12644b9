package sql

import (
	"context"

	"github.com/cockroachdb/apd/v3"
	"strconv"
	"time"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/exec"
	"github.com/driftdb/driftdb/sql/parser"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
)

// Column is a result column.
type Column struct {
	Name string
	Type *types.T
	// Table and Attr say which table column a plain column shows ("" and
	// 0 otherwise): RowDescription carries them.
	Table string
	Attr  int16
	// TableOid is the table's OID in the catalog (0 with no table).
	TableOid uint32
}

// Stmt is one parsed statement of a session.
type Stmt struct {
	s *Session
	p *parser.Statement
	// given are the parameter types the client gave (nil or Unknown:
	// infer); bound the statement bound with them, for the catalog it was
	// bound against.
	given []*types.T
	bound *bound
	// orig, for a statement ParseSimple lifted constants out of, is the
	// text as sent: the statement is parsed again from it when the lifted
	// form fails to bind.
	orig string
	// batch numbers the text of several statements the statement came
	// in (0: it came alone); see endBatchCursors.
	batch uint64
	// cur is the cursor of its WHERE CURRENT OF, once rewritten.
	cur *currentOfRef
}

// bound is a bound and planned query or write.
type bound struct {
	q      *plan.Query
	params []*types.T
	cols   []Column
	// tables are the catalog's tables as binding saw them: a change of
	// their columns binds again.
	tables map[string]*plan.Table
	views  map[string]string // the views it read, with their text
	stamps map[string]tableStamp
}

// tableStamp is what a table's definition and columns were when a
// statement bound: the engine's shared values, compared by identity.
type tableStamp struct {
	spec *engine.TableSpec
	cols *engine.Column
	n    int
}

func stampOf(v *engine.View, name string) tableStamp {
	spec, err := v.Spec(name)
	if err != nil {
		return tableStamp{}
	}
	cols, err := v.Columns(name)
	if err != nil || len(cols) == 0 {
		return tableStamp{}
	}
	return tableStamp{spec: spec, cols: &cols[0], n: len(cols)}
}

// same reports whether the table is still as stamped.
func (t tableStamp) same(v *engine.View, name string) bool {
	return t.spec != nil && stampOf(v, name) == t
}

// SQL returns the statement's text.
func (st *Stmt) SQL() string { return st.p.SQL }

// NumParams returns the number of $n parameters the statement uses.
func (st *Stmt) NumParams() int { return st.p.NumParams }

// Parse parses text into statements of this session.
func (s *Session) Parse(text string) ([]*Stmt, error) {
	ps, err := parser.Parse(text)
	if err != nil {
		return nil, err
	}
	out := make([]*Stmt, len(ps))
	var batch uint64
	if len(ps) > 1 {
		s.batches++
		batch = s.batches
	}
	for i, p := range ps {
		out[i] = &Stmt{s: s, p: p, batch: batch}
	}
	return out, nil
}

// isQuery reports whether the statement is bound and planned: a query or
// a write of SQL.
func (st *Stmt) isQuery() bool {
	if st.p.Stmt == nil {
		return false
	}
	switch st.p.Stmt.Node.(type) {
	case *pg.Node_SelectStmt:
		return !isSelectInto(st.p.Stmt)
	case *pg.Node_InsertStmt, *pg.Node_UpdateStmt, *pg.Node_DeleteStmt:
		return true
	}
	return false
}

// bind binds the statement for the session's current catalog, reusing the
// last binding while the tables it read have the same columns.
func (st *Stmt) bind() (*bound, error) {
	cat := &catalog{s: st.s, view: st.s.db.View()}
	if b := st.bound; b != nil {
		fresh := true
		for name, t := range b.tables {
			// The engine makes a new definition and a new column list
			// when either changes: the same ones mean the same table.
			if sp, ok := b.stamps[name]; ok && sp.same(cat.view, name) {
				continue
			}
			now, err := cat.Table(name)
			if err != nil || !sameColumns(now, t) {
				fresh = false
				break
			}
		}
		for name, text := range b.views {
			if def, ok := st.s.db.ViewDef(name); !ok || def.SQL != text {
				fresh = false
			}
		}
		if fresh {
			return b, nil
		}
	}
	b := st.binder(cat)
	var q *plan.Query
	var err error
	switch x := st.p.Stmt.Node.(type) {
	case *pg.Node_SelectStmt:
		q, err = b.BindQuery(x.SelectStmt)
	case *pg.Node_InsertStmt:
		q, err = b.BindInsert(x.InsertStmt)
	case *pg.Node_UpdateStmt:
		q, err = b.BindUpdate(x.UpdateStmt)
	case *pg.Node_DeleteStmt:
		q, err = b.BindDelete(x.DeleteStmt)
	}
	if err != nil {
		return nil, err
	}
	q.Plan = plan.Optimize(q.Plan)
	out := &bound{q: q, params: b.Params(), tables: cat.seen, views: cat.views, stamps: map[string]tableStamp{}}
	for name := range cat.seen {
		out.stamps[name] = stampOf(cat.view, name)
	}
	for _, c := range q.Cols {
		if c.Hidden {
			continue
		}
		out.cols = append(out.cols, Column{Name: c.Name, Type: c.Type, Table: c.Table, Attr: c.Attr})
	}
	st.s.tableOids(out.cols)
	st.bound = out
	return out, nil
}

// binder returns a binder of the statement's text, parameters and time
// travel clauses over cat.
func (st *Stmt) binder(cat *catalog) *plan.Binder {
	travel := make([]plan.TravelClause, len(st.p.Travel))
	for i, t := range st.p.Travel {
		travel[i] = plan.TravelClause{Ref: t.Ref, Kind: plan.TravelKind(t.Kind), Exprs: t.Exprs, Pos: t.Pos}
	}
	return plan.NewBinder(cat, st.p.SQL, st.p.Offset, st.given, travel, st.s.TypesContext())
}

func sameColumns(a, b *plan.Table) bool {
	// A change of definition (DDL) makes a new spec: defaults, checks,
	// indexes and column names bind again.
	if a.Spec != b.Spec || len(a.Cols) != len(b.Cols) || len(a.Indexes) != len(b.Indexes) {
		return false
	}
	for i := range a.Cols {
		if a.Cols[i].Name != b.Cols[i].Name || !types.Identical(a.Cols[i].Type, b.Cols[i].Type) {
			return false
		}
	}
	return true
}

// Describe types the statement without running it: each parameter's type
// (the client's where given, else inferred, else text) and the result
// columns (nil when it returns no rows).
func (st *Stmt) Describe(paramTypes []*types.T) ([]*types.T, []Column, error) {
	st.s.stmtGen++ // a catalog loaded before is not this statement's
	if len(paramTypes) > 0 {
		st.given, st.bound = paramTypes, nil
	}
	if d := st.p.Stmt.GetDeclareCursorStmt(); d != nil {
		params, err := st.describeDeclare(d)
		return params, nil, err
	}
	if !st.isQuery() {
		params := make([]*types.T, st.p.NumParams)
		for i := range params {
			params[i] = types.Text
			if i < len(paramTypes) && paramTypes[i] != nil && paramTypes[i].Family != types.UnknownFamily {
				params[i] = paramTypes[i]
			}
		}
		cols, err := st.utilityColumns()
		return params, cols, err
	}
	if err := st.rewriteCurrentOf(); err != nil {
		return nil, nil, err
	}
	b, err := st.bind()
	if err != nil {
		return nil, nil, err
	}
	if st.cur != nil {
		// The key of the cursor's row is the server's parameter.
		return b.params[:st.cur.param-1], b.cols, nil
	}
	return b.params, b.cols, nil
}

// Result is the outcome of a statement: its columns, its command tag and
// its rows. The rows are either all in Rows (Execute), or pulled one at a
// time with Next (Stream), which the caller must Close.
type Result struct {
	Columns []Column
	Rows    [][]types.Datum
	Tag     string
	// CopyIn, for COPY ... FROM STDIN, takes the client's data; CopyOut,
	// for COPY ... TO STDOUT, writes the rows (Next) in the COPY's format.
	CopyIn  *CopyIn
	CopyOut *CopyOut
	// Binary says that the rows go to the client in binary format (FETCH
	// from a BINARY cursor).
	Binary bool

	op     exec.Operator
	env    *exec.Env
	count  int
	done   bool
	onDone func(n int, err error) // fixes the tag, ends the statement
	i      int
	// ahead, once set, holds the rows read ahead of the caller (see
	// readAhead), then aheadErr the error that ended them.
	ahead    *aheadRows
	aheadErr error
}

// Next returns the next row of a streamed result, or nil after the last;
// the row is the caller's until the next call.
func (r *Result) Next(ctx context.Context) ([]types.Datum, error) {
	if r.op == nil {
		if r.i >= len(r.Rows) {
			return nil, nil
		}
		row := r.Rows[r.i]
		r.i++
		return row, nil
	}
	if r.done {
		return nil, nil
	}
	if r.ahead != nil {
		return r.nextAhead()
	}
	r.env.Ctx = ctx
	r.env.Fn.Ctx = ctx
	row, err := r.op.Next()
	if err != nil || row == nil {
		r.finish(err)
		return nil, err
	}
	r.count++
	return row, nil
}

// finish ends a streamed result: the tag, and the statement's transaction.
func (r *Result) finish(err error) {
	if r.done {
		return
	}
	r.done = true
	r.op.Close()
	if r.onDone != nil {
		r.onDone(r.count, err)
	}
}

// Close ends a streamed result early (or after its last row).
func (r *Result) Close() {
	if r.op != nil {
		r.finish(nil)
	}
}

// Execute runs the statement with its parameters and returns every row.
func (st *Stmt) Execute(ctx context.Context, params []types.Datum) (*Result, error) {
	r, err := st.Stream(ctx, params)
	if err != nil {
		return nil, err
	}
	if r.op == nil {
		return r, nil
	}
	defer r.Close()
	for {
		row, err := r.Next(ctx)
		if err != nil {
			return nil, err
		}
		if row == nil {
			break
		}
		r.Rows = append(r.Rows, append([]types.Datum(nil), row...))
	}
	r.op = nil
	return r, nil
}

// Stream runs the statement like Execute, except that a query's rows are
// read as the caller pulls them (Result.Next): the statement holds a
// bounded part of its tables at a time, whatever its result's size. An
// error while rows are pulled fails the transaction as an error from
// Stream does.
func (st *Stmt) Stream(ctx context.Context, params []types.Datum) (*Result, error) {
	s := st.s
	s.stmtGen++
	s.notices = nil // those of an earlier statement that no one took
	if cm := s.TakeCommit(); cm != nil {
		// The caller did not wait for the last statement's commit: this
		// one must see it.
		if _, err := cm.Wait(); err != nil {
			return nil, err
		}
	}
	if s.txFailed && !st.endsTxn() {
		return nil, pgcode.New(pgcode.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
	}
	s.endBatchCursors(st.batch)
	st.freezeCursors(ctx)
	if err := s.beginPipelined(st); err != nil {
		return nil, err
	}
	r, err := st.run(ctx, params)
	s.first = false
	if s.txn != nil {
		if err != nil {
			s.txFailed = true
		}
		if st.countsAsQuery() {
			s.txRan = true
		}
	}
	return r, err
}

// run dispatches a statement.
func (st *Stmt) run(ctx context.Context, params []types.Datum) (*Result, error) {
	if st.p.DriftQL != nil {
		return st.runDriftQL(ctx, params)
	}
	if !st.isQuery() {
		return st.runUtility(ctx, params)
	}
	err := st.rewriteCurrentOf()
	if err == nil && st.cur != nil {
		params, err = st.currentKey(params)
	}
	if err != nil {
		return nil, err
	}
	b, err := st.bind()
	if err == nil {
		if len(params) < len(b.params) {
			return nil, pgcode.Newf(pgcode.ProtocolViolation, "statement needs %d parameters, %d given", len(b.params), len(params))
		}
		params, err = st.s.coerceParams(params, b.params)
	}
	if err != nil {
		if st.orig != "" {
			return st.unlifted(ctx)
		}
		return nil, err
	}
	switch b.q.Plan.(type) {
	case *plan.Insert, *plan.Update, *plan.Delete:
		return st.runWrite(ctx, b, params)
	}
	if b.q.Writes {
		return st.runWrite(ctx, b, params)
	}
	return st.runQuery(ctx, b, params)
}

// unlifted runs a lifted statement from the text it was lifted from.
func (st *Stmt) unlifted(ctx context.Context) (*Result, error) {
	ps, err := parser.Parse(st.orig)
	if err != nil {
		return nil, err
	}
	if len(ps) != 1 {
		return nil, pgcode.New(pgcode.InternalError, "lifted statement text holds more than one statement")
	}
	return (&Stmt{s: st.s, p: ps[0]}).run(ctx, nil)
}

// env makes the environment a plan runs in.
func (st *Stmt) env(ctx context.Context, params []types.Datum, tx *engine.Txn) *exec.Env {
	s := st.s
	now := s.opts.Now()
	txTime := now
	if s.txn != nil {
		txTime = s.txTime
	} else if !s.pipeTime.IsZero() {
		txTime = s.pipeTime // a pipeline's query before its block
	}
	// One allocation holds the environment, the functions' context and
	// the statement's snapshot.
	se := &stmtEnv{s: s, tx: tx}
	se.fn = builtins.Context{Ctx: ctx, Types: s.TypesContext(), StatementTime: now, TxnTime: txTime,
		Session: fnSession{s}}
	se.env = exec.Env{Ctx: ctx, Params: params, Fn: &se.fn, Txn: tx, Virtual: s.vtableSource, View: se.view}
	return &se.env
}

// stmtEnv is what one execution of a statement runs with.
type stmtEnv struct {
	env  exec.Env
	fn   builtins.Context
	s    *Session
	tx   *engine.Txn
	snap *engine.View
}

// view is the view a table reference reads. The statement reads one
// snapshot: every table reference that names no point of its own reads
// the same view, taken at its first use (a self-join outside a
// transaction must not see a commit between its two scans).
func (se *stmtEnv) view(point types.Datum, has bool) (*engine.View, error) {
	if has {
		return se.s.viewAtPoint(point)
	}
	if se.tx != nil {
		return se.tx.View(), nil
	}
	if se.snap == nil {
		v, err := se.s.readView()
		if err != nil {
			return nil, err
		}
		se.snap = v
	}
	return se.snap, nil
}

// runQuery starts a query: its rows are pulled by the caller.
func (st *Stmt) runQuery(ctx context.Context, b *bound, params []types.Datum) (*Result, error) {
	var tx *engine.Txn
	if hasLock(b.q.Plan) {
		if err := st.s.writableForLock(); err != nil {
			return nil, err
		}
		tx = st.s.txn // FOR UPDATE: the rows read are checked at commit
	}
	env := st.env(ctx, params, tx)
	op, err := exec.Start(env, b.q.Plan)
	if err != nil {
		return nil, err
	}
	r := &Result{Columns: b.cols, op: op, env: env}
	r.onDone = func(n int, err error) {
		r.Tag = "SELECT " + strconv.Itoa(n)
		if err != nil && st.s.txn != nil {
			st.s.txFailed = true
		}
	}
	st.s.track(r)
	return r, nil
}

// runWrite runs INSERT, UPDATE or DELETE: in the session's transaction,
// or as a statement of its own that the engine runs again on a conflict
// (engine.Autocommit). Its RETURNING rows are gathered, since a retry
// makes them anew.
func (st *Stmt) runWrite(ctx context.Context, b *bound, params []types.Datum) (*Result, error) {
	s := st.s
	if err := s.writable(); err != nil {
		return nil, err
	}
	r := &Result{Columns: b.cols}
	write := func(ctx context.Context, tx *engine.Txn) error {
		var rows [][]types.Datum
		env := st.env(ctx, params, tx)
		op, err := exec.Start(env, b.q.Plan)
		if err != nil {
			return err
		}
		defer op.Close()
		for {
			row, err := op.Next()
			if err != nil {
				return err
			}
			if row == nil {
				break
			}
			rows = append(rows, row)
		}
		count := int64(len(rows))
		if c, ok := op.(exec.Counter); ok {
			count = c.Count()
		}
		r.Rows, r.Tag = rows, writeTag(b.q.Plan, count)
		return nil
	}
	if s.txn != nil {
		if err := s.writeInBlock(ctx, write); err != nil {
			return nil, err
		}
	} else {
		cm, err := s.db.Autocommit(ctx, func(tx *engine.Txn) error { return write(ctx, tx) })
		if err != nil {
			return nil, err
		}
		if err := s.finish(cm); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// writeTag is the command tag of a write (plan p) of n rows.
func writeTag(p plan.Node, n int64) string {
	c := strconv.FormatInt(n, 10)
	switch p.(type) {
	case *plan.Insert:
		return "INSERT 0 " + c
	case *plan.Update:
		return "UPDATE " + c
	case *plan.Delete:
		return "DELETE " + c
	}
	return "SELECT " + c
}

// hasLock reports whether a plan reads rows FOR UPDATE / FOR SHARE.
func hasLock(n plan.Node) bool {
	found := false
	plan.WalkNodes(n, func(x plan.Node) {
		if s, ok := x.(*plan.Scan); ok && s.Lock {
			found = true
		}
	})
	return found
}

// writableForLock: FOR UPDATE in a read-only transaction is refused, as
// in PostgreSQL.
func (s *Session) writableForLock() error {
	if s.txn != nil && s.txReadOnly {
		return pgcode.New(pgcode.ReadOnlySQLTransaction, "cannot execute SELECT FOR UPDATE in a read-only transaction")
	}
	return nil
}

var _ = time.Now

// coerceParams gives each parameter its bound type: a value of another
// Go type than the type holds (the command line's, a test's) is read
// through a cast, text through the type's input.
func (s *Session) coerceParams(params []types.Datum, ts []*types.T) ([]types.Datum, error) {
	var out []types.Datum
	for i, t := range ts {
		v := params[i]
		from := datumType(v)
		if v == nil || from == nil || from.Family == t.Family {
			continue
		}
		var c types.Datum
		var err error
		if s, ok := v.(string); ok {
			c, err = types.ParseText(s, t, nil)
		} else {
			c, err = types.CastWith(v, from, t, types.ContextExplicit, nil)
		}
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = append([]types.Datum(nil), params...)
		}
		out[i] = c
	}
	if out == nil {
		return params, nil
	}
	return out, nil
}

// datumType is the type a Go value is the Datum of, for the types a
// parameter may come as.
func datumType(v types.Datum) *types.T {
	switch v.(type) {
	case int64:
		return types.Int8
	case float64:
		return types.Float8
	case *apd.Decimal:
		return types.Numeric
	case string:
		return types.Text
	case bool:
		return types.Bool
	case []byte:
		return types.Bytea
	case types.DJSONB:
		return types.JSONB
	case types.DTimestampTZ:
		return types.TimestampTZ
	case types.DTimestamp:
		return types.Timestamp
	case types.DDate:
		return types.Date
	case types.DUUID:
		return types.UUID
	}
	return nil
}
