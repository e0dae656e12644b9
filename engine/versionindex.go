package engine

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
	"github.com/driftdb/driftdb/vindex"
)

// The version index (package vindex, docs/ENGINE.md "The version index,
// in part") is kept beside the rows when Options.VersionIndex is set: an
// ordered index on disk of every version of every table, keyed by table
// OID, the key's ordered encoding and seq.
//
// It is fed by snapshots: a snapshot of a table at seq S, written in the
// background from an immutable state, first puts the table's versions
// made since the index's mark for it, and sets the mark to S, in the last
// of its batches, and flushes. A crash keeps a prefix of the batches, so
// a mark never claims a version the index lost, and the next snapshot
// puts the rest again. A mark at another horizon (a fold since) makes the
// next snapshot put again what the rows hold. A version holds its type,
// time and patch, and its document where a read needs one to start from
// (indexDocs), but an INSERT's after the horizon, which is its record's in
// the log (inLogAt).
//
// A whole snapshot written then leaves the versions after the horizon up
// to S, all but each row's visible one, to the index (snapshot v 5): the
// rows, being served (trimRows) and loaded, hold a gap (version.gap) in
// place of each run of them, and a read in a gap reads the index
// (row.gapAt, row.expanded). A load whose index does not hold the table
// puts it back from the log (rebuildIndexed).

// versionIndexDir is the index's directory in the data directory.
const versionIndexDir = "vindex"

// versionIndexBatch is how many entries go in one batch: a table's first
// indexing writes every version, and a batch is held in memory whole.
const versionIndexBatch = 4096

// versionIndexCache is the index's block cache when it is read but not
// kept (Options.VersionIndex off), and the least it has.
const versionIndexCache = 64 << 20

// caches splits CacheSize between the document cache and the version
// index's block cache: half each when the index is kept, since reads of
// the versions in gaps go through its blocks (AS OF point selects over
// 2.4 million versions, the index 104 MB: 20,500 a second with a block
// cache of 64 MiB, 35,000 with 128 MiB or 256 MiB, and the same with
// the document cache off); all to documents otherwise.
func (o *Options) caches() (docs, blocks int64) {
	if !o.VersionIndex || o.CacheSize <= 0 {
		return o.CacheSize, versionIndexCache
	}
	return o.CacheSize / 2, max(o.CacheSize-o.CacheSize/2, versionIndexCache)
}

// openVersionIndex opens the version index when the options keep one,
// or when the data directory has one (its whole snapshots may leave
// versions to it; with the option off it is read, not written). A damaged
// index is removed and made again: from the log for the snapshots that
// left versions to it (rebuildIndexed), by the snapshots that follow for
// the rest. A database opened read-only reads the index it finds, beside
// the server that holds it if one does, and takes no lock; when there is
// none, it does not
// open, or it is behind a snapshot (errIndexBehind, Open), it makes one
// of its own to rebuild into, in a temporary directory its close removes.
func (db *DB) openVersionIndex() error {
	dir := filepath.Join(db.dir, versionIndexDir)
	_, blocks := db.opts.caches()
	o := vindex.Options{CacheSize: blocks, ReadOnly: db.opts.ReadOnly}
	if db.opts.Store.FS != vfs.OS() {
		if !db.opts.VersionIndex {
			return nil
		}
		// The tests' file systems are the store's own; the index, derived
		// from the log, lives in memory beside them.
		o.FS, o.ReadOnly = db.opts.VersionIndexFS, false
		if o.FS == nil {
			o.FS = vindex.MemFS()
		}
		x, err := vindex.Open(dir, o)
		if err != nil {
			return storageError(err)
		}
		db.vx, db.xfs = x, o.FS
		return db.startExtents(o.FS)
	}
	_, err := os.Stat(dir)
	exists := err == nil
	if !exists && !db.opts.VersionIndex {
		return nil
	}
	var x *vindex.Index
	switch {
	case db.opts.ReadOnly && exists && !db.ownIndex:
		// Read as it is now, beside the server that may hold it
		// (vindex.Options.Beside), whose lock is not taken: a server
		// that starts while the reader reads would find its index held
		// and make it again.
		o.Beside = true
		if x, err = vindex.Open(dir, o); err != nil {
			db.log.Warn("the version index does not open: one is made from the log", "err", err)
		}
		o.Beside = false
	case !db.opts.ReadOnly:
		x, err = vindex.Open(dir, o)
		switch {
		case errors.Is(err, vindex.ErrLocked):
			// Another process holds it (a command of a release before
			// 2026-12-07, which took its lock to read it): it is not
			// damaged, and a server that made it again would take it
			// from under that process.
			return &Error{Code: CodeObjectInUse, Msg: err.Error(), Err: err}
		case err != nil:
			db.log.Warn("the version index does not open: it is made again", "err", err)
		}
	}
	switch {
	case x != nil:
	case db.opts.ReadOnly:
		// The index does not open, or there is none, or it is behind a
		// snapshot (Open): one made from the log for this open alone, in
		// a directory of its own under the system's temporary one,
		// removed at the close. Its tables on disk are read through the
		// page cache, where in memory they were the process's own (9
		// million rows spilled: 11 GB of RSS). Without a temporary
		// directory to write, in memory still.
		o.ReadOnly = false
		tmp, terr := os.MkdirTemp("", "driftdb-index-")
		if terr != nil {
			db.log.Warn("making the version index in memory: no temporary directory", "err", terr)
			o.FS = vindex.MemFS()
			x, err = vindex.Open(dir, o)
			break
		}
		if x, err = vindex.Open(tmp, o); err != nil {
			os.RemoveAll(tmp)
		} else {
			db.vxTemp = tmp
		}
	default:
		if err := os.RemoveAll(dir); err != nil {
			return storageError(err)
		}
		x, err = vindex.Open(dir, o)
	}
	if err != nil {
		return storageError(err)
	}
	db.vx, db.xfs = x, vindex.OSFS()
	return db.startExtents(db.xfs)
}

// startExtents starts the extents of a database that writes its version
// index, on fs; a database opened read-only reads those it finds, and
// neither writes nor removes any.
func (db *DB) startExtents(fs vindex.FS) error {
	dir := filepath.Join(db.dir, extentsDir)
	switch {
	case db.opts.ReadOnly:
		db.ext = &extentFiles{fs: fs, dir: dir, readOnly: true, tables: map[uint32]*atomic.Int64{}}
	case db.opts.VersionIndex && db.opts.Extents:
		xf, err := openExtents(fs, dir)
		if err != nil {
			return storageError(err)
		}
		db.ext = xf // its writer starts once the tables are loaded (Open)
	}
	return nil
}

// closeVersionIndex flushes and closes the version index.
func (db *DB) closeVersionIndex() {
	if db.ext != nil {
		db.ext.stopWriter()
		db.locked(func() {
			for _, ts := range db.work {
				if set := ts.log.extents.Swap(nil); set != nil {
					set.x.Close()
				}
			}
		})
		db.ext = nil
	}
	if db.vx == nil {
		return
	}
	if !db.opts.ReadOnly && db.opts.VersionIndex {
		if err := db.vx.Flush(); err != nil {
			db.log.Warn("cannot flush the version index", "err", err)
		}
	}
	if err := db.vx.Close(); err != nil {
		db.log.Warn("cannot close the version index", "err", err)
	}
	db.vx = nil
	if db.vxTemp != "" {
		if err := os.RemoveAll(db.vxTemp); err != nil {
			db.log.Warn("cannot remove the version index made for a read-only open", "dir", db.vxTemp, "err", err)
		}
		db.vxTemp = ""
	}
}

// indexVersions puts the versions of ts up to seq that the index does not
// hold yet, and sets its mark to seq. Callers hold snapMu, one writer,
// and check that the index is kept and written (indexAndFlush).
func (db *DB) indexVersions(ts *tableState, seq uint64) (rowRuns, error) {
	oid := ts.spec.OID
	m, ok, err := db.vx.Mark(oid)
	if err != nil {
		return rowRuns{}, err
	}
	if ok && m == indexedMark(seq, ts.horizon) {
		if done, err := entriesDone(db.vx, ts, seq); err != nil || done {
			return rowRuns{}, err
		}
	}
	w := newVersionWriter(db.vx, oid)
	since := m.Seq
	// The rows' newest versions are put for the rows changed since, or
	// all of them again: by an index that held none, and after a fold,
	// which takes rows away.
	rowsSince := since
	if !m.Rows || !m.RowInsertsInLog {
		rowsSince = 0
	}
	switch {
	case !ok:
		// Nothing of the table is trusted: what a run cut short left.
		// Rows with gaps have their versions in the index only: they
		// come from a snapshot loaded with the table's mark set, which
		// nothing but a DROP removes.
		if onlyInIndex(ts) {
			w.b.Discard()
			return rowRuns{}, fmt.Errorf("engine: table %s: the version index lost the table, whose rows have versions only there", ts.spec.Name)
		}
		since, rowsSince = 0, 0
		held, err := db.vx.Holds(oid)
		if err != nil {
			w.b.Discard()
			return rowRuns{}, err
		}
		if held {
			if err := w.b.DeleteTable(oid); err != nil {
				w.b.Discard()
				return rowRuns{}, err
			}
			break
		}
		// The table's first pass: every entry is new to the index.
		if ts.rows.Len() >= db.loadRows() {
			w.l = db.vx.NewLoad()
		}
	case m.Horizon != ts.horizon || m.Seq > seq || !m.DocAfterInsert:
		// A fold since: the versions the rows kept are put again, as they
		// now hold them (the version at the horizon with its document);
		// those the fold dropped stay, read by no one. A gap's versions
		// are in the index as they were. An index whose runs of patches
		// start at the INSERT gets the rows' versions again the same way,
		// their runs counted as indexDocs counts them now: the versions
		// that stay in gaps keep their runs, which end at the gap.
		since, rowsSince = 0, 0
	}
	if rowsSince == 0 && ok {
		if err := w.clearRows(m, ok); err != nil {
			w.b.Discard()
			return rowRuns{}, err
		}
	}
	// A pass that puts every version counts each row's runs from its
	// first version: the trim counts them again (rowRuns.fromFirst). The
	// others list the runs they put.
	runs := rowRuns{fromFirst: since == 0}
	var y yielder
	// A row whose newest version is not after rowsSince (at most since)
	// has nothing to put.
	ts.rows.AscendSince(rowsSince, func(r row) bool {
		y.tick()
		var docs indexDocs
		top := r.index(seq)
		for i := 0; i <= top && err == nil; i++ {
			v := &r.versions[i]
			if prev := &r.versions[max(i-1, 0)]; i > 0 && v.seq > since && prev.seq <= since && !prev.gap() && r.hasGap(0, i-1) {
				// The first version put after versions put before, with
				// a gap before them: where their run of patches stands
				// is the index's to say (keeps counted from the gap), as
				// the trim after the pass that put the version before
				// remembered it, or else as a read of the index finds.
				var known bool
				if docs, known = prev.run(); !known || db.testForgetRuns {
					db.testRunsRead++
					if docs, err = ts.log.indexRun(r.key, since); err != nil {
						break
					}
				}
			}
			if keep := docs.keeps(&r, i, ts.horizon); v.seq > since && !v.gap() {
				err = w.putRow(ts.log, &r, i, ts.horizon, keep)
			}
		}
		if err == nil && !runs.fromFirst && top >= 0 && r.versions[top].seq > since && !r.versions[top].gap() {
			runs.list = append(runs.list, rowRun{key: r.key, seq: r.versions[top].seq, n: docs})
		}
		return err == nil
	})
	// The rows' newest versions in a walk of their own, after the
	// versions: the entries of each kind go in in key order, so that the
	// tables the index flushes do not overlap one another and its
	// compactions move them down rather than merge them again.
	if err == nil {
		ts.rows.AscendSince(rowsSince, func(r row) bool {
			y.tick()
			err = w.putNewest(ts.log, &r, seq, rowsSince, ts.horizon)
			return err == nil
		})
	}
	if err == nil {
		err = w.putEntries(ts, seq, !ok)
	}
	if err := w.finish(err, indexedMark(seq, ts.horizon)); err != nil {
		return rowRuns{}, err
	}
	if w.l != nil {
		db.testLoads.Add(1)
	}
	if db.ext != nil {
		db.ext.kicked(oid, w.n)
	}
	return runs, nil
}

// indexedMark is the mark of a table whose versions up to seq, at
// horizon, the index holds as a pass puts them now: with the rows' newest
// versions, the runs of patches counted from the PATCH after an INSERT.
func indexedMark(seq, horizon uint64) vindex.Mark {
	return vindex.Mark{Seq: seq, Horizon: horizon, Rows: true, DocAfterInsert: true, RowInsertsInLog: true}
}

// rowRun is where the run of patches of a row's version stands in the
// version index once a pass put it (indexDocs): what the trim after the
// pass keeps on the version (version.setRun), so that the next pass, which
// puts the versions after it, need not read it back from the index.
type rowRun struct {
	key Key
	seq uint64
	n   indexDocs
}

// rowRuns are where a pass left the runs of patches of the rows it put.
type rowRuns struct {
	// fromFirst: the pass put every version of every row and counted
	// each row's run from its first version (a table's first pass, or
	// one after a fold), as find counts it again from the row's versions,
	// which are the pass's up to its seq; list is empty. A list of the
	// runs of 9 million rows took 430 MB, and 3.5 s of processor to grow.
	fromFirst bool
	list      runList
}

// find returns the run of r's version at seq, the one visible at indexed
// (the pass's seq), if the pass put it, the table at horizon (the pass's:
// a trim after a fold does nothing); at is runList.find's.
func (rs rowRuns) find(r *row, horizon, indexed, seq uint64, at *int) (indexDocs, bool) {
	if !rs.fromFirst {
		return rs.list.find(r.key, seq, at)
	}
	top := r.index(indexed)
	if top < 0 || r.versions[top].gap() || r.versions[top].seq != seq {
		return 0, false
	}
	var n indexDocs
	for i := 0; i <= top; i++ {
		n.keeps(r, i, horizon)
	}
	return n, true
}

// runList is a pass's runs, in key order.
type runList []rowRun

// find returns the run of row k's version at seq, if the pass put it.
// With at, it looks from rs[*at] on first, and leaves *at past the key:
// a walk of rows in key order finds each a step or two after the one
// before, where a search of the whole list missed the cache at each step.
func (rs runList) find(k Key, seq uint64, at *int) (indexDocs, bool) {
	cmp := func(r rowRun, k Key) int { return compareKeys(r.key, k) }
	var i int
	var ok bool
	if at == nil || *at > len(rs) || *at > 0 && compareKeys(rs[*at-1].key, k) >= 0 {
		i, ok = slices.BinarySearchFunc(rs, k, cmp)
	} else {
		i = *at
		for ; i < len(rs) && i < *at+runSteps; i++ {
			if c := compareKeys(rs[i].key, k); c >= 0 {
				ok = c == 0
				break
			}
		}
		if i == *at+runSteps {
			j, found := slices.BinarySearchFunc(rs[i:], k, cmp)
			i, ok = i+j, found
		}
	}
	if at != nil {
		*at = i
		if ok {
			*at++
		}
	}
	if !ok || rs[i].seq != seq {
		return 0, false
	}
	return rs[i].n, true
}

// runSteps is how many runs find steps over before it searches.
const runSteps = 8

// indexRun returns how many PATCH versions without a document the version
// index has of key k at or below seq, newest first, before one with
// its document (at most docEvery).
func (lg *tableLog) indexRun(k Key, seq uint64) (indexDocs, error) {
	rd, err := lg.reader(k)
	if err != nil {
		return 0, err
	}
	defer lg.vx.ReleaseVersions(rd)
	n := indexDocs(0)
	for ok := lg.seek(rd, k, seq); ok && n < docEvery; ok = rd.Next() {
		iv := rd.Version()
		if store.EventType(iv.Type) == store.EventInsert && iv.Doc == nil && n == 0 {
			n = runFresh // the PATCH after it keeps its document
		}
		if store.EventType(iv.Type) != store.EventPatch || iv.Doc != nil {
			break
		}
		n++
	}
	if err := rd.Err(); err != nil {
		return 0, storageError(err)
	}
	return n, nil
}

// onlyInIndex reports whether ts has something only the index holds: a
// row's gap or newest version's document, or an index's current entries
// (a lean tree).
func onlyInIndex(ts *tableState) bool {
	for _, idx := range ts.indexes {
		if idx.lean {
			return true // its current entries
		}
	}
	found := false
	ts.rows.Ascend(func(r row) bool {
		found = r.hasGap(0, len(r.versions)) || r.newestInIndex()
		return !found
	})
	return found
}

// versionWriter puts versions of a table into the version index, in
// batches of versionIndexBatch, the last of which sets the table's mark.
// A table's first pass, when it has at least loadRows rows, loads them
// instead (l: the entries go into tables of their own, in order, added to
// the index beneath its memtables), and the batch only sets the marks,
// after the load.
type versionWriter struct {
	x   *vindex.Index
	b   *vindex.Batch
	l   *vindex.Load
	oid uint32
	key []byte
	n   int // versions put
}

// loadRows is Options.loadRows's default: below it, a first pass batches
// its entries. A load makes a table of each kind of entry (versions, rows,
// each index's), each synced, where a pass of a few thousand rows fits in
// the memtable.
const loadRows = 10_000

func (db *DB) loadRows() int {
	if db.opts.loadRows > 0 {
		return db.opts.loadRows
	}
	return loadRows
}

// entrySink is where a versionWriter puts entries: its batch, or its
// load.
type entrySink interface {
	PutVersion(table uint32, key []byte, seq uint64, v vindex.Version) error
	PutRow(table uint32, key []byte, seq uint64, v vindex.Version) error
	PutEntry(table uint32, field string, entry []byte, seq uint64) error
}

func (w *versionWriter) sink() entrySink {
	if w.l != nil {
		return w.l
	}
	return w.b
}

func newVersionWriter(x *vindex.Index, oid uint32) *versionWriter {
	return &versionWriter{x: x, b: x.NewBatch(), oid: oid}
}

// putRow puts version i of r (versionEntry).
func (w *versionWriter) putRow(lg *tableLog, r *row, i int, horizon uint64, keep bool) error {
	iv, err := versionEntry(lg, r, i, horizon, keep)
	if err != nil {
		return err
	}
	return w.put(r.key, r.versions[i].seq, iv)
}

func (w *versionWriter) put(k Key, seq uint64, v vindex.Version) error {
	w.n++
	w.key = appendOrderedKey(w.key[:0], k)
	if err := w.sink().PutVersion(w.oid, w.key, seq, v); err != nil {
		return err
	}
	return w.next()
}

// clearRows removes the table's row entries, in the batch that the pass
// applies first, and when the table's mark m (ok: there is one) says the
// index holds them, sets it in the same batch without saying so: a pass
// cut short keeps the batches it applied before its last, and its mark
// must not claim the rows it had not put again yet (a check would find
// them missing, or holding what an index of before held).
func (w *versionWriter) clearRows(m vindex.Mark, ok bool) error {
	if err := w.b.ClearRows(w.oid); err != nil {
		return err
	}
	if !ok || !m.Rows {
		return nil
	}
	m.Rows = false
	return w.b.SetMark(w.oid, m)
}

// putNewest puts the version of r, a row of a table at horizon, visible
// at seq as the row's newest, unless it is at or below since (the index
// has it).
func (w *versionWriter) putNewest(lg *tableLog, r *row, seq, since, horizon uint64) error {
	if i := r.index(seq); i < 0 || r.versions[i].seq <= since {
		return nil
	}
	vseq, iv, err := newestEntry(lg, r, seq, horizon)
	if err != nil {
		return err
	}
	w.key = appendOrderedKey(w.key[:0], r.key)
	if err := w.sink().PutRow(w.oid, w.key, vseq, iv); err != nil {
		return err
	}
	return w.next()
}

// newestEntry returns what the index holds as r's newest version at seq
// (r has one), r a row of a table at horizon: the version visible at
// seq, its seq, type and time, and its document, but for a deletion's and
// an INSERT's after the horizon. The INSERT's is its record's in the log,
// where a read of a row whose newest it is takes it from (version.inLog;
// the present file first for a scan): held in the entry as well, it was a
// third copy of each row loaded, read by nothing (Mark.RowInsertsInLog;
// 9 million rows, about 400 MB of the index's 1.9 GB).
func newestEntry(lg *tableLog, r *row, seq, horizon uint64) (uint64, vindex.Version, error) {
	i := r.index(seq)
	if v := &r.versions[i]; !v.gap() {
		if inLogAt(v, horizon) {
			return v.seq, vindex.Version{Type: byte(v.typ()), Ms: v.ms}, nil
		}
		doc, err := r.docOf(lg, i)
		return v.seq, vindex.Version{Type: byte(v.typ()), Ms: v.ms, Doc: doc}, err
	}
	// One of a gap's versions, which the index holds.
	rd, err := lg.reader(r.key)
	if err != nil {
		return 0, vindex.Version{}, err
	}
	defer lg.vx.ReleaseVersions(rd)
	if !lg.seek(rd, r.key, seq) || rd.Seq() < r.versions[i].seq {
		if err := rd.Err(); err != nil {
			return 0, vindex.Version{}, storageError(err)
		}
		return 0, vindex.Version{}, r.gapLost(lg, i)
	}
	vseq, at := rd.Seq(), rd.Version()
	iv := vindex.Version{Type: at.Type, Ms: at.Ms}
	if !insertAfter(store.EventType(at.Type), vseq, horizon) {
		iv.Doc, err = lg.indexedDoc(rd, r.key)
	}
	return vseq, iv, err
}

// next applies the batch once it is full; a load's batch, which holds
// marks only, waits for the load to end.
func (w *versionWriter) next() error {
	if w.l != nil || w.b.Len() < versionIndexBatch {
		return nil
	}
	return w.apply()
}

// apply applies the batch and starts another.
func (w *versionWriter) apply() error {
	err := w.b.Apply()
	w.b = w.x.NewBatch()
	return err
}

// finish sets the mark and applies the last batch, unless err (what the
// puts ended with) is not nil: it then drops the last batch and returns
// err. The batches applied before stay, under the mark before.
func (w *versionWriter) finish(err error, m vindex.Mark) error {
	if w.l != nil {
		if err == nil {
			err = w.l.Finish() // before the marks that claim its entries
		}
		w.l.Discard()
	}
	if err == nil {
		err = w.b.SetMark(w.oid, m)
	}
	if err != nil {
		w.b.Discard()
		return err
	}
	return w.b.Apply()
}

// indexAndFlush brings the version index up to seq for ts and makes it
// durable, and returns seq, or 0 when the index does not hold the table up
// to seq (none kept, the table held in memory, or a failure).
func (db *DB) indexAndFlush(name string, ts *tableState, seq uint64) (uint64, rowRuns, error) {
	if db.vx == nil || db.opts.ReadOnly || !db.opts.VersionIndex {
		return 0, rowRuns{}, nil
	}
	if spill, err := db.spills(name, ts); !spill || err != nil {
		return 0, rowRuns{}, err
	}
	runs, err := db.indexVersions(ts, seq)
	if err != nil {
		return 0, rowRuns{}, err
	}
	if err := db.vx.Flush(); err != nil {
		return 0, rowRuns{}, err
	}
	return seq, runs, nil
}

// spills reports whether table name (ts) goes to the version index at
// this snapshot (Options.SpillAbove): when the index already holds it, or
// when the tables held in memory have more log than SpillAbove and this
// one is large among them (spillsAmong). A table held in memory costs the
// index nothing: its versions are put the first time it spills.
func (db *DB) spills(name string, ts *tableState) (bool, error) {
	if db.opts.SpillAbove <= 0 {
		return true, nil
	}
	if spilled, err := db.spilled(ts.spec.OID); spilled || err != nil {
		return spilled, err
	}
	held, total, err := db.heldTables(db.tableOIDs())
	if err != nil || total <= db.opts.SpillAbove {
		return false, err
	}
	return db.spillsAmong(db.st.SegmentBytes(name), len(held), total), nil
}

// spillsAmong reports whether a table held in memory with own bytes of
// log spills among the tables held (held of them, total bytes of log):
// when total passes SpillAbove and the table is more than a sixteenth of
// it, or at least their mean (many small tables spill too, the larger
// first, or their sum would have no bound).
func (db *DB) spillsAmong(own int64, held int, total int64) bool {
	above := db.opts.SpillAbove
	return total > above && (own > above/16 || own*int64(held) >= total)
}

// heldTables returns the tables that the version index does not hold (no
// mark): those held in memory, and their bytes of log; oidOf gives a
// table's OID (false: the table is left out). When the whole log is not
// past SpillAbove, none can spill: it returns none, and the whole log's
// bytes, without reading a mark.
func (db *DB) heldTables(oidOf func(name string) (uint32, bool)) ([]string, int64, error) {
	all := db.st.Streams()
	total := int64(0)
	for _, name := range all {
		total += db.st.SegmentBytes(name)
	}
	if total <= db.opts.SpillAbove {
		return nil, total, nil
	}
	var held []string
	total = 0
	for _, name := range all {
		oid, ok := oidOf(name)
		if !ok {
			continue
		}
		_, indexed, err := db.vx.Mark(oid)
		if err != nil {
			return nil, 0, err
		}
		if !indexed {
			held = append(held, name)
			total += db.st.SegmentBytes(name)
		}
	}
	return held, total, nil
}

// tableOIDs gives the OIDs of the tables of the current state.
func (db *DB) tableOIDs() func(name string) (uint32, bool) {
	v := db.View()
	return func(name string) (uint32, bool) {
		ts, ok := v.lookupTable(name)
		if !ok {
			return 0, false
		}
		return ts.spec.OID, true
	}
}

// indexHolds checks that the version index holds the table of lg as a
// whole snapshot with header h needs it to.
// errIndexBehind: a snapshot leaves versions to a version index that does
// not hold them and is open read-only, so cannot be made to: a read-only
// open beside a server that wrote the snapshot after the open read its
// index (Open opens again).
var errIndexBehind = errors.New("the version index, read-only, does not hold what the snapshot left it")

func indexHolds(lg *tableLog, h snapshotHeader) error {
	if lg.vx == nil {
		return fmt.Errorf("snapshot at seq %d: its versions' bytes are in the version index, which is not kept", h.Seq)
	}
	m, ok, err := lg.vx.Mark(lg.oid)
	switch {
	case err != nil:
		return err
	case !ok || m.Seq < h.Indexed || m.Horizon != h.Horizon:
		return fmt.Errorf("snapshot at seq %d: its versions' bytes are in the version index up to seq %d at horizon %d, which holds the table up to seq %d at horizon %d",
			h.Seq, h.Indexed, h.Horizon, m.Seq, m.Horizon)
	}
	return nil
}

// rebuildIndexed makes the version index hold ts, just loaded from a
// whole snapshot with header h that left versions' bytes to an index that
// does not hold them (lost, damaged, or behind): from the log, where every
// version after the horizon has its record (a PATCH's patch, an INSERT's
// document), and from the rows for what they hold (the versions at the
// horizon above all, whose records a fold dropped).
func rebuildIndexed(ts *tableState, h snapshotHeader) error {
	// What the index has of the table stays: a version put again is put
	// the same, and what the rows lack is read by no one.
	lg := ts.log
	w := newVersionWriter(lg.vx, lg.oid)
	err := func() error {
		// The rows' newest versions are all put again, from the rows.
		m, ok, err := lg.vx.Mark(lg.oid)
		switch {
		case errors.Is(err, vindex.ErrDamaged):
			ok = false // set again at the end
		case err != nil:
			return err
		}
		if err := w.clearRows(m, ok); err != nil {
			return err
		}
		it, err := lg.st.NewIterator(*lg.name.Load(), h.Horizon+1)
		if err != nil {
			return err
		}
		defer it.Close()
		// Each live key's run of patches: the document it starts from and
		// the patches since, so that the PATCHes whose documents the
		// index holds when the snapshots write it (indexDocs) get them:
		// the one after an INSERT, then one in docEvery. A TRUNCATE gives
		// every live key a version: those live at the horizon (their run
		// starts from the version a fold kept there, read when a PATCH
		// first needs it), and those inserted since.
		type run struct {
			base    []byte
			patches [][]byte
			n       indexDocs
		}
		runs := map[Key]*run{}
		if h.Horizon != 0 {
			ts.rows.Ascend(func(r row) bool {
				if v := &r.versions[0]; v.seq <= h.Horizon && !v.deleted() {
					runs[r.key] = &run{}
				}
				return true
			})
		}
		for it.Next() {
			rec := it.Record()
			if rec.Seq > h.Indexed {
				break
			}
			v := vindex.Version{Type: byte(rec.Type), Ms: rec.UnixMs}
			var k Key
			switch rec.Type {
			case store.EventInsert:
				// The key alone is read: the rest of the document is not
				// decoded (9 million rows: 0.6 GB of maps held until the
				// end of the walk, when a read-only open beside a server
				// made its own index).
				raw := bytes.Clone(rec.Payload)
				pk, _, err := docField(raw, ts.spec.PK)
				if err == nil {
					k, err = KeyOf(pk)
				}
				if err != nil {
					return fmt.Errorf("seq %d: %w", rec.Seq, err)
				}
				runs[k] = &run{base: raw, n: runFresh} // its document is its record's
			case store.EventPatch:
				if k, v.Patch, err = splitKeyed(rec.Payload); err != nil {
					return fmt.Errorf("seq %d: %w", rec.Seq, err)
				}
				ru := runs[k]
				if ru != nil && ru.base == nil {
					r, _ := ts.get(k) // live at the horizon: the rows have it there
					if ru.base, err = r.docOf(lg, 0); err != nil {
						return err
					}
				}
				if ru == nil {
					break // no document to start from: reads walk back further
				}
				if ru.patches = append(ru.patches, v.Patch); ru.n.patch(false) {
					if v.Doc, err = applyPatches(ru.base, ru.patches); err != nil {
						return fmt.Errorf("seq %d: %w", rec.Seq, err)
					}
					ru.base, ru.patches = v.Doc, nil
				}
			case store.EventSoftDelete:
				if k, _, err = splitKeyed(rec.Payload); err != nil {
					return fmt.Errorf("seq %d: %w", rec.Seq, err)
				}
				delete(runs, k)
			case store.EventTruncate:
				for lk := range runs {
					if err := w.put(lk, rec.Seq, v); err != nil {
						return err
					}
				}
				clear(runs)
				continue
			default:
				continue
			}
			if err := w.put(k, rec.Seq, v); err != nil {
				return err
			}
		}
		if err := it.Err(); err != nil {
			return err
		}
		ts.rows.Ascend(func(r row) bool {
			var docs indexDocs
			for i := 0; i < len(r.versions) && r.versions[i].seq <= h.Indexed && err == nil; i++ {
				v := &r.versions[i]
				if keep := docs.keeps(&r, i, ts.horizon); !v.gap() {
					err = w.putRow(ts.log, &r, i, ts.horizon, keep)
				}
			}
			return err == nil
		})
		if err != nil {
			return err
		}
		// Then the rows' newest versions, once the index has the versions
		// put above (a row's may be in a gap, read from the index).
		if err := w.apply(); err != nil {
			return err
		}
		ts.rows.Ascend(func(r row) bool {
			err = w.putNewest(lg, &r, h.Indexed, 0, h.Horizon)
			return err == nil
		})
		return err
	}()
	if err := w.finish(err, indexedMark(h.Indexed, h.Horizon)); err != nil {
		return fmt.Errorf("engine: table %s: rebuilding the version index from the log: %w", ts.spec.Name, err)
	}
	return lg.vx.Flush()
}

// indexDocs walks a row's versions, oldest first, choosing those whose
// documents the index holds: one PATCH in docEvery of a run of patches,
// as the rows keep them (chain.go), the PATCH before a gap and the first
// after it (the runs in a gap were counted when the row held them, maybe
// from another start), and a version at the horizon, whose record a fold
// may have dropped; an INSERT's after the horizon is its record's in the
// log, so the PATCH after such an INSERT keeps its own. It does not
// depend on the row's length, so the versions put by one snapshot and the
// next agree; the rebuild from the log counts with it too.
type indexDocs int

// runFresh is where a run stands when its next PATCH keeps its document:
// after a gap, and after an INSERT whose document is in the log.
const runFresh indexDocs = docEvery - 1

// patch counts one more PATCH of the run and reports whether it keeps its
// document: every docEvery-th, and one before a gap (beforeGap).
func (c *indexDocs) patch(beforeGap bool) bool {
	if *c++; *c < docEvery && !beforeGap {
		return false
	}
	*c = 0
	return true
}

// keeps reports whether the index holds the document of version i of r,
// a row of a table at horizon.
func (c *indexDocs) keeps(r *row, i int, horizon uint64) bool {
	v := &r.versions[i]
	switch t := v.typ(); {
	case v.gap():
		*c = runFresh
		return false
	case t == store.EventPatch && i > 0:
		return c.patch(i+1 < len(r.versions) && r.versions[i+1].gap())
	case t == store.EventPatch: // the version a fold kept at the horizon
		*c = 0
		return true
	case t == store.EventInsert && inLogAt(v, horizon):
		// Its document is its record's in the log: the PATCH after it
		// keeps its own, so that a read of the run is the index's alone.
		*c = runFresh
		return false
	case t == store.EventInsert:
		*c = 0
		return true
	}
	*c = 0
	return false
}

// versionEntry is what the index holds of version i of r, a row of a table
// at horizon whose log is lg: its type, time and patch, and when keep,
// its document.
func versionEntry(lg *tableLog, r *row, i int, horizon uint64, keep bool) (vindex.Version, error) {
	v := &r.versions[i]
	iv := vindex.Version{Type: byte(v.typ()), Ms: v.ms, Patch: v.patch()}
	if keep {
		doc := v.doc()
		if doc == nil {
			var err error
			if doc, err = r.docOf(lg, i); err != nil {
				return iv, err
			}
		}
		iv.Doc = doc
	}
	return iv, nil
}

// unindexTable removes a dropped table's versions from the index. Callers
// hold snapMu, so no snapshot of the table puts them back.
func (db *DB) unindexTable(oid uint32) {
	if db.vx == nil {
		return
	}
	b := db.vx.NewBatch()
	err := b.DeleteTable(oid)
	if err == nil {
		err = b.Apply()
	} else {
		b.Discard()
	}
	if err != nil {
		db.log.Warn("cannot remove a dropped table from the version index", "oid", oid, "err", err)
	}
}

// gapAt reads from the version index the version of r visible at seq, a
// seq in the gap at r.versions[i]: its seq, time and document.
func (r *row) gapAt(lg *tableLog, i int, seq uint64) (uint64, int64, []byte, error) {
	if vseq, ms, doc, ok := r.fromExtents(lg, i, seq); ok {
		return vseq, ms, doc, nil
	}
	return r.indexGapAt(lg, i, seq)
}

// indexGapAt is gapAt from the index's entries.
func (r *row) indexGapAt(lg *tableLog, i int, seq uint64) (uint64, int64, []byte, error) {
	rd, err := lg.reader(r.key)
	if err != nil {
		return 0, 0, nil, err
	}
	defer lg.vx.ReleaseVersions(rd)
	// Not through the document cache: the index's blocks are its cache
	// (Options.caches), and hold a version's patch, not its document.
	vseq, ms, doc, found, err := lg.indexedDocAt(rd, r.key, seq)
	if err == nil && (!found || vseq < r.versions[i].seq) {
		err = r.gapLost(lg, i)
	}
	return vseq, ms, doc, err
}

// appendGap appends to vs the versions of the gap at r.versions[i], read
// from the version index, oldest first: each with its type, time and
// patch, and its document where the index holds it (an INSERT's is its
// record's in the log otherwise, as the gap is after the horizon).
func (r *row) appendGap(lg *tableLog, vs []version, i int) ([]version, error) {
	start := len(vs)
	var bad error
	err := r.eachGapVersion(lg, i, r.versions[i+1].seq-1, func(seq uint64, iv vindex.Version) {
		if iv.Type > typeMask {
			bad = fmt.Errorf("engine: version index: table %s row %s seq %d: event type %d", *lg.name.Load(), r.key, seq, iv.Type)
			return
		}
		v := newVersion(seq, iv.Ms, store.EventType(iv.Type))
		v.setCopy(iv.Patch, iv.Doc)
		vs = append(vs, v)
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		return nil, err
	}
	if got := vs[start:]; len(got) != r.versions[i].count() {
		return nil, r.gapLost(lg, i)
	}
	slices.Reverse(vs[start:])
	return vs, nil
}

// eachGapVersion calls fn with the versions of the gap at r.versions[i]
// at or below seq, newest first, as the version index holds them (their
// bytes valid during the call). The gap's first version must be there.
func (r *row) eachGapVersion(lg *tableLog, i int, seq uint64, fn func(seq uint64, iv vindex.Version)) error {
	rd, err := lg.reader(r.key)
	if err != nil {
		return err
	}
	defer lg.vx.ReleaseVersions(rd)
	g := &r.versions[i]
	last := uint64(0)
	for ok := lg.seek(rd, r.key, seq); ok && rd.Seq() >= g.seq; ok = rd.Next() {
		last = rd.Seq()
		fn(last, rd.Version())
	}
	if err := rd.Err(); err != nil {
		return storageError(err)
	}
	if last != g.seq {
		return r.gapLost(lg, i)
	}
	return nil
}

// countAt returns how many versions r has at or below seq, those of its
// gaps included, and the version visible at seq: its seq and time, and
// whether it is live.
func (r *row) countAt(lg *tableLog, seq uint64) (n int, vseq uint64, ms int64, live bool, err error) {
	top := r.index(seq)
	if top < 0 {
		return 0, 0, 0, false, nil
	}
	n = r.countIn(0, top)
	v := &r.versions[top]
	if !v.gap() {
		return n + 1, v.seq, v.ms, !v.deleted(), nil
	}
	err = r.eachGapVersion(lg, top, seq, func(s uint64, iv vindex.Version) {
		if n++; vseq == 0 {
			t := store.EventType(iv.Type)
			vseq, ms, live = s, iv.Ms, !deletes(t)
		}
	})
	return n, vseq, ms, live, err
}

// deletes reports whether an event of type t leaves its row deleted.
func deletes(t store.EventType) bool {
	return t == store.EventSoftDelete || t == store.EventTruncate
}

// reader returns a pooled reader of the version index, for a read of row
// k; it goes back with ReleaseVersions.
func (lg *tableLog) reader(k Key) (*vindex.Versions, error) {
	if lg.vx == nil {
		return nil, fmt.Errorf("engine: row %s: its history is in a version index this state cannot read", k)
	}
	r, err := lg.vx.AcquireVersions()
	if err != nil {
		return nil, storageError(err)
	}
	return r, nil
}

// seek positions r at the newest version of key k of the table at or
// below seq (Versions.Seek), the key encoded on the stack.
func (lg *tableLog) seek(r *vindex.Versions, k Key, seq uint64) bool {
	var kb [32]byte
	return r.Seek(lg.oid, appendOrderedKey(kb[:0], k), seq)
}

// gapLost is the error of a gap whose versions the index does not have.
func (r *row) gapLost(lg *tableLog, i int) error {
	g := &r.versions[i]
	return fmt.Errorf("engine: version index: table %s row %s: the %d versions from seq %d are not there", *lg.name.Load(), r.key, g.count(), g.seq)
}

// indexedDocAt reads from the index the version of key k visible at seq:
// its seq and time, and its document (indexedDoc). found is false when
// the index has no version of k at or below seq.
func (lg *tableLog) indexedDocAt(r *vindex.Versions, k Key, seq uint64) (vseq uint64, ms int64, doc []byte, found bool, err error) {
	if !lg.seek(r, k, seq) {
		return 0, 0, nil, false, r.Err()
	}
	vseq, ms = r.Seq(), r.Version().Ms
	doc, err = lg.indexedDoc(r, k)
	return vseq, ms, doc, true, err
}

// newestDoc returns the document of v, the newest version of row k, a
// PATCH whose document the row left to the version index (leaves): from
// the document cache, else from the table's present file, else from the
// index (newestIn).
func (lg *tableLog) newestDoc(k Key, v *version) ([]byte, error) {
	ck := newCacheKey(lg, v.seq)
	if doc := lg.cache.get(ck); doc != nil {
		return doc, nil
	}
	if doc, ok := lg.presentDoc(k, v.seq); ok {
		lg.cache.put(ck, doc)
		return doc, nil
	}
	r, err := lg.reader(k)
	if err != nil {
		return nil, err
	}
	defer lg.vx.ReleaseVersions(r)
	doc, err := lg.newestIn(r, k, v, true)
	if err != nil {
		return nil, err
	}
	doc = bytes.Clone(doc)
	lg.cache.put(ck, doc)
	return doc, nil
}

// newestIn reads with r the document of v, the newest version of row k
// that left it to the index: from the index's entry for the row's newest
// version when that is v (point: by a seek of its own, else one of a read
// in key order), else rebuilt from the index's versions of k (a state
// older than the index's rows). Its bytes may be the index's, valid
// until r moves.
func (lg *tableLog) newestIn(r *vindex.Versions, k Key, v *version, point bool) ([]byte, error) {
	var kb [32]byte
	key := appendOrderedKey(kb[:0], k)
	var found bool
	if point {
		found = r.Newest(lg.oid, key)
	} else {
		found = r.NewestFrom(lg.oid, key)
	}
	if found && r.Seq() == v.seq && r.Version().Doc != nil {
		return r.Version().Doc, nil
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	_, doc, err := lg.versionDoc(r, k, v)
	if err == nil && doc == nil {
		err = fmt.Errorf("engine: version index: table %s row %s: the document of seq %d is not there", *lg.name.Load(), k, v.seq)
	}
	return doc, err
}

// versionDoc reads with r the document of v, a version of row k, from the
// index's versions (indexedDoc), and its time; an error when the index
// does not have v.
func (lg *tableLog) versionDoc(r *vindex.Versions, k Key, v *version) (int64, []byte, error) {
	vseq, ms, doc, found, err := lg.indexedDocAt(r, k, v.seq)
	if err == nil && (!found || vseq != v.seq) {
		err = fmt.Errorf("engine: version index: table %s row %s: the index does not have its version at seq %d", *lg.name.Load(), k, v.seq)
	}
	return ms, doc, err
}

// releaseEvery is how many rows a long walk with a newestReader reads
// before it gives the reader back: an open reader holds the index's
// files as they were when it was made.
const releaseEvery = 4096

// newestReader reads for a scan, in key order, the documents of rows
// whose newest version is not in memory (newestOutside): from the
// table's present file, else with one reader of the index, each seek
// moving on from the one before, and not through the document cache,
// which a scan would only churn (an INSERT's record the present file
// does not have is read from the log as a read of one row reads it).
// The documents it gives are lent: valid until it reads the next one,
// or is released. release gives the reader back.
type newestReader struct {
	lg *tableLog
	r  *vindex.Versions
	pr presentReader // reads the table's present file, when it has one
	// log reads INSERTs' records from the table's log (of the table
	// named logName), on from the one before when their seqs ascend
	// with the keys, as they do for rows loaded in key order.
	log     *store.LogReader
	logName string
	logHits int64 // documents read with log, since release
}

// logReads counts the documents newestReaders read from the log (added
// as they are released), for the tests.
var logReads atomic.Int64

// slabCopy returns a copy of b in *slab, which moves to a new array,
// twice as large, when full (the documents in the old one stay with the
// rows that hold them).
func slabCopy(slab *[]byte, b []byte) []byte {
	if cap(*slab)-len(*slab) < len(b) {
		*slab = make([]byte, 0, max(16<<10, 2*cap(*slab), len(b)))
	}
	n := len(*slab)
	*slab = append(*slab, b...)
	return (*slab)[n:len(*slab):len(*slab)]
}

// doc returns the document of r's newest version (r.newestOutside()),
// lent: from the table's present file when it has the version, else from
// the log (an INSERT's) or the index.
func (nr *newestReader) doc(lg *tableLog, r *row) ([]byte, error) {
	if doc, ok := lg.fromPresent(&nr.pr, r.key, r.newest().seq); ok {
		return doc, nil
	}
	if v := r.newest(); v.inLog() {
		return nr.logDoc(lg, r.key, v)
	}
	if !r.newestInIndex() {
		return r.docOf(lg, len(r.versions)-1)
	}
	if nr.r == nil {
		rd, err := lg.reader(r.key)
		if err != nil {
			return nil, err
		}
		nr.lg, nr.r = lg, rd
	}
	return lg.newestIn(nr.r, r.key, r.newest(), false)
}

// logDoc returns the document of v, row k's INSERT whose record in the
// log is its document, lent until the next read: read from the log, not
// through the document cache, which a scan would only churn.
func (nr *newestReader) logDoc(lg *tableLog, k Key, v *version) ([]byte, error) {
	name := *lg.name.Load()
	if nr.log == nil || nr.logName != name {
		lr, err := lg.st.NewLogReader(name)
		if err != nil {
			return insertDoc(name, k, v.seq, store.Record{}, err)
		}
		nr.log, nr.logName = lr, name
	}
	rec, err := nr.log.Read(v.seq)
	doc, err := insertDoc(name, k, v.seq, rec, err)
	if err == nil {
		nr.logHits++
	}
	return doc, err
}

// docOf is r.docOf(lg, i), reading the document of a newest version
// that is not in memory with the reader.
func (nr *newestReader) docOf(lg *tableLog, r *row, i int) ([]byte, error) {
	if i == len(r.versions)-1 && r.newestOutside() {
		return nr.doc(lg, r)
	}
	return r.docOf(lg, i)
}

// docAt is r.docAt(lg, seq) the same way.
func (nr *newestReader) docAt(lg *tableLog, r *row, seq uint64) (uint64, int64, []byte, error) {
	if i := r.index(seq); i >= 0 && i == len(r.versions)-1 && r.newestOutside() {
		v := r.newest()
		doc, err := nr.doc(lg, r)
		return v.seq, v.ms, doc, err
	}
	return r.docAt(lg, seq)
}

// release gives back the reader of the index and the present file's
// buffer.
func (nr *newestReader) release() {
	nr.releaseIndex()
	nr.pr.release()
	if nr.logHits > 0 {
		logReads.Add(nr.logHits)
	}
	nr.log, nr.logName, nr.logHits = nil, "", 0
}

// releaseIndex gives back the reader of the index, which holds its files
// as they were, and keeps reading the present file where it is: a scan's
// next chunk reads on from there, a run of blocks at once.
func (nr *newestReader) releaseIndex() {
	if nr.r != nil {
		nr.lg.vx.ReleaseVersions(nr.r)
		nr.lg, nr.r = nil, nil
	}
}

// olderVersions walks a row's versions from one to the older ones: the
// index's (vindex.Versions) or an extent's (extentWalk).
type olderVersions interface {
	Seq() uint64
	Version() vindex.Version
	Next() bool
	Err() error
}

// indexedDoc returns the document of the version of key k that r is at,
// as the rows would give it: a document the index holds, an INSERT's
// from the log, or one rebuilt with the patches after the nearest
// earlier version that has its own; nil for a deletion. It moves r.
func (lg *tableLog) indexedDoc(r olderVersions, k Key) (doc []byte, err error) {
	vseq := r.Seq()
	var patches [][]byte // newest first
	for at := r.Version(); ; at = r.Version() {
		switch {
		case at.Doc != nil:
			doc = bytes.Clone(at.Doc)
		case store.EventType(at.Type) == store.EventInsert:
			rv := newVersion(r.Seq(), at.Ms, store.EventInsert)
			doc, err = lg.read(k, &rv)
		case at.Patch != nil:
			patches = append(patches, bytes.Clone(at.Patch))
			if !r.Next() {
				if err = r.Err(); err == nil {
					err = fmt.Errorf("engine: version index: row %s seq %d: no document to apply its patch to", k, vseq)
				}
				return nil, err
			}
			continue
		default: // a deletion
			if len(patches) > 0 {
				err = fmt.Errorf("engine: version index: row %s seq %d: a patch on a deletion", k, vseq)
			}
		}
		break
	}
	if err != nil || len(patches) == 0 {
		return doc, err
	}
	slices.Reverse(patches)
	return applyPatches(doc, patches)
}

// CheckVersionIndex checks the version index against the rows: for each
// table it has a mark for, at the table's horizon, it must hold exactly
// the versions the rows hold up to the mark, each with the rows' type,
// time and patch, and give each version's document as the rows give it.
// It returns a line for each table that differs.
func (db *DB) CheckVersionIndex() []string {
	if db.vx == nil {
		return nil
	}
	var problems []string
	v := db.View()
	for _, name := range v.Tables() {
		ts, ok := v.lookupTable(name)
		if !ok {
			continue
		}
		// The trees up to the view's seq: a published state's may lag,
		// and a snapshot may have indexed the table up to it.
		ts = v.trees(name, ts)
		if err := checkIndexedTable(db.vx, ts); err != nil {
			problems = append(problems, fmt.Sprintf("table %q: version index: %v", name, err))
		}
		if err := checkIndexedEntries(db.vx, ts); err != nil {
			problems = append(problems, fmt.Sprintf("table %q: version index: %v", name, err))
		}
	}
	return problems
}

func checkIndexedTable(x *vindex.Index, ts *tableState) error {
	m, ok, err := x.Mark(ts.spec.OID)
	if err != nil || !ok || m.Horizon != ts.horizon {
		return err // none yet, or one a fold left behind: the next snapshot writes it
	}
	if ts.log.vx != x {
		return fmt.Errorf("the table reads another version index")
	}
	r, err := x.NewVersions()
	if err != nil {
		return err
	}
	defer r.Close()
	// Every version the index holds is a row's, as the row holds it.
	indexed := 0
	var runKey []byte // the key whose run of patches without a document is counted
	run := 0
	for ok := r.Scan(ts.spec.OID); ok; ok = r.Next() {
		if r.Seq() > m.Seq {
			continue // put by a snapshot still under way, which sets the mark last
		}
		indexed++
		// A read walks back at most docEvery-1 patches to a document.
		if !bytes.Equal(runKey, r.Key()) {
			runKey, run = append(runKey[:0], r.Key()...), 0
		}
		if iv := r.Version(); store.EventType(iv.Type) == store.EventPatch && iv.Doc == nil {
			if run++; run >= docEvery {
				return fmt.Errorf("key %x seq %d: %d patches in a row without a document", r.Key(), r.Seq(), run)
			}
		} else {
			run = 0
		}
		k, rest, err := readOrderedKey(r.Key())
		if err != nil || len(rest) > 0 {
			return fmt.Errorf("a key that does not decode: %x", r.Key())
		}
		row, found := ts.get(k)
		i := -1
		if found {
			i = row.index(r.Seq())
		}
		if ts.horizon > 0 && (!found && r.Seq() <= ts.horizon || found && r.Seq() < row.versions[0].seq) {
			indexed--
			continue // a version a fold dropped, read by no one
		}
		if i >= 0 && row.versions[i].gap() {
			// One of a gap's versions, which the row does not hold: its
			// record in the log does.
			if err := checkGapVersion(ts, k, r.Seq(), r.Version()); err != nil {
				return err
			}
			continue
		}
		if i < 0 || row.versions[i].seq != r.Seq() {
			return fmt.Errorf("row %s seq %d: a version the rows do not have up to seq %d", k, r.Seq(), m.Seq)
		}
		rv := &row.versions[i]
		want, got := vindex.Version{Type: byte(rv.typ()), Ms: rv.ms, Patch: rv.patch()}, r.Version()
		if got.Type != want.Type || got.Ms != want.Ms || !bytes.Equal(got.Patch, want.Patch) || (got.Patch == nil) != (want.Patch == nil) {
			return fmt.Errorf("row %s seq %d: type %d, time %d and patch %x; the row has %d, %d and %x",
				k, r.Seq(), got.Type, got.Ms, got.Patch, want.Type, want.Ms, want.Patch)
		}
	}
	if err := r.Err(); err != nil {
		return err
	}
	// Every version of the rows up to the mark is in the index, and reads
	// back with the row's document.
	held := 0
	ts.rows.Ascend(func(row row) bool {
		held += row.countIn(0, row.index(m.Seq)+1)
		var differs error
		err = row.eachDoc(ts.log, 0, func(v *version, doc []byte) bool {
			if v.seq > m.Seq {
				return false
			}
			_, _, got, found, err := ts.log.indexedDocAt(r, row.key, v.seq)
			switch {
			case err != nil:
				differs = fmt.Errorf("row %s seq %d: %w", row.key, v.seq, err)
			case !found || !bytes.Equal(got, doc):
				differs = fmt.Errorf("row %s seq %d: the index gives %x (found %v), the row %x", row.key, v.seq, got, found, doc)
			}
			return differs == nil
		})
		if err == nil {
			err = differs
		}
		return err == nil
	})
	if err != nil {
		return err
	}
	if held != indexed {
		return fmt.Errorf("%d versions up to seq %d, the rows have %d", indexed, m.Seq, held)
	}
	if !m.Rows {
		return nil // the next snapshot puts them
	}
	return checkIndexedRows(x, ts, m)
}

// checkIndexedRows checks the newest versions of rows the index holds
// against the rows at mark m: one for each row with a version at or below
// the mark, with the row's seq, type, time and document there, and none
// for a key the rows do not have.
func checkIndexedRows(x *vindex.Index, ts *tableState, m vindex.Mark) error {
	rr, err := x.NewRows()
	if err != nil {
		return err
	}
	defer rr.Close()
	indexed := 0
	for ok := rr.Scan(ts.spec.OID); ok; ok = rr.Next() {
		k, rest, err := readOrderedKey(rr.Key())
		if err != nil || len(rest) > 0 {
			return fmt.Errorf("a row's key that does not decode: %x", rr.Key())
		}
		r, found := ts.get(k)
		if !found {
			return fmt.Errorf("row %s: its newest version is in the index, and the rows do not have it", k)
		}
		atMark := r.index(m.Seq) >= 0
		if atMark {
			indexed++
		}
		if rr.Seq() > m.Seq {
			continue // put by a snapshot still under way, which sets the mark last
		}
		if !atMark {
			return fmt.Errorf("row %s: its newest version in the index is seq %d, and the row has none up to seq %d", k, rr.Seq(), m.Seq)
		}
		seq, ms, doc, err := checkedDocAt(ts.log, &r, m.Seq)
		if err != nil {
			return fmt.Errorf("row %s: %w", k, err)
		}
		got := rr.Version()
		t := store.EventType(got.Type)
		if v := &r.versions[r.index(m.Seq)]; !v.gap() && v.typ() != t || deletes(t) != (doc == nil) {
			return fmt.Errorf("row %s: the index's newest version is a %v, the row's at seq %d is not", k, t, m.Seq)
		}
		if m.RowInsertsInLog && insertAfter(t, seq, ts.horizon) {
			doc = nil // the record's in the log, the row's read from there
		}
		if rr.Seq() != seq || got.Ms != ms || !bytes.Equal(got.Doc, doc) || (got.Doc == nil) != (doc == nil) || got.Patch != nil {
			return fmt.Errorf("row %s: the index's newest version is seq %d, time %d, document %x; the row's at seq %d is seq %d, %d, %x",
				k, rr.Seq(), got.Ms, got.Doc, m.Seq, seq, ms, doc)
		}
	}
	if err := rr.Err(); err != nil {
		return err
	}
	held := 0
	ts.rows.Ascend(func(r row) bool {
		if r.index(m.Seq) >= 0 {
			held++
		}
		return true
	})
	if held != indexed {
		return fmt.Errorf("the newest versions of %d rows up to seq %d, the rows have %d", indexed, m.Seq, held)
	}
	return nil
}

// checkedDocAt is r.docAt(lg, seq) for a check of the index's rows: a
// newest version whose document only the index holds (leaves) is read
// from the index's versions, not from the row entry being checked.
func checkedDocAt(lg *tableLog, r *row, seq uint64) (uint64, int64, []byte, error) {
	if i := r.index(seq); i < 0 || i < len(r.versions)-1 || !r.newestInIndex() {
		return r.docAt(lg, seq)
	}
	rd, err := lg.reader(r.key)
	if err != nil {
		return 0, 0, nil, err
	}
	defer lg.vx.ReleaseVersions(rd)
	v := r.newest()
	ms, doc, err := lg.versionDoc(rd, r.key, v)
	return v.seq, ms, doc, err
}

// checkGapVersion checks iv, what the version index holds of row k's
// version at seq in a gap, against the version's record in the log.
func checkGapVersion(ts *tableState, k Key, seq uint64, iv vindex.Version) error {
	rec, err := ts.log.st.ReadRecord(*ts.log.name.Load(), seq)
	if err != nil {
		return fmt.Errorf("row %s seq %d, in a gap: %w", k, seq, err)
	}
	var rk Key
	var patch, doc []byte
	switch rec.Type {
	case store.EventInsert:
		var ev *event
		if ev, err = decodeEvent(ts.spec, rec); err == nil {
			rk, doc = ev.key, ev.raw
		}
	case store.EventPatch, store.EventSoftDelete:
		rk, patch, err = splitKeyed(rec.Payload)
	default:
		rk = k // a TRUNCATE names no key
	}
	switch {
	case err != nil:
		return fmt.Errorf("row %s seq %d, in a gap: its record: %w", k, seq, err)
	case rk != k || byte(rec.Type) != iv.Type || rec.UnixMs != iv.Ms:
		return fmt.Errorf("row %s seq %d, in a gap: the index has type %d and time %d, the log key %s, type %d and time %d",
			k, seq, iv.Type, iv.Ms, rk, rec.Type, rec.UnixMs)
	case rec.Type == store.EventPatch && !bytes.Equal(patch, iv.Patch):
		return fmt.Errorf("row %s seq %d, in a gap: the index has patch %x, the log %x", k, seq, iv.Patch, patch)
	case rec.Type == store.EventInsert && iv.Doc != nil && !bytes.Equal(doc, iv.Doc):
		return fmt.Errorf("row %s seq %d, in a gap: the index has document %x, the log %x", k, seq, iv.Doc, doc)
	}
	return nil
}

// trimRow returns r with the versions a whole snapshot with the version
// index holding the table up to indexed, at horizon, writes as gaps (all
// but the one visible at indexed: wholeElems) as gaps, and its newest
// version without its document when the index holds that too (leaves)
// and leave; and whether that changed anything.
func trimRow(r row, horizon, indexed uint64, leave bool) (row, bool) {
	to := r.index(indexed) + 1
	trims := false
	wholeElems(&r, to, horizon, indexed, func(i, j int, gap bool) error {
		trims = trims || gap && (j-i > 1 || !r.versions[i].gap())
		return nil
	})
	if !trims {
		n := len(r.versions) - 1
		if !leave || !r.versions[n].leavesNow(n, indexed, horizon) {
			return r, false
		}
		vs := slices.Clone(r.versions)
		vs[n].setDoc(nil)
		return newRow(r.key, vs), true
	}
	var vs []version
	wholeElems(&r, to, horizon, indexed, func(i, j int, gap bool) error {
		if !gap {
			vs = append(vs, r.versions[i])
			return nil
		}
		vs = append(vs, newGap(r.versions[i].seq, r.versions[i].ms, r.countIn(i, j)))
		return nil
	})
	vs = append(vs, r.versions[to:]...)
	if n := len(vs) - 1; leave && vs[n].leavesNow(n, indexed, horizon) {
		vs[n].setDoc(nil)
	}
	return newRow(r.key, slices.Clip(vs)), true
}

// trimRowRun is trimRow, and keeps on the version of r visible at
// indexed where the pass that put it left its run of patches (runs), a
// row changed for that alone.
func trimRowRun(r row, horizon, indexed uint64, leave bool, runs rowRuns, at *int) (row, bool) {
	nr, ok := trimRow(r, horizon, indexed, leave)
	i := nr.index(indexed)
	if i < 0 {
		return nr, ok
	}
	n, put := runs.find(&r, horizon, indexed, nr.versions[i].seq, at)
	if cur, known := nr.versions[i].run(); !put || known && cur == n {
		return nr, ok
	}
	if !ok {
		nr = newRow(r.key, slices.Clone(r.versions)) // trimRow made no copy
	}
	nr.versions[i].setRun(n)
	return nr, true
}

// trimMark says how far a table's rows were trimmed (trimRow): each row
// whose newest version is at or before seq holds what a trim at horizon
// and any later seq would leave it, so a trim after a delta passes it by.
type trimMark struct{ horizon, seq uint64 }

// trimChunk is how many rows a trim after a delta changes in the working
// state under one hold of the writer mutex.
const trimChunk = 4096

// errTableChanged stops a trim whose table changed under it.
var errTableChanged = errors.New("engine: the table changed")

// trimRows makes the rows of table name hold gaps in place of the
// versions the version index holds up to indexed, at horizon, after a
// snapshot (whole or delta) put them there, and with NewestInIndex let go
// of their newest documents the index holds too, so that memory does not
// wait for a reopen: a table written without pause holds the versions of
// the rows written since its last snapshot. Only the rows written since
// the last trim (tableState.trimmed) can change. They are trimmed beside
// the writer from a copy of the row tree, then put into the working state
// a chunk at a time under the writer mutex, each only if its row has not
// changed since the copy (a row written since is trimmed again there). A
// table changed meanwhile otherwise (folded, loaded again) is left as it
// is. The points of the timeline of the versions that went into gaps
// join the table's gapTimes first: a snapshot written after the trim
// must still hold them. It returns how many rows it trimmed. Callers
// hold snapMu.
func (db *DB) trimRows(name string, horizon, indexed uint64, runs rowRuns) int {
	var w *tableState
	var base *rowTree
	var since uint64
	db.locked(func() {
		if cur, ok := db.work[name]; ok && cur.horizon == horizon {
			w, base = cur, cur.rows.Clone()
			if cur.trimmed.horizon == horizon {
				since = cur.trimmed.seq
			}
		}
	})
	if w == nil {
		return 0
	}
	type change struct{ old, trimmed row }
	var cs []change
	var points []timePoint
	n, hooked := 0, false
	// apply puts the changes gathered into the working state under one
	// hold of the writer mutex, each only if its row has not changed since
	// the copy (a row written since is trimmed again there), after joining
	// the points of the versions they put into gaps to the table's
	// gapTimes; the last publishes the state. It reports whether the table
	// is still the one copied. Changes go in a chunk at a time as they are
	// made, not all at the end: 9 million rows' changes took 1.5 GB.
	apply := func(last bool) bool {
		if db.testTrimmed != nil && !hooked {
			db.testTrimmed()
		}
		hooked = true
		same := true
		db.locked(func() {
			if cur, ok := db.work[name]; !ok || cur != w || cur.horizon != horizon {
				same = false
				return
			}
			w.gapTimes = mergeTimelines(w.gapTimes, buildTimeline(points))
			// The changes come in key order: each row is found, and put
			// back, in the leaf of the one before (a search from the root
			// for each, twice, took half the trim of 9 million rows).
			in := w.rows.sortedInserter()
			for _, c := range cs {
				r, ok := in.get(&c.old)
				if !ok {
					continue
				}
				nr := c.trimmed
				if len(r.versions) != len(c.old.versions) || r.newest().seq != c.old.newest().seq {
					if nr, ok = trimRowRun(r, horizon, indexed, db.opts.NewestInIndex, runs, nil); !ok {
						continue
					}
				}
				in.put(nr)
				w.point.replace(nr)
			}
			if last {
				w.trimmed = trimMark{horizon: horizon, seq: indexed}
				db.publish(map[string]*tableState{name: w})
			}
		})
		n += len(cs)
		clear(cs)
		cs, points = cs[:0], points[:0]
		return same
	}
	var y yielder
	at := 0 // the rows come in key order, as the runs do
	err := writtenSince(base, since, func(r row) error {
		y.tick()
		nr, ok := trimRowRun(r, horizon, indexed, db.opts.NewestInIndex, runs, &at)
		if !ok {
			return nil
		}
		cs = append(cs, change{r, nr})
		for i := range r.versions {
			if v := &r.versions[i]; !v.gap() && v.seq > horizon && v.seq <= indexed {
				points = append(points, timePoint{ms: v.ms, firstSeq: v.seq})
			}
		}
		if len(cs) == trimChunk && !apply(false) {
			return errTableChanged
		}
		return nil
	})
	if err != nil || !apply(true) {
		return 0
	}
	return n
}
