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
// the rows written since L can have entries to let go, their new entries
// (after L, read from the tree by its bound on seqs, AscendSince) and the
// entry each had at L, found by the row's value at L (one read of a
// document a row that has new entries or was deleted). Entries up to L
// under another value than the row's at L (a row whose value went to
// null, entries kept by a tree loaded from a version 1 file) stay, as
// any entry may: a lookup checks every candidate against its row.

// trimBatch is how many rows written since the last trim a trim of the
// entries takes at a time: it walks the entries written since then once
// for each batch, keeping those of the batch's keys.
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
			if idx.trim < indexed && db.entriesReach(cur.spec.OID, f, indexed) == nil {
				trees[f], copies[f] = idx, idx.Clone()
			}
		}
	})
	if w == nil || len(trees) == 0 {
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
	var err error
	flush := func() {
		if len(batch) > 0 && err == nil {
			err = passedEntries(w.log, batch, fields, copies, indexed, gone)
		}
		batch = batch[:0]
	}
	var y yielder
	rows.AscendSince(since, func(r row) bool {
		y.tick()
		if batch = append(batch, r); len(batch) == trimBatch {
			flush()
		}
		return err == nil
	})
	flush()
	if err != nil {
		db.log.Warn("cannot trim the index entries", "table", name, "err", err)
		return 0
	}
	n := 0
	built := map[string]*indexTree{}
	for _, f := range fields {
		es := gone[f]
		if len(es) == 0 {
			continue // the tree stays, its trim moved on
		}
		slices.SortFunc(es, func(a, b indexEntry) int { return compareEntries(&a, &b) })
		t := newIndexTree()
		b := newTreeBuilder(t)
		copies[f].Ascend(func(e indexEntry) bool {
			y.tick()
			for len(es) > 0 && compareEntries(&es[0], &e) < 0 {
				es = es[1:] // not in the copy: cannot be, and nothing to skip
			}
			if len(es) > 0 && compareEntries(&es[0], &e) == 0 {
				es = es[1:]
				return true
			}
			b.add(e)
			return true
		})
		t.trim = indexed
		built[f] = t
		n += len(gone[f])
	}
	db.locked(func() {
		cur, ok := db.work[name]
		if !ok || cur != w || cur.horizon != horizon {
			n = 0
			return
		}
		for _, f := range fields {
			if cur.indexes[f] != trees[f] {
				n -= len(gone[f])
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
		}
		db.publish(map[string]*tableState{name: w})
	})
	return n
}

// passedEntries adds to gone, by field, the entries up to upTo of the
// rows of batch (in key order, each written since the trim of its index's
// tree) that a later entry up to upTo, or a deletion, passed: of each
// tree in trees (copies, the trim of each its L), the entries written
// after L and, for a row with such entries or deleted after L, the
// entries of its value at L.
func passedEntries(lg *tableLog, batch []row, fields []string, trees map[string]*indexTree, upTo uint64, gone map[string][]indexEntry) error {
	lo, hi := batch[0].key, batch[len(batch)-1].key
	// The entries written since L of the batch's keys, by field and key.
	fresh := make([]map[Key][]indexEntry, len(fields))
	for j, f := range fields {
		fresh[j] = map[Key][]indexEntry{}
		trees[f].AscendSince(trees[f].trim, func(e indexEntry) bool {
			if e.seq <= upTo && compareKeys(e.key, lo) >= 0 && compareKeys(e.key, hi) <= 0 {
				fresh[j][e.key] = append(fresh[j][e.key], e)
			}
			return true
		})
	}
	for _, r := range batch {
		var vals []any // the row's values at at, read once
		var at uint64
		for j, f := range fields {
			since := trees[f].trim
			es := fresh[j][r.key]
			dead := deletedAt(&r, since, upTo)
			if len(es) == 0 && !dead {
				continue
			}
			if since > 0 {
				if vals == nil || at != since {
					var err error
					if vals, err = fieldValues(lg, r, since, fields); err != nil {
						return err
					}
					at = since
				}
				if v := vals[j]; v != nil {
					es = append(es, keyEntries(trees[f], v, r.key, since)...)
				}
			}
			if !dead {
				// The newest stays: every read from upTo on needs it.
				newest := 0
				for i := range es {
					if es[i].seq > es[newest].seq {
						newest = i
					}
				}
				es = slices.Delete(slices.Clone(es), newest, newest+1)
			}
			gone[f] = append(gone[f], es...)
		}
	}
	return nil
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

// keyEntries returns the entries of idx of value val for key k up to seq.
func keyEntries(idx *indexTree, val any, k Key, seq uint64) []indexEntry {
	var es []indexEntry
	pivot := newEntry(val, k, 0)
	idx.AscendGreaterOrEqual(pivot, func(e indexEntry) bool {
		if e.key != k || compareEntryValues(&e, &pivot) != 0 {
			return false
		}
		if e.seq <= seq {
			es = append(es, e)
		}
		return true
	})
	return es
}
