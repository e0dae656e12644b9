package store

import (
	"errors"
	"fmt"
	"io"
)

// Position is a place in a stream: a segment and a byte offset in it.
type Position struct {
	Segment uint32
	Offset  int64
}

// Iterator reads the records of one stream in seq order. It reads only
// records of durable batches and never takes a lock the writer holds; when
// it reaches the end it may be called again later to see what was appended
// since (a read-only store sees only what was there when it was opened).
// Commit frames are not returned.
type Iterator struct {
	fs      FS
	st      *stream
	segs    []*segment
	idx     int // index in segs of the segment being read
	f       File
	cr      *chunkReader
	fromSeq uint64
	start   int64 // offset to start reading the segment at idx
	rec     Record
	pos     Position
	err     error
}

// NewIterator returns an iterator over the records of stream with seq >=
// fromSeq.
func (s *Store) NewIterator(name string, fromSeq uint64) (*Iterator, error) {
	st, err := s.stream(name)
	if err != nil {
		return nil, err
	}
	it := &Iterator{fs: s.fs, st: st, segs: st.segments(), fromSeq: fromSeq, start: segmentHeaderSize}
	// Start in the last segment whose first record is at or before fromSeq.
	for i, seg := range it.segs {
		if f := seg.firstSeq.Load(); f != 0 && f <= fromSeq {
			it.idx = i
		}
	}
	return it, nil
}

// NewIteratorAt returns an iterator that starts at pos (as returned by
// Iterator.Position).
func (s *Store) NewIteratorAt(name string, pos Position) (*Iterator, error) {
	st, err := s.stream(name)
	if err != nil {
		return nil, err
	}
	it := &Iterator{fs: s.fs, st: st, segs: st.segments(), start: pos.Offset}
	if pos.Offset < segmentHeaderSize {
		it.start = segmentHeaderSize
	}
	for i, seg := range it.segs {
		if seg.num == pos.Segment {
			it.idx = i
			if pos.Offset > seg.end.Load() {
				return nil, fmt.Errorf("store: position %d:%d is past the end of the stream", pos.Segment, pos.Offset)
			}
			return it, nil
		}
	}
	return nil, fmt.Errorf("store: position %d:%d: no such segment in stream %q", pos.Segment, pos.Offset, name)
}

// Next moves to the next record and reports whether there is one.
func (it *Iterator) Next() bool {
	if it.err != nil {
		return false
	}
	for {
		if it.idx >= len(it.segs) {
			if !it.refresh() {
				return false
			}
			continue
		}
		seg := it.segs[it.idx]
		if it.cr == nil {
			f, err := it.fs.Open(seg.path)
			if err != nil {
				it.err = fmt.Errorf("store: open segment: %w", err)
				return false
			}
			it.f = f
			it.cr = newChunkReader(f, it.start, seg.end.Load())
		}
		off := it.cr.offset()
		rec, n, err := it.cr.next()
		if err == io.EOF || errors.Is(err, errShort) {
			// errShort cannot happen below a published end unless the file
			// changed under us; treat both as "nothing more here for now".
			if end := seg.end.Load(); end > it.cr.limit {
				it.cr.limit = end
				continue
			}
			if it.idx+1 < len(it.segs) || it.refresh() {
				// A later segment exists, so this one is sealed: the writer
				// published its final end before starting the next one.
				// Read that end again, as it may have grown since the check
				// above.
				if end := seg.end.Load(); end > it.cr.limit {
					it.cr.limit = end
					continue
				}
				it.nextSegment()
				continue
			}
			return false
		}
		if err != nil {
			it.err = &CorruptionError{File: seg.path, Offset: off, Err: err}
			return false
		}
		if rec.Type == EventCommit || rec.Seq < it.fromSeq {
			continue
		}
		it.rec = rec
		it.pos = Position{Segment: seg.num, Offset: off + int64(n)}
		return true
	}
}

// refresh picks up segments started since the iterator last looked; it
// reports whether there are more segments than before.
func (it *Iterator) refresh() bool {
	segs := it.st.segments()
	if len(segs) <= len(it.segs) {
		return false
	}
	it.segs = segs
	return true
}

func (it *Iterator) nextSegment() {
	if it.f != nil {
		it.f.Close()
		it.f = nil
	}
	it.cr = nil
	it.idx++
	it.start = segmentHeaderSize
}

// Record returns the current record. Its Payload is valid only until the
// next call to Next.
func (it *Iterator) Record() Record { return it.rec }

// Position returns the position just after the current record.
func (it *Iterator) Position() Position { return it.pos }

// Err returns the error that stopped the iterator, if any. Damage is a
// *CorruptionError naming the file and offset.
func (it *Iterator) Err() error { return it.err }

// Close releases the iterator's file.
func (it *Iterator) Close() error {
	if it.f != nil {
		err := it.f.Close()
		it.f = nil
		return err
	}
	return nil
}
