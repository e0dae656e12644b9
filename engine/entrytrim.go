package engine

import (
	"maps"
	"slices"
)

// The trees of a table's indexes let go of the entries no read of the
// present needs, once the version index holds them: after the pass of a
// snapshot put every index's entries up to a seq T there (its mark), an
// entry up to T whose row has a later entry up to T, or was deleted by
// T, goes from the tree, and the tree's trim becomes T. A read at a seq
// from T on finds in the tree what it needs (each row's newest entry up
// to T, and every entry after T); a read before T reads the version index
// alone (tableState.entries). The memory of an index then follows its
// rows, not the history of their values.
//
// Each trim starts where the one before ended (the tree's trim, L): only
// the rows written since L can have entries to let go. A row that made an
// entry since L (the tree's bound on seqs finds those, AscendSince) has
// none up to L that a read from T on needs, whatever their values: it
// keeps its newest up to T; a row deleted since L keeps none. A row whose
// value went to null since L made no entry, and keeps the one it had:
// an extra entry, as any may be, since a lookup checks every candidate
// against its row.

// trimBatch is how many rows written since the last trim a trim of the
// entries takes at a time: for each batch it walks the entries written
// since then, keeping those of the batch's keys in a map, and then, if
// any of them made one or was deleted, every entry.
const trimBatch = 1 << 18

// trimEntries lets go of the entries of table name's indexes up to
// indexed that a later one or a deletion passed (above), for a table at
// horizon whose version index holds every index's entries up to indexed.
// A tree that lets entries go is built again beside the writer from a
// copy, full leaves of the entries that stay (taken out one by one, they
// would leave their leaves as large as before), then takes under the
// writer mutex the entries written since the copy and the working
// state's place; a table changed meanwhile otherwise (folded, loaded
// again, its indexes remade) is left as it is. It returns how many
// entries went. Callers hold snapMu.
func (db *DB) trimEntries(name string, horizon, indexed uint64) int {
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
			if idx.trim < indexed {
				trees[f], copies[f] = idx, idx.Clone()
			}
		}
	})
	// Only the trees whose entries the version index holds up to indexed
	// (read outside the writer mutex).
	for f := range trees {
		if db.entriesReach(w.spec.OID, f, indexed) != nil {
			delete(trees, f)
			delete(copies, f)
		}
	}
	if len(trees) == 0 {
		return 0
	}
	fields := slices.Sorted(maps.Keys(trees))
	// The lowest trim of them: the rows written since it hold every entry
	// any of the trees can let go.
	since := indexed
	for _, idx := range copies {
		since = min(since, idx.trim)
	}
	gone := make(map[string][]indexEntry, len(fields))
	var batch []row
	flush := func() {
		if len(batch) > 0 {
			passedEntries(batch, fields, copies, indexed, gone)
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
	for _, f := range fields {
		es := gone[f]
		if len(es) == 0 {
			continue // the tree stays, its trim moved on
		}
		// gone holds entries of the copy: a walk in the same order skips
		// each as it comes.
		slices.SortFunc(es, func(a, b indexEntry) int { return compareEntries(&a, &b) })
		t := newIndexTree()
		b := newTreeBuilder(t)
		copies[f].Ascend(func(e indexEntry) bool {
			y.tick()
			if len(es) > 0 && compareEntries(&es[0], &e) == 0 {
				es = es[1:]
			} else {
				b.add(e)
			}
			return true
		})
		t.trim = indexed
		built[f] = t
	}
	n := 0
	db.locked(func() {
		cur, ok := db.work[name]
		if !ok || cur != w || cur.horizon != horizon {
			return
		}
		for _, f := range fields {
			if cur.indexes[f] != trees[f] {
				continue
			}
			t, ok := built[f]
			if !ok {
				trees[f].trim = indexed // a working tree: no reader has it
				continue
			}
			trees[f].AscendSince(upTo, func(e indexEntry) bool {
				t.ReplaceOrInsert(e)
				return true
			})
			cur.indexes[f] = t
			n += len(gone[f])
		}
		db.publish(map[string]*tableState{name: w})
	})
	return n
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
func passedEntries(batch []row, fields []string, trees map[string]*indexTree, upTo uint64, gone map[string][]indexEntry) {
	lo, hi := batch[0].key, batch[len(batch)-1].key
	for _, f := range fields {
		idx := trees[f]
		since := idx.trim
		// stays holds, for each row of the batch that made an entry since
		// L or was deleted since, the seq of its entry that stays (0: none).
		stays := map[Key]uint64{}
		idx.AscendSince(since, func(e indexEntry) bool {
			if e.seq <= upTo && compareKeys(e.key, lo) >= 0 && compareKeys(e.key, hi) <= 0 {
				stays[e.key] = max(stays[e.key], e.seq)
			}
			return true
		})
		for i := range batch {
			if deletedAt(&batch[i], since, upTo) {
				stays[batch[i].key] = 0
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
