package vindex

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/cockroachdb/pebble/v2/objstorage"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// A Load puts entries into the index as tables of its own, each a run of
// keys in order, added to the index whole (pebble's ingestion) rather
// than through its memtables: a table the index holds nothing of goes in
// below what is there, at the bottom level when no other table's keys
// are in its range, and is not compacted again. A pass that puts a whole
// table writes each kind of entry in key order (versions, rows, each
// index's entries), so that each kind is one run; a key that is not
// after the one before ends the run, and a run ends too at the size of
// the index's tables below level 0. An index built from a table's rows
// (AddEntry, AddCurrent) has its entries come in the order of the rows,
// not of their values: they are sorted in runs of sortSize bytes, whose
// tables overlap, and the index's compactions merge them.
//
// Each table is synced and added as it ends, so a crash keeps the tables
// added before it: a Load goes before the mark that claims its entries,
// set by a batch applied after Finish, as a pass's batches go before the
// batch that sets the mark. A Load is for keys the index holds nothing
// of. It may replace keys (its tables are newer than all that is in the
// index, as a batch applied after it), but then lands above them and is
// compacted with them; a range deletion still in the memtable, older
// than the Load, does not remove what it adds, and makes it wait for a
// flush.
type Load struct {
	x    *Index
	w    *sstable.Writer
	path string
	last []byte
	p    puts
	// held are the versions of one key, which a pass puts oldest first and
	// the index orders newest first: written, in order, when another key
	// comes.
	held sorter
	// byKey are current entries under their rows' keys ('k'), which come
	// in the order of their values: written in order at Finish, or as a run
	// of their own once they hold sortSize bytes.
	byKey sorter
	// byValue are entries and current entries under their values ('i',
	// 'j') put in any order (AddEntry, AddCurrent): held as byKey is, and
	// sorted unstably, their keys being all different. A full one is
	// sorted and written by runs, a Load of its own, in a goroutine
	// (running until it is done), while spare, the one it emptied last,
	// takes the next entries.
	byValue sorter
	spare   sorter
	runs    *Load
	running chan struct{}
	// inOrder writes the current entries under their rows' keys that
	// AddCurrent takes in the order of those keys: a Load of its own, so
	// that they go in as one run beside byValue's.
	inOrder *Load
	n       int // entries put
	err     error
}

// A sorter holds entries to be written in key order: their bytes, and
// where each key and value lies in them.
type sorter struct {
	buf   []byte
	spans []span
}

// A span is a key and a value in a buffer: their offsets and lengths,
// and ord, the order of the key's first bytes (see each).
type span struct {
	at, k, v uint32
	ord      uint64
}

func (s *sorter) add(k, v []byte) {
	// Doubled when full: append's growth of a large slice by a quarter
	// copied a run of 64 MB about five times over (1.3 s of a pass over
	// 9 million rows).
	if n := len(k) + len(v); len(s.buf)+n > cap(s.buf) {
		s.buf = slices.Grow(s.buf, max(n, cap(s.buf)))
	}
	if len(s.spans) == cap(s.spans) {
		s.spans = slices.Grow(s.spans, max(1, cap(s.spans)))
	}
	at := len(s.buf)
	s.buf = append(append(s.buf, k...), v...)
	s.spans = append(s.spans, span{at: uint32(at), k: uint32(len(k)), v: uint32(len(v))})
}

func (s *sorter) key(sp span) []byte { return s.buf[sp.at : sp.at+sp.k] }

// shared returns how many bytes after the first every key s holds shares
// with the others (one at least).
func (s *sorter) shared() int {
	if len(s.spans) == 0 {
		return 0
	}
	first := s.key(s.spans[0])
	n := len(first) - 1
	for _, sp := range s.spans[1:] {
		k := s.key(sp)
		n = min(n, len(k)-1)
		for i := 1; i <= n; i++ {
			if k[i] != first[i] {
				n = i - 1
				break
			}
		}
	}
	return n
}

// keyOrd is the order of key k's first byte and the 7 bytes after the
// shared ones that follow it (zeros past its end): of two keys whose
// ords differ, the lesser ord's key is the lesser.
func keyOrd(k []byte, shared int) uint64 {
	ord := uint64(k[0]) << 56
	rest := k[1+shared:]
	for i := 0; i < 7 && i < len(rest); i++ {
		ord |= uint64(rest[i]) << (48 - 8*i)
	}
	return ord
}

// firstKey returns the key of the first entry held (there is one).
func (s *sorter) firstKey() []byte { return s.key(s.spans[0]) }

// each calls fn with the entries in key order and empties the sorter.
// Stable unless unique says no two keys are the same: of two entries of
// one key, the one added last comes last, and is the one read, as in a
// batch. The keys a sorter holds are of one kind each (a key's versions,
// current entries, entries), all with a suffix or all without, or differ
// in their first byte (entries and current entries): their bytes order
// them as the comparer does, without its splits.
//
// A key's first byte and the 7 after the bytes every key of the sorter
// shares beyond it (a table's and a field's prefix), made one number,
// order most pairs of keys without reading them: a sort of 1.6 million
// entries' keys missed the processor's caches at each comparison.
func (s *sorter) each(fn func(k, v []byte), unique bool) {
	shared := s.shared()
	for i := range s.spans {
		s.spans[i].ord = keyOrd(s.key(s.spans[i]), shared)
	}
	byKey := func(a, b span) int {
		if a.ord != b.ord {
			if a.ord < b.ord {
				return -1
			}
			return 1
		}
		return bytes.Compare(s.key(a), s.key(b))
	}
	if unique {
		slices.SortFunc(s.spans, byKey)
	} else {
		slices.SortStableFunc(s.spans, byKey)
	}
	for _, sp := range s.spans {
		fn(s.key(sp), s.buf[sp.at+sp.k:sp.at+sp.k+sp.v])
	}
	s.buf, s.spans = s.buf[:0], s.spans[:0]
}

// sortSize bounds the bytes of current entries a Load sorts at once. A
// table with more writes several runs, which the index merges.
var sortSize = 64 << 20

// loadPrefix begins the names of a Load's files in the index's directory;
// an open removes those a crash left.
const loadPrefix = "load."

// NewLoad returns an empty load.
func (x *Index) NewLoad() *Load { return &Load{x: x} }

// Len returns the number of entries put.
func (l *Load) Len() int { return l.n }

// PutVersion adds version seq of key (ordered-encoded) of table, as
// Batch.PutVersion.
func (l *Load) PutVersion(table uint32, key []byte, seq uint64, v Version) error {
	k, val := l.p.version(table, key, seq, v)
	if len(l.held.spans) > 0 && !bytes.Equal(l.held.firstKey()[:split(l.held.firstKey())], k[:split(k)]) {
		l.writeHeld()
	}
	l.held.add(k, val)
	l.n++
	return l.err
}

// writeHeld writes the versions held, in key order.
func (l *Load) writeHeld() { l.held.each(l.write, false) }

// runBeside sorts and writes what byValue holds as a run, in a goroutine
// of its own, once the run before is written; spare takes its place.
func (l *Load) runBeside() {
	l.wait()
	if l.runs == nil {
		l.runs = l.x.NewLoad()
	}
	full := l.byValue
	l.byValue, l.spare = l.spare, sorter{}
	r, done := l.runs, make(chan struct{})
	l.running = done
	go func() {
		defer close(done)
		r.writeRun(&full, true)
		l.spare = full // emptied, its buffers kept
	}()
}

// wait waits for the run being written beside the caller, and takes its
// error.
func (l *Load) wait() {
	if l.running == nil {
		return
	}
	<-l.running
	l.running = nil
	if l.err == nil {
		l.err = l.runs.err
	}
}

// PutRow sets the newest version of key of table, as Batch.PutRow.
func (l *Load) PutRow(table uint32, key []byte, seq uint64, v Version) error {
	l.writeHeld()
	l.write(l.p.row(table, key, seq, v))
	l.n++
	return l.err
}

// PutEntry adds an entry of table's index on field, as Batch.PutEntry.
func (l *Load) PutEntry(table uint32, field string, entry []byte, seq uint64) error {
	l.writeHeld()
	l.write(l.p.entry(table, field, entry, seq), nil)
	l.n++
	return l.err
}

// PutCurrent makes entry the current entry of its row in table's index
// on field, as Batch.PutCurrent, for a field that has none: entries come
// in the order of their values and keys.
func (l *Load) PutCurrent(table uint32, field string, entry []byte, keyAt int, seq uint64) error {
	l.writeHeld()
	l.write(l.p.current(table, field, entry, seq))
	l.byKey.add(l.p.byKey(table, field, entry, keyAt, seq))
	l.runIfFull(&l.byKey)
	l.n++
	return l.err
}

// AddEntry is PutEntry for entries that come in any order (an index
// built from a table's rows, in the order of their keys): they are held,
// and written in order at Finish or as a run of their own once they hold
// sortSize bytes.
func (l *Load) AddEntry(table uint32, field string, entry []byte, seq uint64) error {
	l.holdValue(l.p.entry(table, field, entry, seq), nil)
	l.n++
	return l.err
}

// AddCurrent is PutCurrent for current entries whose values come in any
// order, held as AddEntry holds them, and whose rows come in the order of
// their keys, one entry a row.
func (l *Load) AddCurrent(table uint32, field string, entry []byte, keyAt int, seq uint64) error {
	l.holdValue(l.p.current(table, field, entry, seq))
	if l.inOrder == nil {
		l.inOrder = l.x.NewLoad()
	}
	o := l.inOrder
	if o.write(o.p.byKey(table, field, entry, keyAt, seq)); o.err != nil && l.err == nil {
		l.err = o.err
	}
	l.n++
	return l.err
}

// holdValue adds k and v to byValue, and has what it holds sorted and
// written beside the caller once that is sortSize bytes.
func (l *Load) holdValue(k, v []byte) {
	l.byValue.add(k, v)
	if len(l.byValue.buf) >= sortSize {
		l.runBeside()
	}
}

// runIfFull writes what s holds as a run once it holds sortSize bytes.
func (l *Load) runIfFull(s *sorter) {
	if len(s.buf) >= sortSize {
		l.writeRun(s, false)
	}
}

// writeRun writes the entries s holds, in key order, as a run of their
// own; unique says no two of their keys are the same.
func (l *Load) writeRun(s *sorter, unique bool) {
	if l.w != nil {
		l.end() // the run before, whatever its keys
	}
	s.each(l.write, unique)
	if l.err == nil && l.w != nil {
		l.end() // the next run may hold keys between this one's
	}
}

// write adds k and v to the table being written, after ending it if k is
// not after its last key.
func (l *Load) write(k, v []byte) {
	if l.err != nil {
		return
	}
	if l.w != nil && comparer.Compare(k, l.last) <= 0 {
		l.end()
	}
	if l.w == nil && !l.begin() {
		return
	}
	if err := l.w.Set(k, v); err != nil {
		l.fail(err)
		return
	}
	l.last = append(l.last[:0], k...)
	if l.w.Raw().EstimatedSize() >= uint64(l.x.loadSize) {
		l.end()
	}
}

// begin creates the next table's file.
func (l *Load) begin() bool {
	l.path = l.x.fs.PathJoin(l.x.dir, fmt.Sprintf("%s%d", loadPrefix, l.x.loads.Add(1)))
	f, err := l.x.fs.Create(l.path, "")
	if err != nil {
		l.fail(err)
		return false
	}
	l.w = sstable.NewWriter(newLoadWritable(f), l.x.writerOptions())
	return true
}

// end finishes the table being written, syncs it and adds it to the
// index.
func (l *Load) end() {
	w := l.w
	l.w = nil
	if err := w.Close(); err != nil {
		l.fail(err)
		return
	}
	err := l.x.db.Ingest(context.Background(), []string{l.path})
	l.x.gen.Add(1) // a reader made before it is stale
	if err != nil {
		l.x.fs.Remove(l.path)
		l.fail(err)
		return
	}
	l.x.kickTidier()
	// Pebble links the file into the index and removes its name here; a
	// copy leaves it.
	if err := l.x.fs.Remove(l.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		l.fail(err)
	}
}

// fail records the Load's first error and removes the file being
// written.
func (l *Load) fail(err error) {
	if l.err == nil {
		l.err = fmt.Errorf("vindex: load: %w", err)
	}
	l.Discard()
}

// Finish adds what is left to the index. The entries are durable when it
// returns.
func (l *Load) Finish() error {
	l.wait()
	l.writeHeld()
	if len(l.byValue.spans) > 0 {
		l.writeRun(&l.byValue, true)
	}
	if len(l.byKey.spans) > 0 {
		l.writeRun(&l.byKey, false)
	}
	if l.err == nil && l.w != nil {
		l.end()
	}
	for _, o := range []*Load{l.runs, l.inOrder} {
		if o == nil {
			continue
		}
		if err := o.Finish(); l.err == nil {
			l.err = err
		}
	}
	return l.err
}

// Discard drops what was not added yet.
func (l *Load) Discard() {
	l.wait()
	if l.w != nil {
		l.w.Close()
		l.w = nil
		l.x.fs.Remove(l.path)
	}
	for _, o := range []*Load{l.runs, l.inOrder} {
		if o != nil {
			o.Discard()
		}
	}
}

// removeLoads removes the files of loads a crash cut short.
func (x *Index) removeLoads() error {
	names, err := x.fs.List(x.dir)
	if err != nil {
		return err
	}
	for _, n := range names {
		if strings.HasPrefix(n, loadPrefix) {
			if err := x.fs.Remove(x.fs.PathJoin(x.dir, n)); err != nil {
				return err
			}
		}
	}
	return nil
}

// writerOptions are the options of the tables a Load writes: those of
// the tables pebble writes at the bottom level.
func (x *Index) writerOptions() sstable.WriterOptions {
	return x.opts.MakeWriterOptions(len(x.opts.Levels)-1, x.db.TableFormat())
}

// loadWritable is where a Load's tables are written: their file through
// a buffer of loadBuffer bytes. (Pebble's file writable buffers 4 KB, a
// write to the system for each data block: a load of 9 million rows, 2
// GB of tables, spent 9 s of processor in half a million writes.)
type loadWritable struct {
	f  vfs.File
	bw *bufio.Writer
}

const loadBuffer = 1 << 20

var _ objstorage.Writable = (*loadWritable)(nil)

func newLoadWritable(f vfs.File) *loadWritable {
	return &loadWritable{f: f, bw: bufio.NewWriterSize(f, loadBuffer)}
}

func (w *loadWritable) Write(p []byte) error {
	_, err := w.bw.Write(p)
	return err
}

// Finish writes what is buffered, syncs the file and closes it.
func (w *loadWritable) Finish() error {
	err := w.bw.Flush()
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (w *loadWritable) Abort() { w.f.Close() }
