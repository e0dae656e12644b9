package engine

import (
	"context"
	"sort"

	"github.com/driftdb/driftdb/store"
)

// HistoryRow is one version of a row, as a HistoryCursor returns it: the
// row's key, the seq and unix_ms of the event that made the version, the
// event's type, and the document after the event (none after a
// SOFT_DELETE or a TRUNCATE: Doc returns nil and Fields reads NULLs).
type HistoryRow struct {
	Row
	Type  store.EventType
	patch []byte
}

// Deleted reports whether the event left the row deleted (SOFT_DELETE,
// TRUNCATE).
func (h *HistoryRow) Deleted() bool { return h.doc == nil && h.dec == nil }

// Doc returns the document after the event, decoded, or nil when the event
// deleted the row. The map must not be changed.
func (h *HistoryRow) Doc() (map[string]any, error) {
	if h.Deleted() {
		return nil, nil
	}
	return h.Row.Doc()
}

// Change returns what the event wrote: the whole document of an INSERT,
// the merge patch of a PATCH, nil for SOFT_DELETE and TRUNCATE.
func (h *HistoryRow) Change() (map[string]any, error) {
	switch h.Type {
	case store.EventInsert:
		return h.Doc()
	case store.EventPatch:
		if h.patch == nil {
			return nil, nil
		}
		return decodeDocBytes(h.patch)
	}
	return nil, nil
}

// HistoryCursor reads the versions of a table's rows made in a span of
// seqs, a bounded chunk at a time (see HistoryCursor on View). It holds
// the table's B-trees as of its view, so writes after it change nothing.
// A cursor is used by one goroutine at a time.
type HistoryCursor struct {
	ts       *tableState
	from, to uint64
	rows     []HistoryRow
	next     int
	// after and afterSeq are the position of the last version taken (or
	// passed over); started says whether there is one.
	after    Key
	afterSeq uint64
	started  bool
	done     bool
	// err ends the cursor: a document could not be read.
	err error
}

// HistoryCursor returns a cursor over every version of every row of table
// made by an event with from < seq <= to (and seq <= the view's seq), in
// key order and, within a row, oldest first: what FOR SYSTEM_TIME BETWEEN
// and ALL read. Every event a row saw is there: INSERT and PATCH with the
// document after them, SOFT_DELETE and TRUNCATE with none. A transaction's
// own writes are not history (they are not committed): the cursor leaves
// them out.
//
// History before a table's compaction horizon is folded away: a span that
// starts before the horizon (from < Horizon(table)) fails with 22023
// naming it, as AS OF does. To read all the history there is, start at
// the horizon.
func (v *View) HistoryCursor(table string, from, to uint64) (*HistoryCursor, error) {
	ts, err := v.table(table)
	if err != nil {
		return nil, err
	}
	if ts.horizon != 0 && from < ts.horizon {
		return nil, wrapf(CodeSnapshotTooOld, ErrHorizon,
			"table %q was compacted before seq %d: history from @seq:%d is older than what it keeps", table, ts.horizon, from)
	}
	if v.txn != nil {
		v.txn.noteScan(table)
	}
	to = min(to, v.seq)
	c := &HistoryCursor{ts: v.trees(table, ts), from: from, to: to}
	if from >= to {
		c.done = true
	}
	return c, nil
}

// Next returns the next version, or nil after the last. The row is valid
// until the next call; its document must not be changed. ctx is checked
// before each chunk is read.
func (c *HistoryCursor) Next(ctx context.Context) (*HistoryRow, error) {
	for c.next >= len(c.rows) || c.err != nil {
		if c.err != nil {
			return nil, c.err
		}
		if c.done {
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
func (c *HistoryCursor) Close() {
	*c = HistoryCursor{done: true}
}

// refill takes the next chunk of versions: at most cursorChunk of them,
// after looking at most at cursorVisits rows and versions.
func (c *HistoryCursor) refill() {
	clear(c.rows)
	c.rows, c.next = c.rows[:0], 0
	visits, stopped := 0, false
	visit := func(r row) bool {
		// The first version after from (or after the last one taken, in
		// the row the last chunk stopped in).
		lo := c.from
		if c.started && r.key == c.after {
			lo = max(lo, c.afterSeq)
		} else if c.started && compareKeys(r.key, c.after) < 0 {
			return true
		}
		if r.hasGap(max(r.index(lo), 0), len(r.versions)) {
			x, err := r.expanded(c.ts.log)
			if err != nil {
				c.err, stopped = err, true
				return false
			}
			r = x
		}
		vs := r.versions
		i := sort.Search(len(vs), func(i int) bool { return vs[i].seq > lo })
		var prev []byte // the document of version i-1, when read
		for ; i < len(vs) && vs[i].seq <= c.to; i++ {
			if len(c.rows) >= cursorChunk || visits >= cursorVisits {
				stopped = true
				return false
			}
			visits++
			ver := &vs[i]
			doc, err := r.nextDoc(c.ts.log, i, prev)
			if err != nil {
				c.err, stopped = err, true
				return false
			}
			prev = doc
			c.rows = append(c.rows, HistoryRow{
				Row:   Row{Key: r.key, Seq: ver.seq, UnixMs: ver.ms, doc: doc},
				Type:  ver.typ(),
				patch: ver.patch(),
			})
			c.after, c.afterSeq, c.started = r.key, ver.seq, true
		}
		if visits >= cursorVisits {
			stopped = true
			return false
		}
		visits++
		// The whole row is taken: go on after it.
		c.after, c.afterSeq, c.started = r.key, ^uint64(0), true
		return true
	}
	if c.started {
		c.ts.rows.AscendGreaterOrEqual(row{key: c.after}, visit)
	} else {
		c.ts.rows.Ascend(visit)
	}
	if !stopped {
		c.done = true
	}
}
