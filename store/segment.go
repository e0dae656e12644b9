package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
)

// Segment header, 16 bytes at the start of every segment file. Part of the
// on-disk format: never change.
//
//	+----------------------+-------------+--------------------------+
//	| magic "DRFTSEG\n"    | version u32 | crc32c of bytes 0..11 u32 |
//	+----------------------+-------------+--------------------------+
const (
	segmentMagic      = "DRFTSEG\n"
	segmentVersion    = 1
	segmentHeaderSize = 16
	segmentExt        = ".seg"
)

func segmentHeader() []byte {
	h := make([]byte, segmentHeaderSize)
	copy(h, segmentMagic)
	binary.LittleEndian.PutUint32(h[8:], segmentVersion)
	binary.LittleEndian.PutUint32(h[12:], crc32.Checksum(h[:12], crcTable))
	return h
}

func checkSegmentHeader(h []byte) error {
	if len(h) < segmentHeaderSize {
		return errors.New("segment header too short")
	}
	if string(h[:8]) != segmentMagic {
		return errors.New("bad segment magic")
	}
	if crc32.Checksum(h[:12], crcTable) != binary.LittleEndian.Uint32(h[12:]) {
		return errors.New("segment header checksum mismatch")
	}
	if v := binary.LittleEndian.Uint32(h[8:]); v != segmentVersion {
		return fmt.Errorf("unsupported segment version %d", v)
	}
	return nil
}

func segmentName(num uint32) string { return fmt.Sprintf("%08d%s", num, segmentExt) }

// segment is one file of a stream. Everything but end is fixed once the
// segment is published; end only grows, and only at batch boundaries.
type segment struct {
	num  uint32
	path string
	// end is the offset just past the last record of the last durable batch:
	// readers never read beyond it.
	end atomic.Int64
	// firstSeq and lastSeq of the records in the file (0 when empty). lastSeq
	// is updated by the writer along with end.
	firstSeq atomic.Uint64
	lastSeq  atomic.Uint64
	// seqs finds records by seq (readseq.go).
	seqs seqIndex
	// sealed: a seal that holds for this file is beside it (the open
	// read or wrote it); a new file (a segment started, merged or
	// rewritten since) has none until a clean close writes it
	// (sealFilled).
	sealed atomic.Bool
}

// listSegments returns the segment numbers in dir, ascending, and removes
// temporary files a crash may have left behind (when clean is set).
func listSegments(fsys FS, dir string, clean bool) ([]uint32, error) {
	ents, err := fsys.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list segments: %w", err)
	}
	var nums []uint32
	for _, e := range ents {
		name := e.Name()
		if strings.HasSuffix(name, ".tmp") {
			if clean {
				fsys.Remove(filepath.Join(dir, name))
			}
			continue
		}
		if !strings.HasSuffix(name, segmentExt) {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSuffix(name, segmentExt), 10, 32)
		if err != nil || n == 0 {
			continue
		}
		nums = append(nums, uint32(n))
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	return nums, nil
}

// createSegment makes a new segment file holding only its header: written
// under a temporary name, fsynced, renamed into place, directory fsynced.
func createSegment(fsys FS, dir string, num uint32) (File, error) {
	path := filepath.Join(dir, segmentName(num))
	err := ReplaceFile(fsys, path, func(f File) error {
		_, err := f.Write(segmentHeader())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create segment: %w", err)
	}
	f, err := fsys.OpenReadWrite(path)
	if err != nil {
		return nil, fmt.Errorf("create segment: %w", err)
	}
	return f, nil
}

// scanResult is what a scan of one segment found.
type scanResult struct {
	// end is the offset just past the last complete committed batch.
	end      int64
	firstSeq uint64
	lastSeq  uint64 // seq of the last commit frame (the last batch's last seq)
	lastMs   int64  // unix_ms of that commit frame
	lastOff  int64  // offset of that commit frame
	records  int64  // records of committed batches, commit frames excluded
	// size of the file as found.
	size int64
	// tail is set when the file continues past end with bytes that are not
	// a complete committed batch (a torn write); tailErr says what was found.
	// Zero bytes the writer wrote ahead of its data (preallocation) are no
	// tail: a scan stops at them without an error.
	tailErr error
	// multi lists the batches of this segment that span several streams.
	multi []multiCommit
	// samples is the segment's seq map (readseq.go) as far as end.
	samples seqSamples
}

// multiCommit is a batch of a segment that spans several streams.
type multiCommit struct {
	seq     uint64   // the batch's commit seq, the same in every stream
	streams []string // every stream of the batch
	start   int64    // offset of the batch's first record in this segment
	// prevSeq and prevMs are the seq and unix_ms of the commit before it in
	// this segment (0 when it is the segment's first batch).
	prevSeq uint64
	prevMs  int64
}

// readAheadSize is how much a scan reads at a time.
const readAheadSize = 1 << 20

// scanSegment verifies every record of the segment at path and finds the end
// of its last complete committed batch. prevSeq is the last seq of the
// previous segment of the stream (records must go on from there).
//
// A bad or short record at the end of the file, with no valid record after
// it, is a torn tail: the scan stops there and reports it in tailErr. A bad
// record followed by valid data, a seq that goes backwards, or a commit
// frame that does not match its batch is corruption.
func scanSegment(fsys FS, path string, prevSeq uint64) (scanResult, error) {
	f, err := fsys.Open(path)
	if err != nil {
		return scanResult{}, fmt.Errorf("open segment: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return scanResult{}, fmt.Errorf("stat segment: %w", err)
	}
	res := scanResult{size: st.Size(), end: segmentHeaderSize}
	hdr := make([]byte, segmentHeaderSize)
	if _, err := f.ReadAt(hdr, 0); err != nil {
		return res, &CorruptionError{File: path, Offset: 0, Err: fmt.Errorf("read segment header: %w", err)}
	}
	if err := checkSegmentHeader(hdr); err != nil {
		return res, &CorruptionError{File: path, Offset: 0, Err: err}
	}

	r := newChunkReader(f, segmentHeaderSize, res.size)
	lastSeq := prevSeq
	dataEnd := res.size // where the zeros written ahead begin, if any
	var (
		pending    int   // records since the last commit frame
		batchStart int64 = segmentHeaderSize
		batchFirst uint64
	)
	for {
		off := r.offset()
		rec, n, err := r.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if zeroFrom(f, off, res.size) {
				dataEnd = off
				break
			}
			if !laterBatchAfter(f, off+1, res.size) {
				res.tailErr = fmt.Errorf("offset %d: %w", off, err)
				break
			}
			return res, &CorruptionError{File: path, Offset: off, Err: err}
		}
		if rec.Type == EventCommit {
			cp, err := decodeCommit(rec.Payload)
			if err == nil && (cp.N != pending || pending == 0 || rec.Seq < lastSeq) {
				err = fmt.Errorf("commit frame (seq %d, %d records) does not close its batch (%d records, last seq %d)",
					rec.Seq, cp.N, pending, lastSeq)
			}
			if err != nil {
				return res, &CorruptionError{File: path, Offset: off, Err: err}
			}
			if len(cp.Streams) > 1 {
				res.multi = append(res.multi, multiCommit{seq: rec.Seq, streams: cp.Streams, start: batchStart,
					prevSeq: res.lastSeq, prevMs: res.lastMs})
			}
			if res.firstSeq == 0 {
				res.firstSeq = batchFirst
			}
			lastSeq = rec.Seq
			res.lastSeq, res.lastMs, res.lastOff = rec.Seq, rec.UnixMs, off
			res.end = off + int64(n)
			res.records += int64(pending)
			pending = 0
			batchStart = res.end
			continue
		}
		if rec.Seq <= lastSeq {
			return res, &CorruptionError{File: path, Offset: off,
				Err: fmt.Errorf("seq %d does not follow %d", rec.Seq, lastSeq)}
		}
		res.samples.add(rec.Seq, off)
		if pending == 0 {
			batchFirst = rec.Seq
		}
		lastSeq = rec.Seq
		pending++
	}
	if res.tailErr == nil && res.end < dataEnd {
		res.tailErr = fmt.Errorf("offset %d: batch without commit frame", res.end)
	}
	res.samples.trim(res.end)
	return res, nil
}

// zeroFrom reports whether every byte of f from off to size is zero: space
// the writer preallocated and has not written yet.
func zeroFrom(f File, off, size int64) bool {
	var _ [preallocChunk - readAheadSize]struct{} // zeros is long enough to compare with
	buf := make([]byte, min(size-off, readAheadSize))
	for off < size {
		n := min(int64(len(buf)), size-off)
		if _, err := f.ReadAt(buf[:n], off); err != nil && err != io.EOF {
			return false
		}
		if !bytes.Equal(buf[:n], zeros[:n]) { // zeros: the writer's, readAheadSize long
			return false
		}
		off += n
	}
	return true
}

// laterBatchAfter reports whether a whole batch follows off: a valid commit
// frame and, right behind it, another valid record. It tells a torn tail
// from corruption in the middle: damage inside the last batch written,
// whatever of that batch survived around it, is a torn write; damage with a
// later batch intact behind it is corruption. It only runs when a scan meets
// a bad record, so its cost does not matter on the happy path.
func laterBatchAfter(f File, off, size int64) bool {
	if off >= size {
		return false
	}
	buf := make([]byte, size-off)
	if _, err := f.ReadAt(buf, off); err != nil && err != io.EOF {
		return false
	}
	for i := 0; i+recordHeaderSize+minBodySize <= len(buf); i++ {
		r, n, err := decodeRecord(buf[i:])
		if err != nil {
			continue
		}
		// Follow the valid run that starts here.
		for j := i + n; ; {
			if r.Type == EventCommit {
				if _, _, err := decodeRecord(buf[j:]); err == nil {
					return true
				}
			}
			r, n, err = decodeRecord(buf[j:])
			if err != nil {
				break
			}
			j += n
		}
	}
	return false
}

// chunkReader decodes records from a file through a large buffer.
type chunkReader struct {
	r     io.ReaderAt
	buf   []byte
	pos   int   // next byte of buf to decode
	base  int64 // file offset of buf[0]
	limit int64 // file offset not to read past
	// window is how much to read at once (0: readAheadSize).
	window int64
}

func newChunkReader(r io.ReaderAt, off, limit int64) *chunkReader {
	return &chunkReader{r: r, base: off, limit: limit}
}

func (c *chunkReader) offset() int64 { return c.base + int64(c.pos) }

// next decodes the record at the current offset. It returns io.EOF at the
// limit, errShort when the limit cuts a record, and a decode error for bad
// bytes. On error the offset does not move.
func (c *chunkReader) next() (Record, int, error) {
	for {
		rec, n, err := decodeRecord(c.buf[c.pos:])
		if err == nil {
			c.pos += n
			return rec, n, nil
		}
		if err != errShort {
			return Record{}, 0, err
		}
		// Refill: keep the unread part, read more behind it.
		off := c.offset()
		if off >= c.limit {
			return Record{}, 0, io.EOF
		}
		avail := int64(len(c.buf) - c.pos)
		if off+avail >= c.limit {
			return Record{}, 0, errShort
		}
		m, rerr := c.load(off, max(c.chunk(), needBytes(c.buf[c.pos:])))
		if m == 0 && rerr != nil {
			if rerr == io.EOF {
				return Record{}, 0, errShort
			}
			return Record{}, 0, fmt.Errorf("read segment: %w", rerr)
		}
	}
}

// chunk is how much the reader reads at once.
func (c *chunkReader) chunk() int64 {
	if c.window > 0 {
		return c.window
	}
	return readAheadSize
}

// load reads up to size bytes at off, not past the limit; buf then starts
// at off.
func (c *chunkReader) load(off, size int64) (int, error) {
	size = min(size, c.limit-off)
	if int64(cap(c.buf)) < size {
		c.buf = make([]byte, size)
	}
	c.buf = c.buf[:size]
	m, err := c.r.ReadAt(c.buf, off)
	c.buf = c.buf[:m]
	c.base, c.pos = off, 0
	return m, err
}

// needBytes is the size of the record starting in b, as far as its length
// field tells (already checked against MaxRecordSize by decodeRecord).
func needBytes(b []byte) int64 {
	if len(b) < 4 {
		return recordHeaderSize
	}
	return recordHeaderSize + int64(binary.LittleEndian.Uint32(b))
}
