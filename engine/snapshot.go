package engine

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime"
	"runtime/debug"
	"slices"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// Snapshot content (before the store compresses and checksums it), one
// msgpack stream:
//
//	header  map {"v": 3, "table": name, "seq": S, "horizon": H,
//	             "cols": [[field, type, declared], ...], "rows": N}
//	N rows  array [key, [[seq, unix_ms, type, doc|nil, patch|nil|true], ...]]
//
// A whole snapshot (v 3) holds every version with seq <= S since the
// horizon, so that time travel works the same after a reopen. An INSERT
// after the horizon that is not the last version of its row written has
// no document and true for its patch: its document is its record's, read
// from the log when needed. A PATCH has its patch, and its document only
// if the row kept it (chain.go); the last version of a row has its
// document. A whole snapshot of v 1, from before, has every version's
// document; it still loads.
//
// A whole snapshot of v 5 (with "indexed": I) is one of v 3 written when
// the version index held the table's versions up to I (versionindex.go):
// each run of versions after the horizon and at or below I, but the last
// of its row written, is a gap, [seq, unix_ms, 0, nil, n]: the seq and
// time of the run's first version and how many versions it has; the
// versions are the index's, and a loaded row holds the gap (version.gap)
// in their place. "times" is the timeline of the versions in gaps, as
// (unix_ms, seq) pairs where unix_ms changes (db.go). It loads only when
// the index still holds the table up to I at the same horizon, or after
// the table's versions are put into it again from the log.
//
// A whole snapshot of v 6 is one of v 5 in which a row's last version,
// too, has no document and true for its patch when it is an INSERT after
// the horizon and at or below I: a row loaded from it leaves that
// document to its record in the log (version.leaves), so the snapshot
// need not copy it (9 million rows imported: 755 MB of the snapshot's
// 84 bytes a row were their documents). A snapshot of v 5, from before,
// still loads.
//
// A whole snapshot of v 4 (with "indexed": I), from before, is one of v 3
// whose versions at or below I that are not their row's last written and
// have a document or a patch have false for their patch and no document;
// their bytes are the index's. It loads as v 5, each run of them a gap.
//
// A delta (v 2, with "base": B) holds the versions with B < seq <= S, by
// row, each with its document and patch: it is the snapshot at B with
// those versions added to their rows (a row it names that B lacks is
// new). B is the snapshot before it, whole or a delta; a chain starts at
// a whole one. Indexes are rebuilt from the rows, or read from the index
// files of the whole snapshot and brought up with the deltas' versions.
const (
	snapshotVersion = 3
	deltaVersion    = 2
	// wholeGaps is a whole snapshot whose rows leave the versions the
	// version index holds, up to its "indexed" seq, to it: gaps.
	wholeGaps = 5
	// wholeLogged is wholeGaps whose rows' last versions leave the
	// documents of INSERTs the index holds to the log too.
	wholeLogged = 6
	// wholeIndexed is a whole snapshot whose versions' bytes are in the
	// version index up to its "indexed" seq, from before gaps.
	wholeIndexed = 4
	// wholeV1 is a whole snapshot with every version's bytes.
	wholeV1 = 1
)

// gapped reports whether a whole snapshot of version v holds gaps.
func gapped(v int) bool { return v == wholeGaps || v == wholeLogged }

type snapshotHeader struct {
	V       int        `msgpack:"v"`
	Table   string     `msgpack:"table"`
	Seq     uint64     `msgpack:"seq"`
	Base    uint64     `msgpack:"base,omitempty"`
	Horizon uint64     `msgpack:"horizon"`
	Indexed uint64     `msgpack:"indexed,omitempty"`
	Times   []int64    `msgpack:"times,omitempty"`
	Cols    [][]string `msgpack:"cols"`
	Rows    int        `msgpack:"rows"`
}

// timePoints returns the header's timeline of the versions in gaps.
func (h *snapshotHeader) timePoints() []timePoint {
	pts := make([]timePoint, 0, len(h.Times)/2)
	for i := 0; i+1 < len(h.Times); i += 2 {
		pts = append(pts, timePoint{ms: h.Times[i], firstSeq: uint64(h.Times[i+1])})
	}
	return pts
}

// snapChain is what a table knows of its snapshots: the newest whole one
// (full, with fullVersions versions), the deltas written on it since
// (deltas of them, deltaVersions versions in all; the newest snapshot,
// whole or not, is tableState.lastSnap), prev the snapshot before full,
// which is kept, and the horizon full was written at.
type snapChain struct {
	full, prev                  uint64
	fullVersions, deltaVersions int
	deltas                      int
	horizon                     uint64
	// gaps: the whole snapshot left versions to the version index
	// (wholeGaps). A table the index holds needs such a one, or it loads
	// every version back into memory.
	gaps bool
}

// freeAfterSpill is how many rows a table's first spill must trim for the
// memory they let go to be given back at once (a collection of the whole
// heap): small tables that spill at their first snapshot
// (Options.SpillAbove 0) do not each pay one.
const freeAfterSpill = 1 << 16

// freeAfterEntries is how many index entries a snapshot's trim must let
// go of for that memory to be given back at once too: the first trim of
// a tree built from the rows (9 million rows: the tree of 9 million
// entries, 0.5 GB of RSS kept otherwise), not the trim of the entries a
// table's writes make between two snapshots. So for an index built into
// the version index (buildIndexed), whose runs, sorted in memory, are
// let go of when it is done.
const freeAfterEntries = 1 << 20

// maxDeltas bounds a chain: opening the table reads every delta of it.
const maxDeltas = 16

// deltaBase returns the snapshot a delta at seq would build on (last, the
// table's newest snapshot), and how
// many versions it may hold before a whole snapshot is the better choice:
// the deltas of a chain hold at most half as many versions as its whole
// snapshot, so that loading the chain costs at most half as much again as
// loading the whole one, and the snapshots written add up to a few times
// the table.
// base is 0 when the next snapshot must be whole.
func (c snapChain) deltaBase(last, seq, horizon uint64) (base uint64, budget int) {
	if c.full == 0 || last >= seq || c.horizon != horizon || c.deltas >= maxDeltas || 2*c.deltaVersions >= c.fullVersions {
		return 0, 0
	}
	return last, c.fullVersions/2 - c.deltaVersions
}

// yielder lets a long pass over a table (a snapshot, an index checkpoint)
// give up its processor every yieldEvery items: the goroutines serving
// clients run in between, where the scheduler would otherwise let the pass
// run for a whole time slice (10 ms) while they wait.
type yielder int

const yieldEvery = 256

func (y *yielder) tick() {
	if *y++; *y%yieldEvery == 0 {
		runtime.Gosched()
	}
}

// writeSnapshotData encodes ts as of seq: a delta on the snapshot at base
// when base is not 0 and at most budget versions were made since it, else
// the whole table, leaving out the bytes of the versions the version
// index holds when indexed (the seq it holds the table to) is not 0;
// such a whole snapshot's newest documents go to the present writer
// present gives (nil, or giving nil: none). It returns the versions
// written and whether they are a delta, and the snapshot's header.
func writeSnapshotData(w io.Writer, ts *tableState, seq, base uint64, budget int, indexed uint64, present func() *presentWriter) (int, snapshotHeader, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := msgpack.NewEncoder(bw)
	h := snapshotHeader{V: snapshotVersion, Table: ts.spec.Name, Seq: seq, Horizon: ts.horizon}
	for _, c := range ts.cols.cols {
		d := ""
		if c.Declared {
			d = "declared"
		}
		h.Cols = append(h.Cols, []string{c.Field, string(c.Type), d})
	}
	// Count first, then encode in a second walk: no copy of the rows. A
	// row goes in with its versions after since (0: all) up to seq. A
	// delta's count walks the rows written since its base (AscendSince);
	// a whole snapshot's, when there is no delta to write, walks them all
	// and gathers the timeline of the versions it leaves to the index.
	var whole, onBase struct{ rows, versions int }
	var y yielder
	var err error
	if base != 0 {
		ts.rows.AscendSince(base, func(r row) bool {
			y.tick()
			var from, to int
			if _, from, to, err = snapshotRow(ts.log, &r, base, seq, 0); err != nil {
				return false
			}
			if to > from {
				onBase.rows++
				onBase.versions += to - from
			}
			return true
		})
		if err != nil {
			return 0, h, err
		}
	}
	since, versions := base, onBase.versions
	if base == 0 || onBase.versions > budget {
		times := newGapTimeline(ts.gapTimes)
		ts.rows.Ascend(func(r row) bool {
			y.tick()
			var wr row
			var to int
			if wr, _, to, err = snapshotRow(ts.log, &r, 0, seq, indexed); err != nil {
				return false
			}
			if to > 0 {
				whole.rows++
				wholeElems(&wr, to, ts.horizon, indexed, func(i, j int, gap bool) error {
					whole.versions++
					if gap {
						times.add(wr.versions[i:j])
					}
					return nil
				})
			}
			return true
		})
		if err != nil {
			return 0, h, err
		}
		since, versions = 0, whole.versions
		h.Rows = whole.rows
		if indexed != 0 {
			h.V, h.Indexed, h.Times = wholeLogged, indexed, times.points()
		}
	} else {
		h.V, h.Base, h.Rows = deltaVersion, base, onBase.rows
	}
	var pw *presentWriter // the rows' newest documents, for a present file
	if h.V == wholeLogged && present != nil {
		pw = present()
	}
	if err := enc.Encode(&h); err != nil {
		return 0, h, err
	}
	var nr newestReader // the documents rows left to the index, in key order
	defer nr.release()
	wrote := 0
	ts.rows.AscendSince(since, func(r row) bool { // every row when whole
		y.tick()
		var from, to int
		if r, from, to, err = snapshotRow(ts.log, &r, since, seq, h.Indexed); err != nil || to == from {
			return err == nil
		}
		enc.EncodeArrayLen(2)
		if r.key.IsInt {
			err = enc.EncodeInt64(r.key.Int) // the form Encode gives an int64
		} else {
			err = enc.EncodeString(r.key.Str)
		}
		if err != nil {
			return false
		}
		if since == 0 {
			n := 0
			wholeElems(&r, to, ts.horizon, h.Indexed, func(int, int, bool) error { n++; return nil })
			enc.EncodeArrayLen(n)
			err = writeWholeRow(enc, ts, &nr, &r, to, h.Indexed, pw)
			if wrote++; wrote%releaseEvery == 0 {
				nr.release() // not to hold the index's files for the whole walk
			}
			return err == nil
		}
		// A delta's versions are written with their whole documents: its
		// rows stand alone, whatever the rows let go of in memory.
		enc.EncodeArrayLen(to - from)
		var prev []byte
		for i := from; i < to && err == nil; i++ {
			var doc []byte
			if doc, err = r.nextDoc(ts.log, i, prev); err != nil {
				break
			}
			prev = doc
			v := &r.versions[i]
			encodeVersion(enc, v, doc)
			err = encodeBytesOrNil(enc, v.patch())
		}
		return err == nil
	})
	if err != nil {
		return 0, h, err
	}
	return versions, h, bw.Flush()
}

// snapshotRow returns r as a snapshot writes it, with the span of its
// versions written: those after since (0: a whole snapshot) up to seq.
// The gaps of a row stay gaps in a whole snapshot the version index holds
// (indexed not 0); r is expanded (its gaps read from the index) where the
// versions written would include a gap the snapshot cannot hold: any in a
// delta or a whole snapshot without the index, and a gap as the last
// version written, which must have its document.
func snapshotRow(lg *tableLog, r *row, since, seq, indexed uint64) (row, int, int, error) {
	from, to := r.index(since)+1, r.index(seq)+1
	lo := from
	if since != 0 {
		lo = max(from-1, 0) // a gap the delta starts in
	}
	if from < to && (r.versions[to-1].gap() || (since != 0 || indexed == 0) && r.hasGap(lo, to)) {
		x, err := r.expanded(lg)
		if err != nil {
			return row{}, 0, 0, err
		}
		return x, x.index(since) + 1, x.index(seq) + 1, nil
	}
	return *r, from, to, nil
}

// wholeElems calls fn with each element of r's versions before to, as a
// whole snapshot writes them: a version (i, i+1, false), or a gap of the
// versions i to j-1 (true) when the version index holds them (indexed
// not 0: it holds the table up to indexed), all but the last written
// after the horizon. A gap of the row is always in one of those: the
// index holds it, and snapshotRow expanded it otherwise.
func wholeElems(r *row, to int, horizon, indexed uint64, fn func(i, j int, gap bool) error) error {
	inGap := func(k int) bool {
		v := &r.versions[k]
		return indexed != 0 && k < to-1 && v.seq > horizon && v.seq <= indexed
	}
	for i := 0; i < to; {
		j := i
		for j < to && inGap(j) {
			j++
		}
		if j > i {
			if err := fn(i, j, true); err != nil {
				return err
			}
			i = j
			continue
		}
		if err := fn(i, i+1, false); err != nil {
			return err
		}
		i++
	}
	return nil
}

// writeWholeRow writes the versions of r up to (not including) to, for a
// whole snapshot, as the row holds them: a document where the row holds
// one, for an INSERT whose document is read from the log (inLogAt) true
// in place of its patch, and for the versions the version index holds
// (indexed not 0, see wholeElems) a gap. The last version written has
// its whole document, but an INSERT that the index holds (a row loaded
// then leaves it to the log, version.leaves); it goes to pw too (nil for
// no present file).
func writeWholeRow(enc *msgpack.Encoder, ts *tableState, nr *newestReader, r *row, to int, indexed uint64, pw *presentWriter) error {
	return wholeElems(r, to, ts.horizon, indexed, func(i, j int, gap bool) error {
		v := &r.versions[i]
		if gap {
			encodeVersion(enc, &version{seq: v.seq, ms: v.ms}, nil)
			return enc.EncodeUint(uint64(r.countIn(i, j)))
		}
		if v.gap() {
			return fmt.Errorf("engine: row %s seq %d: a gap the snapshot cannot hold", r.key, v.seq)
		}
		last := i == to-1
		logged := inLogAt(v, ts.horizon) && (!last || v.leaves(i, indexed, ts.horizon))
		doc := v.doc()
		if last && doc == nil && !v.deleted() && (!logged || pw != nil) {
			var err error
			if doc, err = nr.docOf(ts.log, r, i); err != nil {
				return err
			}
		}
		if last && doc != nil {
			pw.add(r.key, v.seq, doc)
		}
		if logged {
			encodeVersion(enc, v, nil)
			return enc.EncodeBool(true)
		}
		encodeVersion(enc, v, doc)
		return encodeBytesOrNil(enc, v.patch())
	})
}

// encodeVersion writes a snapshot version's seq, time, type and
// document; its patch follows.
func encodeVersion(enc *msgpack.Encoder, v *version, doc []byte) {
	enc.EncodeArrayLen(5)
	enc.EncodeUint(v.seq)
	enc.EncodeInt(v.ms)
	enc.EncodeUint(uint64(v.typ()))
	encodeBytesOrNil(enc, doc)
}

func encodeBytesOrNil(enc *msgpack.Encoder, b []byte) error {
	if b == nil {
		return enc.EncodeNil()
	}
	return enc.EncodeBytes(b)
}

// readSnapshotHeader starts the decoding of a snapshot.
func readSnapshotHeader(r io.Reader, spec *TableSpec) (*snapshotRows, snapshotHeader, error) {
	// The decoder reads no further than the header from a reader that
	// can unread a byte: the rows follow in the same reader.
	br := bufio.NewReaderSize(r, 4<<10)
	dec := msgpack.NewDecoder(br)
	var h snapshotHeader
	if err := dec.Decode(&h); err != nil {
		return nil, h, fmt.Errorf("snapshot header: %w", err)
	}
	// h.Table is the table's name when the snapshot was written: a
	// rename since does not make it any less the table's.
	if h.V != snapshotVersion && h.V != deltaVersion && h.V != wholeV1 && h.V != wholeIndexed && !gapped(h.V) {
		return nil, h, fmt.Errorf("snapshot of %q version %d does not fit table %q", h.Table, h.V, spec.Name)
	}
	rows := newSnapshotRows(br)
	rows.indexed, rows.gaps, rows.lastInLog = h.V == wholeIndexed, gapped(h.V), h.V == wholeLogged
	if len(h.Times)%2 != 0 {
		return nil, h, fmt.Errorf("snapshot at seq %d: a timeline of %d numbers", h.Seq, len(h.Times))
	}
	return rows, h, nil
}

// readSnapshotData decodes the rows of a whole snapshot, whose header h
// readSnapshotHeader read, into a table state for spec; with leave, the
// newest versions the version index holds come without their documents
// (Options.NewestInIndex), and with spilling (the table spills next, and
// the index holds none of it) INSERTs in key order after the horizon
// (snapshotRows.logInserts).
func readSnapshotData(rows *snapshotRows, h snapshotHeader, spec *TableSpec, lg *tableLog, leave, spilling bool) (*tableState, error) {
	var rebuild error // the version index does not hold what the snapshot left it
	if h.V == wholeIndexed || gapped(h.V) {
		if lg.vx == nil {
			return nil, fmt.Errorf("snapshot at seq %d: its versions' bytes are in the version index, which is not kept", h.Seq)
		}
		rebuild = indexHolds(lg, h)
		if rebuild != nil && lg.vx.ReadOnly() {
			return nil, fmt.Errorf("%w: %v", errIndexBehind, rebuild)
		}
	}
	ts := newTableState(spec, lg)
	ts.horizon = h.Horizon
	ts.lastSnap = h.Seq
	ts.snaps = snapChain{full: h.Seq, horizon: h.Horizon, gaps: gapped(h.V)}
	var err error
	if ts.cols, err = snapshotColumns(h, spec); err != nil {
		return nil, err
	}
	versions := 0
	if leave && gapped(h.V) && rebuild == nil {
		rows.leave, rows.horizon = h.Indexed, h.Horizon
	}
	if leave && spilling && h.V == snapshotVersion {
		rows.logInserts, rows.horizon = true, h.Horizon
	}
	tb := newTreeBuilder(ts.rows) // the rows come in order
	err = readRowsInto(rows, h.Rows, func(r row) {
		versions += len(r.versions)
		tb.add(r)
	})
	if err != nil {
		return nil, err
	}
	ts.snaps.fullVersions = versions
	ts.gapTimes = h.timePoints()
	if h.V == wholeIndexed {
		ts.gapTimes = buildTimeline(rows.times) // a point for each version
	}
	if rebuild != nil {
		if err := rebuildIndexed(ts, h); err != nil {
			return nil, fmt.Errorf("%v; %w", rebuild, err)
		}
	}
	return ts, nil
}

// readRowsInto reads n rows from rows and hands each to add, in order. Many
// rows are read on a goroutine of their own, in batches, while add takes
// those read before: reading a row (its key, its versions, a slab for
// their bytes) and adding it to a tree take the open's time between
// them, beside the decompression's goroutine (9 million rows: 2.0 s of
// reading the snapshot, a third of it the tree's). It stops at the first
// error.
func readRowsInto(rows *snapshotRows, n int, add func(r row)) error {
	if n < 2*readRowsBatch {
		for range n {
			r, err := rows.next(true)
			if err != nil {
				return err
			}
			add(r)
		}
		return nil
	}
	full := make(chan []row, 4)
	free := make(chan []row, 6)
	var err error // the reader's, read once full is closed
	go func() {
		defer close(full)
		for n > 0 {
			var b []row
			select {
			case b = <-free:
			default:
				b = make([]row, 0, readRowsBatch)
			}
			for len(b) < readRowsBatch && n > 0 {
				var r row
				if r, err = rows.next(true); err != nil {
					return
				}
				b = append(b, r)
				n--
			}
			full <- b
		}
	}()
	for b := range full {
		for _, r := range b {
			add(r)
		}
		clear(b) // hold on to no row
		select {
		case free <- b[:0]:
		default:
		}
	}
	return err
}

// readRowsBatch is how many rows readRowsInto hands over at a time.
const readRowsBatch = 4096

// readSnapshotDelta reads a delta onto ts, the table as of the delta's
// base with its indexes: each of its rows' versions go after those the
// row had. It changes nothing when it fails.
func readSnapshotDelta(r io.Reader, ts *tableState) error {
	src, h, err := readSnapshotHeader(r, ts.spec)
	if err != nil {
		return err
	}
	switch {
	case h.V != deltaVersion:
		return fmt.Errorf("snapshot at seq %d is not a delta", h.Seq)
	case h.Base != ts.lastSnap:
		return fmt.Errorf("delta at seq %d is on the snapshot at seq %d, not on seq %d", h.Seq, h.Base, ts.lastSnap)
	case h.Horizon != ts.horizon:
		return fmt.Errorf("delta at seq %d has horizon %d, its base %d", h.Seq, h.Horizon, ts.horizon)
	}
	cols, err := snapshotColumns(h, ts.spec)
	if err != nil {
		return err
	}
	rows := make([]row, 0, h.Rows)
	versions := 0
	for range h.Rows {
		r, err := src.next(false) // its index entries read the documents
		if err != nil {
			return err
		}
		if r.versions[0].seq <= h.Base {
			return fmt.Errorf("delta at seq %d: row %s has a version at seq %d, not after its base", h.Seq, r.key, r.versions[0].seq)
		}
		rows = append(rows, r)
		versions += len(r.versions)
	}
	// Each row joins the versions it had at the base, and the index
	// entries of the delta's versions, found before anything changes, go
	// in sorted, as a replay's do (heldEntries): from the row's values at
	// the base, so that a version that kept one makes no entry, as it made
	// none at its commit. A delta's rows still hold every document (letGo
	// runs on the joined arrays).
	fields := slices.Collect(maps.Keys(ts.indexes))
	var held heldEntries
	defer held.reset()
	for i, r := range rows {
		// The row as it was at the base (none: all nil), whose newest
		// version may have left its document to the version index.
		old, ok := ts.rows.Get(row{key: r.key})
		prev, err := fieldValues(ts.log, old, h.Base, fields)
		if err != nil {
			return err
		}
		if ok {
			rows[i] = newRow(r.key, append(slices.Clip(old.versions), r.versions...))
		}
		if err := entriesAfter(ts.log, nil, r, 0, fields, prev, func(j int, e indexEntry) { held.take(ts.indexes[fields[j]], e) }); err != nil {
			return err
		}
	}
	for _, r := range rows {
		letGo(r.versions, ts.logWindow())
		ts.rows.ReplaceOrInsert(r)
	}
	held.place()
	ts.cols = cols
	ts.lastSnap = h.Seq
	ts.snaps.deltas++
	ts.snaps.deltaVersions += versions
	return nil
}

// snapshotColumns is the column registry a snapshot's header lists, on
// the table's definition of now.
func snapshotColumns(h snapshotHeader, spec *TableSpec) (*registry, error) {
	reg := newRegistry(spec)
	for _, c := range h.Cols {
		if len(c) != 3 {
			return nil, errors.New("snapshot column entry malformed")
		}
		if i, ok := reg.index[c[0]]; ok {
			if !reg.cols[i].Declared {
				reg.cols[i].Type = Type(c[1])
			}
			continue
		}
		if reg.rules.droppedAt(c[0], h.Seq) {
			continue // dropped since the snapshot
		}
		// A column declared then and not now is inferred again.
		reg.add(Column{Name: reg.rules.nameOf(c[0]), Field: c[0], Type: Type(c[1])})
	}
	return reg, nil
}

// normalizeInt turns the integer types msgpack decodes into int64.
func normalizeInt(v any) any {
	switch x := v.(type) {
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		return int64(x)
	}
	return v
}

// SnapshotTable writes a snapshot of a table at the current committed seq
// and returns that seq. Older snapshots but the previous one are removed.
func (db *DB) SnapshotTable(name string) (uint64, error) {
	if db.opts.ReadOnly {
		return 0, wrapf(CodeReadOnly, ErrReadOnly, "database is open read-only")
	}
	db.snapMu.Lock()
	defer db.snapMu.Unlock()
	return db.snapshotLocked(name, false)
}

// snapshotLocked writes a snapshot of table name: a whole one when whole
// is set or its chain wants one (snapChain.deltaBase), else a delta.
// Callers hold snapMu.
func (db *DB) snapshotLocked(name string, whole bool) (uint64, error) {
	v := db.View()
	ts, ok := v.state.tables[name]
	if !ok {
		return 0, noTable(name)
	}
	ts = v.trees(name, ts)
	seq := v.seq
	if seq == 0 {
		return 0, nil // nothing was ever written
	}
	segBytes := db.st.SegmentBytes(name)
	start := time.Now()
	var eventsBefore int64 // at least the events up to seq
	var chain snapChain
	var last uint64
	db.locked(func() {
		if w, ok := db.work[name]; ok {
			eventsBefore, chain, last = w.eventsSince, w.snaps, w.lastSnap
		}
	})
	// A delta when the chain allows it (snapChain.deltaBase).
	base, budget := chain.deltaBase(last, seq, ts.horizon)
	if whole {
		base = 0
	}
	// The caches that go with the snapshot: failing to write them costs a
	// rebuild at the next open, nothing more. Index files go with a whole
	// snapshot, encoded beside its data when it is known to be whole and
	// written after it; a delta's rows bring them up to date when it is
	// loaded.
	// A whole snapshot refers to INSERT records in the log for their
	// documents: they must be on disk before it is. Commits are synced
	// when acknowledged, unless the store does not sync them.
	if db.opts.Store.NoSync {
		if err := db.st.Sync(); err != nil {
			return 0, storageError(err)
		}
	}
	// The version index first: a whole snapshot leaves out the bytes it
	// holds, once they are durable.
	indexed, runs, err := db.indexAndFlush(name, ts, seq)
	if err != nil {
		db.log.Warn("cannot write the version index", "table", name, "err", err)
	}
	spilling := indexed != 0 && !chain.gaps
	if spilling {
		// A table the index holds (one that has just spilled, say)
		// writes a whole snapshot with gaps, which keep it spilled when
		// it is loaded: a chain on a whole snapshot without them would
		// load every version back into memory.
		base = 0
	}
	indexedAt := time.Now()
	// The rows let go of what the index now holds at once, whatever
	// becomes of the snapshot (written from ts, as it was): the trim
	// keeps what the pass learned of the rows' runs of patches, which the
	// next pass relies on.
	trimmed, entries := 0, 0
	files := ts.indexes // the trees the index files are written from
	if indexed != 0 {
		var moved []string
		// At a close, the rows are not let go of: nothing reads them
		// after this snapshot (for 9 million rows spilling at the end of
		// an import, 7 s of processor and a copy of each row changed).
		// The index's trees are, for their files: the current entries go
		// into the index.
		closing := false
		db.locked(func() { closing = db.closed })
		if !closing {
			trimmed = db.trimRows(name, ts.horizon, indexed, runs)
		}
		entries, moved = db.trimEntries(name, ts.horizon, indexed)
		files = leanTrees(ts.indexes, moved, indexed, seq)
	}
	trimmedAt := time.Now()
	var indexes *indexEncoding
	if base == 0 {
		indexes = encodeIndexFiles(files, seq)
	}
	dir := db.st.StreamDir(name)
	// A present file goes with a whole snapshot that leaves the rows'
	// newest documents to the index, started once the snapshot is known
	// to be one: a scan of the present reads it.
	var pw *presentWriter
	var present func() *presentWriter
	if db.opts.NewestInIndex && indexed != 0 {
		present = func() *presentWriter {
			var err error
			if pw, err = newPresentWriter(db.st.FS(), dir, seq); err != nil {
				db.log.Warn("cannot write a present file", "table", name, "err", err)
				pw = nil
			}
			return pw
		}
	}
	var versions int
	var h snapshotHeader
	err = db.st.WriteSnapshot(name, seq, func(w io.Writer) error {
		var err error
		versions, h, err = writeSnapshotData(w, ts, seq, base, budget, indexed, present)
		return err
	})
	delta := h.V == deltaVersion
	if err != nil {
		pw.abandon()
		pw = nil
	}
	if err != nil {
		if indexes != nil {
			indexes.abandon()
		}
		return 0, storageError(err)
	}
	if pw != nil {
		db.placePresent(ts.log, dir, seq, pw)
	}
	if !delta {
		if indexes == nil {
			indexes = encodeIndexFiles(files, seq) // the delta went over its budget
		}
		if err := indexes.write(db.st.FS(), dir); err != nil {
			db.log.Warn("cannot write index files", "table", name, "err", err)
		}
	}
	next := snapChain{full: seq, prev: chain.full, fullVersions: versions, horizon: ts.horizon, gaps: gapped(h.V)}
	if delta {
		next = chain
		next.deltas++
		next.deltaVersions += versions
	}
	if err := writeMeta(db.st.FS(), dir, ts, seq); err != nil {
		db.log.Warn("cannot write meta.json", "table", name, "err", err)
	}
	db.locked(func() {
		if w, ok := db.work[name]; ok {
			w.lastSnap = seq
			w.snaps = next
			// Events committed while the snapshot was written still count
			// toward the next one.
			w.eventsSince = max(w.eventsSince-eventsBefore, 0)
			w.segBytesAtSnp = segBytes
		}
	})
	if spilling && trimmed >= freeAfterSpill || entries >= freeAfterEntries {
		// The memory the rows let go of goes back to the system now,
		// rather than when the heap grows that far again: a table that
		// spills is one too large for it (3 million rows: 2.5 GB of RSS
		// left after the spill, 0.6 GB from a fresh start).
		debug.FreeOSMemory()
	}
	db.log.Debug("snapshot written", "table", name, "seq", seq, "delta", delta, "versions", versions,
		"index", indexedAt.Sub(start), "trimmed", trimmed, "entries_trimmed", entries, "trim", trimmedAt.Sub(indexedAt), "write", time.Since(trimmedAt))
	// Kept: the newest whole snapshot with the deltas on it, and the
	// snapshot before it (to fall back on when the newest whole one does
	// not read back).
	seqs, err := db.st.Snapshots(name)
	if err == nil {
		for _, s := range seqs {
			if s < next.full && s != next.prev {
				if err := db.st.RemoveSnapshot(name, s); err != nil {
					db.log.Warn("could not remove an old snapshot", "table", name, "seq", s, "err", err)
				}
			}
		}
	}
	return seq, nil
}

// leanTrees returns the trees of a table's indexes as the files of its
// snapshot at seq hold them: those of fields, which the snapshot's trim
// moved to lean ones trimmed at indexed, lean at indexed and empty when
// indexed is seq (every entry up to it is in the version index); the
// others as in indexes. The moved trees themselves are the writer's by
// then. Written from the trees before the trim, the snapshot's files
// would hold every entry (9 million for a table of 9 million rows, just
// spilled: 146 MB, read back into memory at the next open until the next
// snapshot).
func leanTrees(indexes map[string]*indexTree, fields []string, indexed, seq uint64) map[string]*indexTree {
	if len(fields) == 0 || indexed != seq {
		return indexes
	}
	c := maps.Clone(indexes)
	for _, f := range fields {
		t := newIndexTree()
		t.trim, t.lean = indexed, true
		c[f] = t
	}
	return c
}

// snapshotDue reports whether a changed table has gone past a snapshot
// threshold. Called with wmu held.
func (db *DB) snapshotDue(ts *tableState) bool {
	return (db.opts.SnapshotEvents > 0 && ts.eventsSince >= db.opts.SnapshotEvents) ||
		(db.opts.SnapshotBytes > 0 && db.st.SegmentBytes(ts.spec.Name)-ts.segBytesAtSnp >= db.opts.SnapshotBytes)
}

// startSnapshots snapshots the given tables in the background, one run at
// a time; a table that is still due when a run is busy is taken next time.
// With spill, the tables are due to spill (dueToSpill) and taken whether
// or not they were written.
func (db *DB) startSnapshots(names []string, spill bool) {
	if len(names) == 0 || !db.snapping.CompareAndSwap(false, true) {
		return
	}
	started := db.goBehind(func() {
		defer db.snapping.Store(false)
		for _, name := range names {
			// Commits made while the last run was busy asked for it
			// again: skip a table that run has just taken.
			due := false
			db.locked(func() {
				w, ok := db.work[name]
				due = ok && (spill || db.snapshotDue(w))
			})
			if !due {
				continue
			}
			if _, err := db.SnapshotTable(name); err != nil {
				db.log.Warn("automatic snapshot failed", "table", name, "err", err)
			}
		}
	})
	if !started {
		db.snapping.Store(false)
	}
}

// goBehind runs f on a goroutine of its own that Close waits for, and
// reports true; false, and f does not run, once the database is closing.
func (db *DB) goBehind(f func()) bool {
	closed := false
	db.locked(func() {
		if closed = db.closed; !closed {
			db.bg.Add(1)
		}
	})
	if closed {
		return false
	}
	go func() {
		defer db.bg.Done()
		f()
	}()
	return true
}
