package store

import (
	"fmt"
	"io"
	"path/filepath"
)

// Compaction replaces segment files; it holds the writer's lock so no group
// is written meanwhile. Iterators opened before a compaction may stop early
// or fail to open a removed file: open a new one after it.
//
// Crash safety rests on two rules that recovery knows:
//   - A merge of segments i..j writes their records into a new file that
//     atomically replaces segment j, then removes i..j-1. A crash between the
//     two leaves segments whose first seq is not below a later segment's;
//     recovery removes them (dropMergeLeftovers).
//   - DropBefore rewrites the segment that straddles the horizon (atomic
//     replace), then removes older segments. A crash between the two leaves
//     older history in place, which is harmless and removed by the next run.

// MergeSegments merges runs of adjacent sealed segments whose total size
// fits in one segment. Records are copied unchanged: every read returns the
// same after it.
func (s *Store) MergeSegments(name string) error {
	if s.w == nil {
		return ErrReadOnly
	}
	st, err := s.stream(name)
	if err != nil {
		return err
	}
	s.lockMaintenance()
	defer s.w.mu.Unlock()
	segs := st.segments()
	if len(segs) < 3 { // the active segment is never merged
		return nil
	}
	sealed := segs[:len(segs)-1]
	var out []*segment
	for i := 0; i < len(sealed); {
		j, size := i, sealed[i].end.Load()
		for j+1 < len(sealed) && size+sealed[j+1].end.Load()-segmentHeaderSize <= s.opts.SegmentSize {
			j++
			size += sealed[j].end.Load() - segmentHeaderSize
		}
		if j == i {
			out = append(out, sealed[i])
			i++
			continue
		}
		merged, err := s.mergeRun(st, sealed[i:j+1])
		if err != nil {
			return err
		}
		out = append(out, merged)
		i = j + 1
	}
	out = append(out, segs[len(segs)-1])
	st.segs.Store(&out)
	closeSegments(segs, out)
	return nil
}

// mergeRun writes the records of run into a file that replaces its last
// segment, then removes the others.
func (s *Store) mergeRun(st *stream, run []*segment) (*segment, error) {
	last := run[len(run)-1]
	err := replaceSegment(s.fs, st.segDir, last.num, func(w io.Writer) error {
		for _, seg := range run {
			if err := copySegmentBody(s.fs, w, seg); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var end int64 = segmentHeaderSize
	for _, seg := range run {
		end += seg.end.Load() - segmentHeaderSize
	}
	merged := &segment{num: last.num, path: last.path}
	merged.end.Store(end)
	merged.firstSeq.Store(run[0].firstSeq.Load())
	merged.lastSeq.Store(last.lastSeq.Load())
	for _, seg := range run[:len(run)-1] {
		if err := s.fs.Remove(seg.path); err != nil {
			return nil, fmt.Errorf("store: remove merged segment: %w", err)
		}
		s.fs.Remove(sealPath(seg.path)) // a seal left behind is never read
	}
	if err := syncDir(s.fs, st.segDir); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return merged, nil
}

// copySegmentBody copies the verified records of seg (all but its header).
func copySegmentBody(fsys FS, w io.Writer, seg *segment) error {
	f, err := fsys.Open(seg.path)
	if err != nil {
		return fmt.Errorf("store: open segment: %w", err)
	}
	defer f.Close()
	cr := newChunkReader(f, segmentHeaderSize, seg.end.Load())
	for {
		off := cr.offset()
		_, n, err := cr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &CorruptionError{File: seg.path, Offset: off, Err: err}
		}
		if _, err := w.Write(cr.buf[cr.pos-n : cr.pos]); err != nil {
			return err
		}
	}
}

// replaceSegment writes a new segment num with the header and what body
// writes, synced, and atomically replaces the old file.
func replaceSegment(fsys FS, dir string, num uint32, body func(w io.Writer) error) error {
	err := ReplaceFile(fsys, filepath.Join(dir, segmentName(num)), func(f File) error {
		if _, err := f.Write(segmentHeader()); err != nil {
			return err
		}
		return body(f)
	})
	if err != nil {
		return fmt.Errorf("store: rewrite segment: %w", err)
	}
	return nil
}

// DropBefore removes from a stream every batch whose commit seq is <= seq,
// except the stream's newest batch, which always stays so that the store's
// last seq survives a reopen. The caller must first have made the state at
// seq durable elsewhere (a snapshot): the records are gone afterwards.
func (s *Store) DropBefore(name string, seq uint64) error {
	if s.w == nil {
		return ErrReadOnly
	}
	st, err := s.stream(name)
	if err != nil {
		return err
	}
	s.lockMaintenance()
	defer s.w.mu.Unlock()
	if last := st.lastSeq(); last == 0 {
		return nil
	} else if seq >= last {
		seq = last - 1
	}
	segs := st.segments()
	cut := 0 // segments before cut are wholly at or before seq
	for cut < len(segs)-1 && segs[cut].lastSeq.Load() <= seq {
		cut++
	}
	// The first kept segment may straddle seq: rewrite it without the older
	// batches.
	keep := append([]*segment(nil), segs[cut:]...)
	first := keep[0]
	if f := first.firstSeq.Load(); f != 0 && f <= seq {
		nseg, err := s.rewriteAfter(st, first, seq, cut == len(segs)-1)
		if err != nil {
			return err
		}
		keep[0] = nseg
	}
	for _, seg := range segs[:cut] {
		if err := s.fs.Remove(seg.path); err != nil {
			return fmt.Errorf("store: remove segment: %w", err)
		}
		s.fs.Remove(sealPath(seg.path)) // a seal left behind is never read
	}
	if cut > 0 {
		if err := syncDir(s.fs, st.segDir); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	st.segs.Store(&keep)
	closeSegments(segs, keep)
	return nil
}

// rewriteAfter rewrites seg keeping only the batches whose commit seq is
// after seq. When seg is the active segment, the writer's handle moves to
// the new file.
func (s *Store) rewriteAfter(st *stream, seg *segment, seq uint64, active bool) (*segment, error) {
	var (
		end      int64 = segmentHeaderSize
		firstSeq uint64
	)
	err := replaceSegment(s.fs, st.segDir, seg.num, func(w io.Writer) error {
		f, err := s.fs.Open(seg.path)
		if err != nil {
			return err
		}
		defer f.Close()
		cr := newChunkReader(f, segmentHeaderSize, seg.end.Load())
		var batch []byte
		var batchFirst uint64
		for {
			off := cr.offset()
			rec, n, err := cr.next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return &CorruptionError{File: seg.path, Offset: off, Err: err}
			}
			if len(batch) == 0 {
				batchFirst = rec.Seq
			}
			batch = append(batch, cr.buf[cr.pos-n:cr.pos]...)
			if rec.Type != EventCommit {
				continue
			}
			if rec.Seq > seq {
				if firstSeq == 0 {
					firstSeq = batchFirst
				}
				if _, err := w.Write(batch); err != nil {
					return err
				}
				end += int64(len(batch))
			}
			batch = batch[:0]
		}
	})
	if err != nil {
		return nil, err
	}
	nseg := &segment{num: seg.num, path: seg.path}
	nseg.end.Store(end)
	nseg.firstSeq.Store(firstSeq)
	if firstSeq != 0 {
		nseg.lastSeq.Store(seg.lastSeq.Load())
	}
	if active {
		f, err := s.fs.OpenReadWrite(seg.path)
		if err != nil {
			return nil, fmt.Errorf("store: reopen active segment: %w", err)
		}
		s.setActive(st, f, seg.path, end, end)
	}
	return nseg, nil
}
