package engine

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
)

// A present file holds the newest document of every live row of a table
// at a whole snapshot, in key order: what a scan of the present reads
// when the rows left their documents to the version index
// (Options.NewestInIndex). The index's own iteration of its row entries
// costs more than a whole scan of documents held in memory (ENGINE.md);
// a file read in order costs a copy. It is derived from the snapshot it
// goes with, written beside it, and read only for a row whose newest
// version has the seq of its record there: a document at a seq never
// changes, so any present file of the table serves, and a row written
// since is read as before. A missing or damaged file is read around.
//
// tables/<t>/present.<seq> (never change without a new version):
//
//	header  magic "DRFTPRS\n" | version u32 = 1 | reserved u32 = 0 | seq u64 (big-endian)
//	blocks  length u32 | crc32c u32 of the records | records: key (ordered
//	        encoding, uvarint length first) | seq u64 (big-endian) |
//	        document (uvarint length first); a block ends with the record
//	        that takes it to presentBlock bytes or more (a read of one row
//	        reads its block; a scan, presentRun bytes of blocks at once)
//	marks   count u32, then for each block its offset u64, its length u32
//	        and its first key (uvarint length first)
//	trailer offset of the marks u64 | crc32c u32 of the marks | tag "PRS."
//
// Integers are little-endian but for the seqs. A reader takes a block
// with one read, checks it whole, and reads its records in place.
const (
	presentMagic   = "DRFTPRS\n"
	presentVersion = 1
	presentHeader  = 24
	presentTrailer = 16
	presentTag     = "PRS."
	presentPrefix  = "present."
	// presentBlock is the size from which a block ends: what a read of
	// one row takes from the file.
	presentBlock = 4 << 10
	// presentRun is how much a scan reads at once: the blocks that fit.
	presentRun = 64 << 10
)

var errPresentDamaged = errors.New("engine: present file damaged")

// presentReads counts the documents read from present files (added as
// their readers are released), for the tests.
var presentReads atomic.Int64

// presentBlockReads counts the reads of present files' blocks (a read
// takes a block or a run of them), for the tests.
var presentBlockReads atomic.Int64

// presentWriter writes a present file: records added in key order, then
// finish. Its file operations are its caller's, on one goroutine.
type presentWriter struct {
	fsys  store.FS
	f     vfs.File
	tmp   string
	path  string
	w     *bufio.Writer
	off   int64  // where the block being filled starts
	block []byte // its header, then its records
	marks []byte
	lenAt int // where the length of the last block goes in marks
	n     int // blocks
	key   []byte
	err   error
}

func presentPath(dir string, seq uint64) string {
	return filepath.Join(dir, presentPrefix+strconv.FormatUint(seq, 10))
}

// newPresentWriter starts the present file of the table in dir at seq.
func newPresentWriter(fsys store.FS, dir string, seq uint64) (*presentWriter, error) {
	p := presentPath(dir, seq)
	f, err := fsys.Create(p + ".tmp")
	if err != nil {
		return nil, err
	}
	pw := &presentWriter{fsys: fsys, f: f, tmp: p + ".tmp", path: p, w: bufio.NewWriterSize(f, 256<<10)}
	var h [presentHeader]byte
	copy(h[:], presentMagic)
	binary.LittleEndian.PutUint32(h[8:], presentVersion)
	binary.BigEndian.PutUint64(h[16:], seq)
	pw.write(h[:])
	return pw, pw.err
}

func (pw *presentWriter) write(b []byte) {
	if pw.err != nil {
		return
	}
	_, pw.err = pw.w.Write(b)
	pw.off += int64(len(b))
}

// add writes the record of row k's document doc at seq.
func (pw *presentWriter) add(k Key, seq uint64, doc []byte) {
	if pw == nil || pw.err != nil {
		return
	}
	pw.key = appendOrderedKey(pw.key[:0], k)
	if len(pw.block) == 0 {
		pw.block = binary.LittleEndian.AppendUint64(pw.block, 0) // length and CRC, at the end
		pw.marks = binary.LittleEndian.AppendUint64(pw.marks, uint64(pw.off))
		pw.lenAt = len(pw.marks)
		pw.marks = binary.LittleEndian.AppendUint32(pw.marks, 0) // the length, at the end
		pw.marks = append(binary.AppendUvarint(pw.marks, uint64(len(pw.key))), pw.key...)
		pw.n++
	}
	b := append(binary.AppendUvarint(pw.block, uint64(len(pw.key))), pw.key...)
	b = binary.BigEndian.AppendUint64(b, seq)
	pw.block = append(binary.AppendUvarint(b, uint64(len(doc))), doc...)
	if len(pw.block)-8 >= presentBlock {
		pw.endBlock()
	}
}

// endBlock writes the block being filled, and its length in its mark.
func (pw *presentWriter) endBlock() {
	if len(pw.block) == 0 {
		return
	}
	recs := pw.block[8:]
	binary.LittleEndian.PutUint32(pw.block[0:], uint32(len(recs)))
	binary.LittleEndian.PutUint32(pw.block[4:], crc32.Checksum(recs, castagnoli))
	binary.LittleEndian.PutUint32(pw.marks[pw.lenAt:], uint32(len(recs)))
	pw.write(pw.block)
	pw.block = pw.block[:0]
}

// finish writes the marks and the trailer and puts the file in place.
func (pw *presentWriter) finish() error {
	pw.endBlock()
	at := pw.off
	var cnt [4]byte
	binary.LittleEndian.PutUint32(cnt[:], uint32(pw.n))
	marks := append(cnt[:], pw.marks...)
	pw.write(marks)
	var t [presentTrailer]byte
	binary.LittleEndian.PutUint64(t[0:], uint64(at))
	binary.LittleEndian.PutUint32(t[8:], crc32.Checksum(marks, castagnoli))
	copy(t[12:], presentTag)
	pw.write(t[:])
	if pw.err == nil {
		pw.err = pw.w.Flush()
	}
	if err := pw.f.Close(); pw.err == nil {
		pw.err = err
	}
	if pw.err == nil {
		pw.err = pw.fsys.Rename(pw.tmp, pw.path)
	}
	if pw.err != nil {
		pw.fsys.Remove(pw.tmp)
	}
	return pw.err
}

// abandon removes a file not finished.
func (pw *presentWriter) abandon() {
	if pw == nil {
		return
	}
	pw.f.Close()
	pw.fsys.Remove(pw.tmp)
}

// presentFile is a present file open for reading. Its file closes once
// no state reads it.
type presentFile struct {
	f      vfs.File
	seq    uint64
	blocks []presentMark
}

// presentMark is a block: where it starts, the length of its records,
// and its first key.
type presentMark struct {
	key []byte
	off int64
	len int
}

// openPresent opens the present file at path and checks its header and
// marks; its blocks are checked as they are read.
func openPresent(fsys store.FS, path string) (*presentFile, error) {
	f, err := fsys.Open(path)
	if err != nil {
		return nil, err
	}
	pf, err := readPresent(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s: %w", errPresentDamaged, path, err)
	}
	runtime.AddCleanup(pf, func(f vfs.File) { f.Close() }, f)
	return pf, nil
}

func readPresent(f vfs.File) (*presentFile, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if size < presentHeader+presentTrailer+4 {
		return nil, fmt.Errorf("%d bytes", size)
	}
	var h [presentHeader]byte
	if _, err := f.ReadAt(h[:], 0); err != nil {
		return nil, err
	}
	var t [presentTrailer]byte
	if _, err := f.ReadAt(t[:], size-presentTrailer); err != nil {
		return nil, err
	}
	at := int64(binary.LittleEndian.Uint64(t[0:]))
	if string(h[:8]) != presentMagic || binary.LittleEndian.Uint32(h[8:]) != presentVersion ||
		string(t[12:]) != presentTag || at < presentHeader || at > size-presentTrailer-4 {
		return nil, errors.New("header or trailer")
	}
	marks := make([]byte, size-presentTrailer-at)
	if _, err := f.ReadAt(marks, at); err != nil {
		return nil, err
	}
	if crc32.Checksum(marks, castagnoli) != binary.LittleEndian.Uint32(t[8:]) {
		return nil, errors.New("marks checksum")
	}
	pf := &presentFile{f: f, seq: binary.BigEndian.Uint64(h[16:])}
	n := int(binary.LittleEndian.Uint32(marks))
	b, next := marks[4:], int64(presentHeader)
	for range n {
		if len(b) < 12 {
			return nil, errors.New("marks")
		}
		m := presentMark{off: int64(binary.LittleEndian.Uint64(b)), len: int(binary.LittleEndian.Uint32(b[8:]))}
		kl, w := binary.Uvarint(b[12:])
		if w <= 0 || uint64(len(b)-12-w) < kl || m.off != next || m.off+8+int64(m.len) > at {
			return nil, errors.New("marks")
		}
		m.key = b[12+w : 12+w+int(kl)]
		pf.blocks = append(pf.blocks, m)
		b, next = b[12+w+int(kl):], m.off+8+int64(m.len)
	}
	if next != at || len(b) != 0 {
		return nil, errors.New("marks")
	}
	return pf, nil
}

// presentReader reads a present file's records in key order, a run of
// blocks at a time, from the block a key is in (seek) on: one block
// first, then twice as many bytes at each read up to presentRun.
type presentReader struct {
	pf    *presentFile
	block int     // the next block to take from run, or to read
	run   []byte  // blocks read, from block on: in buf
	buf   *[]byte // from presentBufs, until release
	size  int     // of the next read: a block after a seek, doubling to presentRun
	recs  []byte  // the records of the block taken, from the next one on
	key   []byte  // the last record's, through its block
	seq   uint64
	doc   []byte
	ok    bool   // key, seq and doc are a record's
	want  []byte // the key looked for (fromPresent)
	hits  int64  // documents given by fromPresent, since release
	// taken is 1 + the block whose records whole are (0: none), the last
	// one taken: a key before the reader's in it (a scan in descending
	// order) is read again from them, not from the file.
	taken int
	whole []byte
	offs  []int // where whole's records start, once a search needs them
	// ascend says the keys looked for ascend (a scan in key order); hit,
	// that the record is the last one found.
	ascend, hit bool
}

// seek positions the reader at the block that would hold key (encoded).
func (pr *presentReader) seek(pf *presentFile, key []byte) {
	pr.pf, pr.block, pr.run, pr.recs, pr.ok, pr.key, pr.hit = pf, pf.blockOf(key), nil, nil, false, nil, false
	pr.taken, pr.whole, pr.offs = 0, nil, pr.offs[:0]
	pr.size = 0 // a short range of keys reads a block or two; a scan soon 64 KB at once
}

// blockOf returns the block that would hold key (encoded).
func (pf *presentFile) blockOf(key []byte) int {
	i := sort.Search(len(pf.blocks), func(i int) bool { return bytes.Compare(pf.blocks[i].key, key) > 0 })
	return max(i-1, 0)
}

// readBlocks reads into buf the blocks from i on, as many as end within
// size bytes (at least one).
func (pf *presentFile) readBlocks(buf []byte, i, size int) ([]byte, error) {
	first := pf.blocks[i]
	j := i + 1
	for j < len(pf.blocks) && pf.blocks[j].off+8+int64(pf.blocks[j].len)-first.off <= int64(size) {
		j++
	}
	last := pf.blocks[j-1]
	n := int(last.off + 8 + int64(last.len) - first.off)
	if cap(buf) < n {
		buf = make([]byte, n, max(n, size))
	}
	buf = buf[:n]
	_, err := pf.f.ReadAt(buf, first.off)
	return buf, err
}

// takeBlock checks block i at the start of b and returns its records and
// the bytes after it.
func (pf *presentFile) takeBlock(b []byte, i int) (recs, rest []byte, err error) {
	m := pf.blocks[i]
	if len(b) < 8+m.len || int(binary.LittleEndian.Uint32(b)) != m.len ||
		crc32.Checksum(b[8:8+m.len], castagnoli) != binary.LittleEndian.Uint32(b[4:]) {
		return nil, nil, errors.New("block checksum")
	}
	return b[8 : 8+m.len], b[8+m.len:], nil
}

// next reads the next record; false at the end, or on an error.
func (pr *presentReader) next() (bool, error) {
	pr.ok, pr.hit = false, false
	for len(pr.recs) == 0 {
		if pr.block >= len(pr.pf.blocks) {
			return false, nil
		}
		if len(pr.run) == 0 {
			var err error
			if pr.buf == nil {
				pr.buf = presentBufs.Get().(*[]byte)
			}
			pr.taken, pr.whole, pr.offs = 0, nil, pr.offs[:0] // the buffer is read into again
			if *pr.buf, err = pr.pf.readBlocks(*pr.buf, pr.block, pr.size); err != nil {
				return false, err
			}
			presentBlockReads.Add(1)
			pr.run, pr.size = *pr.buf, min(max(2*pr.size, presentBlock), presentRun)
		}
		var err error
		if pr.recs, pr.run, err = pr.pf.takeBlock(pr.run, pr.block); err != nil {
			return false, err
		}
		pr.block++
		pr.taken, pr.whole, pr.offs = pr.block, pr.recs, pr.offs[:0]
	}
	var err error
	pr.key, pr.seq, pr.doc, pr.recs, err = nextRecord(pr.recs)
	pr.ok = err == nil
	return pr.ok, err
}

// nextRecord reads the record at the start of recs.
func nextRecord(recs []byte) (key []byte, seq uint64, doc, rest []byte, err error) {
	kl, w := binary.Uvarint(recs)
	if w <= 0 || uint64(len(recs)-w) < kl+8 {
		return nil, 0, nil, nil, errors.New("record key")
	}
	key, b := recs[w:w+int(kl)], recs[w+int(kl):]
	seq, b = binary.BigEndian.Uint64(b), b[8:]
	dl, w := binary.Uvarint(b)
	if w <= 0 || uint64(len(b)-w) < dl {
		return nil, 0, nil, nil, errors.New("record document")
	}
	return key, seq, b[w : w+int(dl)], b[w+int(dl):], nil
}

// find returns the document of the row of key (encoded) at seq, when the
// file has it: reading on from where the reader is when key is after its
// record, else from the block key would be in. Its bytes are valid until
// the reader moves.
func (pr *presentReader) find(pf *presentFile, key []byte, seq uint64) ([]byte, bool, error) {
	// key, once read, stays the last record's: a key before it (a scan
	// in descending order) is looked for again from the start of the
	// block it is in, read again only when it is not the last one taken.
	// A reader whose keys ascend and whose record is the last key found
	// knows it is before key without comparing them.
	c := -1
	if pr.pf != pf || !(pr.ascend && pr.hit) {
		if c = 1; pr.pf == pf {
			c = bytes.Compare(pr.key, key)
		}
		if c > 0 {
			if b := pf.blockOf(key); pr.pf == pf && pr.taken == b+1 {
				pr.recs, pr.ok, pr.key = pr.whole[pr.recordAt(key):], false, nil
			} else {
				pr.seek(pf, key)
			}
		}
	}
	for {
		if pr.ok {
			switch {
			case c == 0 && pr.seq == seq:
				pr.hit = true
				return pr.doc, true, nil
			case c >= 0:
				return nil, false, nil
			}
		}
		more, err := pr.next()
		if err != nil || !more {
			return nil, false, err
		}
		c = bytes.Compare(pr.key, key)
	}
}

// recordAt returns where in the records of the block last taken the
// first record whose key is not before key starts (their end when there
// is none), found by a binary search over where each starts.
func (pr *presentReader) recordAt(key []byte) int {
	if len(pr.offs) == 0 {
		for b := pr.whole; len(b) > 0; {
			pr.offs = append(pr.offs, len(pr.whole)-len(b))
			var err error
			if _, _, _, b, err = nextRecord(b); err != nil {
				break // the read from here on says so
			}
		}
	}
	i := sort.Search(len(pr.offs), func(i int) bool {
		k, _, _, _, err := nextRecord(pr.whole[pr.offs[i]:])
		return err != nil || bytes.Compare(k, key) >= 0
	})
	if i == len(pr.offs) {
		return len(pr.whole)
	}
	return pr.offs[i]
}

// presentFiles returns the seqs of the present files in dir, and the
// names of those not finished.
func presentFiles(fsys store.FS, dir string) (seqs []uint64, tmps []string) {
	ents, err := fsys.ReadDir(dir)
	if err != nil {
		return nil, nil
	}
	for _, e := range ents {
		name, ok := strings.CutPrefix(e.Name(), presentPrefix)
		if !ok {
			continue
		}
		if s, err := strconv.ParseUint(name, 10, 64); err == nil {
			seqs = append(seqs, s)
		} else {
			tmps = append(tmps, e.Name())
		}
	}
	return seqs, tmps
}

// presentBroken stops the table reading pf, a present file a block of
// which did not read (err), and says so once: its rows are read from the
// index, as without one, until the next whole snapshot writes another.
func (lg *tableLog) presentBroken(pf *presentFile, err error) {
	if lg.present.CompareAndSwap(pf, nil) && lg.log != nil {
		lg.log.Warn("present file not read any more: its rows are read from the version index", "table", *lg.name.Load(), "seq", pf.seq, "err", err)
	}
}

// placePresent finishes the present file pw of the table in dir at seq,
// makes it the one the table reads, and removes the others.
func (db *DB) placePresent(lg *tableLog, dir string, seq uint64, pw *presentWriter) {
	fsys := db.st.FS()
	if err := pw.finish(); err != nil {
		db.log.Warn("cannot write a present file", "dir", dir, "err", err)
		return
	}
	pf, err := openPresent(fsys, presentPath(dir, seq))
	if err != nil {
		db.log.Warn("cannot read the present file just written", "dir", dir, "err", err)
		return
	}
	lg.present.Store(pf)
	removePresent(fsys, dir, seq)
}

// attachPresent makes the table in dir, loaded from its whole snapshot
// at seq, read its present file of seq, when the rows leave their
// documents to the index (Options.NewestInIndex) and the file opens.
// Unless the database is read-only, it removes the others. Present files
// go with a version index: without one, there is nothing to look for.
func (db *DB) attachPresent(lg *tableLog, dir string, seq uint64) {
	if db.vx == nil {
		return
	}
	fsys := db.st.FS()
	keep := uint64(0)
	if db.opts.NewestInIndex {
		pf, err := openPresent(fsys, presentPath(dir, seq))
		switch {
		case err == nil:
			lg.present.Store(pf)
			keep = seq
		case !errors.Is(err, fs.ErrNotExist):
			db.log.Warn("present file not read", "err", err)
		}
	}
	if !db.opts.ReadOnly {
		removePresent(fsys, dir, keep)
	}
}

// removePresent removes the present files in dir but that of keep (0:
// every one), and any left unfinished. A state still reading one reads
// on: its file stays open.
func removePresent(fsys store.FS, dir string, keep uint64) {
	seqs, tmps := presentFiles(fsys, dir)
	for _, s := range seqs {
		if s != keep {
			fsys.Remove(presentPath(dir, s))
		}
	}
	for _, t := range tmps {
		fsys.Remove(filepath.Join(dir, t))
	}
}

// release gives the reader's buffer back; the records it read are gone
// with it.
func (pr *presentReader) release() {
	if pr.buf != nil {
		presentBufs.Put(pr.buf)
	}
	if pr.hits > 0 {
		presentReads.Add(pr.hits)
	}
	*pr = presentReader{want: pr.want[:0], offs: pr.offs[:0], ascend: pr.ascend}
}

// presentBufs are the buffers of reads from present files.
var presentBufs = sync.Pool{New: func() any { return new([]byte) }}

// fromPresent reads with pr the document of row k at seq from the
// table's present file, when it has it there; its bytes are valid until
// pr moves. A file a block of which does not read is given up
// (presentBroken), and the row read as without one.
func (lg *tableLog) fromPresent(pr *presentReader, k Key, seq uint64) ([]byte, bool) {
	pf := lg.present.Load()
	if pf == nil {
		return nil, false
	}
	pr.want = appendOrderedKey(pr.want[:0], k)
	doc, ok, err := pr.find(pf, pr.want, seq)
	if err != nil {
		lg.presentBroken(pf, err)
	}
	if ok {
		pr.hits++
	}
	return doc, ok
}

// presentDoc returns a copy of the document of row k at seq from the
// table's present file, when it has it there: a read of one row, which
// reads the block the row is in.
func (lg *tableLog) presentDoc(k Key, seq uint64) ([]byte, bool) {
	var pr presentReader
	defer pr.release()
	doc, ok := lg.fromPresent(&pr, k, seq)
	if !ok {
		return nil, false
	}
	return bytes.Clone(doc), true
}

// CheckPresentFiles reads every present file whole. unusable are the
// files that do not open or have a block that does not check: caches a
// scan reads around. wrong are those with a record whose document is not
// the one its row has at its seq, or whose keys are out of order: those
// would give wrong answers (removing the file makes scans read the index
// until the next whole snapshot writes another).
func (db *DB) CheckPresentFiles() (unusable, wrong []string) {
	v := db.View()
	fsys := db.st.FS()
	for _, name := range v.Tables() {
		ts, ok := v.lookupTable(name)
		if !ok {
			continue
		}
		ts = v.trees(name, ts) // a published state's may lag
		dir := db.st.StreamDir(name)
		seqs, _ := presentFiles(fsys, dir)
		for _, seq := range seqs {
			path := presentPath(dir, seq)
			pf, err := openPresent(fsys, path)
			if err != nil {
				unusable = append(unusable, err.Error())
				continue
			}
			bad, err := checkPresent(pf, ts)
			switch {
			case bad != "":
				wrong = append(wrong, fmt.Sprintf("%s: %s", path, bad))
			case err != nil:
				unusable = append(unusable, fmt.Sprintf("%s: %v", path, err))
			}
		}
	}
	return unusable, wrong
}

// checkPresent reads pf whole against the rows of ts: it returns what is
// wrong with a record, or the error that stopped the read.
func checkPresent(pf *presentFile, ts *tableState) (string, error) {
	var pr presentReader
	defer pr.release()
	pr.seek(pf, nil)
	var last []byte
	for {
		more, err := pr.next()
		if err != nil || !more {
			return "", err
		}
		if last != nil && bytes.Compare(last, pr.key) >= 0 {
			return fmt.Sprintf("keys out of order at seq %d", pr.seq), nil
		}
		last = append(last[:0], pr.key...)
		k, rest, err := readOrderedKey(pr.key)
		if err != nil || len(rest) != 0 {
			return fmt.Sprintf("a key that does not decode at seq %d", pr.seq), nil
		}
		r, found := ts.find(k)
		if !found {
			return fmt.Sprintf("row %s, which the table does not have", k), nil
		}
		vseq, doc, err := checkedNewest(ts.log, &r, pr.seq)
		if err != nil {
			return "", err
		}
		if vseq != pr.seq || !bytes.Equal(doc, pr.doc) {
			return fmt.Sprintf("row %s seq %d: not the row's document at that seq", k, pr.seq), nil
		}
	}
}

// checkedNewest returns the version of r visible at seq and its document,
// read as a row reads it but for a newest version that left its document
// to the version index: from the index, not from a present file.
func checkedNewest(lg *tableLog, r *row, seq uint64) (uint64, []byte, error) {
	if i := r.index(seq); i < 0 || i < len(r.versions)-1 || !r.newestInIndex() {
		vseq, _, doc, err := r.docAt(lg, seq)
		return vseq, doc, err
	}
	rd, err := lg.reader(r.key)
	if err != nil {
		return 0, nil, err
	}
	defer lg.vx.ReleaseVersions(rd)
	v := r.newest()
	_, doc, err := lg.versionDoc(rd, r.key, v)
	return v.seq, doc, err
}
