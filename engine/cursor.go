package engine

import (
	"context"
	"slices"
)

// cursorChunk is how many rows a Cursor takes from its table at a time:
// the rows a cursor holds at once, whatever the size of the table.
const cursorChunk = 256

// cursorFirstChunk is how many rows a plain cursor takes first; each
// chunk after takes twice as many, up to cursorChunk: a LIMIT of a few
// rows reads few more (in descending order, each row through a present
// file is a search of its block).
const cursorFirstChunk = 16

// cursorVisits bounds the B-tree rows or index entries one refill looks
// at, so that a stretch of deleted or filtered-out rows does not keep Next
// from checking its context for long.
const cursorVisits = 16 * cursorChunk

// maxRangeCandidates bounds the keys a range lookup (<, <=, >, >=) gathers
// from an index before reading their rows: they must come in key order,
// and the index holds them in value order. Past it the cursor reads the
// table in key order instead and checks the condition on each row, which
// returns the same rows with bounded memory.
const maxRangeCandidates = 16384

// Cursor reads the live rows of a table in key order, a bounded chunk at a
// time, as a view sees them: it returns exactly the rows View.Scan, or
// View.IndexLookup for an index cursor, would pass to their callback. A
// cursor holds the table's state as of its view (immutable copy-on-write
// B-trees), so rows written after it was made change nothing, and it can
// be read from slowly, or in parts, for as long as its holder likes. The
// writes of the view's own transaction are taken when the cursor is made.
//
// A cursor is used by one goroutine at a time.
type Cursor struct {
	v  *View
	ts *tableState
	// pending holds the transaction's writes to the table, in key order;
	// pi is the next one to merge in.
	pending []keyedPending
	pi      int
	// trunc: the transaction truncated the table, so its rows are only
	// those in pending.
	trunc bool

	// rows is the current chunk; next is the index of the next row to
	// return.
	rows []Row
	next int
	// walk is a plain cursor's place in the table's rows (walking says
	// whether it has started) and rest the rows of its current leaf not
	// yet looked at; done is set once the table has no more. inRange says
	// a row of the walk was not before its key range.
	walk             rowIter
	rest             []row
	walking, inRange bool
	done             bool
	// desc: a plain cursor reads its rows in descending key order
	// (Reverse); pending is then in that order too.
	desc bool
	// chunk is how many rows a plain cursor's next chunk takes.
	chunk int
	// started says whether an equality cursor took an index entry
	// (lastEntry).
	started bool

	// Index cursors: field, op and value are the condition. For an
	// equality, the index is walked a chunk of keys at a time; for a
	// range, cands are the candidate keys in key order (ci the next one).
	// filter, when set, makes the cursor a scan that keeps the rows
	// meeting the condition.
	// where are the predicates rows must pass (Where, Bound); live
	// counts those not lifted, dropped the rows they have dropped.
	where   []Pred
	live    int
	dropped int64
	// keys0 limits a plain cursor to a range of keys (KeyRange).
	keys0 *keyBounds
	// rng is the state of an IndexRange cursor.
	rng *rangeScan

	idx    entrySource
	field  string
	op     Op
	value  any
	cands  []candidate
	ci     int
	filter bool
	// lastEntry is the last index entry an equality cursor took.
	lastEntry indexEntry
	// keys and found are scratch space for lookups by key (findAll).
	keys  []Key
	found []row
	// newest reads the documents that are not in memory (the rows' newest
	// left to the version index, or an INSERT's in the log), for the chunk
	// being read; slab holds copies of those the chunk keeps, written over
	// by the next chunk (Row.borrowed).
	newest newestReader
	slab   []byte
	// noDocs: the caller reads no row's document (NoDocuments).
	noDocs bool
	// err ends the cursor: a document could not be read.
	err error
}

// candidate is a key an index entry leads to, with the newest seq of the
// entries that led to it (see View.IndexLookup).
type candidate struct {
	key Key
	seq uint64
}

// Cursor returns a cursor over every live row of table, in key order.
func (v *View) Cursor(table string) (*Cursor, error) {
	ts, err := v.table(table)
	if err != nil {
		return nil, err
	}
	if v.txn != nil {
		v.txn.noteScan(table)
	}
	return &Cursor{v: v, ts: v.trees(table, ts), pending: v.pendingSorted(table), trunc: v.truncated(table)}, nil
}

// IndexCursor returns a cursor over the live rows whose field compares to
// value by op, in key order: the rows IndexLookup passes to its callback.
// It fails if the field has no index.
func (v *View) IndexCursor(table, field string, op Op, value any) (*Cursor, error) {
	ts, err := v.table(table)
	if err != nil {
		return nil, err
	}
	ts = v.trees(table, ts)
	idx := ts.entries(field, v.seq)
	if idx == nil {
		return nil, errorf(CodeUndefinedColumn, "table %q has no index on %q", table, field)
	}
	if v.txn != nil {
		v.txn.noteScan(table)
	}
	c := &Cursor{v: v, ts: ts, field: field, op: op, value: value}
	if v.txn != nil && (v.txn.pending.count(table) > 0 || v.truncated(table)) {
		// The transaction's own writes are not indexed: scan instead.
		c.pending, c.filter, c.trunc = v.pendingSorted(table), true, v.truncated(table)
		return c, nil
	}
	c.idx = idx
	if op != OpEq && !c.gatherRange() {
		c.idx, c.cands, c.filter = nil, nil, true
	}
	return c, nil
}

// Next returns the next row, or nil after the last. The row is valid until
// the next call; its document must not be changed. ctx is checked before
// each chunk is read: Next fails with ctx's error once it is done.
func (c *Cursor) Next(ctx context.Context) (*Row, error) {
	for c.next >= len(c.rows) || c.err != nil {
		if c.err != nil {
			return nil, c.err
		}
		if c.done && c.pi >= len(c.pending) {
			c.rows = nil
			return nil, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c.refill()
	}
	r := &c.rows[c.next]
	c.next++
	return r, nil
}

// Close releases what the cursor holds; Next then returns nil.
func (c *Cursor) Close() {
	c.newest.release()
	*c = Cursor{done: true}
}

// fail ends the cursor with err: Next returns it.
func (c *Cursor) fail(err error) {
	c.err, c.done, c.pi = err, true, len(c.pending)
}

// refill reads the next chunk of rows.
func (c *Cursor) refill() {
	clear(c.rows) // let the documents of the last chunk go
	c.rows, c.next, c.slab = c.rows[:0], 0, c.slab[:0]
	switch {
	case c.rng != nil:
		c.rangeScanChunk()
	case c.idx == nil:
		c.scanChunk()
	case c.op == OpEq:
		c.equalChunk()
	default:
		c.rangeChunk()
	}
	// The index's reader goes back after each chunk; the present file's
	// once the cursor is done.
	if c.done {
		c.newest.release()
	} else {
		c.newest.releaseIndex()
	}
}

// NoDocuments tells a cursor that its caller reads nothing of its rows
// but their keys, seqs and times (a count): a plain cursor then reads no
// document that is not in memory (the present file's, the index's, the
// log's), where it would read one a row, and an index equality none of a
// row whose version at the view is the one its entry was made by. The rows' Fields are then all
// missing, and Doc fails. It is called before the first Next.
func (c *Cursor) NoDocuments() { c.noDocs = true }

// Reverse makes a plain cursor (View.Cursor, View.KeyRange) return its
// rows in descending key order. It must be called before the first Next.
func (c *Cursor) Reverse() error {
	if c.idx != nil || c.rng != nil || c.filter || c.walking || c.done {
		return errorf(CodeInternal, "engine: only a plain cursor not yet read reverses")
	}
	c.desc = true
	slices.Reverse(c.pending)
	return nil
}

// order compares two keys in the order the cursor returns its rows.
func (c *Cursor) order(a, b Key) int {
	if c.desc {
		return compareKeys(b, a)
	}
	return compareKeys(a, b)
}

// scanChunk takes the next rows from the table's B-tree, merging in the
// transaction's writes, as View.Scan does; from the last key down when
// the cursor is reversed.
func (c *Cursor) scanChunk() {
	if c.done {
		// Only writes of the transaction past the table's last key remain.
		c.emitPending(nil)
		return
	}
	if !c.walking {
		var from *row
		switch {
		case c.keys0 == nil:
		case !c.desc && c.keys0.lo != nil:
			from = &row{key: *c.keys0.lo}
		case c.desc && c.keys0.hi != nil:
			from = &row{key: *c.keys0.hi}
		}
		if c.desc {
			c.walk = c.ts.rows.seekBack(from)
		} else {
			c.walk = c.ts.rows.seek(from)
		}
		c.walking, c.inRange = true, false
		c.newest.pr.ascend = !c.desc // the rows' keys, and so those looked for
		if c.rows == nil {
			c.rows = make([]Row, 0, c.keys0.span())
		}
	}
	seq := c.v.seq
	visits := 0
	c.chunk = min(max(2*c.chunk, cursorFirstChunk), cursorChunk)
	for {
		if len(c.rest) == 0 {
			if c.desc {
				c.rest = c.walk.prev()
			} else {
				c.rest = c.walk.next()
			}
			if c.rest == nil {
				c.done = true
				c.emitPending(nil)
				return
			}
		}
		rs := c.rest
		for j := range rs {
			i := j
			if c.desc {
				i = len(rs) - 1 - j // a leaf's rows up to the walk, from the end
			}
			if len(c.rows) >= c.chunk || visits >= cursorVisits {
				if c.desc {
					c.rest = rs[:i+1]
				} else {
					c.rest = rs[i:]
				}
				return
			}
			r := &rs[i]
			if c.keys0 != nil {
				// The walk starts at the range's first bound: once a row
				// is not before it, none after is.
				if !c.inRange {
					if c.desc && c.keys0.above(r.key) || !c.desc && c.keys0.below(r.key) {
						continue
					}
					c.inRange = true
				}
				if c.desc && c.keys0.below(r.key) || !c.desc && c.keys0.above(r.key) {
					c.rest, c.done = nil, true // the end of the range
					c.emitPending(nil)
					return
				}
			}
			visits++
			if c.pi < len(c.pending) {
				c.emitPending(&r.key)
				if c.pi < len(c.pending) && c.pending[c.pi].k == r.key {
					p := c.pending[c.pi]
					c.pi++
					if p.p.doc != nil {
						c.add(Row{Key: r.key, Seq: seq + 1, dec: p.p.doc})
					}
					continue
				}
			}
			if c.trunc {
				continue
			}
			if c.noDocs && len(c.where) == 0 && !c.filter {
				if v, known := r.liveAt(seq); known {
					if v != nil {
						c.add(Row{Key: r.key, Seq: v.seq, UnixMs: v.ms})
					}
					continue
				}
			}
			if n := r.newest(); n.seq <= seq && n.hasDoc() { // the present, held
				c.add(Row{Key: r.key, Seq: n.seq, UnixMs: n.ms, doc: n.doc()})
				continue
			}
			vseq, ms, doc, err := c.newest.docAt(c.ts.log, r, seq)
			if err != nil {
				c.fail(err)
				return
			}
			if doc == nil {
				continue
			}
			// The document is lent until the reader moves on: the
			// conditions are checked on it where it is, and a row kept
			// takes a copy.
			if c.filter && !matchField(&Row{doc: doc, borrowed: true}, c.field, c.op, c.value) || !c.passDoc(doc) {
				continue
			}
			c.rows = append(c.rows, Row{Key: r.key, Seq: vseq, UnixMs: ms, doc: slabCopy(&c.slab, doc), borrowed: true})
		}
		c.rest = nil
	}
}

// emitPending adds the transaction's rows with keys before upto, in the
// cursor's order (all of them when upto is nil).
func (c *Cursor) emitPending(upto *Key) {
	for c.pi < len(c.pending) && (upto == nil || c.order(c.pending[c.pi].k, *upto) < 0) {
		p := c.pending[c.pi]
		c.pi++
		if p.p.doc != nil {
			c.add(Row{Key: p.k, Seq: c.v.seq + 1, dec: p.p.doc})
		}
	}
}

// add appends a row to the chunk, keeping the rows that a filtering
// cursor's condition holds for.
func (c *Cursor) add(r Row) {
	if c.filter && !matchField(&r, c.field, c.op, c.value) || len(c.where) > 0 && !c.pass(&r) {
		return
	}
	c.rows = append(c.rows, r)
}

// equalChunk reads the rows of the next keys an equality's index entries
// lead to. The entries of one value come in key order, and the entries of
// one key side by side, oldest first: a chunk ends between two keys, and
// the next one starts after the last entry of the last key taken.
func (c *Cursor) equalChunk() {
	seq := c.v.seq
	cands := c.cands[:0]
	if cands == nil {
		cands = make([]candidate, 0, 16) // most equalities find few keys
	}
	keys, stopped := 0, false
	var cur indexEntry // the last entry visited
	var lo indexEntry
	if c.started {
		lo = c.lastEntry // its prefix made already
		lo.seq = ^uint64(0)
	} else {
		lo = newEntry(c.value, minKey, 0)
	}
	c.idx.AscendGreaterOrEqual(lo, func(e indexEntry) bool {
		if cmp, ok := CompareValues(e.val, c.value); !ok || cmp != 0 {
			return false
		}
		if keys == 0 || e.key != cur.key {
			if len(cands) >= cursorChunk || keys >= cursorVisits {
				stopped = true
				return false
			}
			keys++
		}
		cur = e
		if e.seq > seq {
			return true // newer than the view
		}
		if n := len(cands); n > 0 && cands[n-1].key == e.key {
			cands[n-1].seq = max(cands[n-1].seq, e.seq)
		} else {
			cands = append(cands, candidate{e.key, e.seq})
		}
		return true
	})
	if err := c.idx.Err(); err != nil {
		c.err = err
		return
	}
	if keys > 0 {
		c.lastEntry, c.started = cur, true
	}
	c.cands = cands
	c.rowsOf(cands)
	if !stopped {
		c.done = true
	}
}

// gatherRange collects the candidate keys of a range condition, in key
// order, as View.IndexLookup does. It reports false, having kept nothing,
// when there are more than maxRangeCandidates.
func (c *Cursor) gatherRange() bool {
	seq := c.v.seq
	seen := map[Key]int{} // index in cands
	var cands []candidate
	over := false
	visit := func(e indexEntry) bool {
		if e.seq > seq {
			return true
		}
		if i, ok := seen[e.key]; ok {
			cands[i].seq = max(cands[i].seq, e.seq)
			return true
		}
		if len(cands) >= maxRangeCandidates {
			over = true
			return false
		}
		seen[e.key] = len(cands)
		cands = append(cands, candidate{e.key, e.seq})
		return true
	}
	switch c.op {
	case OpGt, OpGe:
		c.idx.AscendGreaterOrEqual(newEntry(c.value, minKey, 0), func(e indexEntry) bool {
			cmp, ok := CompareValues(e.val, c.value)
			if !ok {
				return false // past the values of this kind
			}
			return !c.op.holds(cmp) || visit(e)
		})
	case OpLt, OpLe:
		c.idx.DescendLessOrEqual(newEntry(c.value, maxKey, ^uint64(0)), func(e indexEntry) bool {
			cmp, ok := CompareValues(e.val, c.value)
			if !ok {
				return false
			}
			return !c.op.holds(cmp) || visit(e)
		})
	}
	if err := c.idx.Err(); err != nil {
		c.err = err // Next returns it
		return true
	}
	if over {
		return false
	}
	slices.SortFunc(cands, func(a, b candidate) int { return compareKeys(a.key, b.key) })
	c.cands = cands
	return true
}

// rangeChunk reads the rows of the next chunk of a range's candidates.
func (c *Cursor) rangeChunk() {
	end := min(c.ci+cursorChunk, len(c.cands))
	c.rowsOf(c.cands[c.ci:end])
	c.ci = end
	if c.ci == len(c.cands) {
		c.done = true
		c.cands = nil
	}
}

// rowsOf adds the rows of candidate keys at the view's seq: a row whose
// version was made at its candidate's seq holds the entry's value, which
// meets the condition; any other is checked.
func (c *Cursor) rowsOf(cands []candidate) {
	c.keys = slices.Grow(c.keys[:0], len(cands))
	for _, cd := range cands {
		c.keys = append(c.keys, cd.key)
	}
	c.found = slices.Grow(c.found[:0], len(c.keys))[:len(c.keys)]
	c.rows = slices.Grow(c.rows, len(cands))
	c.ts.findAll(c.keys, c.found)
	for i, cd := range cands {
		if c.noDocs && len(c.where) == 0 {
			// The row's version at the view made the entry: it has the
			// value, and a count needs no more of it.
			r := &c.found[i] // a key not found: a row with no version
			if v, _ := r.liveAt(c.v.seq); v != nil && v.seq == cd.seq {
				c.rows = append(c.rows, Row{Key: cd.key, Seq: v.seq, UnixMs: v.ms})
				continue
			}
		}
		seq, ms, doc, err := c.found[i].docAt(c.ts.log, c.v.seq) // few and apart: point reads, through the cache
		if err != nil {
			c.fail(err)
			return
		}
		if len(doc) == 0 {
			continue
		}
		c.rows = append(c.rows, Row{Key: cd.key, Seq: seq, UnixMs: ms, doc: doc})
		last := &c.rows[len(c.rows)-1]
		if seq != cd.seq && !matchField(last, c.field, c.op, c.value) || len(c.where) > 0 && !c.pass(last) {
			c.rows = c.rows[:len(c.rows)-1]
		}
	}
	clear(c.found)
}
