package engine

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/driftdb/driftdb/vindex"
)

// Extents (vindex/extents.go) hold the versions a spill puts into the
// version index a second time, clustered by row, so that a read of a seq
// in a gap is a read of the row's extent rather than a seek through the
// index (docs/ENGINE.md, "Next: the past in extents"). A spill writes one
// file: an extent for each row whose versions it puts, when they are the
// run of the row's newest versions with no gap among them, pointing to
// the extent of the row's gap before them. The trim that makes the gap
// keeps the address of the row's newest extent in it (version.extent).
// The index's entries stay the truth: a read takes them whenever the
// extents cannot vouch for its answer (fromExtents). The addresses are
// kept in memory only, so an open removes the files, and a clean close
// too.

// extentsDir is the directory of the extents files in a data directory.
const extentsDir = "extents"

// extentFiles are a database's extents files, open for reading.
type extentFiles struct {
	fs   vindex.FS
	dir  string
	next atomic.Uint32 // the number of the last file made
	mu   sync.RWMutex
	open map[uint32]*vindex.Extents
	// reads and unsure count the reads of gaps that took the extents and
	// those that went to the index instead, for tests.
	reads, unsure atomic.Int64
}

// openExtents starts the database's extents in dir on fs, removing what
// an earlier open left there.
func openExtents(fs vindex.FS, dir string) (*extentFiles, error) {
	if err := fs.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("engine: extents: %w", err)
	}
	if err := fs.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("engine: extents: %w", err)
	}
	return &extentFiles{fs: fs, dir: dir, open: map[uint32]*vindex.Extents{}}, nil
}

// close closes the files and removes them: the addresses in the rows go
// with the process.
func (xf *extentFiles) close() error {
	xf.mu.Lock()
	for n, x := range xf.open {
		x.Close()
		delete(xf.open, n)
	}
	xf.mu.Unlock()
	return xf.fs.RemoveAll(xf.dir)
}

// reader returns file num open for reading, nil when there is none.
func (xf *extentFiles) reader(num uint32) *vindex.Extents {
	xf.mu.RLock()
	defer xf.mu.RUnlock()
	return xf.open[num]
}

func (xf *extentFiles) path(num uint32) string {
	return filepath.Join(xf.dir, strconv.FormatUint(uint64(num), 10)+".x")
}

// extentWriter writes a spill's extents, into a file it makes at the
// first. A failure ends its extents, not the spill: the rows after it
// read the index's entries, as rows without extents do.
type extentWriter struct {
	xf    *extentFiles
	w     *vindex.ExtentsWriter
	num   uint32
	key   []byte
	begun bool
	err   error
}

// begin starts the extent of the versions of r from first on, at epoch
// (the table's horizon), after the extent of the gap before them if
// there is one.
func (ew *extentWriter) begin(r *row, first int, epoch uint64) {
	if ew == nil || ew.xf == nil || ew.err != nil {
		return
	}
	if ew.w == nil {
		ew.num = ew.xf.next.Add(1)
		if ew.num > vindex.MaxExtentsFile {
			ew.err = errors.New("engine: extents: no file numbers left")
			return
		}
		if ew.w, ew.err = vindex.CreateExtents(ew.xf.fs, ew.xf.path(ew.num), ew.num); ew.err != nil {
			return
		}
	}
	// The row's extent before: the nearest gap's, whose extent holds
	// what the row put since in memory too, unless a trim did not run
	// (a read then finds the two not adjacent).
	var prev vindex.Addr
	for i := first - 1; i >= 0; i-- {
		if r.versions[i].gap() {
			prev, _ = r.versions[i].extent()
			break
		}
	}
	ew.key = appendOrderedKey(ew.key[:0], r.key)
	ew.w.Begin(prev, ew.key, epoch, uint64(r.countIn(0, first)))
	ew.begun = true
}

// add adds a version to the extent begun.
func (ew *extentWriter) add(seq uint64, iv vindex.Version) {
	if ew != nil && ew.begun {
		ew.w.Add(seq, iv)
	}
}

// end writes the extent begun, and returns its address and size (0 when
// there is none).
func (ew *extentWriter) end() (vindex.Addr, int) {
	if ew == nil || !ew.begun {
		return 0, 0
	}
	ew.begun = false
	a, size, err := ew.w.End()
	if err != nil {
		ew.err = err
		return 0, 0
	}
	return a, size
}

// finish writes out the file and opens it for reading, when keep (the
// pass put its versions): the addresses end returned may be read from
// then on. It reports whether they may; a file not kept is removed.
func (ew *extentWriter) finish(keep bool) bool {
	if ew == nil || ew.w == nil {
		return false
	}
	if !keep && ew.err == nil {
		ew.err = errors.New("engine: extents: the pass failed")
	}
	if ew.err == nil {
		ew.err = ew.w.Flush()
	}
	size := ew.w.Size()
	if err := ew.w.Close(); ew.err == nil {
		ew.err = err
	}
	var x *vindex.Extents
	if ew.err == nil {
		x, ew.err = vindex.OpenExtents(ew.xf.fs, ew.xf.path(ew.num), ew.num, size)
	}
	if ew.err != nil {
		ew.xf.fs.Remove(ew.xf.path(ew.num))
		return false
	}
	ew.xf.mu.Lock()
	ew.xf.open[ew.num] = x
	ew.xf.mu.Unlock()
	return true
}

// extent returns the address and size (0: not known) of the extent a
// gap's versions end in, 0 for none.
func (v *version) extent() (vindex.Addr, int) {
	if !v.gap() || v.b == nil {
		return 0, 0
	}
	return vindex.Addr(*(*uint64)(unsafe.Pointer(v.b))), int(v.pLen())
}

// setExtent makes the gap v refer to the extent at a of size bytes (a 0:
// none). The address is 8 bytes of their own (v.b), the size in the
// bits of a patch's length (0 when it does not fit).
func (v *version) setExtent(a vindex.Addr, size int) {
	v.b = nil
	if size >= 1<<lenBits {
		size = 0
	}
	if a != 0 {
		p := new(uint64)
		*p = uint64(a)
		v.b = (*byte)(unsafe.Pointer(p))
	} else {
		size = 0
	}
	v.pt = v.pt&^(1<<lenBits-1) | uint32(size)
}

// errUnsure ends a walk of extents that cannot vouch for what it read.
var errUnsure = errors.New("engine: extents: not adjacent")

// extentWalk walks a row's versions down from one in an extent, into the
// extents before it (as vindex.Versions walks the index's, for
// indexedDoc), checking that each extent it moves to is the row's and
// ends where the one after it starts.
type extentWalk struct {
	xf  *extentFiles
	key []byte
	buf []byte
	e   vindex.Extent
	vs  []extentVersion // e's versions, oldest first
	at  int             // the version the walk is at
	err error
}

type extentVersion struct {
	seq uint64
	v   vindex.Version
}

var extentWalks = sync.Pool{New: func() any { return new(extentWalk) }}

// load reads the extent at a into w, and checks that it is of w's key.
func (w *extentWalk) load(a vindex.Addr, size int) error {
	x := w.xf.reader(a.File())
	if x == nil {
		return errUnsure
	}
	e, buf, err := x.Read(a, size, w.buf)
	w.buf = buf
	if err != nil {
		return err
	}
	if !bytes.Equal(e.Key, w.key) {
		return fmt.Errorf("engine: extents: extent %s is of another row: %w", a, errUnsure)
	}
	w.e, w.vs = e, w.vs[:0]
	for it := e.Versions(); ; {
		seq, v, ok := it.Next()
		if !ok {
			if err := it.Err(); err != nil {
				return err
			}
			break
		}
		w.vs = append(w.vs, extentVersion{seq, v})
	}
	if len(w.vs) == 0 {
		return errUnsure
	}
	return nil
}

// back moves w to the extent before the one it holds, checking that it
// ends where that one starts.
func (w *extentWalk) back() error {
	prev, epoch, pos, first := w.e.Prev, w.e.Epoch, w.e.Pos, w.vs[0].seq
	if prev == 0 {
		return errUnsure
	}
	if err := w.load(prev, 0); err != nil {
		return err
	}
	if w.e.Epoch != epoch || w.e.Pos+uint64(len(w.vs)) != pos || w.vs[len(w.vs)-1].seq >= first {
		return errUnsure
	}
	return nil
}

// Seq, Version, Next and Err are what indexedDoc walks.
func (w *extentWalk) Seq() uint64             { return w.vs[w.at].seq }
func (w *extentWalk) Version() vindex.Version { return w.vs[w.at].v }
func (w *extentWalk) Err() error              { return w.err }

func (w *extentWalk) Next() bool {
	if w.at > 0 {
		w.at--
		return true
	}
	if w.err = w.back(); w.err != nil {
		return false
	}
	w.at = len(w.vs) - 1
	return true
}

// fromExtents reads from the extents the version of r visible at seq, a
// seq in the gap at r.versions[i], as gapAt reads it from the index; ok
// is false when the extents cannot vouch for it: the gap has none, or
// they are not the row's adjacent extents from the gap's first version
// to its last, or a read of them fails.
func (r *row) fromExtents(lg *tableLog, i int, seq uint64) (vseq uint64, ms int64, doc []byte, ok bool) {
	g := &r.versions[i]
	a, size := g.extent()
	if a == 0 || lg.ext == nil {
		return 0, 0, nil, false
	}
	w := extentWalks.Get().(*extentWalk)
	defer func() {
		w.e, w.err = vindex.Extent{}, nil
		clear(w.vs)
		extentWalks.Put(w)
	}()
	w.xf, w.key = lg.ext, appendOrderedKey(w.key[:0], r.key)
	pos := uint64(r.countIn(0, i)) // the gap's first version's place
	end := pos + uint64(g.count())
	err := w.load(a, size)
	// The extent the gap refers to reaches its last version (it may start
	// after it, the walk down from it checking each extent it moves to).
	if err == nil && w.e.Pos+uint64(len(w.vs)) < end {
		err = errUnsure
	}
	for err == nil && w.vs[0].seq > seq {
		err = w.back()
	}
	if err == nil {
		w.at = len(w.vs) - 1
		for w.vs[w.at].seq > seq {
			w.at--
		}
		if w.e.Pos+uint64(w.at) < pos || w.vs[w.at].seq < g.seq {
			err = errUnsure // before the gap: not the row's versions
		}
	}
	if err == nil {
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
