package engine

import (
	"bytes"
	"maps"
	"slices"

	"github.com/driftdb/driftdb/vindex"
)

// The trees of a table's indexes let go of their entries once the
// version index holds them: after the pass of a snapshot put every
// index's entries up to a seq T there (its mark), the entries up to T
// that a read of the present needs, each live row's newest, become the
// version index's current entries for T (vindex, "Current entries"), and
// the tree keeps only the entries after T: it is lean, trimmed at T. A
// read at a seq from T on merges the two; a read before T reads every
// entry the version index holds (tableState.entries). The memory of an
// index then follows what was written since the last snapshot.
//
// Each trim starts where the one before ended (the current mark, L):
// only the rows written since L can have current entries to change. A
// row that made an entry since L (the tree's bound on seqs finds those,
// AscendSince) has its newest up to T put in place of its entry at L,
// whatever their values; a row deleted since L loses its entry. A row
// whose value went to null since L made no entry, and keeps the one it
// had: an extra entry, as any may be, since a lookup checks every
// candidate against its row. A tree that is not lean (built from the
// rows, read from an older file) has its current entries put again, all
// of them.

// trimBatch is how many rows written since the last trim a trim of the
// entries takes at a time: for each batch it walks the entries written
// since then, keeping those of the batch's keys in a map, and then, if
// any of them made one or was deleted, every entry.
const trimBatch = 1 << 18

// trimEntries moves the trees of table name's indexes to lean ones
// trimmed at indexed, for a table at horizon whose version index holds
// every index's entries up to indexed (above). A tree is built again
// beside the writer from a copy, full leaves of the entries after
// indexed, then takes under the writer mutex the entries written since
// the copy and the working state's place; a table changed meanwhile
// otherwise (folded, loaded again, its indexes remade) is left as it is.
// It returns how many entries left the trees, and the fields whose trees
// it moved. Callers hold snapMu.
func (db *DB) trimEntries(name string, horizon, indexed uint64) (int, []string) {
	var w *tableState
	var rows *rowTree
	var upTo uint64                  // the working state holds every event up to it
	trees := map[string]*indexTree{} // the working trees, by field
	copies := map[string]*indexTree{}
	db.locked(func() {
		cur, ok := db.work[name]
		if !ok || cur.horizon != horizon {
			return
		}
		w, rows, upTo = cur, cur.rows.Clone(), db.nextSeq-1
		for f, idx := range cur.indexes {
			if idx.trim < indexed || !idx.lean {
				trees[f], copies[f] = idx, idx.Clone()
			}
		}
	})
	if w == nil {
		return 0, nil
	}
	lg := w.log
	// Only the trees whose entries the version index holds up to indexed
	// (read outside the writer mutex); a lean tree's walk starts at the
	// current mark, which only a trim that failed leaves below its trim.
	for f, c := range copies {
		mark := lg.currentMark(f)
		switch {
		case db.entriesReach(w.spec.OID, f, indexed) != nil:
		case c.lean && mark < c.trim:
			db.log.Warn("an index's entries cannot be trimmed: the version index lacks its current entries", "table", name, "field", f)
		default:
			if c.lean {
				c.trim = mark // the copy's own: no reader has it
			}
			continue
		}
		delete(trees, f)
		delete(copies, f)
	}
	if len(trees) == 0 {
		return 0, nil
	}
	fields := slices.Sorted(maps.Keys(trees))
	// The lowest trim of them: the rows written since it hold every entry
	// any of the trees can let go.
	since := indexed
	for _, idx := range copies {
		since = min(since, idx.trim)
	}
	gone := make(map[string][]indexEntry, len(fields))
	dropped := make(map[string][]Key, len(fields))
	var batch []row
	flush := func() {
		if len(batch) > 0 {
			passedEntries(batch, fields, copies, indexed, gone, dropped)
		}
		batch = batch[:0]
	}
	var y yielder
	rows.AscendSince(since, func(r row) bool {
		y.tick()
		if batch = append(batch, r); len(batch) == trimBatch {
			flush()
		}
		return true
	})
	flush()
	built := map[string]*indexTree{}
	n := map[string]int{}
	for _, f := range fields {
		c := copies[f]
		// gone holds entries of the copy: a walk in the same order skips
		// each as it comes.
		es := gone[f]
		slices.SortFunc(es, func(a, b indexEntry) int { return compareEntries(&a, &b) })
		cw := &currentWriter{x: db.vx, oid: w.spec.OID, field: f, lg: lg, incremental: c.lean, batch: versionIndexBatch}
		if db.testCurrentBatch > 0 {
			cw.batch = db.testCurrentBatch
		}
		cw.start(c.Len() >= db.loadRows())
		// A row whose first version is after the current mark L had no
		// current entry at L: an incremental writer need not look for
		// one in the index (a read each). A fold past L may have left a
		// row that was live at L with a later first version: then every
		// row is looked for.
		fresh := func(Key) bool { return false }
		if L := c.trim; c.lean && horizon <= L {
			fresh = func(k Key) bool {
				r, ok := rows.Get(row{key: k})
				return ok && len(r.versions) > 0 && r.versions[0].seq > L
			}
		}
		t := newIndexTree()
		b := newTreeBuilder(t)
		c.Ascend(func(e indexEntry) bool {
			y.tick()
			if e.seq > indexed {
				b.add(e)
				return true
			}
			n[f]++ // it leaves the tree
			switch {
			case len(es) > 0 && compareEntries(&es[0], &e) == 0:
				es = es[1:] // passed
			case !c.lean || e.seq > c.trim:
				cw.put(e, fresh(e.key))
			}
			// Else a current entry at the mark already.
			return cw.err == nil
		})
		for _, k := range dropped[f] {
			cw.drop(k)
		}
		if err := cw.finish(vindex.Mark{Seq: indexed, Horizon: horizon}); err != nil {
			db.log.Warn("cannot write an index's current entries", "table", name, "field", f, "err", err)
			continue
		}
		t.trim, t.lean = indexed, true
		built[f] = t
	}
	total := 0
	var moved []string
	db.locked(func() {
		cur, ok := db.work[name]
		if !ok || cur != w || cur.horizon != horizon {
			return
		}
		for f, t := range built {
			if cur.indexes[f] != trees[f] {
				continue
			}
			trees[f].AscendSince(upTo, func(e indexEntry) bool {
				t.ReplaceOrInsert(e)
				return true
			})
			cur.indexes[f] = t
			total += n[f]
			moved = append(moved, f)
		}
		db.publish(map[string]*tableState{name: w})
	})
	return total, moved
}

// currentWriter writes the current entries of a table's index on field
// into the version index (vindex, "Current entries"), and the mark they
// are current at last. Incremental: the entries replace those of their
// rows; otherwise the field's entries are cleared first. Changes that
// fit one batch go in at once with the mark, under the table's write
// lock of the marks: a reader sees the entries and the mark of before or
// of after. Larger ones go in batches: from the first, the table's mark
// is 0, so that no read takes the entries while they change, and the
// index is flushed before the last sets it again (a crash keeps a prefix
// of the batches: the entries of a mark, or no mark).
type currentWriter struct {
	x           *vindex.Index
	oid         uint32
	field       string
	lg          *tableLog
	incremental bool
	batch       int // the changes a batch takes
	b           *vindex.Batch
	// l, for a writer that is not incremental over a field with no
	// current entries in the index, and at least loadRows entries, takes
	// the entries in place of batches (versionWriter); the batch then
	// sets the mark, after it.
	l     *vindex.Load
	split bool // the changes went in more than one batch, or a load
	key   []byte
	err   error
}

// start begins the changes, in the batch that applies them or in the
// first of them: the mark goes, and for a writer that is not incremental
// every entry; or in a load, when load says the entries are many enough
// and the index holds none of the field's.
func (w *currentWriter) start(load bool) {
	w.b = w.x.NewBatch()
	switch {
	case w.incremental:
		w.err = w.b.DeleteCurrentMark(w.oid, w.field)
		return
	case load:
		held, err := w.x.HoldsCurrent(w.oid, w.field)
		if w.err = err; err != nil || held {
			break
		}
		w.lg.setCurrentMark(w.field, 0)
		w.l, w.split = w.x.NewLoad(), true
		return
	}
	if w.err == nil {
		w.err = w.b.ClearCurrent(w.oid, w.field)
	}
}

// put makes e the current entry of its row; fresh says the row had none
// at the mark before.
func (w *currentWriter) put(e indexEntry, fresh bool) {
	if w.err != nil {
		return
	}
	w.key = appendOrderedValue(w.key[:0], e.val)
	at := len(w.key)
	w.key = appendOrderedKey(w.key, e.key)
	if w.incremental && !fresh {
		old, _, ok, err := w.x.CurrentOf(w.oid, w.field, w.key[at:])
		if err != nil {
			w.err = err
			return
		}
		if ok && !bytes.Equal(old, w.key) {
			if w.err = w.b.DeleteCurrent(w.oid, w.field, old, len(old)-(len(w.key)-at)); w.err != nil {
				return
			}
		}
	}
	if w.l != nil {
		w.err = w.l.PutCurrent(w.oid, w.field, w.key, at, e.seq)
		return
	}
	w.err = w.b.PutCurrent(w.oid, w.field, w.key, at, e.seq)
	w.next()
}

// drop removes the current entry of row k, if it has one.
func (w *currentWriter) drop(k Key) {
	if w.err != nil {
		return
	}
	if w.l != nil {
		// The entries put go in first, where the drop finds them.
		w.err = w.l.Finish()
		w.l = nil
		if w.err != nil {
			return
		}
	}
	w.key = appendOrderedKey(w.key[:0], k)
	old, _, ok, err := w.x.CurrentOf(w.oid, w.field, w.key)
	if err != nil || !ok {
		w.err = err
		return
	}
	w.err = w.b.DeleteCurrent(w.oid, w.field, old, len(old)-len(w.key))
	w.next()
}

// next applies the batch when it is full; the first time, the table's
// mark goes first.
func (w *currentWriter) next() {
	if w.err != nil || w.b.Len() < w.batch {
		return
	}
	if !w.split {
		w.lg.setCurrentMark(w.field, 0)
		w.split = true
	}
	w.err = w.b.Apply()
	w.b = w.x.NewBatch()
}

// finish applies the last batch, which sets the mark of the entries, and
// then the table's mark. After an error the table's mark is what it was,
// or 0 when the changes had begun to go in: reads of lean trees then
// read every entry up to their trims.
func (w *currentWriter) finish(m vindex.Mark) error {
	if w.l != nil {
		if w.err == nil {
			w.err = w.l.Finish() // before the mark that claims its entries
		}
		w.l.Discard()
	}
	if w.err == nil {
		w.err = w.b.SetCurrentMark(w.oid, w.field, m)
	}
	if w.err != nil {
		w.b.Discard()
		return w.err
	}
	if !w.split {
		w.lg.cur.Lock()
		defer w.lg.cur.Unlock()
		if w.err = w.b.Apply(); w.err == nil {
			w.lg.setCurrentMarkLocked(w.field, m.Seq)
		}
		return w.err
	}
	if w.err = w.b.Apply(); w.err == nil {
		w.err = w.x.Flush()
	}
	if w.err == nil {
		w.lg.setCurrentMark(w.field, m.Seq)
	}
	return w.err
}

// passedEntries adds to gone, by field, the entries up to upTo of the
// rows of batch (in key order, each written since the trim of its index's
// tree) that a later entry up to upTo, or a deletion, passed. Of each tree
// in trees (copies, the trim of each its L): a row that made an entry
// since L keeps of its entries up to upTo only the newest (every one up to
// L is older, whatever its value), a row deleted since L none, any other
// row all it has. One walk of the entries since L (the tree's bound on
// seqs) finds the rows that made some, and, when there are such rows or
// deletions, one walk of every entry finds theirs: no document is read.
func passedEntries(batch []row, fields []string, trees map[string]*indexTree, upTo uint64, gone map[string][]indexEntry, dropped map[string][]Key) {
	lo, hi := batch[0].key, batch[len(batch)-1].key
	for _, f := range fields {
		idx := trees[f]
		since := idx.trim
		// stays holds, for each row of the batch that made an entry since
		// L or was deleted since, the seq of its entry that stays (0: none).
		stays := map[Key]uint64{}
		// Only a row of two versions or more since L can have made an
		// entry that a later one passed (the entries of one version all
		// have its seq): when the batch has none (rows inserted once,
		// as after a load), the walk of the entries since L is spared.
		if slices.ContainsFunc(batch, func(r row) bool { return severalSince(&r, since, upTo) }) {
			idx.AscendSince(since, func(e indexEntry) bool {
				if e.seq <= upTo && compareKeys(e.key, lo) >= 0 && compareKeys(e.key, hi) <= 0 {
					stays[e.key] = max(stays[e.key], e.seq)
				}
				return true
			})
		}
		for i := range batch {
			if deletedAt(&batch[i], since, upTo) {
				stays[batch[i].key] = 0
				dropped[f] = append(dropped[f], batch[i].key)
			}
		}
		if len(stays) == 0 {
			continue
		}
		idx.Ascend(func(e indexEntry) bool {
			if s, ok := stays[e.key]; ok && e.seq <= upTo && e.seq != s {
				gone[f] = append(gone[f], e)
			}
			return true
		})
	}
}

// severalSince reports whether r has more than one version after since
// and up to upTo. A gap counts as several, its versions not being known,
// also one that starts at since or before.
func severalSince(r *row, since, upTo uint64) bool {
	from, to := r.index(since)+1, r.index(upTo)+1
	if from > 0 && r.versions[from-1].gap() {
		from--
	}
	return r.countIn(from, to) > 1 || r.hasGap(from, to)
}

// deletedAt reports whether the version of r visible at upTo is a
// deletion made after since (a version in a gap is not known to be one,
// and its row keeps its entries).
func deletedAt(r *row, since, upTo uint64) bool {
	i := r.index(upTo)
	if i < 0 {
		return false
	}
	v := &r.versions[i]
	return !v.gap() && v.seq > since && v.deleted()
}
