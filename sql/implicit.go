package sql

import (
	"context"
	"time"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/pgcode"
)

// Statements sent together run in one transaction, as PostgreSQL runs
// them: the statements of one simple query string (BeginImplicit,
// EndImplicit), and those of the extended protocol up to a Sync (a pgx or
// JDBC batch, a pipeline: Pipeline, EndPipeline). An error in one rolls
// back those before it; the block commits after the last. A BEGIN among
// them makes the block an explicit one, the statements before it in; a
// COMMIT or ROLLBACK ends it, with PostgreSQL's warning, and the next
// statement starts another.
//
// The two differ where PostgreSQL's do. A query string's block is a
// transaction block (DECLARE and LOCK TABLE run in it, SET LOCAL without
// a warning); a pipeline's is a transaction and no more (they are refused
// or warned of, as outside a block). It begins at the first statement
// that may do more than read (beginPipelined): queries before it read at
// the latest state. VACUUM and DISCARD ALL run on their own as the
// pipeline's first statement, and are refused after another ("cannot be
// executed within a pipeline").
//
// A statement on its own never fails with 40001: Autocommit runs it again
// on a conflict. So does a pipeline's block while its first statement is
// its only one: its write runs again, on a fresh snapshot, on a conflict
// as it runs and at the commit (rerun), as long as no other statement
// joined it and its reply was not sent (the caller holds the reply until
// EndPipeline, or calls KeepResult). Any other block fails with 40001 at
// its commit where another transaction changed a row it wrote.

// implicitBlock is the kind of implicit block a transaction is, if it is
// one.
type implicitBlock uint8

const (
	notImplicit   implicitBlock = iota
	queryBlock                  // the statements of one query string
	pipelineBlock               // the extended protocol's up to a Sync
)

// rerunFunc runs a statement's writes in tx, under ctx (the statement's,
// or its commit's when that runs it again): again and again, each run
// making its result anew.
type rerunFunc func(ctx context.Context, tx *engine.Txn) error

// BeginImplicit starts the implicit transaction block of the statements
// of one query string, if no block is open. SAVEPOINT is refused in it.
func (s *Session) BeginImplicit() error {
	if s.txn != nil {
		return nil
	}
	if err := s.begin(); err != nil {
		return err
	}
	s.implicit = queryBlock
	return nil
}

// EndImplicit ends the implicit block BeginImplicit started, if it is
// still open: it commits it when commit is set and no statement of it
// failed, else rolls it back. A block a BEGIN made explicit stays.
func (s *Session) EndImplicit(ctx context.Context, commit bool) error {
	return s.endImplicit(ctx, commit, nil)
}

// Pipeline marks the statements run from now until EndPipeline as the
// extended protocol's up to a Sync: one transaction, whose implicit block
// the first statement that may do more than read begins.
func (s *Session) Pipeline() { s.pipeline = true }

// InPipeline reports whether statements ran since Pipeline that
// EndPipeline has not ended.
func (s *Session) InPipeline() bool { return s.pipeline }

// EndPipeline ends the pipeline (at a Sync): its implicit block, if one
// is open, commits unless a statement of it failed, and is rolled back
// if one did. A block a BEGIN made explicit stays.
func (s *Session) EndPipeline(ctx context.Context) error {
	rerun := s.rerun
	s.pipeline, s.rerun, s.pipeTime = false, nil, time.Time{}
	if s.implicit != pipelineBlock {
		return nil
	}
	return s.endImplicit(ctx, true, rerun)
}

// PipelineWrites reports whether the pipeline's block is open and has
// written: its end has a commit to make durable (else it ends at once).
func (s *Session) PipelineWrites() bool {
	return s.implicit == pipelineBlock && s.txn.Writes() > 0
}

// Rerunnable reports whether the statement just run may run again at
// EndPipeline (it is the only one of the pipeline's block, and wrote):
// its result is then what the last run made, and the caller sends it
// after EndPipeline, or calls KeepResult.
func (s *Session) Rerunnable() bool { return s.rerun != nil }

// KeepResult says that the result of the statement just run was sent:
// it does not run again, and a conflict at the block's commit fails it
// with 40001.
func (s *Session) KeepResult() { s.rerun = nil }

// endImplicit ends an implicit block, if one is open; rerun, if not nil,
// is the write of its only statement, run again on a conflict at the
// commit.
func (s *Session) endImplicit(ctx context.Context, commit bool, rerun rerunFunc) error {
	if s.implicit == notImplicit {
		return nil
	}
	tx, failed := s.txn, s.txFailed
	s.txn, s.txFailed, s.implicit = nil, false, notImplicit
	if !commit || failed {
		tx.Rollback()
		s.endBlock(tx, false)
		return nil
	}
	return s.commitBlock(ctx, tx, rerun)
}

// commitBlock commits the transaction block of tx and ends it. With
// rerun, a conflict runs the block's only statement again as Autocommit
// would have.
func (s *Session) commitBlock(ctx context.Context, tx *engine.Txn, rerun rerunFunc) error {
	cm, err := tx.Submit(ctx)
	if err != nil && rerun != nil {
		var again bool
		if again, err = s.db.WaitToRetry(ctx, err); again {
			cm, err = s.db.Autocommit(ctx, func(tx *engine.Txn) error {
				s.notices = nil // those of the run it replaces
				return rerun(ctx, tx)
			})
		}
	}
	if err == nil {
		err = s.finish(cm)
	}
	s.endBlock(tx, err == nil)
	return err
}

// beginPipelined begins the pipeline's implicit block for st when a
// pipeline runs, no block is open and st may do more than read
// (readsOnly); st may also not run in a block (VACUUM), and runs on its
// own. A statement that joins the block ends its first's rerun.
func (s *Session) beginPipelined(st *Stmt) error {
	s.rerun = nil
	if !s.pipeline || s.txn != nil {
		return nil
	}
	if st.outsideBlock() {
		return nil // preventBlock refuses it after another statement
	}
	ran := !s.pipeTime.IsZero() // queries that read before the block
	if !ran {
		s.pipeTime = s.opts.Now()
	}
	if s.settings["default_transaction_isolation"] != "serializable" && st.readsOnly() {
		return nil
	}
	return s.beginPipelineBlock(ran)
}

// beginPipelineBlock begins the pipeline's implicit block, for its first
// statement: its now() is the pipeline's, and with ran the queries that
// read before it count as run (SET TRANSACTION is then too late).
func (s *Session) beginPipelineBlock(ran bool) error {
	if err := s.begin(); err != nil {
		return err
	}
	s.implicit, s.first = pipelineBlock, true
	s.txTime, s.txRan = s.pipeTime, ran
	return nil
}

// readsOnly reports whether the statement only reads: SHOW (and
// DriftQL's SHOW DRIFT), or a query at one snapshot, with no
// data-modifying WITH, no FOR UPDATE and no volatile function
// (set_config, an advisory lock, nextval, pg_notify). Until a pipeline
// has run another, such a statement reads outside its block, at a
// snapshot of its own, as a statement on its own does and as
// PostgreSQL's READ COMMITTED (its default) reads: the block begins at
// the first statement that may do more, and only one that wrote has a
// commit to wait for. Under SERIALIZABLE, whose commit checks what was
// read, the block begins at the first statement. A query's last binding
// says, if it has one (a change of the tables' columns binds it again as
// it runs, and changes none of these).
func (st *Stmt) readsOnly() bool {
	if d := st.p.DriftQL; d != nil {
		return d.ShowDrift != nil || d.Show != nil
	}
	if st.p.Stmt == nil || st.cur != nil {
		return false
	}
	if _, ok := st.p.Stmt.Node.(*pg.Node_VariableShowStmt); ok {
		return true // SHOW transaction_isolation: the session's, outside a block
	}
	if _, ok := st.p.Stmt.Node.(*pg.Node_SelectStmt); !ok || !st.isQuery() {
		return false
	}
	b := st.bound
	if b == nil {
		var err error
		if b, err = st.bind(); err != nil {
			return false
		}
	}
	return !b.q.Writes && !b.q.Volatile && !hasLock(b.q.Plan)
}

// writeInBlock runs write, a statement's writes, in the transaction
// block. The first statement of a pipeline's block runs as a statement on
// its own would (Autocommit): on a conflict it runs again, on a fresh
// snapshot, and is kept to run again at the commit (rerun).
func (s *Session) writeInBlock(ctx context.Context, write rerunFunc) error {
	if !s.first {
		return write(ctx, s.txn)
	}
	for {
		err := write(ctx, s.txn)
		if err == nil {
			s.rerun = write
			return nil
		}
		again, err := s.db.WaitToRetry(ctx, err)
		if !again {
			return err
		}
		// The block holds nothing but this statement's writes yet: it
		// begins again, as of the pipeline still.
		at, ran := s.pipeTime, s.txRan
		s.txn.Rollback()
		s.endBlock(s.txn, false)
		s.pipeTime = at
		if err := s.beginPipelineBlock(ran); err != nil {
			s.txn, s.implicit = nil, notImplicit
			return err
		}
	}
}

// inBlock reports whether a transaction block is open, as PostgreSQL
// counts them for the statements that need one (DECLARE, LOCK TABLE, SET
// LOCAL): a pipeline's implicit block is not one.
func (s *Session) inBlock() bool {
	return s.txn != nil && s.implicit != pipelineBlock
}

// preventBlock refuses what, a statement that cannot run in a
// transaction block (or a pipeline's, after its first statement).
func (s *Session) preventBlock(what string) error {
	switch {
	case s.txn == nil && s.pipeTime.IsZero():
		return nil
	case s.txn == nil || s.implicit == pipelineBlock: // a query of the pipeline ran
		return pgcode.Newf(pgcode.ActiveSQLTransaction, "%s cannot be executed within a pipeline", what)
	}
	return pgcode.Newf(pgcode.ActiveSQLTransaction, "%s cannot run inside a transaction block", what)
}

// outsideBlock reports whether the statement cannot run in a transaction
// block (preventBlock).
func (st *Stmt) outsideBlock() bool {
	if st.p.Stmt == nil {
		return false
	}
	switch n := st.p.Stmt.Node.(type) {
	case *pg.Node_VacuumStmt:
		return n.VacuumStmt.IsVacuumcmd
	case *pg.Node_DiscardStmt:
		return n.DiscardStmt.Target == pg.DiscardMode_DISCARD_ALL
	}
	return false
}

// Fail fails the transaction in progress, if any, after an error outside
// a statement (a message of the extended protocol that failed), as
// PostgreSQL's error aborts it.
func (s *Session) Fail() {
	if s.txn != nil {
		s.txFailed = true
	}
}
