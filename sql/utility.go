package sql

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Utility statements: transactions, settings, DDL. They run directly,
// without a plan.

// endsTxn reports whether the statement may run in a failed transaction
// (COMMIT and ROLLBACK end it, ROLLBACK TO takes it back to a savepoint).
func (st *Stmt) endsTxn() bool {
	if t := st.p.Stmt.GetTransactionStmt(); t != nil {
		switch t.Kind {
		case pg.TransactionStmtKind_TRANS_STMT_COMMIT, pg.TransactionStmtKind_TRANS_STMT_ROLLBACK,
			pg.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
			return true
		}
	}
	return false
}

// countsAsQuery reports whether the statement makes the transaction's
// isolation level final (anything but BEGIN, SET and SHOW).
func (st *Stmt) countsAsQuery() bool {
	if st.p.Stmt == nil {
		return true
	}
	switch st.p.Stmt.Node.(type) {
	case *pg.Node_TransactionStmt, *pg.Node_VariableSetStmt, *pg.Node_VariableShowStmt:
		return false
	}
	return true
}

// utilityColumns are the result columns of a statement that is not a
// query (SHOW's; DriftQL's SHOW DRIFT), for Describe.
func (st *Stmt) utilityColumns() ([]Column, error) {
	if st.p.DriftQL != nil {
		return st.driftQLColumns()
	}
	if st.p.Stmt.GetExplainStmt() != nil {
		return []Column{{Name: "QUERY PLAN", Type: types.Text}}, nil
	}
	if f := st.p.Stmt.GetFetchStmt(); f != nil {
		return st.s.cursorColumns(f), nil
	}
	if e := st.p.Stmt.GetExecuteStmt(); e != nil {
		inner, err := st.s.preparedNamed(e.Name)
		if err != nil {
			return nil, err
		}
		_, cols, err := inner.Describe(inner.given)
		return cols, err
	}
	if sh := st.p.Stmt.GetVariableShowStmt(); sh != nil {
		name := strings.ToLower(sh.Name)
		if name == "all" {
			return []Column{{Name: "name", Type: types.Text}, {Name: "setting", Type: types.Text}, {Name: "description", Type: types.Text}}, nil
		}
		return []Column{{Name: showColumn(name), Type: types.Text}}, nil
	}
	return nil, nil
}

// showColumn is the column name SHOW gives a setting.
func showColumn(name string) string {
	if rn, ok := reported[name]; ok {
		return rn
	}
	return name
}

// runUtility runs a statement that has no plan.
func (st *Stmt) runUtility(ctx context.Context, params []types.Datum) (*Result, error) {
	s := st.s
	if cursorStmt(st.p.Stmt) {
		return st.runCursorStmt(ctx, params)
	}
	switch x := st.p.Stmt.Node.(type) {
	case *pg.Node_TransactionStmt:
		return s.transaction(ctx, x.TransactionStmt)
	case *pg.Node_VariableSetStmt:
		return s.setStmt(x.VariableSetStmt)
	case *pg.Node_VariableShowStmt:
		return s.show(strings.ToLower(x.VariableShowStmt.Name))
	case *pg.Node_CreateStmt:
		return s.createTable(ctx, x.CreateStmt)
	case *pg.Node_CreateTableAsStmt:
		c := x.CreateTableAsStmt
		if c.Objtype != pg.ObjectType_OBJECT_TABLE {
			return nil, pgcode.New(pgcode.FeatureNotSupported, "CREATE MATERIALIZED VIEW is not supported")
		}
		return st.createTableAs(ctx, c.Into, c.Query, c.IfNotExists, params)
	case *pg.Node_SelectStmt: // SELECT ... INTO (isQuery leaves it here)
		return st.selectInto(ctx, x.SelectStmt, params)
	case *pg.Node_DropStmt:
		return s.dropStmt(x.DropStmt)
	case *pg.Node_ListenStmt, *pg.Node_UnlistenStmt, *pg.Node_NotifyStmt:
		return s.notifyStmt(st.p.Stmt)
	case *pg.Node_LockStmt:
		return s.lockStmt(x.LockStmt)
	case *pg.Node_VacuumStmt:
		return s.vacuumStmt(x.VacuumStmt)
	case *pg.Node_CreateSchemaStmt:
		return s.createSchema(x.CreateSchemaStmt)
	case *pg.Node_CreateExtensionStmt:
		return s.createExtension(x.CreateExtensionStmt)
	case *pg.Node_AlterSeqStmt:
		return s.alterSequence(x.AlterSeqStmt)
	case *pg.Node_CreateSeqStmt:
		return s.createSequence(x.CreateSeqStmt)
	case *pg.Node_ViewStmt:
		return s.createView(ctx, x.ViewStmt)
	case *pg.Node_TruncateStmt:
		return s.truncate(ctx, x.TruncateStmt)
	case *pg.Node_AlterTableStmt:
		return s.alterTable(ctx, x.AlterTableStmt)
	case *pg.Node_RenameStmt:
		return s.renameStmt(x.RenameStmt)
	case *pg.Node_CommentStmt:
		return s.commentStmt(x.CommentStmt)
	case *pg.Node_IndexStmt:
		return s.createIndex(x.IndexStmt)
	case *pg.Node_CopyStmt:
		return st.copyStmt(ctx, x.CopyStmt, params)
	case *pg.Node_ExplainStmt:
		return st.explain(ctx, x.ExplainStmt, params)
	case *pg.Node_PrepareStmt:
		return st.prepareStmt(x.PrepareStmt)
	case *pg.Node_ExecuteStmt:
		return st.executeStmt(ctx, x.ExecuteStmt, params)
	case *pg.Node_DeallocateStmt:
		return s.deallocateStmt(x.DeallocateStmt)
	case *pg.Node_DiscardStmt:
		return s.discard(x.DiscardStmt.Target)
	}
	return nil, pgcode.Newf(pgcode.FeatureNotSupported, "%s is not supported", statementName(st.p.Stmt))
}

// discard runs DISCARD. ALL is what PostgreSQL does: CLOSE ALL, RESET
// ALL, DEALLOCATE ALL, UNLISTEN *, pg_advisory_unlock_all() and the
// three others; SEQUENCES forgets currval and lastval; PLANS and TEMP
// have nothing to drop (a statement binds again when its tables change;
// there are no temporary tables).
func (s *Session) discard(target pg.DiscardMode) (*Result, error) {
	switch target {
	case pg.DiscardMode_DISCARD_ALL:
		if err := s.preventBlock("DISCARD ALL"); err != nil {
			return nil, err
		}
		s.resetAll()
		s.prepared = nil
		s.closeCursors(func(*cursor) bool { return true })
		s.unlisten("")
		s.releaseAdvisory(true)
		s.forgetSequences()
		return &Result{Tag: "DISCARD ALL"}, nil
	case pg.DiscardMode_DISCARD_SEQUENCES:
		s.forgetSequences()
		return &Result{Tag: "DISCARD SEQUENCES"}, nil
	case pg.DiscardMode_DISCARD_PLANS:
		return &Result{Tag: "DISCARD PLANS"}, nil
	}
	return &Result{Tag: "DISCARD TEMP"}, nil
}

// forgetSequences forgets the values nextval gave in the session.
func (s *Session) forgetSequences() {
	s.currval, s.lastval, s.hasLastval = nil, 0, false
}

// statementName names a statement kind for messages: CreateSeqStmt ->
// CREATE SEQ.
func statementName(n *pg.Node) string {
	name := nodeKind(n)
	name = strings.TrimSuffix(name, "Stmt")
	var b strings.Builder
	for i, r := range name {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}

// transaction runs BEGIN, COMMIT and ROLLBACK, and the savepoint
// statements.
func (s *Session) transaction(ctx context.Context, t *pg.TransactionStmt) (*Result, error) {
	switch t.Kind {
	case pg.TransactionStmtKind_TRANS_STMT_SAVEPOINT, pg.TransactionStmtKind_TRANS_STMT_RELEASE,
		pg.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
		return s.savepointStmt(t)
	case pg.TransactionStmtKind_TRANS_STMT_BEGIN, pg.TransactionStmtKind_TRANS_STMT_START:
		switch {
		case s.txn != nil && s.implicit == notImplicit:
			s.warn(pgcode.ActiveSQLTransaction, "there is already a transaction in progress")
			return &Result{Tag: "BEGIN"}, nil
		case s.txn == nil:
			if err := s.begin(); err != nil {
				return nil, err
			}
		}
		modes, err := txnModes(t.Options)
		if err == nil {
			err = s.setTxnModes(modes, false)
		}
		if err != nil {
			if s.implicit == notImplicit {
				s.txn.Rollback()
				s.txn = nil
				s.endSettings(false)
			} // else the implicit block fails with it, and rolls back
			return nil, err
		}
		// An implicit block becomes the block BEGIN
		// starts, with the statements before it.
		s.implicit = notImplicit
		return &Result{Tag: "BEGIN"}, nil
	case pg.TransactionStmtKind_TRANS_STMT_COMMIT:
		if s.txn == nil {
			return s.noTransaction("COMMIT"), nil
		}
		res := &Result{Tag: "COMMIT"}
		if s.implicit != notImplicit {
			// It commits the implicit block, as PostgreSQL's does, with
			// its warning.
			s.implicit, res = notImplicit, s.noTransaction("COMMIT")
		}
		tx, failed := s.txn, s.txFailed
		s.txn, s.txFailed = nil, false
		if failed {
			tx.Rollback()
			s.endBlock(tx, false)
			return &Result{Tag: "ROLLBACK"}, nil
		}
		if err := s.commitBlock(ctx, tx, nil); err != nil {
			return nil, err
		}
		return res, nil
	case pg.TransactionStmtKind_TRANS_STMT_ROLLBACK:
		if s.txn == nil {
			return s.noTransaction("ROLLBACK"), nil
		}
		res := &Result{Tag: "ROLLBACK"}
		if s.implicit != notImplicit {
			s.implicit, res = notImplicit, s.noTransaction("ROLLBACK")
		}
		s.txn.Rollback()
		s.endBlock(s.txn, false)
		s.txn, s.txFailed = nil, false
		return res, nil
	}
	return nil, pgcode.Newf(pgcode.FeatureNotSupported, "%s is not supported", strings.TrimPrefix(t.Kind.String(), "TRANS_STMT_"))
}

// noTransaction is the reply of COMMIT or ROLLBACK (tag) outside a
// transaction block, or ending an implicit one: PostgreSQL's warning.
func (s *Session) noTransaction(tag string) *Result {
	s.warn(pgcode.NoActiveSQLTransaction, "there is no transaction in progress")
	return &Result{Tag: tag}
}

// endBlock ends the transaction block of tx, committed or not: the
// cursors and settings it scoped end with it, and its savepoints go.
func (s *Session) endBlock(tx *engine.Txn, committed bool) {
	s.pipeTime = time.Time{} // a pipeline's next block is a transaction of its own
	s.endNotifyBlock(committed)
	s.endCursors(tx, committed)
	s.endSettings(committed)
	clear(s.savepoints)
	s.savepoints = s.savepoints[:0]
}

// txnModes reads the modes of BEGIN or SET TRANSACTION.
func txnModes(opts []*pg.Node) ([]txnMode, error) {
	var out []txnMode
	for _, o := range opts {
		d := o.GetDefElem()
		if d == nil {
			continue
		}
		switch d.Defname {
		case "transaction_isolation":
			out = append(out, txnMode{isolation: constText(d.Arg)})
		case "transaction_read_only":
			v := constText(d.Arg)
			out = append(out, txnMode{readOnly: v == "true" || v == "1" || v == "on"})
		case "transaction_deferrable":
			// DEFERRABLE matters only to SERIALIZABLE READ ONLY in
			// PostgreSQL, which never fails there; neither does DriftDB's.
		}
	}
	return out, nil
}

// constText is a constant's text (A_Const or a TypeCast of one).
func constText(n *pg.Node) string {
	if n == nil {
		return ""
	}
	if tc := n.GetTypeCast(); tc != nil {
		return constText(tc.Arg)
	}
	c := n.GetAConst()
	if c == nil {
		if cr := n.GetColumnRef(); cr != nil && len(cr.Fields) == 1 {
			return cr.Fields[0].GetString_().GetSval()
		}
		return ""
	}
	switch v := c.Val.(type) {
	case *pg.A_Const_Sval:
		return v.Sval.Sval
	case *pg.A_Const_Ival:
		return strconv.Itoa(int(v.Ival.Ival))
	case *pg.A_Const_Fval:
		return v.Fval.Fval
	case *pg.A_Const_Boolval:
		if v.Boolval.Boolval {
			return "true"
		}
		return "false"
	}
	return ""
}

// setStmt runs SET, SET TRANSACTION and RESET.
func (s *Session) setStmt(v *pg.VariableSetStmt) (*Result, error) {
	name := strings.ToLower(v.Name)
	switch v.Kind {
	case pg.VariableSetKind_VAR_SET_MULTI:
		modes, err := txnModes(v.Args)
		if err != nil {
			return nil, err
		}
		session := name == "session characteristics"
		res := &Result{Tag: "SET"}
		if !session && !s.inBlock() {
			res = s.blockWarning("SET TRANSACTION")
			if s.txn == nil {
				return res, nil
			}
		}
		if err := s.setTxnModes(modes, session); err != nil {
			return nil, err
		}
		return res, nil
	case pg.VariableSetKind_VAR_RESET_ALL:
		s.resetAll()
		for k := range defaultSettings {
			s.noteSet(k)
		}
		return &Result{Tag: "RESET"}, nil
	case pg.VariableSetKind_VAR_RESET, pg.VariableSetKind_VAR_SET_DEFAULT:
		res := &Result{Tag: "RESET"}
		if v.Kind == pg.VariableSetKind_VAR_SET_DEFAULT {
			res.Tag = "SET"
		}
		if v.IsLocal && !s.inBlock() {
			res = s.blockWarning("SET LOCAL") // SET LOCAL ... TO DEFAULT
			if s.txn == nil {
				return res, nil
			}
		}
		m := s.changeSettings()
		if d, ok := defaultSettings[name]; ok {
			m[name] = d
		} else if isCustomSetting(name) {
			m[name] = "" // its placeholder stays, as PostgreSQL's
		} else {
			delete(m, name)
		}
		if !v.IsLocal {
			s.noteSet(name)
		}
		return res, nil
	}
	var vals []string
	for _, a := range v.Args {
		vals = append(vals, constText(a))
	}
	value := strings.Join(vals, ", ")
	if name == "timezone" && len(v.Args) == 1 && v.Args[0].GetTypeCast() != nil {
		// SET TIME ZONE INTERVAL '+02:00' HOUR TO MINUTE.
		value = constText(v.Args[0])
	}
	res := &Result{Tag: "SET"}
	if v.IsLocal && !s.inBlock() {
		res = s.blockWarning("SET LOCAL")
		if s.txn == nil {
			return res, nil
		}
	}
	if err := s.setScoped(name, value, v.IsLocal); err != nil {
		return nil, err
	}
	return res, nil
}

// blockWarning is the reply of SET LOCAL or SET TRANSACTION (what)
// outside a transaction block: PostgreSQL's warning. In a pipeline's
// implicit block the setting is made nonetheless, until its end.
func (s *Session) blockWarning(what string) *Result {
	s.warn(pgcode.NoActiveSQLTransaction, what+" can only be used in transaction blocks")
	return &Result{Tag: "SET"}
}

func (s *Session) resetAll() {
	m := s.changeSettings()
	for k, v := range defaultSettings {
		m[k] = v
	}
}

// show runs SHOW.
func (s *Session) show(name string) (*Result, error) {
	if name == "all" {
		r := &Result{Columns: []Column{{Name: "name", Type: types.Text}, {Name: "setting", Type: types.Text}, {Name: "description", Type: types.Text}}, Tag: "SHOW"}
		for _, n := range s.settingNames() {
			v, _ := s.Setting(n)
			r.Rows = append(r.Rows, []types.Datum{n, v, ""})
		}
		return r, nil
	}
	v, ok := s.Setting(name)
	if !ok {
		return nil, pgcode.Newf(pgcode.UndefinedObject, "unrecognized configuration parameter %q", name)
	}
	return &Result{Columns: []Column{{Name: showColumn(name), Type: types.Text}}, Rows: [][]types.Datum{{v}}, Tag: "SHOW"}, nil
}

// createTable runs CREATE TABLE: a primary key (one column of an integer
// or text type) or none (the rows are keyed by the hidden _rowid),
// declared columns with NOT NULL and DEFAULT, UNIQUE and CHECK
// constraints.
func (s *Session) createTable(ctx context.Context, c *pg.CreateStmt) (*Result, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	rv := c.Relation
	if rv.Schemaname != "" && rv.Schemaname != "public" {
		return nil, pgcode.Newf(pgcode.InvalidSchemaName, "schema %q does not exist", rv.Schemaname)
	}
	if rv.Relpersistence == "t" {
		return nil, pgcode.New(pgcode.FeatureNotSupported, "temporary tables are not supported")
	}
	spec := engine.TableSpec{Name: rv.Relname}
	setPK := func(name string) error {
		if spec.PK != "" && spec.PK != name || len(spec.PKColumns) > 0 {
			return pgcode.Newf(pgcode.InvalidTableDefinition, "multiple primary keys for table %q are not allowed", spec.Name)
		}
		spec.PK = name
		return nil
	}
	// Constraints other than the key are added once the table is there;
	// a column's own apply to it.
	var later []*pg.Constraint
	type ownedSeq struct {
		col  string
		opts engine.SequenceOptions
	}
	var seqs []ownedSeq
	for _, el := range c.TableElts {
		switch x := el.Node.(type) {
		case *pg.Node_ColumnDef:
			cs, cons, seq, err := columnSpec(spec.Name, x.ColumnDef)
			if err != nil {
				return nil, err
			}
			if seq != nil {
				seqs = append(seqs, ownedSeq{col: cs.Name, opts: *seq})
			}
			for _, con := range cons {
				switch con.Contype {
				case pg.ConstrType_CONSTR_PRIMARY:
					if err := setPK(cs.Name); err != nil {
						return nil, err
					}
				case pg.ConstrType_CONSTR_UNIQUE:
					if len(con.Keys) == 0 {
						con.Keys = []*pg.Node{pg.MakeStrNode(cs.Name)}
					}
					later = append(later, con)
				default:
					later = append(later, con)
				}
			}
			spec.Columns = append(spec.Columns, cs)
		case *pg.Node_Constraint:
			con := x.Constraint
			switch con.Contype {
			case pg.ConstrType_CONSTR_PRIMARY:
				if len(con.Keys) == 1 {
					if err := setPK(con.Keys[0].GetString_().GetSval()); err != nil {
						return nil, err
					}
					break
				}
				// A key of several columns: the rows are keyed by the
				// engine's encoding of their values (engine.KeyField).
				if spec.PK != "" || len(spec.PKColumns) > 0 {
					return nil, pgcode.Newf(pgcode.InvalidTableDefinition, "multiple primary keys for table %q are not allowed", spec.Name)
				}
				for _, k := range con.Keys {
					spec.PKColumns = append(spec.PKColumns, k.GetString_().GetSval())
				}
			case pg.ConstrType_CONSTR_UNIQUE, pg.ConstrType_CONSTR_CHECK:
				later = append(later, con)
			default:
				return nil, pgcode.Newf(pgcode.FeatureNotSupported, "table constraint %s is not supported yet", strings.TrimPrefix(con.Contype.String(), "CONSTR_"))
			}
		}
	}
	// A table without a primary key is keyed by the hidden _rowid.
	spec.RowID = spec.PK == "" && len(spec.PKColumns) == 0
	for _, f := range spec.PKColumns {
		if !slices.ContainsFunc(spec.Columns, func(c engine.ColumnSpec) bool { return c.Name == f }) {
			return nil, pgcode.Newf(pgcode.UndefinedColumn, "column %q named in key does not exist", f)
		}
	}
	if err := s.db.CreateTable(spec); err != nil {
		if c.IfNotExists && engine.Code(err) == engine.CodeDuplicateTable {
			s.notice("relation \"" + spec.Name + "\" already exists, skipping")
			return &Result{Tag: "CREATE TABLE"}, nil
		}
		return nil, err
	}
	for _, q := range seqs {
		q.opts.OwnedBy = engine.SequenceOwner{Table: spec.Name, Column: q.col}
		if err := s.db.CreateSequence(spec.Name+"_"+q.col+"_seq", q.opts); err != nil {
			s.db.DropTable(spec.Name, true)
			return nil, err
		}
	}
	for _, con := range later {
		if err := s.addConstraint(ctx, spec.Name, con); err != nil {
			// The table was made for this statement: it goes with it.
			s.db.DropTable(spec.Name, true)
			return nil, err
		}
	}
	return &Result{Tag: "CREATE TABLE"}, nil
}

// createIndex runs CREATE [UNIQUE] INDEX [name] ON t (col, ...): a plain
// index on one column (or a dotted path into a document), or a named or
// unique one on columns.
func (s *Session) createIndex(ix *pg.IndexStmt) (*Result, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	table, err := relName(ix.Relation)
	if err != nil {
		return nil, err
	}
	var fields []string
	for _, p := range ix.IndexParams {
		el := p.GetIndexElem()
		if el == nil || el.Name == "" {
			return nil, pgcode.New(pgcode.FeatureNotSupported, "indexes on expressions are not supported")
		}
		if s.hiddenKey(table, el.Name) {
			return nil, pgcode.New(pgcode.FeatureNotSupported, "index creation on system columns is not supported")
		}
		fields = append(fields, el.Name)
	}
	if ix.WhereClause != nil {
		return nil, pgcode.New(pgcode.FeatureNotSupported, "partial indexes are not supported")
	}
	if ix.Idxname == "" && !ix.Unique {
		for _, f := range fields {
			if err := s.db.CreateIndex(table, f); err != nil {
				return nil, err
			}
		}
		return &Result{Tag: "CREATE INDEX"}, nil
	}
	name := ix.Idxname
	if name == "" {
		name = table + "_" + strings.Join(fields, "_") + "_idx"
		if ix.Unique {
			name = table + "_" + strings.Join(fields, "_") + "_key"
		}
	}
	if _, _, ok := s.db.View().IndexNamed(name); ok && ix.IfNotExists {
		s.notice(fmt.Sprintf("relation %q already exists, skipping", name))
		return &Result{Tag: "CREATE INDEX"}, nil
	}
	if err := s.db.AddIndex(table, engine.IndexSpec{Name: name, Fields: fields, Unique: ix.Unique}); err != nil {
		return nil, err
	}
	return &Result{Tag: "CREATE INDEX"}, nil
}

// nodeKind names a node's type: "SelectStmt".
func nodeKind(n *pg.Node) string {
	if n == nil {
		return ""
	}
	full := strings.TrimPrefix(strings.TrimPrefix(typeName(n.Node), "*pg_query.Node_"), "*pg_query.")
	return full
}
