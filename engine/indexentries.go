package engine

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/driftdb/driftdb/vindex"
)

// The entries of a table's secondary indexes go into the version index
// beside its versions (vindex, "Index entries"), put by the same pass
// (indexVersions): each index's entries made since the index's own mark
// there, then the mark. They are the facts the trees in memory hold, an
// entry (value, key, seq) saying that the version at seq gave the row that
// value, so an entry once put stays true: a fold, a dropped index or
// one made again put their entries again and leave the old ones, which
// a lookup, checking every candidate against its row, passes by. The
// marks are per index, not the table's: an index made after the table's
// mark has every entry to put at its first pass.

// putEntries puts the entries of ts's indexes up to seq that the index
// does not hold yet, each index's before its mark. reset says the
// batches delete what the index held of the table: every entry is put
// again.
func (w *versionWriter) putEntries(ts *tableState, seq uint64, reset bool) error {
	for _, field := range slices.Sorted(maps.Keys(ts.indexes)) {
		since, err := entriesSince(w.x, ts, field, seq)
		if err != nil {
			return err
		}
		if reset {
			since = 0
		}
		if since == seq {
			continue
		}
		var y yielder
		ts.indexes[field].AscendSince(since, func(e indexEntry) bool {
			y.tick()
			if e.seq > seq {
				return true
			}
			w.key = appendEntry(w.key[:0], &e)
			if err = w.sink().PutEntry(w.oid, field, w.key, e.seq); err == nil {
				err = w.next()
			}
			return err == nil
		})
		if err == nil {
			err = w.b.SetEntriesMark(w.oid, field, vindex.Mark{Seq: seq, Horizon: ts.horizon})
		}
		if err == nil {
			err = w.next()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// entriesSince returns the seq up to which the version index holds the
// entries of ts's index on field, at ts's horizon, for a pass that brings
// it to seq: 0 when it holds none, or holds them at another horizon (a
// fold since), or past seq.
func entriesSince(x *vindex.Index, ts *tableState, field string, seq uint64) (uint64, error) {
	m, ok, err := x.EntriesMark(ts.spec.OID, field)
	if err != nil || !ok || m.Horizon != ts.horizon || m.Seq > seq {
		return 0, err
	}
	return m.Seq, nil
}

// entriesDone reports whether the version index holds the entries of
// every index of ts up to seq.
func entriesDone(x *vindex.Index, ts *tableState, seq uint64) (bool, error) {
	for field := range ts.indexes {
		if since, err := entriesSince(x, ts, field, seq); err != nil || since != seq {
			return false, err
		}
	}
	return true, nil
}

// appendEntry appends e's value and key in the ordered encoding, which
// order as compareEntries orders entries with the same seq.
func appendEntry(dst []byte, e *indexEntry) []byte {
	return appendOrderedKey(appendOrderedValue(dst, e.val), e.key)
}

// checkIndexedEntries checks the entries of ts's indexes the version index
// holds against the trees: each index's entries up to its mark are all
// there, and every entry it holds is a value and a key. The index may
// hold more (see above).
func checkIndexedEntries(x *vindex.Index, ts *tableState) error {
	for _, field := range slices.Sorted(maps.Keys(ts.indexes)) {
		m, ok, err := x.EntriesMark(ts.spec.OID, field)
		if err != nil {
			return err
		}
		if !ok || m.Horizon != ts.horizon {
			continue // none yet, or put before a fold: the next pass puts them
		}
		// One walk of the index's entries, decoded, beside one of the
		// tree's: a tree's entry up to the mark that the index passes by
		// is missing.
		it := ts.indexes[field].seek(nil)
		var leaf []indexEntry
		head := func() *indexEntry {
			for len(leaf) == 0 {
				if leaf = it.next(); leaf == nil {
					return nil
				}
			}
			return &leaf[0]
		}
		var missing *indexEntry
		passed := func(upTo *indexEntry) {
			for e := head(); e != nil && missing == nil && (upTo == nil || compareEntries(e, upTo) <= 0); e = head() {
				if leaf = leaf[1:]; e.seq <= m.Seq && (upTo == nil || compareEntries(e, upTo) < 0) {
					missing = e
				}
			}
		}
		src := indexedEntries{x: x, oid: ts.spec.OID, field: field}
		src.Ascend(func(e indexEntry) bool {
			passed(&e)
			return missing == nil
		})
		if src.err != nil {
			return src.err
		}
		if passed(nil); missing != nil {
			return fmt.Errorf("index on %s: the entry of %v for row %s at seq %d is missing up to seq %d", field, missing.val, missing.key, missing.seq, m.Seq)
		}
	}
	return nil
}

// decodeEntry decodes the entry of seq whose bytes (a value and a key)
// are b.
func decodeEntry(b []byte, seq uint64) (indexEntry, error) {
	var d entryDecoder
	return d.decode(b, seq)
}

// entryDecoder decodes entries as decodeEntry does, in a walk: an entry
// whose value is the bytes of the one before's (a value is self-
// delimiting, and the entries of one value lie together) takes that
// one's decoded value and prefix, and only its key is read. An equality
// over 200,000 rows decoded and boxed the same text 200,000 times, a
// quarter of its time.
type entryDecoder struct {
	raw []byte // the last value decoded, as the entry holds it
	val any
	pfx [2]uint64
}

func (d *entryDecoder) decode(b []byte, seq uint64) (indexEntry, error) {
	var val any
	var pfx [2]uint64
	rest, err := b, error(nil)
	if n := len(d.raw); n > 0 && bytes.HasPrefix(b, d.raw) {
		val, pfx, rest = d.val, d.pfx, b[n:]
	} else {
		if val, rest, err = readOrderedValue(b); err == nil {
			pfx = entryPrefix(val)
			switch val.(type) {
			case []any, map[string]any: // not shared: a reader could change them
				d.raw = d.raw[:0]
			default:
				d.raw, d.val, d.pfx = append(d.raw[:0], b[:len(b)-len(rest)]...), val, pfx
			}
		}
	}
	var k Key
	if err == nil {
		k, rest, err = readOrderedKey(rest)
	}
	if err == nil && len(rest) > 0 {
		err = errOrdered
	}
	if err != nil {
		return indexEntry{}, fmt.Errorf("an entry that does not decode: %x: %w", b, err)
	}
	return indexEntry{val: val, key: k, seq: seq, pfx: pfx}, nil
}

// entrySource is where a read finds the entries of an index: its tree;
// for a view before the seq up to which the tree may have let entries go
// (its trim), the version index, which holds every entry up to its mark;
// and for a lean tree from its trim on, the two merged (leanEntries). A
// walk that fails ends early, and Err says why.
type entrySource interface {
	AscendGreaterOrEqual(pivot indexEntry, fn func(e indexEntry) bool)
	DescendLessOrEqual(pivot indexEntry, fn func(e indexEntry) bool)
	Descend(fn func(e indexEntry) bool)
	Err() error
}

// treeEntries is an index's tree as an entrySource: its walks do not fail.
type treeEntries struct{ *indexTree }

func (treeEntries) Err() error { return nil }

// entries returns where a read at seq finds the entries of the index on
// field, nil when the table has no such index.
func (ts *tableState) entries(field string, seq uint64) entrySource {
	idx, ok := ts.indexes[field]
	if !ok {
		return nil
	}
	return treeSource(idx, ts.log, field, seq)
}

// treeSource returns where a read at seq finds the entries of idx, the
// tree of the index on field of the table whose log is lg.
func treeSource(idx *indexTree, lg *tableLog, field string, seq uint64) entrySource {
	switch {
	case !idx.holds(seq):
		return &indexedEntries{x: lg.vx, oid: lg.oid, field: field}
	case idx.lean:
		return &leanEntries{tree: idx, log: lg, field: field, seq: seq}
	}
	return treeEntries{idx}
}

// The starts of the walks of a reader of index entries: at the first
// entry at least a pivot, at the last at most one, at the last of all.

// seekEntry moves r to the first entry at least pivot.
func seekEntry(r *vindex.Entries, oid uint32, field string, pivot indexEntry) bool {
	from := appendEntry(nil, &pivot)
	ok := r.Seek(oid, field, from)
	// Seek is at the first entry at least the value and key: those of
	// the pivot's value and key before its seq come first.
	for ok && bytes.Equal(r.Entry(), from) && r.Seq() < pivot.seq {
		ok = r.Next()
	}
	return ok
}

// seekLastEntry moves r to the last entry at most pivot.
func seekLastEntry(r *vindex.Entries, oid uint32, field string, pivot indexEntry) bool {
	upto := appendEntry(nil, &pivot)
	ok := r.SeekLast(oid, field, upto, pivot.seq)
	// A reader of current entries is at the pivot's value and key
	// whatever its seq.
	for ok && bytes.Equal(r.Entry(), upto) && r.Seq() > pivot.seq {
		ok = r.Prev()
	}
	return ok
}

// seekEnd moves r to the last entry. Every value's encoding starts below
// 0xff (pfxNull is the greatest of their first bytes).
func seekEnd(r *vindex.Entries, oid uint32, field string) bool {
	return r.SeekLast(oid, field, []byte{0xff}, math.MaxUint64)
}

// heldReader gives the walks of a source of entries their reader of the
// version index: one of its own for each walk, or, with hold, the first
// one opened for them all, until Close.
type heldReader struct {
	r    *vindex.Entries
	mark uint64 // what open returned with r
	hold bool
}

// reader returns the reader open makes, or the one held, the mark open
// returned with it, and what to call when the walk is done with it.
func (h *heldReader) reader(open func() (*vindex.Entries, uint64, error)) (*vindex.Entries, uint64, func(), error) {
	if h.r != nil {
		return h.r, h.mark, func() {}, nil
	}
	r, mark, err := open()
	if err != nil || !h.hold {
		return r, mark, func() { r.Close() }, err
	}
	h.r, h.mark = r, mark
	return r, mark, func() {}, nil
}

// Close closes the reader held.
func (h *heldReader) Close() {
	if h.r != nil {
		h.r.Close()
		h.r = nil
	}
}

// indexedEntries reads the entries of a table's index on a field from the
// version index, decoded as the tree holds them and in the tree's order,
// with the tree's ways of walking them: the source of the entries a tree
// has let go (ENGINE.md, step 3). Err reports what ended a walk early.
type indexedEntries struct {
	x     *vindex.Index
	oid   uint32
	field string
	err   error
	heldReader
}

// Ascend calls fn with each entry in order until it returns false.
func (s *indexedEntries) Ascend(fn func(e indexEntry) bool) {
	s.walk(func(r *vindex.Entries) bool { return r.Seek(s.oid, s.field, nil) }, (*vindex.Entries).Next, fn)
}

// AscendGreaterOrEqual calls fn with each entry from the first at least
// pivot, in order, until it returns false.
func (s *indexedEntries) AscendGreaterOrEqual(pivot indexEntry, fn func(e indexEntry) bool) {
	s.walk(func(r *vindex.Entries) bool { return seekEntry(r, s.oid, s.field, pivot) }, (*vindex.Entries).Next, fn)
}

// DescendLessOrEqual calls fn with each entry from the last at most
// pivot, in reverse order, until it returns false.
func (s *indexedEntries) DescendLessOrEqual(pivot indexEntry, fn func(e indexEntry) bool) {
	s.walk(func(r *vindex.Entries) bool { return seekLastEntry(r, s.oid, s.field, pivot) }, (*vindex.Entries).Prev, fn)
}

// Descend calls fn with each entry from the last, in reverse order, until
// it returns false.
func (s *indexedEntries) Descend(fn func(e indexEntry) bool) {
	s.walk(func(r *vindex.Entries) bool { return seekEnd(r, s.oid, s.field) }, (*vindex.Entries).Prev, fn)
}

// Err reports what ended the last walk early, nil when nothing did.
func (s *indexedEntries) Err() error { return s.err }

// walk takes a reader, moves it to its start, then on with move, calling
// fn with each entry until fn returns false.
func (s *indexedEntries) walk(start func(r *vindex.Entries) bool, move func(r *vindex.Entries) bool, fn func(e indexEntry) bool) {
	s.err = nil
	r, _, done, err := s.reader(func() (*vindex.Entries, uint64, error) {
		r, err := s.x.NewEntries()
		return r, 0, err
	})
	if err != nil {
		s.err = err
		return
	}
	defer done()
	var d entryDecoder
	for ok := start(r); ok; ok = move(r) {
		e, err := d.decode(r.Entry(), r.Seq())
		if err != nil {
			s.err = fmt.Errorf("index on %s: %w", s.field, err)
			return
		}
		if !fn(e) {
			return
		}
	}
	s.err = r.Err()
}

// leanEntries are the entries of a lean tree (bpTree.lean) for a read at
// seq from its trim L on: those the tree holds after a seq M, and up to
// M those of the version index, merged in the tree's order. M is the
// current mark (tableLog.cur) when it is from L to seq, the index's
// current entries at M being then every entry up to M such a read needs;
// else (a trim moving the mark past seq, or changing the entries) M is
// L, and the entries up to L are every entry ever made up to it, the
// rows' past values among them, which a lookup passes by as it checks
// each candidate against its row.
type leanEntries struct {
	tree  *indexTree
	log   *tableLog
	field string
	seq   uint64
	err   error
	heldReader
}

// open opens a reader of the version index's part, at the mark it reads
// up to, which it returns.
func (s *leanEntries) open() (*vindex.Entries, uint64, error) {
	lg := s.log
	lg.cur.RLock()
	defer lg.cur.RUnlock()
	if m := lg.cur.marks[s.field]; m >= s.tree.trim && m <= s.seq {
		r, err := lg.vx.NewCurrent()
		return r, m, err
	}
	r, err := lg.vx.NewEntries()
	return r, s.tree.trim, err
}

// walk merges the version index's entries, from the reader's start and on
// with move, with the tree's after the mark, walked by treeWalk; back
// says the walks go in reverse order.
func (s *leanEntries) walk(start func(r *vindex.Entries) bool, move func(r *vindex.Entries) bool, back bool,
	treeWalk func(fn func(e indexEntry) bool), fn func(e indexEntry) bool) {
	s.err = nil
	r, mark, done, err := s.reader(s.open)
	if err != nil {
		s.err = err
		return
	}
	defer done()
	// next is the version index's next entry up to the mark.
	var x indexEntry
	var d entryDecoder
	ok := start(r)
	next := func() bool {
		for ; ok; ok = move(r) {
			if r.Seq() > mark {
				continue // the tree's
			}
			if x, err = d.decode(r.Entry(), r.Seq()); err != nil {
				s.err = fmt.Errorf("index on %s: %w", s.field, err)
				return false
			}
			ok = move(r)
			return true
		}
		s.err = r.Err()
		return false
	}
	have := next()
	stop := false // fn said to stop, or a read failed
	treeWalk(func(e indexEntry) bool {
		if e.seq <= mark {
			return true // the version index's
		}
		for ; have; have = next() {
			if c := compareEntries(&x, &e); back && c < 0 || !back && c > 0 {
				break
			}
			if !fn(x) {
				stop = true
				return false
			}
		}
		if s.err != nil || !fn(e) {
			stop = true
			return false
		}
		return true
	})
	for ; !stop && have; have = next() {
		if !fn(x) {
			return
		}
	}
}

// AscendGreaterOrEqual calls fn with each entry from the first at least
// pivot, in order, until it returns false.
func (s *leanEntries) AscendGreaterOrEqual(pivot indexEntry, fn func(e indexEntry) bool) {
	s.walk(func(r *vindex.Entries) bool { return seekEntry(r, s.log.oid, s.field, pivot) }, (*vindex.Entries).Next, false,
		func(fn func(e indexEntry) bool) { s.tree.AscendGreaterOrEqual(pivot, fn) }, fn)
}

// DescendLessOrEqual calls fn with each entry from the last at most
// pivot, in reverse order, until it returns false.
func (s *leanEntries) DescendLessOrEqual(pivot indexEntry, fn func(e indexEntry) bool) {
	s.walk(func(r *vindex.Entries) bool { return seekLastEntry(r, s.log.oid, s.field, pivot) }, (*vindex.Entries).Prev, true,
		func(fn func(e indexEntry) bool) { s.tree.DescendLessOrEqual(pivot, fn) }, fn)
}

// Descend calls fn with each entry from the last, in reverse order, until
// it returns false.
func (s *leanEntries) Descend(fn func(e indexEntry) bool) {
	s.walk(func(r *vindex.Entries) bool { return seekEnd(r, s.log.oid, s.field) }, (*vindex.Entries).Prev, true, s.tree.Descend, fn)
}

// Err reports what ended the last walk early, nil when nothing did.
func (s *leanEntries) Err() error { return s.err }
