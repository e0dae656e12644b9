package engine

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/driftdb/driftdb/vindex"
)

// Extents (vindex/extents.go) hold a spilled table's versions a second
// time, clustered by row, so that a read of a seq in a gap is a read of
// a few kilobytes of a file rather than a seek through the version index
// (docs/ENGINE.md, "Next: the past in extents"). They are written when
// the index has gone extentsAfter without a pass (writeExtents): for
// each spilled table, a sealed file of one extent a row with a gap, in
// key order, holding every version the index has of the row up to the
// table's mark (extentSet). A read of a seq in a gap finds the row's
// extent through the file's directory, and takes it when it holds the
// gap's first version and the seq is not past its last (fromExtents):
// the extent holds every version of the row between the two. The
// index's entries answer the rest, and stay the truth.
//
// The files outlive the process: an open takes each table's newest file
// back when the table still is what the file was written from (its OID,
// its horizon, an index holding every version up to the file's mark:
// loadExtents), and removes the rest. A row's versions never change below
// the horizon, so a file that was right when written stays right until a
// fold (which removes it) or a drop.

// extentsDir is the directory of the extents files in a data directory.
const extentsDir = "extents"

// extentsAfter is how long the version index goes without a pass before
// the extents are written, and extentsLatest (in extentsAfters) how long
// passes without such a pause hold them back; extentsShare is the share
// of a table's versions in its extents (1/extentsShare) that passes must
// have put into the index since before they are written again.
const (
	extentsAfter  = 10 * time.Second
	extentsLatest = 12
	extentsShare  = 8
)

// extentFiles are a database's extents files and the goroutine that
// writes them.
type extentFiles struct {
	fs  vindex.FS
	dir string
	// readOnly: the files of a database opened read-only, which reads
	// them and neither writes nor removes any.
	readOnly bool
	next     atomic.Uint32 // the number of the last file made
	// mu is held shared by a read of a file, exclusively by its removal.
	mu sync.RWMutex
	// tables holds, by table OID, how many versions passes have put into
	// the index since the table's extents were written.
	tables map[uint32]*atomic.Int64
	// kick, stop and done run the writer (run).
	kick chan struct{}
	stop context.CancelFunc
	done chan struct{}
	// reads and unsure count the reads of gaps that took the extents and
	// those that went to the index instead, for tests.
	reads, unsure atomic.Int64
}

// extentSet is a table's extents: its file, numbered num, and what the
// file was written from (its meta: extentsMeta).
type extentSet struct {
	x   *vindex.Extents
	num uint32
	extentsMeta
}

// extentsMeta is what a table's extents file says of itself: the
// identity of the index it was written from (vindex.Index.ID), the
// table's OID and horizon, the table's mark in the index (the file holds
// the versions up to it), and how many versions the file holds.
type extentsMeta struct {
	index         uint64
	oid           uint32
	horizon, mark uint64
	written       int64
}

// extentsMetaVersion begins the meta of every extents file.
const extentsMetaVersion = 1

func (m extentsMeta) append(dst []byte) []byte {
	dst = append(dst, extentsMetaVersion)
	dst = binary.AppendUvarint(dst, m.index)
	dst = binary.AppendUvarint(dst, uint64(m.oid))
	dst = binary.AppendUvarint(dst, m.horizon)
	dst = binary.AppendUvarint(dst, m.mark)
	return binary.AppendUvarint(dst, uint64(m.written))
}

func decodeExtentsMeta(b []byte) (m extentsMeta, ok bool) {
	if len(b) == 0 || b[0] != extentsMetaVersion {
		return m, false
	}
	b = b[1:]
	var vs [5]uint64
	for i := range vs {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return m, false
		}
		vs[i], b = v, b[n:]
	}
	if len(b) != 0 || vs[1] > math.MaxUint32 || vs[4] > math.MaxInt64 {
		return m, false
	}
	return extentsMeta{index: vs[0], oid: uint32(vs[1]), horizon: vs[2], mark: vs[3], written: int64(vs[4])}, true
}

// openExtents opens the database's extents in dir on fs. Its files are
// taken back once the tables are loaded (loadExtents).
func openExtents(fs vindex.FS, dir string) (*extentFiles, error) {
	if err := fs.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("engine: extents: %w", err)
	}
	return &extentFiles{fs: fs, dir: dir, tables: map[uint32]*atomic.Int64{}}, nil
}

// loadExtents gives each table its newest extents file that still holds
// for it (chooseExtents), and removes the other files: those of tables
// dropped, folded since, or whose index no longer holds what the file was
// written from, those that are damaged, and what is not an extents file.
// A database opened read-only removes nothing. New files are numbered
// after the last.
func (db *DB) loadExtents() {
	xf := db.ext
	logs := map[uint32]*tableLog{}
	tables := map[uint32]extentsTable{}
	db.locked(func() {
		for name, ts := range db.work {
			logs[ts.log.oid] = ts.log
			tables[ts.log.oid] = extentsTable{name, ts.horizon}
		}
	})
	files, err := db.chooseExtents(xf.fs, xf.dir, tables)
	if err != nil {
		db.log.Warn("cannot list the extents", "err", err)
		return
	}
	for _, f := range files {
		xf.next.Store(max(xf.next.Load(), f.num))
		if f.why == "" {
			logs[f.meta.oid].extents.Store(&extentSet{x: f.x, num: f.num, extentsMeta: f.meta})
			continue
		}
		if !xf.readOnly {
			if f.damaged {
				db.log.Warn("an extents file is removed", "file", f.path, "why", f.why)
			}
			xf.fs.RemoveAll(f.path)
		}
	}
}

// extentsTable is what chooseExtents needs of a table: its name and
// horizon.
type extentsTable struct {
	name    string
	horizon uint64
}

// extentsFile is a file of the extents directory as an open finds it:
// its number (0: not an extents file) and, when the open takes it (why
// is ""), its reader, open, and meta; else why not, and whether it is
// damaged.
type extentsFile struct {
	path    string
	num     uint32
	x       *vindex.Extents
	meta    extentsMeta
	why     string
	damaged bool
}

// chooseExtents lists the files of the extents directory dir on fs as an
// open takes them, newest first: each table of tables (by OID) takes its
// newest file that holds for it (extentsHold). A directory that does not
// exist holds none.
func (db *DB) chooseExtents(fs vindex.FS, dir string, tables map[uint32]extentsTable) ([]extentsFile, error) {
	names, err := fs.List(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			err = nil
		}
		return nil, err
	}
	var files []extentsFile
	for _, name := range names {
		f := extentsFile{path: filepath.Join(dir, name)}
		var ok bool
		if f.num, ok = extentsFileNum(name); !ok {
			f.why = "not an extents file"
		}
		files = append(files, f)
	}
	slices.SortFunc(files, func(a, b extentsFile) int { return cmp.Compare(b.num, a.num) })
	taken := map[uint32]bool{}
	for i := range files {
		f := &files[i]
		if f.num == 0 {
			continue
		}
		x, b, err := vindex.OpenSealedExtents(fs, f.path, f.num)
		if err != nil {
			f.why, f.damaged = err.Error(), true
			continue
		}
		meta, ok := decodeExtentsMeta(b)
		t, known := tables[meta.oid]
		switch {
		case !ok:
			f.why, f.damaged = fmt.Sprintf("meta %x", b), true
		case !known:
			f.why = fmt.Sprintf("of table OID %d, not in the database", meta.oid)
		case taken[meta.oid]:
			f.why = fmt.Sprintf("older than another file of table %q", t.name)
		default:
			if why := db.extentsHold(meta, t.horizon); why != "" {
				f.why = fmt.Sprintf("table %q: %s", t.name, why)
			}
		}
		if f.why != "" {
			x.Close()
			continue
		}
		taken[meta.oid] = true
		f.x, f.meta = x, meta
	}
	return files, nil
}

// extentsFileNum returns the number of the extents file name, if it is
// one the writer gives (n.x, n from 1 without leading zeros).
func extentsFileNum(name string) (uint32, bool) {
	n, err := strconv.ParseUint(strings.TrimSuffix(name, ".x"), 10, 32)
	if err != nil || n == 0 || n > vindex.MaxExtentsFile || name != strconv.FormatUint(n, 10)+".x" {
		return 0, false
	}
	return uint32(n), true
}

// extentsHold says why a file of meta no longer holds for its table, at
// horizon now ("" when it does): it must come from this index, no fold
// may have run since, and the index must hold the table at that horizon
// with a mark at or past the file's. Below the horizon a row's versions
// never change, and below the mark the index has them as the file does.
func (db *DB) extentsHold(meta extentsMeta, horizon uint64) string {
	if meta.index == 0 || meta.index != db.vx.ID() {
		return "written from another version index"
	}
	if horizon != meta.horizon {
		return fmt.Sprintf("written at horizon %d, the table's is %d", meta.horizon, horizon)
	}
	m, spilled, err := db.vx.Mark(meta.oid)
	if err != nil || !spilled || m.Horizon != meta.horizon || m.Seq < meta.mark {
		return fmt.Sprintf("written at horizon %d up to seq %d, which the index no longer holds", meta.horizon, meta.mark)
	}
	return ""
}

// start runs the writer of db's extents.
func (xf *extentFiles) start(db *DB) {
	ctx, stop := context.WithCancel(context.Background())
	xf.kick, xf.stop, xf.done = make(chan struct{}, 1), stop, make(chan struct{})
	go xf.run(ctx, db)
}

// since returns the count of versions put into the index for table oid
// since its extents were written.
func (xf *extentFiles) since(oid uint32) *atomic.Int64 {
	xf.mu.Lock()
	defer xf.mu.Unlock()
	n := xf.tables[oid]
	if n == nil {
		n = new(atomic.Int64)
		xf.tables[oid] = n
	}
	return n
}

// kicked tells the writer that a pass put n versions of table oid into
// the index.
func (xf *extentFiles) kicked(oid uint32, n int) {
	xf.since(oid).Add(int64(n))
	if xf.kick != nil {
		select {
		case xf.kick <- struct{}{}:
		default:
		}
	}
}

// run writes the extents of the tables due once the index has gone
// extentsAfter without a pass, or extentsLatest of those have passed with
// passes but no pause (the writes go on beside it), and a tenth of that
// after the start.
func (xf *extentFiles) run(ctx context.Context, db *DB) {
	defer close(xf.done)
	after := db.opts.extentsAfter
	if after <= 0 {
		after = extentsAfter
	}
	// A start has no writes to wait for: the reads of the past go to the
	// index until the extents are written.
	vindex.WhenIdle(ctx, after/10, after, after*extentsLatest, xf.kick, func() {
		for _, name := range db.extentsDue() {
			if err := db.writeExtents(ctx, name); err != nil && ctx.Err() == nil {
				db.log.Warn("cannot write the extents of a table", "table", name, "err", err)
			}
			if ctx.Err() != nil {
				return
			}
		}
	})
}

// extentsDue lists the spilled tables whose extents are due: none yet,
// or passes have put a share of what they hold into the index since.
func (db *DB) extentsDue() []string {
	logs := map[string]*tableLog{}
	db.locked(func() {
		for name, ts := range db.work {
			logs[name] = ts.log
		}
	})
	var names []string
	for name, lg := range logs {
		if _, spilled, err := db.vx.Mark(lg.oid); err != nil || !spilled {
			continue
		}
		set := lg.extents.Load()
		since := db.ext.since(lg.oid).Load()
		if set == nil || since > 0 && since*extentsShare >= set.written {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// stopWriter stops the writer, if it runs.
func (xf *extentFiles) stopWriter() {
	if xf.stop != nil {
		xf.stop()
		<-xf.done
		xf.stop = nil
	}
}

// syncDir makes the names in dir on fs durable.
func syncDir(fs vindex.FS, dir string) error {
	d, err := fs.OpenDir(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func (xf *extentFiles) path(num uint32) string {
	return filepath.Join(xf.dir, strconv.FormatUint(uint64(num), 10)+".x")
}

// drop closes and removes the file of set, once no read has it open.
func (xf *extentFiles) drop(set *extentSet) {
	if set == nil {
		return
	}
	xf.mu.Lock()
	defer xf.mu.Unlock()
	set.x.Close()
	xf.fs.Remove(xf.path(set.num))
}

// writeExtents writes the extents of table name, one a row with a gap,
// from the version index as it is, and makes them the table's. It runs
// beside the writer and the snapshots, from the row tree as it is when it
// starts and one reader of the index, made under snapMu so that no pass
// is halfway: the reader holds every version up to the table's mark
// (maybe some of a later pass's too, which the extents leave out). A
// table folded meanwhile does not take them.
func (db *DB) writeExtents(ctx context.Context, name string) error {
	// The rows as a snapshot leaves them, under snapMu: one that spills
	// trims them before it lets go of snapMu, and a copy taken while it
	// trims would hold the rows from before the spill for as long as the
	// extents are written (9 million rows: 2.3 GB).
	var rows *rowTree
	var lg *tableLog
	var horizon uint64
	var m vindex.Mark
	var ok bool
	var err error
	var rd *vindex.Versions
	db.snapMu.Lock()
	db.locked(func() {
		if cur, found := db.work[name]; found {
			rows, lg, horizon = cur.rows.Clone(), cur.log, cur.horizon
		}
	})
	if rows != nil {
		m, ok, err = db.vx.Mark(lg.oid)
		if err == nil && ok && m.Horizon == horizon {
			rd, err = db.vx.NewVersions()
		}
	}
	db.snapMu.Unlock()
	if err != nil {
		return storageError(err)
	}
	if rd == nil {
		return nil
	}
	defer rd.Close()
	since := db.ext.since(lg.oid)
	before := since.Load()
	num := db.ext.next.Add(1)
	if num > vindex.MaxExtentsFile {
		return errors.New("engine: extents: no file numbers left")
	}
	path := db.ext.path(num)
	xw, err := vindex.CreateExtents(db.ext.fs, path, num)
	if err != nil {
		return err
	}
	set := &extentSet{num: num, extentsMeta: extentsMeta{index: db.vx.ID(), oid: lg.oid, horizon: horizon, mark: m.Seq}}
	sc := extentScan{rd: rd, more: rd.Scan(lg.oid), mark: m.Seq, horizon: horizon, xw: xw}
	var y yielder
	rows.Ascend(func(r row) bool {
		if err = ctx.Err(); err != nil {
			return false
		}
		y.tick()
		var k int
		k, err = sc.row(r)
		set.written += int64(k)
		return err == nil
	})
	if err == nil {
		err = xw.Seal(set.extentsMeta.append(nil))
	}
	if cerr := xw.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncDir(db.ext.fs, db.ext.dir)
	}
	if err == nil {
		set.x, _, err = vindex.OpenSealedExtents(db.ext.fs, path, num)
	}
	if err != nil {
		db.ext.fs.Remove(path)
		return err
	}
	// Under snapMu, which a fold holds: one after this drops the set.
	db.snapMu.Lock()
	same := false
	db.locked(func() {
		cur, ok := db.work[name]
		same = ok && cur.log == lg && cur.horizon == horizon
	})
	var old *extentSet
	if same {
		old = lg.extents.Swap(set)
		since.Add(-before)
	}
	db.snapMu.Unlock()
	if !same {
		db.ext.drop(set) // folded or dropped meanwhile
		return nil
	}
	db.ext.drop(old)
	return nil
}

// extentScan writes a table's extents from a scan of its versions in
// the index (rd, in key order; more: not at its end), up to mark.
type extentScan struct {
	rd            *vindex.Versions
	more          bool
	mark, horizon uint64
	xw            *vindex.ExtentsWriter
	// key is the ordered key of the row last written; seqs, vs and slab
	// hold its versions (the reader's bytes are valid until it moves),
	// each reused from row to row.
	key  []byte
	seqs []uint64
	vs   []vindex.Version
	slab []byte
}

// row writes the extent of r when it has a gap, and returns how many
// versions it holds (0: none written).
func (sc *extentScan) row(r row) (int, error) {
	gi := slices.IndexFunc(r.versions, func(v version) bool { return v.gap() })
	if gi < 0 {
		return 0, nil
	}
	sc.key = appendOrderedKey(sc.key[:0], r.key)
	// The index's versions of the keys before r's are of rows without a
	// gap, or gone.
	for sc.more && bytes.Compare(sc.rd.Key(), sc.key) < 0 {
		sc.more = sc.rd.Next()
	}
	sc.seqs, sc.vs, sc.slab = sc.seqs[:0], sc.vs[:0], sc.slab[:0]
	for ; sc.more && bytes.Equal(sc.rd.Key(), sc.key); sc.more = sc.rd.Next() {
		if sc.rd.Seq() <= sc.mark {
			v := sc.rd.Version()
			v.Doc, v.Patch = sc.keep(v.Doc), sc.keep(v.Patch)
			sc.seqs, sc.vs = append(sc.seqs, sc.rd.Seq()), append(sc.vs, v)
		}
	}
	if err := sc.rd.Err(); err != nil {
		return 0, storageError(err)
	}
	if n := len(sc.seqs); n == 0 || sc.seqs[n-1] > r.versions[gi].seq {
		return 0, nil // the index does not hold the gap's first version
	}
	sc.xw.Begin(0, sc.key, sc.horizon, 0)
	for i := len(sc.seqs) - 1; i >= 0; i-- { // newest first in the index
		sc.xw.Add(sc.seqs[i], sc.vs[i])
	}
	if _, _, err := sc.xw.End(); err != nil {
		return 0, err
	}
	return len(sc.seqs), nil
}

// keep copies b into the slab (nil stays nil, empty stays empty): a
// slab that grows leaves the copies before in its old array.
func (sc *extentScan) keep(b []byte) []byte {
	if b == nil {
		return nil
	}
	if sc.slab == nil {
		sc.slab = make([]byte, 0, 4096)
	}
	n := len(sc.slab)
	sc.slab = append(sc.slab, b...)
	return sc.slab[n:len(sc.slab):len(sc.slab)]
}

// extentWalk walks a row's versions in an extent down from one, as
// vindex.Versions walks the index's (for indexedDoc).
type extentWalk struct {
	key []byte
	buf []byte
	vs  []extentVersion // the extent's versions, oldest first
	at  int             // the version the walk is at
	err error
}

type extentVersion struct {
	seq uint64
	v   vindex.Version
}

var extentWalks = sync.Pool{New: func() any { return new(extentWalk) }}

// errShort ends a read the extents cannot answer.
var errShort = errors.New("engine: extents: not in the extent")

func (w *extentWalk) Seq() uint64             { return w.vs[w.at].seq }
func (w *extentWalk) Version() vindex.Version { return w.vs[w.at].v }
func (w *extentWalk) Err() error              { return w.err }

func (w *extentWalk) Next() bool {
	if w.at == 0 {
		w.err = errShort
		return false
	}
	w.at--
	return true
}

// find reads into w the extent of w's key from set.
func (w *extentWalk) find(xf *extentFiles, set *extentSet) error {
	xf.mu.RLock()
	e, buf, ok, err := set.x.Lookup(w.key, w.buf)
	xf.mu.RUnlock()
	w.buf = buf
	if err != nil || !ok {
		return errors.Join(errShort, err)
	}
	w.vs = w.vs[:0]
	for it := e.Versions(); ; {
		seq, v, ok := it.Next()
		if !ok {
			return it.Err()
		}
		w.vs = append(w.vs, extentVersion{seq, v})
	}
}

// fromExtents reads from the table's extents the version of r visible at
// seq, a seq in the gap at r.versions[i], as indexGapAt reads it from the
// index; ok is false when they cannot vouch for it: there are none, the
// row has none, its extent does not hold the gap's first version or
// stops before seq (the gap took versions spilled since), or a read
// fails.
func (r *row) fromExtents(lg *tableLog, i int, seq uint64) (vseq uint64, ms int64, doc []byte, ok bool) {
	set := lg.extents.Load()
	if set == nil || lg.ext == nil {
		return 0, 0, nil, false
	}
	g := &r.versions[i]
	w := extentWalks.Get().(*extentWalk)
	defer func() {
		clear(w.vs)
		w.vs, w.err = w.vs[:0], nil
		extentWalks.Put(w)
	}()
	w.key = appendOrderedKey(w.key[:0], r.key)
	err := w.find(lg.ext, set)
	// The extent holds every version of the row from its first to its
	// last: one that holds the gap's first version and reaches seq holds
	// the version visible at seq.
	if err == nil && (len(w.vs) == 0 || w.vs[0].seq > g.seq || w.vs[len(w.vs)-1].seq < seq) {
		err = errShort
	}
	if err == nil {
		w.at, _ = slices.BinarySearchFunc(w.vs, seq+1, func(v extentVersion, s uint64) int { return cmp.Compare(v.seq, s) })
		w.at--
		vseq, ms = w.Seq(), w.Version().Ms
		doc, err = lg.indexedDoc(w, r.key)
	}
	if err != nil {
		lg.ext.unsure.Add(1)
		return 0, 0, nil, false
	}
	lg.ext.reads.Add(1)
	return vseq, ms, doc, true
}

// CheckExtents reads the extents files of the database against its
// version index, as an open would take them (loadExtents). unusable lists
// the files an open would remove or a read would go around (another
// horizon, a table dropped, an older file of a table, damage); wrong
// lists the files a read would take whose extents do not hold what the
// index holds of their rows up to the file's mark: reads through them
// would give wrong answers.
func (db *DB) CheckExtents() (unusable, wrong []string) {
	if db.vx == nil {
		return nil, nil
	}
	tables := map[uint32]extentsTable{}
	v := db.View()
	for _, name := range v.Tables() {
		if ts, ok := v.lookupTable(name); ok {
			tables[ts.spec.OID] = extentsTable{name, ts.horizon}
		}
	}
	files, err := db.chooseExtents(db.xfs, filepath.Join(db.dir, extentsDir), tables)
	if err != nil {
		return []string{fmt.Sprintf("extents: %v", err)}, nil
	}
	for _, f := range files {
		if f.why != "" {
			unusable = append(unusable, fmt.Sprintf("%s: %s", f.path, f.why))
			continue
		}
		name := tables[f.meta.oid].name
		if bad, err := checkExtentsFile(db.vx, f.x, f.meta); bad != "" {
			wrong = append(wrong, fmt.Sprintf("%s: table %q: %s", f.path, name, bad))
		} else if err != nil {
			unusable = append(unusable, fmt.Sprintf("%s: table %q: %v", f.path, name, err))
		}
		f.x.Close()
	}
	return unusable, wrong
}

// checkExtentsFile reads every extent of x, a file of meta, against the
// index's versions of its row up to meta.mark: the same versions, in the
// same order, with the same bytes. It returns what is wrong, or the error
// that stopped the read (damage a read would go around).
func checkExtentsFile(vx *vindex.Index, x *vindex.Extents, meta extentsMeta) (string, error) {
	rd, err := vx.NewVersions()
	if err != nil {
		return "", err
	}
	defer rd.Close()
	more := rd.Scan(meta.oid)
	var last []byte
	var bad string
	var written int64
	var want []extentVersion
	errBad := errors.New("wrong")
	err = x.Walk(func(a vindex.Addr, e vindex.Extent) error {
		if last != nil && bytes.Compare(e.Key, last) <= 0 {
			bad = fmt.Sprintf("extent %s: key %x after %x", a, e.Key, last)
			return errBad
		}
		last = append(last[:0], e.Key...)
		if e.Epoch != meta.horizon {
			bad = fmt.Sprintf("extent %s of key %x: epoch %d, the file's horizon %d", a, e.Key, e.Epoch, meta.horizon)
			return errBad
		}
		for more && bytes.Compare(rd.Key(), e.Key) < 0 {
			more = rd.Next()
		}
		want = want[:0]
		for ; more && bytes.Equal(rd.Key(), e.Key); more = rd.Next() {
			if rd.Seq() <= meta.mark {
				v := rd.Version()
				v.Doc, v.Patch = bytes.Clone(v.Doc), bytes.Clone(v.Patch)
				want = append(want, extentVersion{rd.Seq(), v})
			}
		}
		if err := rd.Err(); err != nil {
			return err
		}
		slices.Reverse(want) // newest first in the index
		it := e.Versions()
		for i := 0; ; i++ {
			seq, v, ok := it.Next()
			if !ok {
				if err := it.Err(); err != nil {
					return err
				}
				if i != len(want) {
					bad = fmt.Sprintf("extent %s of key %x: %d versions, the index %d up to seq %d", a, e.Key, i, len(want), meta.mark)
					return errBad
				}
				break
			}
			if i >= len(want) || seq != want[i].seq || !sameVersion(v, want[i].v) {
				bad = fmt.Sprintf("extent %s of key %x: version %d (seq %d) is not the index's", a, e.Key, i, seq)
				return errBad
			}
			written++
		}
		return nil
	})
	if bad != "" {
		return bad, nil
	}
	if err == nil && written != meta.written {
		return fmt.Sprintf("%d versions, its meta says %d", written, meta.written), nil
	}
	return "", err
}

// sameVersion says whether a and b are the same version: the same type,
// time and patch (one absent is not one empty), and the same document
// where both keep one. Whether a version keeps its document is a pass's
// choice, from the run of patches it counted: a pass after a crash may
// put a version again and choose otherwise (the index's entry then has a
// document its extent has not, or the other way round), and both read
// the same.
func sameVersion(a, b vindex.Version) bool {
	return a.Type == b.Type && a.Ms == b.Ms &&
		(a.Doc == nil || b.Doc == nil || bytes.Equal(a.Doc, b.Doc)) &&
		(a.Patch == nil) == (b.Patch == nil) && bytes.Equal(a.Patch, b.Patch)
}
