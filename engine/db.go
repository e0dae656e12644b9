package engine

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/vindex"
)

// Options configure a database.
type Options struct {
	// Store options: segment size, NoSync (unsafe bulk mode), ReadOnly,
	// and FS, the file system of every file of the database (the engine's
	// schema.yaml, meta.json and index files too; nil is the operating
	// system's).
	Store store.Options
	// ReadOnly opens without the writer lock; writes fail with 25006.
	ReadOnly bool
	// SnapshotEvents and SnapshotBytes trigger an automatic snapshot of a
	// table after that many events or segment bytes since its last one.
	// Negative disables automatic snapshots.
	SnapshotEvents int64
	SnapshotBytes  int64
	// DeferSnapshots holds automatic snapshots back until Close, which
	// writes each table due one once: a bulk load (driftdb import) then
	// writes its table once rather than again and again as it grows.
	DeferSnapshots bool
	// Logger receives warnings (a damaged snapshot skipped, a torn tail
	// cut). Nil discards them.
	Logger *slog.Logger
	// Now is the clock (tests set it); nil is time.Now.
	Now func() time.Time
	// CacheSize bounds the memory of the documents kept after they were
	// read back from the log (chain.go) and, when the version index is
	// kept, of its blocks, which take half (Options.caches): 0 is
	// DefaultCacheSize, negative keeps no documents.
	CacheSize int64
	// VersionIndex keeps the version index beside the rows, in
	// <dir>/vindex (versionindex.go): written by the snapshots, checked by
	// CheckVersionIndex; whole snapshots leave old versions to it (gaps).
	VersionIndex bool
	// NewestInIndex, with VersionIndex, lets a row's newest version leave
	// its document to the index once the index holds it (version.leaves):
	// less memory, slower reads of the present (docs/ENGINE.md).
	NewestInIndex bool
	// SpillAbove, with VersionIndex, is how large the log of the tables
	// held in memory may be before a table's snapshots put its versions
	// in the index and let them go from memory (spills): until then every
	// table is held as without the index, and reads as fast. Past it, a
	// table whose own log is more than a sixteenth of it, or at least the
	// mean of those held, spills at its next snapshot, and stays spilled.
	// 0 spills every table from its first snapshot; the server sets it to
	// --cache-size.
	SpillAbove int64
	// Extents, with VersionIndex, writes the spilled tables' history again
	// clustered by row when the index is idle, for AS OF reads of it
	// (extents.go): a server's work, which a command that opens the
	// database for a moment would only throw away at its close.
	Extents bool
	// extentsAfter is how long the version index goes without a pass
	// before the extents are written (0: extentsAfter; tests set it).
	extentsAfter time.Duration
	// loadRows is how many rows a table has at least for its first pass
	// to load its entries into the version index rather than batch them
	// (0: loadRows; tests set it).
	loadRows int
	// VersionIndexFS is the version index's file system when Store.FS is
	// not the operating system's (tests keep it across a reopen); nil is
	// a new one in memory.
	VersionIndexFS vindex.FS
	// afterIndexOpen, when not nil, is called by an open once it has
	// opened the version index (for the tests: a writer's snapshot then).
	afterIndexOpen func()
}

// Defaults for Options.
const (
	DefaultSnapshotEvents = 100_000
	DefaultSnapshotBytes  = 128 << 20
	DefaultCacheSize      = 256 << 20
)

// autoSnapshots reports whether tables are snapshotted automatically
// (SnapshotEvents or SnapshotBytes).
func (o *Options) autoSnapshots() bool { return o.SnapshotEvents > 0 || o.SnapshotBytes > 0 }

// EnsureDefaults fills unset fields.
func (o *Options) EnsureDefaults() {
	if o.SnapshotEvents == 0 {
		o.SnapshotEvents = DefaultSnapshotEvents
	}
	if o.SnapshotBytes == 0 {
		o.SnapshotBytes = DefaultSnapshotBytes
	}
	if o.CacheSize == 0 {
		o.CacheSize = DefaultCacheSize
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Store.ReadOnly = o.ReadOnly
	if o.Store.Logger == nil {
		o.Store.Logger = o.Logger
	}
	o.Store.EnsureDefaults()
}

// tableLog returns a reader of the documents in the log of table name.
func (db *DB) tableLog(spec *TableSpec) *tableLog {
	lg := newTableLog(db.st, db.docs, spec.Name)
	lg.vx, lg.oid, lg.log, lg.ext = db.vx, spec.OID, db.log, db.ext
	return lg
}

// Validate reports settings that cannot work.
func (o *Options) Validate() error { return o.Store.Validate() }

// DB is an open database: a data directory of tables.
type DB struct {
	dir  string
	opts Options
	st   *store.Store
	log  *slog.Logger
	// docs holds documents read back from the log (nil: none).
	docs *docCache

	// wmu is the writer mutex: validation, seq assignment and hand-over to
	// the store happen under it, in order.
	wmu     writerMutex
	scratch commitScratch
	work    map[string]*tableState // the writer's working copies
	nextSeq uint64
	// touched sums what a commit read ahead (touchEvents); guarded by wmu.
	touched int
	lastMs  int64
	failed  error
	closed  bool
	// pub is the state readers use; visible the highest seq they may see.
	// A commit changes the working state in place and does not publish it:
	// readers that follow a point map or a row's versions see it at once
	// (filtered by seq), and a reader that walks a B-tree asks for a fresh
	// copy of the table when the published one is older than its view
	// (refresh). A table nobody scans is never copied.
	pub     atomic.Pointer[dbState]
	visible atomic.Uint64
	// waiting are the goroutines waiting for the visible seq to reach a
	// conflicting commit (Autocommit); nwaiting counts them, so that
	// advance looks at the list only when someone waits.
	waiting  waiters
	nwaiting atomic.Int32

	// testApplied, when set by a test, runs after each event a commit
	// applies (to inject a panic in the middle of one).
	testApplied func(*event)
	// testBackfilled, when set by a test, runs once an index is built
	// beside the writer, before it is caught up and installed.
	testBackfilled func(*backfill)
	// testCurrentBatch, when set by a test, is how many changes a batch of
	// an index's current entries takes (currentWriter), in place of
	// versionIndexBatch.
	testCurrentBatch int
	// testFolded, when set by a test, runs once COMPACT BEFORE has folded
	// its copy of a table, before it catches up and installs it.
	testFolded func()
	// testTrimmed, when set by a test, runs once a table's rows are
	// trimmed after a snapshot, before they catch up and go in.
	testTrimmed func()
	// testRunsRead counts the reads of the version index for where a
	// row's run of patches stands (indexRun); testForgetRuns makes the
	// passes read every one, as if no trim had kept it.
	testRunsRead   int
	testForgetRuns bool
	// testLoads counts the passes that loaded their entries.
	testLoads atomic.Int64
	// testPlaced, when set by a test, runs once a commit has applied
	// every event and placed the index entries it held back.
	testPlaced func()
	// testPlacing, when set by a test, runs on the goroutine that places
	// a large commit's index entries after the commit let the writer
	// mutex go, before it places them.
	testPlacing func()

	// gens gives out table generations (ddl.go).
	gens atomic.Uint64
	// oids gives out OIDs (oid.go); guarded by wmu.
	oids oidCounter

	// seqs are the sequences (sequence.go).
	seqs sequenceSet
	// views are the views (viewdef.go).
	views viewSet
	// exts are the extensions CREATE EXTENSION gave (extension.go).
	exts extensionSet

	snapMu sync.Mutex // one snapshot, compaction or DDL statement at a time
	// spillingAtOpen, while Open loads the tables, are those it spills
	// next (spillsAtOpen).
	spillingAtOpen map[string]bool
	// vx is the version index, nil when the options keep none.
	vx       *vindex.Index
	ext      *extentFiles // nil: none (extents.go)
	xfs      vindex.FS    // the file system of the version index and the extents
	vxTemp   string       // a read-only open's own version index, removed at its close
	ownIndex bool         // read-only: make vxTemp rather than read the index there (Open)
	bg       sync.WaitGroup
	snapping atomic.Bool
}

// dbState is what readers see: immutable table states and the timeline.
type dbState struct {
	tables map[string]*tableState
	// times maps unix_ms to seqs: every point where unix_ms changed, with
	// the first seq at that unix_ms, in order.
	times []timePoint
}

type timePoint struct {
	ms       int64
	firstSeq uint64
}

// Open opens the database in dir, creating it if missing (unless
// read-only), and loads every table: its newest valid snapshot, then the
// events after it.
func Open(dir string, opts Options) (*DB, error) {
	opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	// Read-only beside a server, the version index is read as the server
	// holds it, as it was at the open (openVersionIndex). A snapshot the
	// server wrote since may leave it versions it did not hold then: the
	// open starts again, and at last makes an index of its own.
	for try := 1; ; try++ {
		db, err := open(dir, opts, try > besideOpens)
		if !errors.Is(err, errIndexBehind) {
			return db, err
		}
		opts.Logger.Info("the version index read beside its writer is behind a snapshot: opening again", "try", try, "err", err)
	}
}

// besideOpens is how many times a read-only open reads the version index
// beside its writer before it makes one of its own.
const besideOpens = 3

// open is Open with opts checked; with ownIndex, a read-only open makes a
// version index of its own from the log rather than read the one there.
func open(dir string, opts Options, ownIndex bool) (*DB, error) {
	st, err := store.Open(dir, opts.Store)
	if err != nil {
		var le *store.LockedError
		if errors.As(err, &le) {
			return nil, &Error{Code: CodeObjectInUse, Msg: err.Error(), Err: err}
		}
		return nil, &Error{Code: CodeIOError, Msg: err.Error(), Err: err}
	}
	docs, _ := opts.caches()
	db := &DB{dir: dir, opts: opts, st: st, log: opts.Logger, work: map[string]*tableState{}, docs: newDocCache(docs), ownIndex: ownIndex}
	// The version index before the tables: their snapshots may leave
	// versions to it.
	if err := db.openVersionIndex(); err != nil {
		return db.failOpen(err)
	}
	if opts.afterIndexOpen != nil {
		opts.afterIndexOpen()
	}
	db.spillingAtOpen = db.spillsAtOpen()
	state := &dbState{tables: map[string]*tableState{}}
	var points []timePoint
	for _, name := range st.Streams() {
		ts, pts, err := db.loadTable(name)
		if err != nil {
			return db.failOpen(err)
		}
		ts.gen = db.newGen()
		state.tables[name] = ts
		db.work[name] = ts.clone()
		points = append(points, pts...)
	}
	// Each table's points are its timeline: the database's is theirs
	// merged, a point kept where its unix_ms passes every earlier one.
	state.times = buildTimeline(points)
	if db.seqs.m, err = db.loadSequences(st.Streams()); err != nil {
		return db.failOpen(err)
	}
	if err := db.loadRowIDs(state); err != nil {
		return db.failOpen(err)
	}
	if db.views.m, err = db.loadViews(); err != nil {
		return db.failOpen(err)
	}
	if db.exts.l, err = db.loadExtensions(); err != nil {
		return db.failOpen(err)
	}
	if err := db.openOIDs(state); err != nil {
		return db.failOpen(err)
	}
	for _, ts := range state.tables {
		ts.log.oid = ts.spec.OID // given just now to a table from before OIDs
	}
	last := st.LastSeq()
	for _, ts := range state.tables {
		if ts.lastSnap > last {
			last = ts.lastSnap
		}
	}
	db.nextSeq = last + 1
	db.lastMs = st.LastUnixMs()
	if n := len(state.times); n > 0 && state.times[n-1].ms > db.lastMs {
		db.lastMs = state.times[n-1].ms
	}
	for _, ts := range state.tables {
		ts.upTo = last
	}
	db.visible.Store(last)
	db.pub.Store(state)
	if db.ext != nil {
		db.loadExtents() // before a snapshot or a fold can run
	}
	db.startSnapshots(db.dueToSpill(), true)
	db.spillingAtOpen = nil
	if db.ext != nil && !db.ext.readOnly {
		db.ext.start(db)
	}
	return db, nil
}

// dueToSpill returns the tables that spill to the version index at their
// next snapshot (spills) and are held in memory now, the largest first,
// when automatic snapshots are on: an open snapshots them in the
// background, so that a directory larger than SpillAbove (loaded by
// driftdb import, or from before the index) does not wait for writes to
// spill.
func (db *DB) dueToSpill() []string {
	if !db.spillsBehind() {
		return nil
	}
	names := db.spillingAmong(db.tableOIDs())
	slices.SortFunc(names, func(a, b string) int { return cmp.Compare(db.st.SegmentBytes(b), db.st.SegmentBytes(a)) })
	return names
}

// spillsBehind reports whether an open spills the tables past SpillAbove
// in the background (dueToSpill).
func (db *DB) spillsBehind() bool {
	return db.vx != nil && !db.opts.ReadOnly && db.opts.VersionIndex && db.opts.SpillAbove > 0 && db.snapshotsBehind()
}

// snapshotsBehind reports whether snapshots are taken in the background
// as the tables grow (automatic ones, not held back until Close).
func (db *DB) snapshotsBehind() bool { return db.opts.autoSnapshots() && !db.opts.DeferSnapshots }

// spillsAtOpen returns the tables that the open will spill in the
// background (dueToSpill), found before they load, from their
// definitions, when their rows may leave their newest documents
// (Options.NewestInIndex): their rows load without the documents of
// INSERTs the log holds in key order (snapshotRows.logInserts), which the
// spill would let go of, and which the present file it writes then reads
// from the log in order. (9 million rows imported: 0.6 GB of documents
// loaded only to be dropped.) A table whose definition does not read, or
// from before OIDs, is not among them.
func (db *DB) spillsAtOpen() map[string]bool {
	if !db.spillsBehind() || !db.opts.NewestInIndex {
		return nil
	}
	fsys := db.st.FS()
	spilling := map[string]bool{}
	for _, name := range db.spillingAmong(func(name string) (uint32, bool) {
		spec, err := readSchema(fsys, db.st.StreamDir(name))
		if err != nil {
			return 0, false
		}
		return spec.OID, spec.OID != 0
	}) {
		spilling[name] = true
	}
	return spilling
}

// spillingAmong returns the tables held in memory (heldTables) that
// spill among them (spillsAmong); none when the index cannot say.
func (db *DB) spillingAmong(oidOf func(name string) (uint32, bool)) []string {
	held, total, err := db.heldTables(oidOf)
	if err != nil {
		return nil
	}
	var names []string
	for _, name := range held {
		if db.spillsAmong(db.st.SegmentBytes(name), len(held), total) {
			names = append(names, name)
		}
	}
	return names
}

// buildTimeline sorts (ms, seq) points by seq and keeps those where ms
// changes.
func buildTimeline(points []timePoint) []timePoint {
	sortPoints(points)
	var out []timePoint
	for _, p := range points {
		if n := len(out); n == 0 || p.ms > out[n-1].ms {
			out = append(out, p)
		}
	}
	return out
}

// mergeTimelines returns the timeline of the points of a and b, two
// timelines (buildTimeline): the merge of the two in seq order, reduced
// as buildTimeline reduces (a point either dropped is dropped from the
// two together too), without sorting them again.
func mergeTimelines(a, b []timePoint) []timePoint {
	out := make([]timePoint, 0, len(a)+len(b))
	add := func(p timePoint) {
		if n := len(out); n == 0 || p.ms > out[n-1].ms {
			out = append(out, p)
		}
	}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i].firstSeq <= b[j].firstSeq {
			add(a[i])
			i++
		} else {
			add(b[j])
			j++
		}
	}
	for ; i < len(a); i++ {
		add(a[i])
	}
	for ; j < len(b); j++ {
		add(b[j])
	}
	return slices.Clip(out)
}

// gapTimeline gathers the points of a timeline by unix_ms: the first seq
// of each, which is all buildTimeline can keep of them. It is how a
// snapshot gathers the timeline of the versions it leaves to the version
// index, and an open a table's (a few thousand unix_ms where the versions
// are millions: gathered in a slice and sorted, the points of 9 million
// rows took 288 MB and 0.45 s of a 2 s open). Only a point whose unix_ms
// is not the point's before is looked up: most versions, walked in key
// order, were made in the same millisecond as the one before.
type gapTimeline struct {
	m     map[int64]uint64
	ms    int64
	first uint64 // m[ms], 0 before the first point (seqs start at 1)
}

// newGapTimeline returns a timeline holding points.
func newGapTimeline(points []timePoint) *gapTimeline {
	t := &gapTimeline{m: make(map[int64]uint64, len(points))}
	for _, p := range points {
		t.addPoint(p.ms, p.firstSeq)
	}
	return t
}

func (t *gapTimeline) addPoint(ms int64, seq uint64) {
	if ms == t.ms && seq >= t.first && t.first != 0 {
		return
	}
	if s, ok := t.m[ms]; !ok || seq < s {
		t.m[ms] = seq
	}
	t.ms, t.first = ms, t.m[ms]
}

// add adds the points of vs; a gap among them has its points in the
// timeline already (ts.gapTimes), its first one included.
func (t *gapTimeline) add(vs []version) {
	for i := range vs {
		t.addPoint(vs[i].ms, vs[i].seq)
	}
}

// timeline returns the timeline of the points: buildTimeline's of every
// point added, since it keeps at most the first seq of each unix_ms.
func (t *gapTimeline) timeline() []timePoint {
	pts := make([]timePoint, 0, len(t.m))
	for ms, seq := range t.m {
		pts = append(pts, timePoint{ms: ms, firstSeq: seq})
	}
	return buildTimeline(pts)
}

// points returns the timeline as (unix_ms, seq) pairs where unix_ms
// changes, in order (snapshotHeader.Times).
func (t *gapTimeline) points() []int64 {
	pts := t.timeline()
	out := make([]int64, 0, 2*len(pts))
	for _, p := range pts {
		out = append(out, p.ms, int64(p.firstSeq))
	}
	return out
}

// sortPoints sorts points by seq: a radix sort, 11 bits a pass and only
// as many passes as the largest seq needs, since a table's versions come
// in key order and there is one point per version (a comparison sort of
// 2.2M points took 0.45 s of a 2.4 s open).
func sortPoints(points []timePoint) {
	const bits = 11
	if len(points) < 2 {
		return
	}
	var top uint64
	for _, p := range points {
		top = max(top, p.firstSeq)
	}
	buf := make([]timePoint, len(points))
	src, dst := points, buf
	for shift := uint(0); shift < 64 && top>>shift > 0; shift += bits {
		var count [1<<bits + 1]int
		for _, p := range src {
			count[(p.firstSeq>>shift)&(1<<bits-1)+1]++
		}
		for i := 1; i < len(count); i++ {
			count[i] += count[i-1]
		}
		for _, p := range src {
			d := (p.firstSeq >> shift) & (1<<bits - 1)
			dst[count[d]] = p
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &points[0] {
		copy(points, src)
	}
}

// Dir returns the data directory.
func (db *DB) Dir() string { return db.dir }

// ReadOnly reports whether the database was opened read-only.
func (db *DB) ReadOnly() bool { return db.opts.ReadOnly }

// Seq returns the highest committed, visible seq.
func (db *DB) Seq() uint64 { return db.visible.Load() }

// Store returns the underlying store (for verification tools).
func (db *DB) Store() *store.Store { return db.st }

// Close waits for background work, then closes the store and releases the
// writer lock.
func (db *DB) Close() error {
	was := false
	db.locked(func() { was, db.closed = db.closed, true })
	if was {
		return nil
	}
	db.wakeWaiters(true)
	db.bg.Wait()
	db.snapshotOnClose()
	db.closeVersionIndex()
	db.saveSequences()
	db.docs.close()
	return db.st.Close()
}

// failOpen closes what Open opened before err.
func (db *DB) failOpen(err error) (*DB, error) {
	db.closeVersionIndex()
	db.docs.close()
	db.st.Close()
	return nil, err
}

// closeSnapshotEvents is how many events since its last snapshot make a
// table snapshot at a clean close, as PostgreSQL checkpoints at shutdown:
// the next open then replays little of the log (about 10 µs an event).
const closeSnapshotEvents = 10_000

// snapshotOnClose writes a whole snapshot of each table that has
// closeSnapshotEvents or more events since its last snapshot, or deltas
// on its last whole one, when automatic snapshots are on and the
// database can write: the next open loads one snapshot and replays
// nothing. A failure is logged: the log is the truth, and the next open
// replays it.
func (db *DB) snapshotOnClose() {
	if db.opts.ReadOnly || !db.opts.autoSnapshots() {
		return
	}
	var names []string
	db.locked(func() {
		if db.failed != nil {
			return
		}
		for name, w := range db.work {
			if w.eventsSince >= closeSnapshotEvents || w.snaps.deltas > 0 {
				names = append(names, name)
			}
		}
	})
	slices.Sort(names)
	db.snapMu.Lock()
	defer db.snapMu.Unlock()
	for _, name := range names {
		if _, err := db.snapshotLocked(name, true); err != nil {
			db.log.Warn("cannot snapshot a table at close", "table", name, "err", err)
		}
	}
}

// CreateTable creates a table. Its schema is written before its stream, so
// a stream always has a schema.
func (db *DB) CreateTable(def TableSpec) error {
	spec := *def.clone()
	if err := spec.validate(); err != nil {
		return err
	}
	spec.clearOIDs()
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if err := db.writable(); err != nil {
		return err
	}
	if _, ok := db.work[spec.Name]; ok {
		return wrapf(CodeDuplicateTable, ErrTableExists, "relation %q already exists", spec.Name)
	}
	if k := db.relationKind(spec.Name); k == "sequence" || k == "view" || k == "index" {
		return wrapf(CodeDuplicateTable, ErrTableExists, "relation %q already exists", spec.Name)
	}
	for _, d := range spec.IndexDefs {
		if db.relationKind(d.Name) != "" {
			return errorf(CodeDuplicateTable, "relation %q already exists", d.Name)
		}
	}
	dir := db.st.StreamDir(spec.Name)
	if _, err := db.st.FS().Stat(dir); err == nil && db.st.HasStream(spec.Name) {
		return wrapf(CodeDuplicateTable, ErrTableExists, "relation %q already exists", spec.Name)
	}
	if err := db.giveOIDs(spec.oids()); err != nil {
		return err
	}
	spec.CreatedUnixMs = db.now()
	if err := writeSchema(db.st.FS(), dir, &spec); err != nil {
		return storageError(err)
	}
	if err := db.st.CreateStream(spec.Name); err != nil {
		return storageError(err)
	}
	if spec.RowID {
		if err := db.createRowID(spec.Name); err != nil {
			return err
		}
	}
	ts := newTableState(&spec, db.tableLog(&spec))
	ts.gen = db.newGen()
	db.work[spec.Name] = ts
	db.publish(map[string]*tableState{spec.Name: ts})
	return nil
}

// CreateIndex adds an index on field to a table and builds it, beside
// the writer (backfill.go).
func (db *DB) CreateIndex(table, field string) error {
	db.snapMu.Lock()
	defer db.snapMu.Unlock()
	stored := func(ts *tableState) string {
		if f, ok := ts.cols.rules.fields[field]; ok {
			return f // a renamed column: its values are in its field
		}
		return field
	}
	var field0 string
	db.wmu.Lock()
	if ts, ok := db.work[table]; ok {
		field0 = stored(ts)
	}
	db.wmu.Unlock()
	built, err := db.backfillIndex(table, field0)
	if err != nil {
		return err
	}
	made, err := db.installIndex(table, stored, built)
	if made != "" {
		db.indexMade(table, made)
	}
	return err
}

// installIndex is CreateIndex's change of the table's definition, with
// built, under the writer mutex; it returns the field newly indexed, if
// any.
func (db *DB) installIndex(table string, stored func(ts *tableState) string, built *backfill) (string, error) {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if err := db.writable(); err != nil {
		return "", err
	}
	ts, ok := db.work[table]
	if !ok {
		return "", noTable(table)
	}
	field := stored(ts)
	for _, f := range ts.spec.Indexes {
		if f == field {
			return "", nil
		}
	}
	spec := ts.spec.clone()
	spec.Indexes = append(spec.Indexes, field)
	spec.syncIndexOIDs()
	if err := db.giveOIDs(spec.oids()); err != nil {
		return "", err
	}
	if err := writeSchema(db.st.FS(), db.st.StreamDir(table), spec); err != nil {
		return "", storageError(err)
	}
	nts := ts.clone()
	nts.spec = spec
	if ok, err := built.install(ts, nts, field); err != nil {
		return "", err
	} else if !ok {
		if err := nts.buildIndexes([]string{field}); err != nil {
			return "", &Error{Code: CodeInternal, Msg: err.Error(), Err: err}
		}
	}
	db.work[table] = nts
	db.publish(map[string]*tableState{table: nts})
	return field, nil
}

func noTable(name string) error {
	return wrapf(CodeUndefinedTable, ErrNoTable, "relation %q does not exist", name)
}

// locked runs f holding the writer mutex, which it releases even if f
// panics.
// writerMutex is the writer's mutex. A large commit lets it go while its
// index entries are still being added to the working state's trees
// (placing); whoever takes it next waits for them first, so that the
// holder always finds the working state whole.
type writerMutex struct {
	mu      sync.Mutex
	placing sync.WaitGroup
}

func (m *writerMutex) Lock() {
	m.mu.Lock()
	m.placing.Wait()
}

func (m *writerMutex) Unlock() { m.mu.Unlock() }

// settle waits for the placement a commit started, for a holder that
// goes on changing or publishing the working state after the commit
// without letting the mutex go (an ALTER TABLE).
func (m *writerMutex) settle() { m.placing.Wait() }

func (db *DB) locked(f func()) {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	f()
}

// writable reports why the database cannot be written now. Callers hold
// wmu.
func (db *DB) writable() error {
	switch {
	case db.closed:
		return &Error{Code: CodeIOError, Msg: "database is closed", Err: ErrClosed}
	case db.opts.ReadOnly:
		return wrapf(CodeReadOnly, ErrReadOnly, "database is open read-only (another process holds the writer lock)")
	case db.failed != nil:
		return db.resume()
	}
	return nil
}

// publish makes copies of changed working states visible to new readers.
// Callers hold wmu.
func (db *DB) publish(changed map[string]*tableState) {
	old := db.pub.Load()
	ns := &dbState{tables: make(map[string]*tableState, len(old.tables)+len(changed)), times: old.times}
	for k, v := range old.tables {
		ns.tables[k] = v
	}
	for name, ts := range changed {
		pubTS := ts.clone()
		pubTS.upTo = db.nextSeq - 1
		ns.tables[name] = pubTS
	}
	db.pub.Store(ns)
}

// refresh returns a published state of table name that holds every event
// up to seq, copying the working state if the published one is older.
// Copies are lazy (the B-trees share nodes until the writer changes them),
// and one copy serves every reader until the next commit.
func (db *DB) refresh(name string, seq uint64) *tableState {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if ts, ok := db.pub.Load().tables[name]; ok && ts.upTo >= seq {
		return ts
	}
	w, ok := db.work[name]
	if !ok {
		return db.pub.Load().tables[name]
	}
	db.publish(map[string]*tableState{name: w})
	return db.pub.Load().tables[name]
}

// addTimePoint extends the timeline when a commit is the first at its
// unix_ms. A point may be published before its commit is durable: a view
// never reads past its own seq, whatever the timeline says. Callers hold
// wmu.
func (db *DB) addTimePoint(ms int64, firstSeq uint64) {
	old := db.pub.Load()
	if n := len(old.times); n > 0 && ms <= old.times[n-1].ms {
		return
	}
	db.pub.Store(&dbState{tables: old.tables, times: append(old.times, timePoint{ms: ms, firstSeq: firstSeq})})
}

// advance moves the visible seq up to seq (never down).
func (db *DB) advance(seq uint64) {
	for {
		cur := db.visible.Load()
		if seq <= cur {
			return
		}
		if db.visible.CompareAndSwap(cur, seq) {
			db.wakeWaiters(false)
			return
		}
	}
}

// Tables returns the names of the tables, sorted.
func (db *DB) Tables() []string {
	return db.View().Tables()
}

func (db *DB) now() int64 { return db.opts.Now().UnixMilli() }

func ioError(err error) error {
	e := storageError(err)
	e.Msg = fmt.Sprintf("write failed: %v", err)
	return e
}
