package vindex

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// Extents files hold rows' histories clustered by row: an extent is one
// row's versions from one write, oldest first, with the address of the
// extent of the row's versions before them, and where its versions stand
// in the row's history: its epoch (the engine's horizon, below which a
// fold drops versions and so renumbers them) and the number of versions
// before its first (pos), so that a reader can tell that two extents it
// walks from one to the other are adjacent. A reader that knows where a
// row's extent is (an address, or a sealed file's directory: Lookup)
// reads the versions visible at any seq with one read of the file, not a
// seek through an LSM's levels, index blocks and block cache:
// BenchmarkSeek/extents against BenchmarkSeek/cache=uncached. The files
// are derived from the segments, as the rest of the index is.
//
// A file is a header and the extents one after another:
//
//	header:  "DRIFTDX1" file(4)
//	extent:  size(4) crc32c(4) body                 size is body's length
//	body:    prev(uvarint) epoch(uvarint) pos(uvarint) keylen(uvarint) key
//	         count(uvarint) versions
//	version: seq(uvarint: the first's, then the rise from the one before) value
//
// A value is a version as the index's entries encode it (Version.append).
// prev is an Addr, 0 for none. The crc32c (Castagnoli) is of the body.
// Integers in the header and the extent's head are big-endian.
//
// A file written whole (Seal) ends with a directory of its extents and a
// trailer, so that it can be opened again without the writer:
//
//	directory: count(uvarint), then for every DirEvery-th extent
//	           keylen(uvarint) key off(uvarint: the rise from the one before)
//	meta:      the caller's bytes
//	trailer:   dir(8) dirlen(4) metalen(4) crc32c(4) "DRIFTDXS"
//
// dir is the directory's offset (where the extents end), the crc32c is of
// the directory and the meta. Seal makes the extents durable before it
// writes the directory, and the directory before it returns: a file whose
// trailer reads right has every extent it lists.

// extentsMagic begins every extents file; sealMagic ends a sealed one.
const (
	extentsMagic = "DRIFTDX1"
	sealMagic    = "DRIFTDXS"
)

// Sizes of a file's header, of an extent's head and of a sealed file's
// trailer.
const (
	extentsHeader = len(extentsMagic) + 4
	extentHead    = 8
	sealTrailer   = 8 + 4 + 4 + 4 + len(sealMagic)
)

// DirEvery is how many extents a sealed file's directory covers with one
// entry: a lookup (Extents.Lookup) reads at most that many.
const DirEvery = 8

// maxSealed bounds a sealed file's directory and meta.
const maxSealed = 1 << 30

// maxExtent bounds an extent's body: a row's versions from one write are
// far below it, and a size read from a damaged file above it is refused
// before anything is allocated for it.
const maxExtent = 1 << 30

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Addr is where an extent lives: the number of its file in the high
// addrFileBits bits and its offset in that file below them. 0 is no
// extent (no extent is at offset 0, where the header is).
type Addr uint64

// addrOffsetBits is the width of an Addr's offset: files up to 16 TiB,
// and 2^20 file numbers.
const addrOffsetBits = 44

// MaxExtentsFile is the largest number an extents file may have.
const MaxExtentsFile = 1<<(64-addrOffsetBits) - 1

// MakeAddr returns the address of the extent at off in file number file.
func MakeAddr(file uint32, off int64) Addr {
	return Addr(uint64(file)<<addrOffsetBits | uint64(off))
}

// File returns the number of the extent's file.
func (a Addr) File() uint32 { return uint32(a >> addrOffsetBits) }

// Offset returns the extent's offset in its file.
func (a Addr) Offset() int64 { return int64(a & (1<<addrOffsetBits - 1)) }

func (a Addr) String() string { return fmt.Sprintf("%d:%d", a.File(), a.Offset()) }

// ExtentsWriter writes a new extents file. Its methods are not safe for
// concurrent use; the extents it has written are safe to read once Sync
// has returned.
type ExtentsWriter struct {
	f    extentsFile
	num  uint32
	off  int64 // where the next extent goes
	buf  []byte
	body []byte // the extent being built, from its head
	key  []byte
	prev Addr
	// epoch and pos of the extent begun
	epoch, pos uint64
	seq        uint64
	n          int
	open       bool
	err        error
	// dir is the directory Seal writes: count entries so far, last the
	// offset of the last one, extents how many extents were written.
	dir     []byte
	count   int
	last    int64
	extents int
}

// extentsFile is the file an extents writer or reader uses.
type extentsFile interface {
	io.ReaderAt
	io.Writer
	io.Closer
	Sync() error
}

// extentsFlush is how much a writer gathers before it writes.
const extentsFlush = 256 << 10

// CreateExtents creates the extents file path, numbered num (which the
// addresses of its extents carry), on fs.
func CreateExtents(fs FS, path string, num uint32) (*ExtentsWriter, error) {
	if num == 0 || num > MaxExtentsFile {
		return nil, fmt.Errorf("vindex: extents file number %d out of range", num)
	}
	f, err := fs.Create(path, "")
	if err != nil {
		return nil, fmt.Errorf("vindex: create extents file: %w", err)
	}
	w := &ExtentsWriter{f: f, num: num}
	w.buf = binary.BigEndian.AppendUint32(append(w.buf, extentsMagic...), num)
	w.off = int64(len(w.buf))
	return w, nil
}

// Begin starts the extent of the row key whose versions before it are in
// the extent at prev (0: none), in epoch, with pos versions of the row
// before its first. The versions follow with Add, oldest first, and End
// writes it.
func (w *ExtentsWriter) Begin(prev Addr, key []byte, epoch, pos uint64) {
	if w.open && w.err == nil {
		w.err = errors.New("vindex: extent begun before the one before it ended")
	}
	w.open, w.prev, w.key, w.n, w.seq = true, prev, append(w.key[:0], key...), 0, 0
	w.epoch, w.pos = epoch, pos
	w.body = w.body[:0]
}

// Add adds the version at seq to the extent begun; seqs rise.
func (w *ExtentsWriter) Add(seq uint64, v Version) {
	if !w.open || (w.n > 0 && seq <= w.seq) {
		if w.err == nil {
			w.err = fmt.Errorf("vindex: extent of %x: version %d out of order", w.key, seq)
		}
		return
	}
	w.body = binary.AppendUvarint(w.body, seq-w.seq)
	w.body = v.append(w.body)
	w.seq = seq
	w.n++
}

// End writes the extent begun and returns its address and its size in
// bytes, head included (what Extents.Read reads in one go).
func (w *ExtentsWriter) End() (Addr, int, error) {
	if !w.open && w.err == nil {
		w.err = errors.New("vindex: extent ended before it began")
	}
	w.open = false
	if w.err != nil {
		return 0, 0, w.err
	}
	start := len(w.buf)
	w.buf = append(w.buf, make([]byte, extentHead)...)
	w.buf = binary.AppendUvarint(w.buf, uint64(w.prev))
	w.buf = binary.AppendUvarint(w.buf, w.epoch)
	w.buf = binary.AppendUvarint(w.buf, w.pos)
	w.buf = binary.AppendUvarint(w.buf, uint64(len(w.key)))
	w.buf = append(w.buf, w.key...)
	w.buf = binary.AppendUvarint(w.buf, uint64(w.n))
	w.buf = append(w.buf, w.body...)
	body := w.buf[start+extentHead:]
	if len(body) > maxExtent {
		w.buf = w.buf[:start]
		return 0, 0, fmt.Errorf("vindex: extent of %x: %d bytes", w.key, len(body))
	}
	binary.BigEndian.PutUint32(w.buf[start:], uint32(len(body)))
	binary.BigEndian.PutUint32(w.buf[start+4:], crc32.Checksum(body, castagnoli))
	size := len(w.buf) - start
	addr := MakeAddr(w.num, w.off)
	if w.extents%DirEvery == 0 {
		w.dir = binary.AppendUvarint(w.dir, uint64(len(w.key)))
		w.dir = append(w.dir, w.key...)
		w.dir = binary.AppendUvarint(w.dir, uint64(w.off-w.last))
		w.count, w.last = w.count+1, w.off
	}
	w.extents++
	if w.off += int64(size); w.off >= 1<<addrOffsetBits {
		w.err = fmt.Errorf("vindex: extents file %d is full", w.num)
		return 0, 0, w.err
	}
	if len(w.buf) >= extentsFlush {
		w.flush()
	}
	return addr, size, w.err
}

// flush writes what the writer gathered.
func (w *ExtentsWriter) flush() {
	if w.err == nil && len(w.buf) > 0 {
		if _, err := w.f.Write(w.buf); err != nil {
			w.err = fmt.Errorf("vindex: write extents file %d: %w", w.num, err)
		}
	}
	w.buf = w.buf[:0]
}

// Size returns the file's size once what the writer gathered is written.
func (w *ExtentsWriter) Size() int64 { return w.off }

// Flush writes what the writer gathered, without making it durable.
func (w *ExtentsWriter) Flush() error {
	w.flush()
	return w.err
}

// Sync writes what the writer gathered and makes the file durable.
func (w *ExtentsWriter) Sync() error {
	if w.flush(); w.err != nil {
		return w.err
	}
	if err := w.f.Sync(); err != nil {
		w.err = fmt.Errorf("vindex: sync extents file %d: %w", w.num, err)
	}
	return w.err
}

// Seal ends the file: it makes the extents durable, writes the directory
// of them with meta (the caller's, given back by OpenSealedExtents) and
// the trailer, and makes those durable. The writer takes no extents after
// it; Size stays where the extents end.
func (w *ExtentsWriter) Seal(meta []byte) error {
	if w.open && w.err == nil {
		w.err = errors.New("vindex: extents sealed with an extent begun")
	}
	if err := w.Sync(); err != nil {
		return err
	}
	if len(w.dir)+len(meta) > maxSealed-binary.MaxVarintLen64 {
		w.err = fmt.Errorf("vindex: extents file %d: directory of %d bytes", w.num, len(w.dir))
		return w.err
	}
	b := binary.AppendUvarint(w.buf[:0], uint64(w.count))
	b = append(b, w.dir...)
	dirLen := len(b)
	b = append(b, meta...)
	crc := crc32.Checksum(b, castagnoli)
	b = binary.BigEndian.AppendUint64(b, uint64(w.off))
	b = binary.BigEndian.AppendUint32(b, uint32(dirLen))
	b = binary.BigEndian.AppendUint32(b, uint32(len(meta)))
	b = binary.BigEndian.AppendUint32(b, crc)
	w.buf = append(b, sealMagic...)
	if err := w.Sync(); err != nil {
		return err
	}
	w.err = errSealed
	return nil
}

// errSealed is what a writer says of extents begun after Seal.
var errSealed = errors.New("vindex: extents file sealed")

// Close closes the file without syncing it.
func (w *ExtentsWriter) Close() error {
	if w.err == errSealed {
		w.err = nil
	}
	w.flush()
	if err := w.f.Close(); err != nil && w.err == nil {
		w.err = err
	}
	return w.err
}

// Extents is an extents file open for reading. Its methods are safe for
// concurrent use.
type Extents struct {
	f    extentsFile
	num  uint32
	size atomic.Int64
	// The directory of a sealed file: the key of every DirEvery-th
	// extent (keys[ends[i-1]:ends[i]]) and its offset.
	keys []byte
	ends []uint32
	offs []int64
}

// OpenExtents opens the extents file path, which must be number num and
// have size bytes (the caller knows both: a file is written whole before
// any address in it is kept).
func OpenExtents(fs FS, path string, num uint32, size int64) (*Extents, error) {
	f, err := fs.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vindex: open extents file: %w", err)
	}
	x := &Extents{f: f, num: num}
	x.size.Store(size)
	var h [extentsHeader]byte
	if _, err := f.ReadAt(h[:], 0); err != nil || string(h[:len(extentsMagic)]) != extentsMagic ||
		binary.BigEndian.Uint32(h[len(extentsMagic):]) != num {
		f.Close()
		return nil, fmt.Errorf("vindex: extents file %s: not file %d: %w", path, num, ErrDamaged)
	}
	return x, nil
}

// OpenSealedExtents opens the sealed extents file path, which must be
// number num, and returns the meta its writer sealed it with. A file that
// was not sealed, or whose trailer, directory or meta is damaged, is
// refused with ErrDamaged.
func OpenSealedExtents(fs FS, path string, num uint32) (*Extents, []byte, error) {
	f, err := fs.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("vindex: open extents file: %w", err)
	}
	x, meta, err := readSealed(f, num)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("vindex: extents file %s: %w", path, err)
	}
	return x, meta, nil
}

func readSealed(f vfs.File, num uint32) (*Extents, []byte, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	size := fi.Size()
	damaged := func(what string) (*Extents, []byte, error) {
		return nil, nil, fmt.Errorf("%s: %w", what, ErrDamaged)
	}
	if size < int64(extentsHeader+sealTrailer) {
		return damaged("not sealed")
	}
	var h [extentsHeader]byte
	if _, err := f.ReadAt(h[:], 0); err != nil {
		return nil, nil, err
	}
	if string(h[:len(extentsMagic)]) != extentsMagic || binary.BigEndian.Uint32(h[len(extentsMagic):]) != num {
		return damaged(fmt.Sprintf("not file %d", num))
	}
	var t [sealTrailer]byte
	if _, err := f.ReadAt(t[:], size-int64(sealTrailer)); err != nil {
		return nil, nil, err
	}
	if string(t[sealTrailer-len(sealMagic):]) != sealMagic {
		return damaged("not sealed")
	}
	end := int64(binary.BigEndian.Uint64(t[:]))
	dirLen, metaLen := int64(binary.BigEndian.Uint32(t[8:])), int64(binary.BigEndian.Uint32(t[12:]))
	if end < int64(extentsHeader) || dirLen+metaLen > maxSealed || end+dirLen+metaLen != size-int64(sealTrailer) {
		return damaged("trailer")
	}
	b := make([]byte, dirLen+metaLen)
	if _, err := f.ReadAt(b, end); err != nil {
		return nil, nil, err
	}
	if crc32.Checksum(b, castagnoli) != binary.BigEndian.Uint32(t[16:]) {
		return damaged("directory checksum")
	}
	x := &Extents{f: f, num: num}
	x.size.Store(end)
	dir, meta := b[:dirLen], b[dirLen:]
	count, n := binary.Uvarint(dir)
	if n <= 0 || count > uint64(len(dir)) {
		return damaged("directory")
	}
	dir = dir[n:]
	x.ends, x.offs = make([]uint32, 0, count), make([]int64, 0, count)
	off := int64(0)
	for range count {
		kl, n := binary.Uvarint(dir)
		if n <= 0 || kl > uint64(len(dir)-n) {
			return damaged("directory")
		}
		key := dir[n : n+int(kl)]
		dir = dir[n+int(kl):]
		d, n := binary.Uvarint(dir)
		if n <= 0 || d > uint64(end) {
			return damaged("directory")
		}
		dir = dir[n:]
		// Offsets and keys rise from entry to entry.
		if off += int64(d); off < int64(extentsHeader) || off >= end ||
			len(x.offs) > 0 && (off <= x.offs[len(x.offs)-1] || bytes.Compare(key, x.dirKey(len(x.ends)-1)) <= 0) {
			return damaged("directory")
		}
		x.keys = append(x.keys, key...)
		x.ends, x.offs = append(x.ends, uint32(len(x.keys))), append(x.offs, off)
	}
	if len(dir) != 0 {
		return damaged("directory")
	}
	return x, slices.Clip(meta), nil
}

// Lookup returns the extent of key in a sealed file, if it has one, read
// into buf when it is large enough: one read of at most DirEvery extents
// (Find). The extent's bytes alias the buffer it returns.
func (x *Extents) Lookup(key, buf []byte) (Extent, []byte, bool, error) {
	// The last key kept at or before key: its extent and those after it
	// up to the next one kept.
	lo, hi := 0, len(x.ends)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if bytes.Compare(x.dirKey(mid), key) <= 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == 0 {
		return Extent{}, buf, false, nil
	}
	end := x.size.Load()
	if lo < len(x.offs) {
		end = x.offs[lo]
	}
	return x.Find(x.offs[lo-1], end, key, buf)
}

// dirKey returns the key of the directory's i-th entry.
func (x *Extents) dirKey(i int) []byte {
	start := uint32(0)
	if i > 0 {
		start = x.ends[i-1]
	}
	return x.keys[start:x.ends[i]]
}

// Close closes the file.
func (x *Extents) Close() error { return x.f.Close() }

// Grow tells the reader that the file has size bytes now: the writer
// has written (and flushed) more extents, to be read from now on.
func (x *Extents) Grow(size int64) { x.size.Store(size) }

// Read reads the extent at a, whose size in bytes End returned (0 when
// unknown: two reads then, of its head and of its body), into buf when it
// is large enough. The extent's bytes alias the buffer it returns.
func (x *Extents) Read(a Addr, size int, buf []byte) (Extent, []byte, error) {
	off, fsize := a.Offset(), x.size.Load()
	damaged := func(what string) (Extent, []byte, error) {
		return Extent{}, buf, fmt.Errorf("vindex: extent %s: %s: %w", a, what, ErrDamaged)
	}
	if a.File() != x.num {
		return Extent{}, buf, fmt.Errorf("vindex: extent %s read from file %d", a, x.num)
	}
	if off < int64(extentsHeader) || off+extentHead > fsize {
		return damaged("outside the file")
	}
	if size <= 0 {
		var h [extentHead]byte
		if _, err := x.f.ReadAt(h[:], off); err != nil {
			return Extent{}, buf, fmt.Errorf("vindex: read extent %s: %w", a, err)
		}
		size = extentHead + int(binary.BigEndian.Uint32(h[:]))
	}
	if size < extentHead || size-extentHead > maxExtent || off+int64(size) > fsize {
		return damaged("outside the file")
	}
	if cap(buf) < size {
		buf = make([]byte, size)
	}
	b := buf[:size]
	if _, err := x.f.ReadAt(b, off); err != nil {
		return Extent{}, buf, fmt.Errorf("vindex: read extent %s: %w", a, err)
	}
	body := b[extentHead:]
	if int(binary.BigEndian.Uint32(b)) != len(body) {
		return damaged("size")
	}
	if binary.BigEndian.Uint32(b[4:]) != crc32.Checksum(body, castagnoli) {
		return damaged("checksum")
	}
	e, ok := decodeExtent(body)
	if !ok {
		return damaged("body")
	}
	return e, buf, nil
}

// Find reads the extents from off to end, one after another as a writer
// wrote them (keys in order), and returns the one of key, if there is
// one, checked as Read checks it, read into buf when it is large enough.
// The extent's bytes alias the buffer it returns.
func (x *Extents) Find(off, end int64, key []byte, buf []byte) (Extent, []byte, bool, error) {
	if off < int64(extentsHeader) || end < off || end > x.size.Load() || end-off > maxExtent {
		return Extent{}, buf, false, fmt.Errorf("vindex: extents %d:%d-%d: outside the file: %w", x.num, off, end, ErrDamaged)
	}
	n := int(end - off)
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	b := buf[:n]
	if _, err := x.f.ReadAt(b, off); err != nil {
		return Extent{}, buf, false, fmt.Errorf("vindex: read extents %d:%d-%d: %w", x.num, off, end, err)
	}
	for p := 0; p < len(b); {
		if len(b)-p < extentHead {
			return Extent{}, buf, false, fmt.Errorf("vindex: extents %d:%d: cut short: %w", x.num, off+int64(p), ErrDamaged)
		}
		size := int(binary.BigEndian.Uint32(b[p:]))
		if size > len(b)-p-extentHead {
			return Extent{}, buf, false, fmt.Errorf("vindex: extents %d:%d: size: %w", x.num, off+int64(p), ErrDamaged)
		}
		body := b[p+extentHead : p+extentHead+size]
		e, ok := decodeExtent(body)
		if !ok {
			return Extent{}, buf, false, fmt.Errorf("vindex: extents %d:%d: body: %w", x.num, off+int64(p), ErrDamaged)
		}
		switch c := bytes.Compare(e.Key, key); {
		case c == 0:
			if binary.BigEndian.Uint32(b[p+4:]) != crc32.Checksum(body, castagnoli) {
				return Extent{}, buf, false, fmt.Errorf("vindex: extents %d:%d: checksum: %w", x.num, off+int64(p), ErrDamaged)
			}
			return e, buf, true, nil
		case c > 0:
			return Extent{}, buf, false, nil
		}
		p += extentHead + size
	}
	return Extent{}, buf, false, nil
}

// Walk reads the file's extents one after another, from the first to the
// end of the extents (Grow's size, or a sealed file's directory), each
// checked as Read checks it, and calls fn with each and its address,
// until fn returns an error (which Walk returns). The extent's bytes are
// valid until fn returns.
func (x *Extents) Walk(fn func(Addr, Extent) error) error {
	end := x.size.Load()
	var buf []byte // the file's bytes from at
	at := int64(0)
	// fill makes buf hold the n bytes at off.
	fill := func(off int64, n int) error {
		if off >= at && off+int64(n) <= at+int64(len(buf)) {
			return nil
		}
		if off+int64(n) > end {
			return fmt.Errorf("vindex: extents %d:%d: cut short: %w", x.num, off, ErrDamaged)
		}
		m := int(min(max(int64(n), 1<<20), end-off))
		if cap(buf) < m {
			buf = make([]byte, m)
		}
		buf, at = buf[:m], off
		if _, err := x.f.ReadAt(buf, off); err != nil {
			return fmt.Errorf("vindex: read extents %d:%d: %w", x.num, off, err)
		}
		return nil
	}
	for off := int64(extentsHeader); off < end; {
		if err := fill(off, extentHead); err != nil {
			return err
		}
		size := int(binary.BigEndian.Uint32(buf[off-at:]))
		if size > maxExtent {
			return fmt.Errorf("vindex: extents %d:%d: size: %w", x.num, off, ErrDamaged)
		}
		if err := fill(off, extentHead+size); err != nil {
			return err
		}
		b := buf[off-at : off-at+int64(extentHead+size)]
		body := b[extentHead:]
		if binary.BigEndian.Uint32(b[4:]) != crc32.Checksum(body, castagnoli) {
			return fmt.Errorf("vindex: extents %d:%d: checksum: %w", x.num, off, ErrDamaged)
		}
		e, ok := decodeExtent(body)
		if !ok {
			return fmt.Errorf("vindex: extents %d:%d: body: %w", x.num, off, ErrDamaged)
		}
		if err := fn(MakeAddr(x.num, off), e); err != nil {
			return err
		}
		off += int64(extentHead + size)
	}
	return nil
}

// Extent is an extent read: the address of the row's extent before it,
// its epoch and the number of the row's versions before its first, the
// row's key, and its versions (Versions).
type Extent struct {
	Prev       Addr
	Epoch, Pos uint64
	Key        []byte
	count      int
	versions   []byte
}

func decodeExtent(b []byte) (Extent, bool) {
	var e Extent
	prev, n := binary.Uvarint(b)
	if n <= 0 {
		return e, false
	}
	e.Prev, b = Addr(prev), b[n:]
	if e.Epoch, n = binary.Uvarint(b); n <= 0 {
		return e, false
	}
	b = b[n:]
	if e.Pos, n = binary.Uvarint(b); n <= 0 {
		return e, false
	}
	b = b[n:]
	kl, n := binary.Uvarint(b)
	if n <= 0 || kl > uint64(len(b)-n) {
		return e, false
	}
	e.Key, b = b[n:n+int(kl):n+int(kl)], b[n+int(kl):]
	c, n := binary.Uvarint(b)
	if n <= 0 || c > uint64(len(b)-n) || c > math.MaxInt32 {
		return e, false
	}
	e.count, e.versions = int(c), b[n:]
	return e, true
}

// Len returns how many versions the extent holds.
func (e *Extent) Len() int { return e.count }

// Versions returns an iterator over the extent's versions, oldest first.
func (e *Extent) Versions() ExtentVersions {
	return ExtentVersions{rest: e.versions, left: e.count}
}

// ExtentVersions walks an extent's versions, oldest first.
type ExtentVersions struct {
	rest []byte
	left int
	seq  uint64
	err  error
}

// Next returns the next version and its seq; ok is false at the end or
// at damage (Err).
func (it *ExtentVersions) Next() (seq uint64, v Version, ok bool) {
	if it.left == 0 || it.err != nil {
		if it.err == nil && len(it.rest) != 0 {
			it.err = fmt.Errorf("vindex: extent: %d bytes after its versions: %w", len(it.rest), ErrDamaged)
		}
		return 0, v, false
	}
	d, n := binary.Uvarint(it.rest)
	if n <= 0 || (d == 0 && it.seq != 0) {
		it.err = fmt.Errorf("vindex: extent: seq: %w", ErrDamaged)
		return 0, v, false
	}
	it.rest = it.rest[n:]
	v, size, err := decodeVersionPrefix(it.rest)
	if err != nil {
		it.err = fmt.Errorf("vindex: extent: version after seq %d: %w", it.seq, err)
		return 0, v, false
	}
	it.rest, it.seq = it.rest[size:], it.seq+d
	it.left--
	return it.seq, v, true
}

// Err returns the damage Next met, if any.
func (it *ExtentVersions) Err() error { return it.err }
