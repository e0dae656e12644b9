package engine

import (
	"runtime/debug"

	"github.com/driftdb/driftdb/vindex"
)

// Building an index reads every version of the table. It runs beside the
// writer: the statement takes snapMu (no other DDL statement, snapshot or
// compaction meanwhile), copies the table's row tree under the writer
// mutex (a copy-on-write clone, no row is copied), releases the mutex and
// builds the index from the copy while commits go on. It then takes the
// mutex again and adds the entries of the versions committed since the
// copy, found by one walk of the rows that decodes only rows written since,
// before the new definition is installed as before. Writers wait only for
// that walk and the install.

// backfill is an index tree built beside the writer from a table's rows
// as they were at seq upTo.
type backfill struct {
	from  *tableState // the working state the rows were copied from
	rows  *rowTree    // the copy
	field string
	tree  *indexTree
	upTo  uint64
	// existing: the field was indexed already; tree is a copy of its
	// index, never installed.
	existing bool
	// indexed: the entries up to upTo went into the version index, with
	// the current entries at upTo (buildIndexed); tree is lean.
	indexed bool
}

// fits reports whether b can serve as the index of field of cur, the
// table's working state.
func (b *backfill) fits(cur *tableState, field string) bool {
	return b != nil && b.field == field && cur == b.from
}

// backfillIndex builds the index of field of table beside the writer (a
// copy of the index, when the field is indexed already), or returns nil
// for no such table: the statement then reports it. Callers hold snapMu,
// not wmu.
func (db *DB) backfillIndex(table, field string) (*backfill, error) {
	if field == "" {
		return nil, nil
	}
	db.wmu.Lock()
	ts, ok := db.work[table]
	if !ok || db.writable() != nil {
		db.wmu.Unlock()
		return nil, nil
	}
	base := &tableState{rows: ts.rows.Clone(), indexes: map[string]*indexTree{}, log: ts.log}
	upTo := db.nextSeq - 1
	b := &backfill{from: ts, rows: base.rows, field: field, upTo: upTo}
	if idx, indexed := ts.indexes[field]; indexed {
		// Nothing to build: a copy of the index there serves a unique
		// index's check for duplicates.
		b.tree, b.existing = idx.Clone(), true
	}
	oid, horizon, durable := ts.spec.OID, ts.horizon, db.visible.Load()
	db.wmu.Unlock()
	if !b.existing {
		if err := db.build(b, base, oid, horizon, durable); err != nil {
			return nil, &Error{Code: CodeInternal, Msg: err.Error(), Err: err}
		}
	}
	if db.testBackfilled != nil {
		db.testBackfilled(b)
	}
	return b, nil
}

// install catches b up with the versions written since its copy, found in
// nts (the new working state of the table, cloned from cur), and makes it
// nts's index of b.field. It reports false, changing nothing, when b does
// not fit: another field, or a table state that is no longer the one the
// copy was taken from (the table was loaded again after a failed write).
// Callers hold wmu.
func (b *backfill) install(cur, nts *tableState, field string) (bool, error) {
	if !b.fits(cur, field) || b.existing {
		return false, nil
	}
	err := writtenSince(nts.rows, b.upTo, func(r row) error {
		return rowEntries(nts.log, nil, r, b.upTo, []string{field}, func(_ int, e indexEntry) { b.tree.ReplaceOrInsert(e) })
	})
	if err != nil {
		return false, &Error{Code: CodeInternal, Msg: err.Error(), Err: err}
	}
	nts.indexes[field] = b.tree
	return true, nil
}

// writtenSince calls fn, in key order, with each row of rows whose newest
// version is after seq upTo: the rows a copy taken at upTo must catch up
// with. It stops at fn's first error. The walk reads no document, and
// passes by the parts of the tree with nothing written since
// (AscendSince).
func writtenSince(rows *rowTree, upTo uint64, fn func(r row) error) error {
	var err error
	rows.AscendSince(upTo, func(r row) bool {
		err = fn(r)
		return err == nil
	})
	return err
}

// indexMade keeps an index just made on field of table for the next
// open, which would otherwise build it from the rows again until a whole
// snapshot of the table writes its file (4 s for 9 million rows), in the
// background once the statement has returned, unless a whole snapshot
// has been written meanwhile, when automatic snapshots are on (off, the
// snapshots taken by hand write it, and nothing is written behind a
// statement): the index's file for the table's last whole snapshot, the
// entries of the versions up to it, which an open loads the snapshot's
// rows beside (the deltas on it and the log bring it up to date, as they
// do the other indexes), unless a compaction has moved the table's
// horizon since (9 million rows: a file of 314 MB, 1.3 s to write).
// Failing to write it costs the build at the next open, nothing more. An
// index built into the version index (its tree lean: buildIndexed) needs
// nothing: an open takes it from there (useIndexes). Callers hold snapMu,
// not wmu.
func (db *DB) indexMade(table, field string) {
	if !db.snapshotsBehind() {
		return // snapshots are taken by hand: nothing is written behind a statement
	}
	var full uint64
	indexed := false
	db.locked(func() {
		if w, ok := db.work[table]; ok {
			full = w.snaps.full
			indexed = w.indexes[field] != nil && w.indexes[field].lean
		}
	})
	if indexed {
		return
	}
	db.goBehind(func() {
		db.snapMu.Lock()
		defer db.snapMu.Unlock()
		var tree *indexTree
		var chain snapChain
		var horizon uint64
		db.locked(func() {
			if w, ok := db.work[table]; ok && w.indexes[field] != nil && w.snaps.full == full {
				tree, chain, horizon = w.indexes[field].Clone(), w.snaps, w.horizon
			}
		})
		if tree == nil {
			return // the table or the index went, or a whole snapshot was written
		}
		if chain.full == 0 || chain.horizon != horizon {
			return
		}
		if err := encodeIndexFiles(map[string]*indexTree{field: tree}, chain.full).write(db.st.FS(), db.st.StreamDir(table)); err != nil {
			db.log.Warn("cannot write the file of a new index", "table", table, "field", field, "err", err)
		}
	})
}

// build builds b's tree from base, the copy of the table (its oid, at
// horizon): into the version index when it holds the table, from the
// versions up to durable, which are on disk for good (those after it,
// which a failed write could still take back, are caught up with under
// the writer mutex, as the writes since the copy are: install); into a
// tree otherwise.
func (db *DB) build(b *backfill, base *tableState, oid uint32, horizon, durable uint64) error {
	spilled, err := db.spilled(oid)
	if err != nil || !spilled {
		if err == nil {
			err = base.buildIndexes([]string{b.field})
			b.tree = base.indexes[b.field]
		}
		return err
	}
	b.upTo, b.indexed = durable, true
	var put int
	if b.tree, put, err = buildIndexed(db.vx, base, oid, horizon, b.field, durable); put >= freeAfterEntries {
		go debug.FreeOSMemory() // the runs' memory goes back now, not when the heap grows that far again
	}
	return err
}

// spilled reports whether the table of oid has spilled to the version
// index, which then takes the entries of a new index on it
// (buildIndexed): the index is kept, written here, and holds the table.
func (db *DB) spilled(oid uint32) (bool, error) {
	if db.vx == nil || !db.opts.VersionIndex || db.opts.ReadOnly {
		return false, nil
	}
	_, held, err := db.vx.Mark(oid)
	return held, err
}

// buildIndexed builds the index of field of ts, a table the version
// index x holds (its oid, at horizon), into x rather than into a tree: one
// walk of the rows in key order puts the entries of every version up to
// upTo, and the current entry of each row live at upTo, through a Load
// that sorts them in runs of bounded size, then sets the index's marks
// to upTo, as a snapshot's pass and trim would have (entrytrim.go). It
// returns the tree of the entries after upTo, lean and empty: the
// memory of the build is the Load's runs, whatever the table's size,
// where a tree of every entry held about 100 bytes an entry until the
// next snapshot's trim let it go. It also returns how many entries it
// put.
func buildIndexed(x *vindex.Index, ts *tableState, oid uint32, horizon uint64, field string, upTo uint64) (*indexTree, int, error) {
	lg := ts.log
	// What an index on the field made before left goes first: its
	// current entries and their mark. Its entries stay, true as they
	// are (indexentries.go).
	lg.setCurrentMark(field, 0)
	if held, err := x.HoldsCurrent(oid, field); err != nil {
		return nil, 0, err
	} else if held {
		b := x.NewBatch()
		if err := b.ClearCurrent(oid, field); err != nil {
			b.Discard()
			return nil, 0, err
		}
		if err := b.Apply(); err != nil {
			return nil, 0, err
		}
	}
	l := x.NewLoad()
	defer l.Discard()
	var nr newestReader
	defer nr.release()
	fields := []string{field}
	var key []byte
	var err error
	n := 0
	ts.rows.Ascend(func(r row) bool {
		var last indexEntry
		made := false
		var put error
		err = rowEntries(lg, &nr, r, 0, fields, func(_ int, e indexEntry) {
			if e.seq > upTo || put != nil {
				return
			}
			key = appendEntry(key[:0], &e)
			put = l.AddEntry(oid, field, key, e.seq)
			last, made = e, true
		})
		if err == nil {
			err = put
		}
		// The row's newest entry up to upTo is current unless the row
		// was deleted by then; one whose version at upTo is in a gap
		// keeps it (an extra entry at most, which a lookup passes by).
		if v, known := r.liveAt(upTo); err == nil && made && (v != nil || !known) {
			key = appendOrderedValue(key[:0], last.val)
			at := len(key)
			key = appendOrderedKey(key, last.key)
			err = l.AddCurrent(oid, field, key, at, last.seq)
		}
		if n++; n%releaseEvery == 0 {
			nr.releaseIndex() // not to hold the index's files for the whole walk
		}
		return err == nil
	})
	if err == nil {
		err = l.Finish()
	}
	if err != nil {
		return nil, 0, err
	}
	m := vindex.Mark{Seq: upTo, Horizon: horizon}
	b := x.NewBatch()
	err = b.SetEntriesMark(oid, field, m)
	if err == nil {
		err = b.SetCurrentMark(oid, field, m)
	}
	if err != nil {
		b.Discard()
		return nil, 0, err
	}
	if err := b.Apply(); err != nil {
		return nil, 0, err
	}
	if err := x.Flush(); err != nil {
		return nil, 0, err
	}
	lg.setCurrentMark(field, upTo)
	t := newIndexTree()
	t.trim, t.lean = upTo, true
	return t, l.Len(), nil
}
