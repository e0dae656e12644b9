package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Reading one record by its seq.
//
// A record's seq names it for good: a merge of segments copies records
// unchanged, and a rewrite by DropBefore keeps the records it keeps as
// they were, so a seq stays valid where an offset would not. Each segment
// keeps a sparse map of seqs to offsets (seqIndex): one entry per
// seqIndexStep bytes of records, from its seal, from the scan of an open,
// or made the first time a record of the segment is read, and extended as
// the segment grows. A read finds the segment by its seq range, the last
// entry at or before the seq, and reads forward from there, a few
// kilobytes, checking the CRC of the record it returns.

// ErrNoRecord is returned by ReadRecord for a seq the stream has no
// durable record of.
var ErrNoRecord = errors.New("store: no such record")

const (
	// seqIndexStep is the spacing of a segment's seq map, in bytes of
	// records: a read decodes at most about this much before its record.
	seqIndexStep = 4 << 10
	// readWindow is what a read takes from the file at once: the step
	// and a record after it, for most records.
	readWindow = seqIndexStep + 1<<10
)

// seqIndex maps seqs to offsets in one segment, sparsely, and holds the
// segment open for reads. The handle reads the file the map was made of:
// a merge or a rewrite puts a new file at the segment's path (and a new
// segment in the list), and closes the old segment's handle once the new
// list is out. Reads find the map without a lock; mapping more of the
// segment, and closing it, take mu.
type seqIndex struct {
	mu     sync.Mutex
	m      atomic.Pointer[seqMap]
	closed bool // the segment left its stream: no more reads
}

// seqMap is a seqIndex's map as of a point of the segment. A new map
// shares the arrays of the one before, adding after their ends.
type seqMap struct {
	f File
	seqSamples
	end  int64  // offset up to which records are mapped
	last uint64 // seq of the last record mapped
}

// seqSamples are the entries of a seq map: the seq of a record and its
// offset, for the first record at or past every seqIndexStep bytes.
type seqSamples struct {
	seqs []uint64
	offs []int64
}

// add takes the record of seq at off, the next record of the segment, if
// an entry is due there.
func (s *seqSamples) add(seq uint64, off int64) {
	if n := len(s.offs); n == 0 || off >= s.offs[n-1]+seqIndexStep {
		s.seqs = append(s.seqs, seq)
		s.offs = append(s.offs, off)
	}
}

// trim drops the entries at or past end.
func (s *seqSamples) trim(end int64) {
	n := len(s.offs)
	for n > 0 && s.offs[n-1] >= end {
		n--
	}
	s.seqs, s.offs = s.seqs[:n], s.offs[:n]
}

// from returns the offset to read forward from to find the record of seq.
func (s *seqSamples) from(seq uint64) int64 {
	i := sort.Search(len(s.seqs), func(i int) bool { return s.seqs[i] > seq }) - 1
	if i < 0 {
		return segmentHeaderSize
	}
	return s.offs[i]
}

// errSegmentGone is a read of a segment whose file was replaced (a merge
// or a rewrite is under way); the read waits for the stream's new list and
// tries again. errSegmentClosed is a read of a segment that left its
// stream (a new list is out: the read tries again with it), or of a
// stream dropped or a store closed (it fails).
var (
	errSegmentGone   = errors.New("store: segment replaced")
	errSegmentClosed = errors.New("store: segment closed")
)

// locate returns the segment's file and the offset of a record at or
// before seq from which a read forward finds the record of seq, if the
// segment has it. It maps the records up to the segment's durable end
// first, where seq is past what is mapped.
func (x *seqIndex) locate(fsys FS, seg *segment, seq uint64) (File, int64, error) {
	m := x.m.Load()
	if m == nil || m.f == nil || seq > m.last && m.end < seg.end.Load() {
		var err error
		if m, err = x.extend(fsys, seg); err != nil {
			return nil, 0, err
		}
	}
	return m.f, m.from(seq), nil
}

// extend maps the records up to the segment's durable end, opening it
// first if it is not open.
func (x *seqIndex) extend(fsys FS, seg *segment) (*seqMap, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return nil, errSegmentClosed
	}
	old := x.m.Load()
	var m seqMap
	switch {
	case old != nil:
		m = *old
	default:
		// A sealed segment's map is in its seal; any other starts empty.
		if sm, ok := readSealMap(fsys, seg); ok {
			m = sm
		} else {
			m = seqMap{end: segmentHeaderSize}
		}
	}
	if m.f == nil {
		f, err := openSegmentFile(fsys, seg)
		if err != nil {
			return nil, err
		}
		m.f = f
	}
	end := seg.end.Load()
	if m.end >= end {
		x.m.Store(&m)
		return &m, nil
	}
	// The map needs the records' lengths and seqs only: the CRC of a
	// record is checked when it is read, so that damage to one record
	// does not keep the others from being read.
	cr := newChunkReader(m.f, m.end, end)
	for {
		off := cr.offset()
		n, seq, typ, err := cr.peek()
		if err == io.EOF {
			break
		}
		if err != nil {
			if old == nil || old.f == nil {
				m.f.Close()
			}
			return nil, &CorruptionError{File: seg.path, Offset: off, Err: err}
		}
		cr.skip(n)
		m.end = cr.offset()
		if typ == EventCommit {
			continue
		}
		m.add(seq, off)
		m.last = seq
	}
	x.m.Store(&m)
	return &m, nil
}

// openSegmentFile opens seg's file for reads, and checks that it is the
// file seg describes: between the rename of a merged or rewritten file
// and the new list, the path holds a file whose first record is another.
func openSegmentFile(fsys FS, seg *segment) (File, error) {
	f, err := fsys.Open(seg.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errSegmentGone
	}
	if err != nil {
		return nil, fmt.Errorf("store: open segment: %w", err)
	}
	cr := newChunkReader(f, segmentHeaderSize, seg.end.Load())
	cr.window = peekSize
	if _, first, _, err := cr.peek(); err != nil || first != seg.firstSeq.Load() {
		f.Close()
		return nil, errSegmentGone
	}
	return f, nil
}

// close closes the segment for reads, once it has left its stream's list.
// A read already under way with its handle fails, and tries again with
// the new list.
func (x *seqIndex) close() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.closed = true
	if m := x.m.Swap(nil); m != nil && m.f != nil {
		m.f.Close()
	}
}

// closeSegments closes for reads the segments of old that are not in
// now.
func closeSegments(old, now []*segment) {
	for _, seg := range old {
		if !slices.Contains(now, seg) {
			seg.seqs.close()
		}
	}
}

// ReadRecord returns the record of stream name whose seq is seq, read from
// its segment and checked. Its Payload is the caller's. A seq the stream
// has no durable record of is ErrNoRecord: never written to this stream,
// not yet durable, or dropped by DropBefore.
func (s *Store) ReadRecord(name string, seq uint64) (Record, error) {
	st, err := s.stream(name)
	if err != nil {
		return Record{}, err
	}
	// A merge or a rewrite may replace a segment between the look at the
	// list and the read: the record is then in the new list.
	for attempt := 0; ; attempt++ {
		segs := st.segs.Load()
		rec, err := s.readRecord(*segs, seq)
		if err == nil || attempt == 3 {
			return rec, err
		}
		if errors.Is(err, errSegmentGone) {
			// The new list is on its way: the replacement is done, only
			// the removal of what it replaced is left.
			for wait := 0; st.segs.Load() == segs && wait < 5000; wait++ {
				time.Sleep(time.Millisecond)
			}
		}
		if st.segs.Load() == segs {
			return rec, err
		}
	}
}

func (s *Store) readRecord(segs []*segment, seq uint64) (Record, error) {
	seg, ok := segmentOf(segs, seq)
	if !ok {
		return Record{}, ErrNoRecord
	}
	f, off, err := seg.seqs.locate(s.fs, seg, seq)
	if err != nil {
		return Record{}, err
	}
	cr := newChunkReader(f, off, seg.end.Load())
	cr.window = readWindow
	bp := readBuffers.Get().(*[]byte)
	cr.buf = (*bp)[:0]
	defer func() {
		if cap(cr.buf) == readWindow {
			*bp = cr.buf[:0]
			readBuffers.Put(bp)
		}
	}()
	rec, err := readOn(cr, seg, seq)
	if err != nil {
		return Record{}, err
	}
	rec.Payload = bytes.Clone(rec.Payload)
	return rec, nil
}

// segmentOf returns the segment of segs that holds seq, if one may: the
// last whose first seq is at or below it.
func segmentOf(segs []*segment, seq uint64) (*segment, bool) {
	i := len(segs) - 1
	for i >= 0 {
		if f := segs[i].firstSeq.Load(); f != 0 && f <= seq {
			break
		}
		i--
	}
	if i < 0 || seq > segs[i].lastSeq.Load() {
		return nil, false
	}
	return segs[i], true
}

// readOn reads with cr, from where it is, the record of seq in seg: its
// payload is cr's, valid until cr reads again. The records before it are
// walked by their length fields only: the record read is the one whose
// CRC is checked, so damage elsewhere in the segment does not stop the
// read.
func readOn(cr *chunkReader, seg *segment, seq uint64) (Record, error) {
	for {
		at := cr.offset()
		n, rseq, typ, err := cr.peek()
		if err == nil && (rseq < seq || typ == EventCommit) {
			cr.skip(n)
			continue
		}
		if err == nil && rseq > seq {
			return Record{}, ErrNoRecord
		}
		if err == io.EOF {
			return Record{}, ErrNoRecord
		}
		var rec Record
		if err == nil {
			rec, _, err = cr.next()
		}
		if errors.Is(err, fs.ErrClosed) {
			return Record{}, errSegmentClosed // closed under the read
		}
		if err != nil {
			return Record{}, &CorruptionError{File: seg.path, Offset: at, Err: err}
		}
		return rec, nil
	}
}

// A LogReader reads records of one stream by seq, for a walk whose seqs
// mostly ascend: the rows of a table in key order, loaded in that order.
// Where ReadRecord starts each read from the seq map's entry before the
// record and reads a few kilobytes, a LogReader reads on from the record
// it read last when the next one is after it and the map has no entry
// between them, a run of logRun bytes at a time, and lends each payload
// rather than copying it. A read it cannot make so (a seq before the last,
// another segment, a segment replaced under it) starts again from the
// seq map, as ReadRecord does.
type LogReader struct {
	s    *Store
	name string
	st   *stream
	segs *[]*segment // the list seg is from
	seg  *segment
	cr   *chunkReader // nil: none open
	last uint64       // the seq of the last record read
}

// logRun is what a LogReader reads from a segment at once.
const logRun = 128 << 10

// logStep is how many seqs on from the last a LogReader reads on in the
// same segment without looking at the seq map: a few records' walk.
const logStep = 32

// NewLogReader returns a reader of the records of stream name by seq.
func (s *Store) NewLogReader(name string) (*LogReader, error) {
	st, err := s.stream(name)
	if err != nil {
		return nil, err
	}
	return &LogReader{s: s, name: name, st: st}, nil
}

// Read returns the record of seq, checked, as ReadRecord does; its
// Payload is valid until the next Read.
func (r *LogReader) Read(seq uint64) (Record, error) {
	segs := r.st.segs.Load()
	if r.cr != nil && segs == r.segs && seq > r.last && seq-r.last <= logStep && seq <= r.seg.lastSeq.Load() {
		// A few records on in the segment read last: read on, without
		// a search of the segments or the seq map. Anything else (no
		// such record, the segment's end moved) goes the long way.
		r.cr.limit = r.seg.end.Load()
		if rec, err := readOn(r.cr, r.seg, seq); err == nil {
			r.last = seq
			return rec, nil
		}
	}
	seg, ok := segmentOf(*segs, seq)
	if !ok {
		return Record{}, ErrNoRecord
	}
	f, off, err := seg.seqs.locate(r.s.fs, seg, seq)
	if err == nil {
		if r.cr == nil || segs != r.segs || seg != r.seg || seq <= r.last || off > r.cr.offset() || r.cr.r != f {
			var buf []byte
			if r.cr != nil {
				buf = r.cr.buf[:0]
			}
			r.cr = newChunkReader(f, off, seg.end.Load())
			r.cr.window, r.cr.buf = logRun, buf
			r.segs, r.seg = segs, seg
		}
		r.cr.limit = seg.end.Load() // the newest segment grows
		var rec Record
		rec, err = readOn(r.cr, seg, seq)
		if err == nil || errors.Is(err, ErrNoRecord) {
			// At the record after seq either way: a read of a later
			// seq reads on from there.
			r.last = seq
			return rec, err
		}
	}
	// Closed or replaced under the read, or damaged: ReadRecord waits for
	// a new list and says which.
	r.cr, r.last = nil, 0
	return r.s.ReadRecord(r.name, seq)
}

// readBuffers holds the buffers of reads by seq.
var readBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, readWindow)
	return &b
}}

// peekSize is enough of a record's start to hold its header, seq, time
// and type.
const peekSize = recordHeaderSize + binary.MaxVarintLen64 + 9

// peek reads the size, seq and type of the record at the current offset
// without checking its CRC. It returns io.EOF at the limit.
func (c *chunkReader) peek() (n int64, seq uint64, typ EventType, err error) {
	if err := c.fill(peekSize); err != nil {
		return 0, 0, 0, err
	}
	b := c.buf[c.pos:]
	if len(b) < recordHeaderSize {
		return 0, 0, 0, errShort
	}
	bodyLen := binary.LittleEndian.Uint32(b)
	if bodyLen < minBodySize || bodyLen > MaxRecordSize {
		return 0, 0, 0, fmt.Errorf("store: record length %d out of range", bodyLen)
	}
	n = recordHeaderSize + int64(bodyLen)
	body := b[recordHeaderSize:min(len(b), int(n))]
	seq, k := binary.Uvarint(body)
	if k <= 0 || len(body) < k+9 {
		return 0, 0, 0, errors.New("store: bad record header")
	}
	return n, seq, EventType(body[k+8]), nil
}

// skip moves past n bytes.
func (c *chunkReader) skip(n int64) {
	if int64(len(c.buf)-c.pos) >= n {
		c.pos += int(n)
		return
	}
	c.base, c.pos, c.buf = c.offset()+n, 0, c.buf[:0]
}

// fill makes buf hold at least want bytes from the current offset, or all
// there are before the limit (io.EOF: none).
func (c *chunkReader) fill(want int) error {
	if len(c.buf)-c.pos >= want {
		return nil
	}
	off := c.offset()
	if off >= c.limit {
		return io.EOF
	}
	m, err := c.load(off, max(int64(want), c.chunk()))
	if m < min(want, int(c.limit-off)) && err != nil && err != io.EOF {
		return fmt.Errorf("read segment: %w", err)
	}
	return nil
}
