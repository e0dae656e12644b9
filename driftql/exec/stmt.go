package exec

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/driftdb/driftdb/driftql"
	"github.com/driftdb/driftdb/engine"
)

// Stmt is one parsed statement of a session.
type Stmt struct {
	s   *Session
	ast *driftql.Statement
	// selCols caches a SELECT's result columns, and the fields they read
	// (plainFields), for the table columns they were worked out from (the
	// same slice means the same columns).
	selCols struct {
		from   *engine.Column
		n      int
		result []Column
		fields []string
	}
	// insCols caches the column names an INSERT lists; insOps the lone
	// operand of each VALUES expression, row after row (nil for one that
	// is more), so that a prepared INSERT does not look for it each time.
	insCols []string
	insOps  []*driftql.Unary
}

// Result is the outcome of a statement: its columns and rows (none for a
// statement that returns no rows) and its command tag.
//
// The rows are either materialized in Rows, or streamed (see Stmt.Stream):
// then Rows is nil, the rows come from Next, and Tag is set once Next has
// returned the last one. Next serves materialized rows too, so a caller
// that pulls rows handles both alike.
type Result struct {
	Columns []Column
	Rows    [][]any
	Tag     string
	// Notice is a message for the client (for example "there is no
	// transaction in progress").
	Notice string

	src  rowSource // the rows of a streamed result; nil once they ended
	next int       // the next of Rows that Next returns
	// sess and txn are the session and transaction of a streamed result,
	// which an error from Next fails.
	sess *Session
	txn  *engine.Txn
}

// Streamed reports whether the result's rows are still to be pulled from
// its source.
func (r *Result) Streamed() bool { return r.src != nil }

// Next returns the next row, or nil after the last. A streamed row is
// valid until the next call; it must not be changed. ctx is the
// statement's context: a streamed result reads its table as it goes, and
// fails with ctx's error once ctx is done.
func (r *Result) Next(ctx context.Context) ([]any, error) {
	if r.src == nil {
		if r.next >= len(r.Rows) {
			return nil, nil
		}
		r.next++
		return r.Rows[r.next-1], nil
	}
	row, err := r.src.next(ctx)
	if err != nil {
		r.Close()
		if s := r.sess; s != nil && s.txn != nil && s.txn == r.txn {
			s.txFailed = true
		}
		return nil, err
	}
	if row == nil {
		r.Tag = selectTag(r.src.count())
		r.src.close()
		r.src = nil
	}
	return row, nil
}

// Close releases what a streamed result holds (its cursor, its view of
// the table); the rows not read are dropped and Next returns nil.
func (r *Result) Close() {
	if r.src != nil {
		r.src.close()
		r.src = nil
	}
	r.next = len(r.Rows)
}

// materialize reads the rest of a streamed result into Rows.
func (r *Result) materialize(ctx context.Context) error {
	if r.src == nil {
		return nil
	}
	if s, ok := r.src.(*selectStream); ok {
		s.keep = true
	}
	r.Rows = [][]any{}
	for {
		row, err := r.Next(ctx)
		if err != nil || row == nil {
			r.next = 0
			return err
		}
		r.Rows = append(r.Rows, row)
	}
}

// SQL returns the statement's text.
func (st *Stmt) SQL() string { return st.ast.SQL }

// AST returns the parsed statement.
func (st *Stmt) AST() *driftql.Statement { return st.ast }

// NumParams returns the number of $n parameters the statement uses.
func (st *Stmt) NumParams() int { return driftql.MaxParamNumber(st.ast.SQL) }

// MaxParams is the most parameters a statement may have: a Bind message
// counts them in 16 bits.
const MaxParams = 65535

// codeProgramLimitExceeded is SQLSTATE 54000.
const codeProgramLimitExceeded = "54000"

// CheckParams refuses a statement text that uses more parameters than a
// Bind message can carry (54000). It scans the text once, before anything
// parses it.
func CheckParams(sql string) error {
	if n := driftql.MaxParamNumber(sql); n > MaxParams {
		return errorf(codeProgramLimitExceeded, "too many parameters: $%d, where a statement may have at most %d", n, MaxParams)
	}
	return nil
}

// Describe types the statement without running it: one type OID per
// parameter (the client's where given, else inferred, else text) and the
// result columns (nil when it returns no rows).
func (st *Stmt) Describe(paramTypes []uint32) ([]uint32, []Column, error) {
	n := st.NumParams()
	params := make([]uint32, n)
	for i := range params {
		if i < len(paramTypes) && paramTypes[i] != 0 {
			params[i] = paramTypes[i]
		}
	}
	inferParamTypes(st, params)
	for i := range params {
		if params[i] == 0 {
			params[i] = OIDText
		}
	}
	cols, err := st.columns()
	return params, cols, err
}

// Execute runs the statement with its parameters; the result's rows are
// all in Rows.
func (st *Stmt) Execute(ctx context.Context, params []any) (*Result, error) {
	r, err := st.Stream(ctx, params)
	if err != nil {
		return nil, err
	}
	if err := r.materialize(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// Stream runs the statement with its parameters, like Execute, except
// that a SELECT that needs no sort or aggregate returns its rows streamed:
// they are read from the table as the caller pulls them with Result.Next,
// under the context it passes there. The caller must Close a result it
// does not read to the end. An error from Next fails the transaction, as
// an error from Stream does.
func (st *Stmt) Stream(ctx context.Context, params []any) (*Result, error) {
	s := st.s
	a := st.ast
	if cm := s.TakeCommit(); cm != nil {
		// The caller did not wait for the last statement's commit: this
		// one must see it.
		if _, err := cm.Wait(); err != nil {
			return nil, err
		}
	}
	if s.txFailed && a.Commit == nil && a.Rollback == nil {
		return nil, errorf(CodeInFailedTxn, "current transaction is aborted, commands ignored until end of transaction block")
	}
	r, err := st.execute(ctx, params)
	if s.txn != nil {
		if err != nil {
			s.txFailed = true
		}
		if a.Begin == nil && a.SetTxn == nil && a.Set == nil && a.Show == nil {
			s.txRan = true
		}
	}
	return r, err
}

func (st *Stmt) execute(ctx context.Context, params []any) (*Result, error) {
	s, a := st.s, st.ast
	ev := &evaluator{ctx: ctx, s: s, params: params}
	switch {
	case a.Begin != nil:
		if s.txn != nil {
			return &Result{Tag: "BEGIN", Notice: "there is already a transaction in progress"}, nil
		}
		if err := s.begin(); err != nil {
			return nil, err
		}
		if err := s.setTxnModes(a.Begin.Mode, false); err != nil {
			s.txn.Rollback()
			s.txn = nil
			return nil, err
		}
		return &Result{Tag: "BEGIN"}, nil
	case a.SetTxn != nil:
		if !a.SetTxn.Session && s.txn == nil {
			return &Result{Tag: "SET", Notice: "SET TRANSACTION can only be used in transaction blocks"}, nil
		}
		if err := s.setTxnModes(a.SetTxn.Mode, a.SetTxn.Session); err != nil {
			return nil, err
		}
		return &Result{Tag: "SET"}, nil
	case a.Commit != nil:
		if s.txn == nil {
			return &Result{Tag: "COMMIT", Notice: "there is no transaction in progress"}, nil
		}
		tx, failed := s.txn, s.txFailed
		s.txn, s.txFailed = nil, false
		if failed {
			tx.Rollback()
			return &Result{Tag: "ROLLBACK"}, nil
		}
		if err := s.commit(ctx, tx); err != nil {
			return nil, err
		}
		return &Result{Tag: "COMMIT"}, nil
	case a.Rollback != nil:
		if s.txn == nil {
			return &Result{Tag: "ROLLBACK", Notice: "there is no transaction in progress"}, nil
		}
		s.txn.Rollback()
		s.txn, s.txFailed = nil, false
		return &Result{Tag: "ROLLBACK"}, nil
	case a.Set != nil:
		return st.execSet(ev)
	case a.Reset != nil:
		s.settingsGen++
		if a.Reset.All {
			for k, v := range defaultSettings {
				s.settings[k] = v
			}
		} else {
			name := strings.ToLower(a.Reset.Name.String())
			if v, ok := defaultSettings[name]; ok {
				s.settings[name] = v
			} else {
				delete(s.settings, name)
			}
		}
		return &Result{Tag: "RESET"}, nil
	case a.Show != nil:
		return st.execShow()
	case a.CreateTable != nil:
		return st.execCreateTable()
	case a.CreateIndex != nil:
		ci := a.CreateIndex
		if err := s.writable(); err != nil {
			return nil, err
		}
		for _, f := range ci.Fields {
			if err := s.db.CreateIndex(ci.Table.Text(), f.String()); err != nil {
				return nil, err
			}
		}
		return &Result{Tag: "CREATE INDEX"}, nil
	case a.Select != nil:
		return st.execSelect(ctx, ev)
	case a.ShowDrift != nil:
		return st.execDrift(ev)
	case a.Snapshot != nil:
		if err := s.writable(); err != nil {
			return nil, err
		}
		if _, err := s.db.SnapshotTable(a.Snapshot.Table.Text()); err != nil {
			return nil, err
		}
		return &Result{Tag: "SNAPSHOT"}, nil
	case a.Compact != nil:
		return st.execCompact(ev)
	case a.Insert != nil, a.Patch != nil, a.SoftDelete != nil, a.Update != nil, a.Delete != nil:
		return st.execWrite(ctx, ev)
	}
	return nil, errorf(CodeFeatureNotSupported, "statement not supported: %s", a.SQL)
}

// writable reports why the session may not write now.
func (s *Session) writable() error {
	if s.txn != nil && s.txReadOnly {
		return errorf(CodeReadOnlyTxn, "cannot write in a read-only transaction")
	}
	if p := strings.TrimSpace(s.settings["driftdb.as_of"]); p != "" {
		return errorf(CodeReadOnlyTxn, "cannot write while driftdb.as_of is set (%s): the session reads the past; RESET driftdb.as_of to write", p)
	}
	if s.db.ReadOnly() {
		return errorf(CodeReadOnlyTxn, "cannot write: the database is open read-only")
	}
	return nil
}

func (st *Stmt) execSet(ev *evaluator) (*Result, error) {
	set := st.ast.Set
	name := "timezone"
	args := []*driftql.SetArg{set.TimeZone}
	if set.TimeZone == nil {
		name = strings.ToLower(set.Name.String())
		args = set.Values
	}
	var vals []string
	for _, a := range args {
		switch {
		case a.Default:
			vals = append(vals, defaultSettings[name])
		case a.Ident != nil:
			vals = append(vals, a.Ident.Text())
		default:
			v, err := ev.value(a.Value)
			if err != nil {
				return nil, err
			}
			vals = append(vals, fmt.Sprint(textOf(v)))
		}
	}
	if err := st.s.set(name, strings.Join(vals, ", ")); err != nil {
		return nil, err
	}
	return &Result{Tag: "SET"}, nil
}

func (st *Stmt) execShow() (*Result, error) {
	sh := st.ast.Show
	s := st.s
	switch {
	case sh.Isolation:
		v, _ := s.Setting("transaction_isolation")
		return &Result{Columns: []Column{{Name: "transaction_isolation", OID: OIDText}},
			Rows: [][]any{{v}}, Tag: "SHOW"}, nil
	case sh.All:
		r := &Result{Columns: []Column{{Name: "name", OID: OIDText}, {Name: "setting", OID: OIDText}, {Name: "description", OID: OIDText}}, Tag: "SHOW"}
		for _, n := range s.settingNames() {
			v, _ := s.Setting(n)
			r.Rows = append(r.Rows, []any{n, v, ""})
		}
		return r, nil
	}
	name := strings.ToLower(sh.Name.String())
	v, ok := s.Setting(name)
	if !ok {
		return nil, errorf(CodeUndefinedSetting, "unrecognized configuration parameter %q", name)
	}
	col := name
	if rn, ok := reported[name]; ok {
		col = rn
	}
	return &Result{Columns: []Column{{Name: col, OID: OIDText}}, Rows: [][]any{{v}}, Tag: "SHOW"}, nil
}

func (st *Stmt) execCreateTable() (*Result, error) {
	ct := st.ast.CreateTable
	if err := st.s.writable(); err != nil {
		return nil, err
	}
	spec := engine.TableSpec{Name: ct.Table.Text()}
	for _, el := range ct.Elems {
		switch {
		case el.PK != nil:
			spec.PK = el.PK.Text()
		case el.Index != nil:
			for _, n := range el.Index {
				spec.Indexes = append(spec.Indexes, n.Text())
			}
		case el.PrimaryKey != nil:
			if len(el.PrimaryKey) != 1 {
				return nil, errorf(CodeFeatureNotSupported, "a primary key of several columns is not supported")
			}
			spec.PK = el.PrimaryKey[0].Text()
		case el.Column != nil:
			c := el.Column
			typ, err := engine.ParseType(c.Type.Text())
			if err != nil {
				return nil, err
			}
			cs := engine.ColumnSpec{Name: c.Name.Text(), Type: typ}
			if typ == engine.TypeNumeric {
				if cs.Typmod, err = numericTypmod(c.Type.Args); err != nil {
					return nil, err
				}
			}
			for _, k := range c.Constraints {
				if k.PrimaryKey {
					if spec.PK != "" && spec.PK != cs.Name {
						return nil, errorf(CodeInvalidParameter, "multiple primary keys for table %q are not allowed", spec.Name)
					}
					spec.PK = cs.Name
				}
				if k.NotNull {
					cs.NotNull = true
				}
			}
			spec.Columns = append(spec.Columns, cs)
		}
	}
	if spec.PK == "" {
		return nil, errorf(CodeInvalidParameter, "table %q needs a primary key: CREATE TABLE %s (pk=field, ...) or a PRIMARY KEY column", spec.Name, spec.Name)
	}
	if err := st.s.db.CreateTable(spec); err != nil {
		if ct.IfNotExists && errors.Is(err, engine.ErrTableExists) {
			return &Result{Tag: "CREATE TABLE", Notice: fmt.Sprintf("relation %q already exists, skipping", spec.Name)}, nil
		}
		return nil, err
	}
	return &Result{Tag: "CREATE TABLE"}, nil
}

func (st *Stmt) execCompact(ev *evaluator) (*Result, error) {
	c := st.ast.Compact
	if err := st.s.writable(); err != nil {
		return nil, err
	}
	table := c.Table.Text()
	if c.Before == nil {
		if err := st.s.db.Compact(table); err != nil {
			return nil, err
		}
		return &Result{Tag: "COMPACT"}, nil
	}
	v, err := ev.value(c.Before)
	if err != nil {
		return nil, err
	}
	p, _ := textOf(v).(string)
	if strings.HasPrefix(p, "@seq:") {
		n, err := strconv.ParseUint(strings.TrimSpace(p[5:]), 10, 64)
		if err != nil {
			return nil, errorf(CodeInvalidParameter, "invalid horizon %q: want \"@seq:N\" or an RFC 3339 time", p)
		}
		if _, err := st.s.db.CompactBefore(table, n); err != nil {
			return nil, err
		}
	} else {
		t, err := time.Parse(time.RFC3339Nano, p)
		if err != nil {
			return nil, errorf(CodeInvalidParameter, "invalid horizon %q: want \"@seq:N\" or an RFC 3339 time", p)
		}
		if _, err := st.s.db.CompactBeforeTime(table, t); err != nil {
			return nil, err
		}
	}
	return &Result{Tag: "COMPACT"}, nil
}

// value evaluates a DriftQL value (KEY, AS OF, BEFORE, SET).
func (ev *evaluator) value(v *driftql.Value) (any, error) {
	var out any
	switch {
	case v.Number != nil:
		text := *v.Number
		if v.Neg {
			text = "-" + text // one constant, as in an expression
		}
		n, err := literalNumber(text)
		if err != nil {
			return nil, err
		}
		return keyNumber(n), nil
	case v.SQ != nil:
		out = *v.SQ
	case v.DQ != nil:
		out = *v.DQ
	case v.Param != nil:
		p, err := ev.param(v.Param)
		if err != nil {
			return nil, err
		}
		out = p
	case v.Bool != nil:
		out = bool(*v.Bool)
	}
	if v.Neg {
		n, err := negate(out)
		if err != nil {
			return nil, err
		}
		out = n
	}
	return keyNumber(out), nil
}

func (st *Stmt) execDrift(ev *evaluator) (*Result, error) {
	d := st.ast.ShowDrift
	key, err := ev.value(d.Key)
	if err != nil {
		return nil, err
	}
	v, err := st.s.readView("")
	if err != nil {
		return nil, err
	}
	hist, err := v.History(d.Table.Text(), key)
	if err != nil {
		return nil, err
	}
	r := &Result{Columns: driftColumns}
	for _, e := range hist {
		var change, doc any
		if e.Change != nil {
			change = engine.ToJSON(e.Change)
		}
		if e.Doc != nil {
			doc = engine.ToJSON(e.Doc)
		}
		r.Rows = append(r.Rows, []any{int64(e.Seq), time.UnixMilli(e.UnixMs).UTC(), e.Type.String(), change, doc})
	}
	r.Tag = selectTag(len(r.Rows))
	return r, nil
}

var driftColumns = []Column{
	{Name: "seq", OID: OIDInt8},
	{Name: "ts", OID: OIDTimestamptz},
	{Name: "event", OID: OIDText},
	{Name: "change", OID: OIDJSONB},
	{Name: "doc", OID: OIDJSONB},
}

// call evaluates a function call that is not an aggregate.
func (ev *evaluator) call(c *driftql.Call, env *rowEnv) (any, error) {
	name := strings.ToLower(c.Name.String())
	name = strings.TrimPrefix(name, "pg_catalog.")
	args := make([]any, len(c.Args))
	for i, a := range c.Args {
		v, err := ev.expr(a, env)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	nargs := func(n int) error {
		if len(args) != n {
			return errorf(CodeUndefinedFunction, "function %s with %d arguments does not exist", name, len(args))
		}
		return nil
	}
	switch name {
	case "version":
		return versionString(), nargs(0)
	case "current_database":
		return ev.s.opts.Database, nargs(0)
	case "current_schema":
		return "public", nargs(0)
	case "current_user", "session_user":
		return ev.s.opts.User, nargs(0)
	case "now", "current_timestamp", "statement_timestamp", "transaction_timestamp", "clock_timestamp":
		return ev.s.opts.Now().UTC(), nargs(0)
	case "pg_backend_pid":
		return int32(ev.s.pid), nargs(0)
	case "current_setting":
		if len(args) < 1 || len(args) > 2 {
			return nil, nargs(1)
		}
		n, _ := args[0].(string)
		v, ok := ev.s.Setting(n)
		if !ok {
			if len(args) == 2 && args[1] == true {
				return nil, nil
			}
			return nil, errorf(CodeUndefinedSetting, "unrecognized configuration parameter %q", n)
		}
		return v, nil
	case "pg_sleep":
		if err := nargs(1); err != nil {
			return nil, err
		}
		secs, ok := toFloat(args[0])
		if !ok || secs < 0 {
			return nil, errorf(CodeInvalidParameter, "pg_sleep wants a number of seconds")
		}
		t := time.NewTimer(time.Duration(secs * float64(time.Second)))
		defer t.Stop()
		select {
		case <-t.C:
		case <-ev.ctx.Done():
			return nil, ev.ctx.Err()
		}
		return nil, nil
	case "coalesce":
		for _, a := range args {
			if a != nil {
				return a, nil
			}
		}
		return nil, nil
	case "lower", "upper", "length", "char_length":
		if err := nargs(1); err != nil {
			return nil, err
		}
		if args[0] == nil {
			return nil, nil
		}
		s := fmt.Sprint(textOf(args[0]))
		switch name {
		case "lower":
			return strings.ToLower(s), nil
		case "upper":
			return strings.ToUpper(s), nil
		}
		return int32(len([]rune(s))), nil
	case "abs":
		if err := nargs(1); err != nil {
			return nil, err
		}
		if args[0] == nil {
			return nil, nil
		}
		return absValue(args[0])
	case "jsonb_typeof", "json_typeof":
		if err := nargs(1); err != nil {
			return nil, err
		}
		switch args[0].(type) {
		case nil:
			return nil, nil
		case map[string]any:
			return "object", nil
		case []any:
			return "array", nil
		case string:
			return "string", nil
		case bool:
			return "boolean", nil
		}
		return "number", nil
	case "count", "sum", "min", "max", "avg":
		return nil, errorf(CodeFeatureNotSupported, "aggregate %s() is only supported over a whole table (no GROUP BY) in the select list", name)
	}
	return nil, errorf(CodeUndefinedFunction, "function %s() does not exist", name)
}
