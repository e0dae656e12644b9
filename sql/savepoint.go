package sql

import (
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/pgcode"
)

// Savepoints: SAVEPOINT, RELEASE [SAVEPOINT] and ROLLBACK TO [SAVEPOINT]
// inside a transaction block, as PostgreSQL's. A savepoint is a mark in
// the engine's transaction (engine.Txn.Savepoint) and in the session's
// cursors; ROLLBACK TO undoes the transaction's writes since the mark,
// closes the cursors declared since, and takes a failed transaction back
// to a working one. Changes of definition (DDL) take effect when they
// run and are not undone, as with ROLLBACK; sequences keep their
// advances, as in PostgreSQL.

// savepoint is one SAVEPOINT of the transaction in progress.
type savepoint struct {
	name string
	mark engine.Savepoint
	// cursors is the session's cursor count when it was taken: the
	// cursors declared since have a higher number.
	cursors uint64
	// settings are the session's settings when it was taken.
	settings txSettings
	// notes is where the block's notifications were when it was taken.
	notes noteMark
}

// savepointStmt runs SAVEPOINT, RELEASE and ROLLBACK TO.
func (s *Session) savepointStmt(t *pg.TransactionStmt) (*Result, error) {
	if s.txn == nil || s.implicit != notImplicit {
		return nil, pgcode.Newf(pgcode.NoActiveSQLTransaction, "%s can only be used in transaction blocks", savepointVerb(t.Kind))
	}
	if t.Kind == pg.TransactionStmtKind_TRANS_STMT_SAVEPOINT {
		s.savepoints = append(s.savepoints, savepoint{name: t.SavepointName, mark: s.txn.Savepoint(), cursors: s.cursorCount, settings: s.markSettings(), notes: s.markNotes()})
		return &Result{Tag: "SAVEPOINT"}, nil
	}
	i := s.findSavepoint(t.SavepointName)
	if i < 0 {
		return nil, pgcode.Newf(pgcode.InvalidSavepointSpecification, "savepoint %q does not exist", t.SavepointName)
	}
	if t.Kind == pg.TransactionStmtKind_TRANS_STMT_RELEASE {
		// The savepoint goes, with every one taken after it; its writes
		// stay, for the savepoints before it to undo.
		clear(s.savepoints[i:])
		s.savepoints = s.savepoints[:i]
		return &Result{Tag: "RELEASE"}, nil
	}
	sp := s.savepoints[i]
	clear(s.savepoints[i+1:])
	s.savepoints = s.savepoints[:i+1]
	s.txn.RollbackTo(sp.mark)
	s.closeCursors(func(c *cursor) bool { return c.number > sp.cursors })
	s.undoSettings(sp.settings)
	s.undoNotes(sp.notes)
	s.txFailed = false
	return &Result{Tag: "ROLLBACK"}, nil
}

// findSavepoint returns the index of the newest savepoint named name, or
// -1.
func (s *Session) findSavepoint(name string) int {
	for i := len(s.savepoints) - 1; i >= 0; i-- {
		if s.savepoints[i].name == name {
			return i
		}
	}
	return -1
}

// savepointVerb names a savepoint statement as PostgreSQL's messages do.
func savepointVerb(k pg.TransactionStmtKind) string {
	switch k {
	case pg.TransactionStmtKind_TRANS_STMT_RELEASE:
		return "RELEASE SAVEPOINT"
	case pg.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
		return "ROLLBACK TO SAVEPOINT"
	}
	return "SAVEPOINT"
}
