package engine

import (
	"errors"
	"io/fs"
	"math"
)

// A table made without a primary key (TableSpec.RowID) keys its rows by
// a hidden integer field, _rowid, which the engine fills in on every
// insert from the table's row-id counter. The counter is a sequence
// (sequence.go) that no name reaches: it is not among the database's
// sequences, and lives in the file sequences/.rowid.json of the table's
// directory, so that it goes with the table when the table is renamed or
// dropped. Like a sequence it logs ahead: a crash skips values but never
// gives one twice. Opening the database also moves it past the largest
// key the table holds, so a lost or stale file cannot make it give a key
// again.

// RowIDField is the field that holds the key of a table without a
// primary key.
const RowIDField = "_rowid"

// rowidName is the name of a table's row-id counter and of its file; it
// is no valid sequence name, so no sequence's file can take its place.
const rowidName = ".rowid"

// rowidLogVals is how many row ids a write of the counter's file covers:
// a bulk load writes the file once per that many rows.
const rowidLogVals = 1024

// CodeGeneratedAlways is the SQLSTATE of a value given for a column the
// database fills in itself.
const CodeGeneratedAlways = "428C9"

// newRowIDCounter returns a new row-id counter of table: 1, 2, 3 ...
func newRowIDCounter(table string) *sequence {
	def := seqDef{Type: "bigint", Start: 1, Increment: 1, Min: 1, Max: math.MaxInt64, Cache: 1,
		OwnedBy: SequenceOwner{Table: table}}
	return &sequence{name: rowidName, def: def, last: def.Start, logVals: rowidLogVals}
}

// createRowID makes and writes the row-id counter of a new table.
// Callers hold wmu.
func (db *DB) createRowID(table string) error {
	s := newRowIDCounter(table)
	if err := db.writeSequence(s, s.last, s.called); err != nil {
		return storageError(err)
	}
	db.seqs.mu.Lock()
	defer db.seqs.mu.Unlock()
	if db.seqs.rowids == nil {
		db.seqs.rowids = map[string]*sequence{}
	}
	db.seqs.rowids[table] = s
	return nil
}

// loadRowIDs reads the row-id counter of every table of state that has
// one, and moves each past the largest key its table holds. A missing
// file (a crash between CreateTable's schema and the counter) starts a
// new counter there.
func (db *DB) loadRowIDs(state *dbState) error {
	out := map[string]*sequence{}
	for name, ts := range state.tables {
		if !ts.spec.RowID {
			continue
		}
		s := newRowIDCounter(name)
		sf, err := readSequenceFile(db.st.FS(), db.seqDirOf(name), rowidName)
		switch {
		case err == nil:
			sf.Def.OwnedBy = SequenceOwner{Table: name}
			s.oid, s.def, s.last, s.called = sf.OID, sf.Def, sf.Last, sf.Called
		case !errors.Is(err, fs.ErrNotExist):
			return &Error{Code: CodeInternal, Msg: err.Error(), Err: err}
		}
		if r, ok := ts.rows.Max(); ok && r.key.IsInt {
			next := s.last
			if s.called {
				next, _ = s.def.after(s.last)
			}
			if r.key.Int >= next {
				s.last, s.called = r.key.Int, true
			}
		}
		out[name] = s
	}
	db.seqs.rowids = out
	return nil
}

// nextRowID takes the next row id of table.
func (db *DB) nextRowID(table string) (int64, error) {
	return db.nextOf(func() (*sequence, error) {
		db.seqs.mu.RLock()
		defer db.seqs.mu.RUnlock()
		if s, ok := db.seqs.rowids[table]; ok {
			return s, nil
		}
		return nil, noTable(table)
	})
}

// giveRowID fills in the key of a document inserted into a table without
// a primary key. A document that gives one itself fails: the key is the
// engine's to give.
func (tx *Txn) giveRowID(ts *tableState, doc map[string]any, order []string) (map[string]any, []string, error) {
	if _, given := doc[RowIDField]; given {
		return nil, nil, &Error{Code: CodeGeneratedAlways,
			Msg:    "cannot insert a non-DEFAULT value into column \"" + RowIDField + "\"",
			Detail: "Column \"" + RowIDField + "\" is the hidden key of table \"" + ts.spec.Name + "\", which has no primary key: DriftDB gives it.",
			Table:  ts.spec.Name}
	}
	id, err := tx.db.nextRowID(ts.spec.Name)
	if err != nil {
		return nil, nil, err
	}
	doc[RowIDField] = id
	return doc, append([]string{RowIDField}, order...), nil
}
