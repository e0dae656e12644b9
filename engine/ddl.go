package engine

import (
	"errors"
	"fmt"

	"github.com/driftdb/driftdb/store"
)

// DDL takes effect at once, also inside a transaction, and is not undone
// by a rollback (as the engine's CREATE TABLE). Each statement holds the
// snapshot mutex (no snapshot or compaction of the table meanwhile) and
// the writer mutex (no commit meanwhile), and writes its files before it
// changes what readers see.
//
// A transaction checks its writes against the table as it was when it
// made them. Every table state carries a generation, new whenever the
// table's definition changes in a way that matters to writes (a drop and
// a new table of the same name, a rename, a new column, a constraint): a
// transaction whose writes were checked against another generation fails
// with 40001 at commit, and a statement outside a transaction runs again
// on the new definition.

// newGen returns a table generation never given before by this DB.
func (db *DB) newGen() uint64 { return db.gens.Add(1) }

// schemaChanged is the error of a commit whose writes were checked against
// an older definition of their table.
func (db *DB) schemaChanged(table string) error {
	return &conflictError{seq: db.visible.Load(),
		msg: fmt.Sprintf("could not serialize access: the definition of table %q changed since the transaction wrote to it", table)}
}

// DropTable removes a table and its whole history, as PostgreSQL's DROP
// TABLE does: every query, AS OF a point before the drop included, then
// answers 42P01 for it, its files are removed, and its name is free for a
// new table, which starts empty. Seqs are never given again: the
// database's last seq survives the drop even when the table held it.
// With ifExists, a missing table is no error. A crash leaves the table
// whole or gone. A table a view reads fails with 2BP01 (see
// DropTableCascade); a view, a sequence or an index of that name fails
// with 42809, with ifExists too.
func (db *DB) DropTable(name string, ifExists bool) error {
	return db.dropTable(name, ifExists, false)
}

// DropTableCascade drops a table as DropTable does, and first every view
// that reads it, directly or through other views (DROP TABLE ...
// CASCADE). Each view is dropped before the views it reads, and the
// table last: a crash may leave some of them gone and the table whole,
// but never a view whose table or view is gone.
func (db *DB) DropTableCascade(name string, ifExists bool) error {
	return db.dropTable(name, ifExists, true)
}

func (db *DB) dropTable(name string, ifExists, cascade bool) error {
	db.snapMu.Lock()
	defer db.snapMu.Unlock()
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if err := db.writable(); err != nil {
		return err
	}
	if _, ok := db.work[name]; !ok {
		if _, isSeq := db.seqs.get(name); isSeq {
			return errorf(CodeWrongObjectType, "%q is not a table", name)
		}
		if _, isView := db.views.get(name); isView {
			return wrongType(name, "table", "view")
		}
		if ifExists {
			return nil
		}
		return wrapf(CodeUndefinedTable, ErrNoTable, "table %q does not exist", name)
	}
	if err := db.tableDependents(name, cascade); err != nil {
		return err
	}
	// The sequences the table's columns own are in its directory and go
	// with it; they are held meanwhile, so that no Nextval writes there.
	owned, release := db.holdOwned(name)
	defer release()
	// The store writes the commits accepted so far, this table's among
	// them, before it removes anything.
	if err := db.st.DropStream(name); err != nil {
		return db.ddlStoreError(err)
	}
	for _, s := range owned {
		s.dropped = true
		if s.name != rowidName {
			delete(db.seqs.m, s.name)
		}
	}
	delete(db.seqs.rowids, name)
	if w := db.work[name]; w != nil {
		db.unindexTable(w.spec.OID)
		if set := w.log.extents.Swap(nil); set != nil {
			db.ext.drop(set)
		}
	}
	delete(db.work, name)
	db.unpublish(name)
	return nil
}

// holdOwned locks the set of sequences and each sequence the table owns,
// until release is called. Callers hold wmu.
func (db *DB) holdOwned(table string) (owned []*sequence, release func()) {
	db.seqs.mu.Lock()
	owned = db.seqs.owned(table)
	if s, ok := db.seqs.rowids[table]; ok {
		owned = append(owned, s)
	}
	for _, s := range owned {
		s.mu.Lock()
	}
	return owned, func() {
		for _, s := range owned {
			s.mu.Unlock()
		}
		db.seqs.mu.Unlock()
	}
}

// RenameTable gives a table a new name. Its rows, history, indexes,
// snapshots and compaction horizon go with it; every query by the old
// name, AS OF too, answers 42P01, and the old name is free. A crash
// leaves the table under one name or the other.
func (db *DB) RenameTable(old, new string) error {
	if !ValidName(new) {
		return errorf(CodeInvalidName, "invalid table name %q", new)
	}
	db.snapMu.Lock()
	defer db.snapMu.Unlock()
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if err := db.writable(); err != nil {
		return err
	}
	ts, ok := db.work[old]
	if !ok {
		return noTable(old)
	}
	if db.relationExists(new) {
		return wrapf(CodeDuplicateTable, ErrTableExists, "relation %q already exists", new)
	}
	if deps, _ := db.views.dependencies("table", old); len(deps) > 0 {
		return renameRefused(old, deps)
	}
	// The sequences the table owns are in its directory and go with it.
	owned, release := db.holdOwned(old)
	defer release()
	if err := db.st.RenameStream(old, new); err != nil {
		return db.ddlStoreError(err)
	}
	for _, s := range owned {
		s.def.OwnedBy.Table = new
	}
	if s, ok := db.seqs.rowids[old]; ok {
		delete(db.seqs.rowids, old)
		db.seqs.rowids[new] = s
	}
	spec := *ts.spec
	spec.Name = new
	// The directory's name is the table's: schema.yaml's name only says
	// it again, and is corrected at the next open if this fails.
	if err := writeSchema(db.st.FS(), db.st.StreamDir(new), &spec); err != nil {
		db.log.Warn("cannot write schema.yaml of a renamed table", "table", new, "err", err)
	}
	nts := ts.clone()
	nts.spec = &spec
	nts.gen = db.newGen()
	nts.log.name.Store(&new)
	delete(db.work, old)
	db.work[new] = nts
	db.unpublish(old)
	db.publish(map[string]*tableState{new: nts})
	return nil
}

// ddlStoreError is the error of a store operation a DDL statement made: a
// failure that stopped the store stops the database too.
func (db *DB) ddlStoreError(err error) error {
	if errors.Is(err, store.ErrFailed) && db.failed == nil {
		db.failed = err
	}
	return storageError(err)
}

// unpublish removes a table from what new readers see. Callers hold wmu.
func (db *DB) unpublish(name string) {
	old := db.pub.Load()
	ns := &dbState{tables: make(map[string]*tableState, len(old.tables)), times: old.times}
	for k, v := range old.tables {
		if k != name {
			ns.tables[k] = v
		}
	}
	db.pub.Store(ns)
}
