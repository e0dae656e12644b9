package engine

import (
	"maps"
	"slices"
	"time"
)

// Compact merges a table's small sealed segments. Every query, AS OF
// included, answers the same before and after.
func (db *DB) Compact(name string) error {
	if db.opts.ReadOnly {
		return wrapf(CodeReadOnly, ErrReadOnly, "database is open read-only")
	}
	if _, err := db.View().table(name); err != nil {
		return err
	}
	db.snapMu.Lock()
	defer db.snapMu.Unlock()
	if err := db.st.MergeSegments(name); err != nil {
		return storageError(err)
	}
	return nil
}

// CompactBeforeTime is CompactBefore at the last seq with unix_ms <= t.
func (db *DB) CompactBeforeTime(name string, t time.Time) (uint64, error) {
	v, err := db.ViewAtTime(t)
	if err != nil {
		return 0, err
	}
	return db.CompactBefore(name, v.Seq())
}

// CompactBefore folds the history of a table before seq h into the state
// at h: each row keeps the version it had at h and everything after. The
// horizon is recorded in a snapshot written first; only then are the old
// segments dropped, so a crash at any point leaves either the old files or
// the new state as the truth. AS OF before h then fails naming it. It
// returns the horizon.
func (db *DB) CompactBefore(name string, h uint64) (uint64, error) {
	if db.opts.ReadOnly {
		return 0, wrapf(CodeReadOnly, ErrReadOnly, "database is open read-only")
	}
	db.snapMu.Lock()
	defer db.snapMu.Unlock()

	if hz, folded, err := db.fold(name, h); err != nil || !folded {
		return hz, err
	}

	seq, err := db.snapshotLocked(name, false)
	if err != nil {
		return 0, err
	}
	// Snapshots from before the horizon still hold the folded history:
	// remove them so that none can bring it back.
	if seqs, err := db.st.Snapshots(name); err == nil {
		for _, s := range seqs {
			if s < seq {
				if err := db.st.RemoveSnapshot(name, s); err != nil {
					return 0, storageError(err)
				}
			}
		}
	}
	if err := db.st.DropBefore(name, h); err != nil {
		return 0, storageError(err)
	}
	return h, nil
}

// foldRow keeps the version a row had at h and every later one; false when
// nothing of the row is visible at or after h. The first version kept
// holds its whole document: the versions it was rebuilt from are folded
// away, and so is its record when it is at or before h (a gap kept first
// is after h: the index and the log keep its versions).
func foldRow(lg *tableLog, r row, h uint64) (row, bool, error) {
	i := r.index(h) + 1
	if i > 0 && r.versions[i-1].gap() {
		// The version at h is in a gap: the row's versions are held
		// again. A gap after h stays: the index holds its versions, at
		// the horizon before as at h.
		var err error
		if r, err = r.expanded(lg); err != nil {
			return row{}, false, err
		}
		i = r.index(h) + 1
	}
	start := i
	if i > 0 && !r.versions[i-1].deleted() {
		start = i - 1 // live at h: keep that version
	}
	if start == len(r.versions) {
		return row{}, false, nil
	}
	vs := append([]version(nil), r.versions[start:]...)
	if v := &vs[0]; !v.hasDoc() && !v.deleted() && !v.gap() {
		doc, err := r.docOf(lg, start)
		if err != nil {
			return row{}, false, err
		}
		v.setDoc(doc)
	}
	return newRow(r.key, vs), true, nil
}

// fold replaces the working state of table name with its history folded
// at horizon h, and publishes it. It reports false, with the horizon in
// force, when the table was already folded at or past h. Callers hold
// snapMu.
//
// The fold runs beside the writer, as an index build does (backfill.go):
// the row tree is copied under the writer mutex, folded with its point map
// and indexes built from the copy while commits go on, and caught up under
// the mutex with the rows written since.
func (db *DB) fold(name string, h uint64) (uint64, bool, error) {
	db.wmu.Lock()
	if err := db.writable(); err != nil {
		db.wmu.Unlock()
		return 0, false, err
	}
	w, ok := db.work[name]
	if !ok {
		db.wmu.Unlock()
		return 0, false, noTable(name)
	}
	if visible := db.visible.Load(); h > visible {
		db.wmu.Unlock()
		return 0, false, errorf(CodeInvalidParameter, "horizon @seq:%d is past the latest committed seq %d", h, visible)
	}
	if h <= w.horizon {
		db.wmu.Unlock()
		return w.horizon, false, nil
	}
	base := w.rows.Clone()
	fields := slices.Collect(maps.Keys(w.indexes))
	upTo := db.nextSeq - 1
	db.wmu.Unlock()

	part, err := foldRows(w.log, base, h, fields)
	if err != nil {
		return 0, false, err
	}
	if db.testFolded != nil {
		db.testFolded()
	}

	db.wmu.Lock()
	defer db.wmu.Unlock()
	if err := db.writable(); err != nil {
		return 0, false, err
	}
	if cur, ok := db.work[name]; !ok || cur != w {
		// Loaded again after a failed write: fold what is there now,
		// under the mutex.
		if !ok {
			return 0, false, noTable(name)
		}
		w = cur
		if part, err = foldRows(w.log, w.rows.Clone(), h, fields); err != nil {
			return 0, false, err
		}
	} else {
		// The rows written since the copy: folded again, whole.
		err := writtenSince(w.rows, upTo, func(r row) error {
			nr, ok, err := foldRow(w.log, r, h)
			if err != nil || !ok {
				return err
			}
			part.rows.ReplaceOrInsert(nr)
			part.point.store(nr)
			return rowEntries(w.log, nil, nr, upTo, fields, func(j int, e indexEntry) { part.indexes[fields[j]].ReplaceOrInsert(e) })
		})
		if err != nil {
			return 0, false, err
		}
	}
	folded := w.clone()
	folded.horizon = h
	folded.rows, folded.point, folded.indexes = part.rows, part.point, part.indexes
	db.work[name] = folded
	db.publish(map[string]*tableState{name: folded})
	// The extents hold versions from before h, whose records the fold may
	// drop (extents.go): the next write of them starts at h.
	if old := folded.log.extents.Swap(nil); old != nil {
		db.ext.drop(old)
	}
	return h, true, nil
}

// foldRows folds the rows of a row tree at horizon h into a new one, with
// its point map and the indexes of fields.
func foldRows(lg *tableLog, rows *rowTree, h uint64, fields []string) (*tableState, error) {
	part := &tableState{rows: newRowTree(), indexes: map[string]*indexTree{}, log: lg}
	tb := newTreeBuilder(part.rows)
	var err error
	rows.Ascend(func(r row) bool {
		var nr row
		var ok bool
		if nr, ok, err = foldRow(lg, r, h); ok {
			tb.add(nr)
		}
		return err == nil
	})
	if err != nil {
		return nil, err
	}
	part.resetPoint()
	if err := part.buildIndexes(fields); err != nil {
		return nil, err
	}
	return part, nil
}
