package engine

import (
	"fmt"
	"math"
	"slices"
)

// A Bound is one end of an index range: a value, and whether the range
// takes it in.
type Bound struct {
	Value any
	Incl  bool
}

// rangeScan is the state of a cursor made by IndexRange.
type rangeScan struct {
	lo, hi *Bound
	desc   bool
	// last is the (value, key) of the last index entries taken: the next
	// chunk starts past them.
	last    indexEntry
	started bool
	// pend are the transaction's rows in the range, in the cursor's
	// order; pi the next one. mine holds every key the transaction wrote
	// to the table: its committed entries are not the transaction's view.
	pend []rangePending
	pi   int
	mine map[Key]bool
	// cands is scratch space for a chunk's candidates.
	cands []rangeCand
}

type rangePending struct {
	val any
	k   Key
	doc map[string]any
}

type rangeCand struct {
	val any
	key Key
	seq uint64 // the newest entry of (val, key) the view sees
}

// IndexRange returns a cursor over the live rows whose field lies between
// lo and hi (a nil bound leaves that side open; at least one is given, and
// both are of one kind: strings, numbers or booleans), in the order of the
// field's values, ascending or (desc) descending; rows of one value come
// in key order, reversed with desc. Every row is returned once, under the
// value its version at the view has. The transaction's own writes are
// merged in. Unlike IndexCursor, it holds at most a chunk of candidates at
// a time however many rows the range has.
func (v *View) IndexRange(table, field string, lo, hi *Bound, desc bool) (*Cursor, error) {
	ts, err := v.table(table)
	if err != nil {
		return nil, err
	}
	ts = v.trees(table, ts)
	idx := ts.entries(field, v.seq)
	if idx == nil {
		return nil, errorf(CodeUndefinedColumn, "table %q has no index on %q", table, field)
	}
	switch {
	case lo == nil && hi == nil:
		return nil, fmt.Errorf("engine: an index range needs a bound")
	case lo != nil && hi != nil && kindOf(lo.Value) != kindOf(hi.Value):
		return nil, fmt.Errorf("engine: index range bounds of two kinds (%T, %T)", lo.Value, hi.Value)
	}
	for _, b := range []*Bound{lo, hi} {
		if b == nil {
			continue
		}
		switch kindOf(b.Value) {
		case kindString, kindNumber, kindBool:
		default:
			return nil, fmt.Errorf("engine: an index range bound is a string, a number or a boolean, not %T", b.Value)
		}
	}
	if v.txn != nil {
		v.txn.noteScan(table)
	}
	rs := &rangeScan{lo: lo, hi: hi, desc: desc}
	if lo == nil {
		rs.lo = &Bound{Value: kindMin(hi.Value), Incl: true}
	}
	for _, p := range v.pendingSorted(table) {
		if rs.mine == nil {
			rs.mine = map[Key]bool{}
		}
		rs.mine[p.k] = true
		if p.p.doc == nil {
			continue
		}
		if val, ok := lookupPath(p.p.doc, field); ok && rs.within(val) {
			rs.pend = append(rs.pend, rangePending{val, p.k, p.p.doc})
		}
	}
	slices.SortStableFunc(rs.pend, func(a, b rangePending) int { return rs.order(a.val, a.k, b.val, b.k) })
	c := &Cursor{v: v, ts: ts, idx: idx, field: field, rng: rs}
	if v.truncated(table) {
		// The transaction truncated the table: only its own rows are left.
		c.trunc, c.done = true, true
		c.rangeRows(nil, false)
	}
	return c, nil
}

// kindMin is the least value of v's kind in an index.
func kindMin(v any) any {
	switch kindOf(v) {
	case kindString:
		return ""
	case kindBool:
		return false
	}
	return math.Inf(-1)
}

// within reports whether a value is in the range.
func (rs *rangeScan) within(v any) bool {
	if c, ok := CompareValues(v, rs.lo.Value); !ok || c < 0 || c == 0 && !rs.lo.Incl {
		return false
	}
	if rs.hi != nil {
		if c, ok := CompareValues(v, rs.hi.Value); !ok || c > 0 || c == 0 && !rs.hi.Incl {
			return false
		}
	}
	return true
}

// order compares two (value, key) pairs in the cursor's order.
func (rs *rangeScan) order(av any, ak Key, bv any, bk Key) int {
	c := SortCompare(av, bv)
	if c == 0 {
		c = compareKeys(ak, bk)
	}
	if rs.desc {
		return -c
	}
	return c
}

// rangeChunk reads the next chunk of a range: the candidates of up to
// cursorChunk (value, key) pairs from the index, their rows as of the
// view, and the transaction's rows that come before the last of them.
func (c *Cursor) rangeScanChunk() {
	rs := c.rng
	seq := c.v.seq
	cands := rs.cands[:0]
	visits, stopped, seen := 0, false, false
	var cur indexEntry
	visit := func(e indexEntry) bool {
		if !rs.within(e.val) {
			// Past the range on the side the walk goes to; before it (a
			// strict lower bound's own value) on the other.
			if c, ok := CompareValues(e.val, rs.lo.Value); ok && c == 0 && !rs.desc {
				return true
			}
			if rs.hi != nil {
				if c, ok := CompareValues(e.val, rs.hi.Value); ok && c == 0 && rs.desc {
					return true
				}
			}
			return false
		}
		same := seen && e.key == cur.key && SortCompare(e.val, cur.val) == 0
		if rs.started && e.key == rs.last.key && SortCompare(e.val, rs.last.val) == 0 {
			return true // the last chunk's final pair
		}
		if !same {
			if len(cands) >= cursorChunk || visits >= cursorVisits {
				stopped = true
				return false
			}
			visits++
		}
		cur, seen = e, true
		if e.seq > seq || rs.mine[e.key] {
			return true
		}
		if n := len(cands); same && n > 0 && cands[n-1].key == e.key {
			cands[n-1].seq = max(cands[n-1].seq, e.seq)
		} else {
			cands = append(cands, rangeCand{val: e.val, key: e.key, seq: e.seq})
		}
		return true
	}
	switch {
	case !rs.desc && rs.started:
		c.idx.AscendGreaterOrEqual(newEntry(rs.last.val, rs.last.key, 0), visit)
	case !rs.desc:
		c.idx.AscendGreaterOrEqual(newEntry(rs.lo.Value, minKey, 0), visit)
	case rs.started:
		c.idx.DescendLessOrEqual(newEntry(rs.last.val, rs.last.key, math.MaxUint64), visit)
	case rs.hi != nil:
		c.idx.DescendLessOrEqual(newEntry(rs.hi.Value, maxKey, math.MaxUint64), visit)
	default:
		c.descendKind(visit)
	}
	if err := c.idx.Err(); err != nil {
		c.err = err
		return
	}
	if seen {
		rs.last, rs.started = cur, true
	}
	rs.cands = cands
	c.rangeRows(cands, stopped)
	if !stopped {
		c.done = true
	}
}

// descendKind walks the index downwards from the greatest value of the
// lower bound's kind.
func (c *Cursor) descendKind(visit func(indexEntry) bool) {
	k := kindOf(c.rng.lo.Value)
	c.idx.Descend(func(e indexEntry) bool {
		if kindOf(e.val) != k {
			return kindOf(e.val) > k // above the kind: go on down
		}
		return visit(e)
	})
}

// rangeRows adds the rows of a chunk's candidates, each checked against
// its version at the view, merged with the transaction's rows that come
// before each of them (a row of the transaction that comes after a
// chunk's last candidate comes with the next chunk, before its first).
func (c *Cursor) rangeRows(cands []rangeCand, more bool) {
	rs := c.rng
	c.keys = slices.Grow(c.keys[:0], len(cands))
	for _, cd := range cands {
		c.keys = append(c.keys, cd.key)
	}
	c.found = slices.Grow(c.found[:0], len(c.keys))[:len(c.keys)]
	c.ts.findAll(c.keys, c.found)
	for i, cd := range cands {
		c.addPendingBefore(cd.val, cd.key)
		seq, ms, doc, err := c.found[i].docAt(c.ts.log, c.v.seq) // point reads, through the cache
		if err != nil {
			c.fail(err)
			return
		}
		if len(doc) == 0 {
			continue
		}
		r := Row{Key: cd.key, Seq: seq, UnixMs: ms, doc: doc}
		if seq != cd.seq && !matchField(&r, c.field, OpEq, cd.val) {
			continue // the row's value at the view is another
		}
		c.add(r)
	}
	clear(c.found)
	if !more {
		// The index is done: the transaction's rows left come last.
		for rs.pi < len(rs.pend) {
			p := rs.pend[rs.pi]
			rs.pi++
			c.add(Row{Key: p.k, Seq: c.v.seq + 1, dec: p.doc})
		}
	}
}

// addPendingBefore adds the transaction's rows that come before (val, k).
func (c *Cursor) addPendingBefore(val any, k Key) {
	rs := c.rng
	for rs.pi < len(rs.pend) && rs.order(rs.pend[rs.pi].val, rs.pend[rs.pi].k, val, k) < 0 {
		p := rs.pend[rs.pi]
		rs.pi++
		c.add(Row{Key: p.k, Seq: c.v.seq + 1, dec: p.doc})
	}
}
