package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
)

// streamScan is what recovery learned of one stream.
type streamScan struct {
	st    *stream
	segs  []*segment
	scans []scanResult
}

// last returns the index of the newest segment.
func (ss *streamScan) last() int { return len(ss.segs) - 1 }

// lastSeq is the seq of the stream's last committed batch.
func (ss *streamScan) lastSeq() uint64 {
	for i := len(ss.scans) - 1; i >= 0; i-- {
		if ss.scans[i].lastSeq != 0 {
			return ss.scans[i].lastSeq
		}
	}
	return 0
}

// recover finds every stream, verifies every record of each stream's
// newest segment and of the segments it has not sealed yet (seal.go),
// cuts torn tails and removes batches that did not reach all the streams
// they span.
func (s *Store) recover() error {
	empty := map[string]*stream{}
	s.streams.Store(&empty)
	retired, err := readRetired(s.fs, s.dir)
	if err != nil {
		return err
	}
	s.retired = retired
	if !s.opts.ReadOnly {
		removeTemps(s.fs, s.dir)
	}
	ents, err := s.fs.ReadDir(filepath.Join(s.dir, tablesDir))
	if err != nil {
		if s.opts.ReadOnly && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("store: list streams: %w", err)
	}
	scans := map[string]*streamScan{}
	var dropped []string
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			if strings.HasPrefix(name, dropPrefix) {
				dropped = append(dropped, name) // a drop past its commit point
			}
			continue
		}
		st := &stream{name: name, dir: s.StreamDir(name)}
		st.segDir = filepath.Join(st.dir, segmentsDir)
		if _, err := s.fs.Stat(st.segDir); err != nil {
			continue // a directory the stream was never created in
		}
		ss, err := s.scanStream(st)
		if err != nil {
			return err
		}
		scans[name] = ss
	}
	if !s.opts.ReadOnly {
		if err := s.removeDropped(dropped); err != nil {
			return err
		}
	}
	if err := s.dropPartialBatches(scans); err != nil {
		return err
	}
	m := make(map[string]*stream, len(scans))
	for name, ss := range scans {
		if err := s.finishStream(ss); err != nil {
			return err
		}
		m[name] = ss.st
	}
	s.streams.Store(&m)
	// The last seq of a stream dropped since may be the newest.
	if s.retired.Seq > s.lastSeq.Load() {
		s.lastSeq.Store(s.retired.Seq)
		s.lastMs.Store(max(s.lastMs.Load(), s.retired.UnixMs))
	}
	return nil
}

// scanStream verifies every segment of a stream.
func (s *Store) scanStream(st *stream) (*streamScan, error) {
	nums, err := listSegments(s.fs, st.segDir, !s.opts.ReadOnly)
	if err != nil {
		return nil, fmt.Errorf("store: stream %q: %w", st.name, err)
	}
	if !s.opts.ReadOnly {
		removeTemps(s.fs, filepath.Join(st.dir, snapshotsDir))
	}
	nums, err = s.dropMergeLeftovers(st, nums)
	if err != nil {
		return nil, err
	}
	ss := &streamScan{st: st}
	var prev uint64
	for i, num := range nums {
		path := filepath.Join(st.segDir, segmentName(num))
		sealed := i < len(nums)-1
		res, ok := scanResult{}, false
		if sealed {
			res, ok = sealedScan(s.fs, path, prev) // seal.go
		}
		hasSeal := ok
		if !ok {
			var err error
			if res, err = scanSegment(s.fs, path, prev); err != nil {
				return nil, err
			}
			if sealed && res.tailErr != nil {
				// Only the newest segment can have a torn tail: a sealed one
				// was synced whole before the next was started.
				return nil, &CorruptionError{File: path, Offset: res.end, Err: fmt.Errorf("sealed segment: %w", res.tailErr)}
			}
			hasSeal = sealed && s.seal(path, res)
		}
		if res.lastSeq != 0 {
			prev = res.lastSeq
		}
		seg := &segment{num: num, path: path}
		seg.sealed.Store(hasSeal)
		ss.segs = append(ss.segs, seg)
		ss.scans = append(ss.scans, res)
	}
	return ss, nil
}

// dropMergeLeftovers removes segments that a merge replaced but a crash
// kept from being removed. A merge writes the records of segments i..j into
// a new file that replaces segment j, then removes i..j-1; a leftover is
// therefore a segment whose first seq is not below the first seq of a later
// segment.
func (s *Store) dropMergeLeftovers(st *stream, nums []uint32) ([]uint32, error) {
	firsts := make([]uint64, len(nums))
	for i, num := range nums {
		f, err := firstRecordSeq(s.fs, filepath.Join(st.segDir, segmentName(num)))
		if err != nil {
			return nil, err
		}
		firsts[i] = f
	}
	keep := nums[:0:0]
	for i, num := range nums {
		leftover := false
		if firsts[i] != 0 {
			for j := i + 1; j < len(nums); j++ {
				if firsts[j] != 0 && firsts[j] <= firsts[i] {
					leftover = true
					break
				}
			}
		}
		if !leftover {
			keep = append(keep, num)
			continue
		}
		path := filepath.Join(st.segDir, segmentName(num))
		if s.opts.ReadOnly {
			continue
		}
		s.opts.Logger.Warn("removing segment left over from an interrupted merge", "file", path)
		if err := s.fs.Remove(path); err != nil {
			return nil, fmt.Errorf("store: remove merge leftover: %w", err)
		}
		if err := syncDir(s.fs, st.segDir); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	return keep, nil
}

// firstRecordSeq returns the seq of the first record of a segment, 0 when it
// has none or the first record cannot be read (the full scan reports why).
// The record must check: the newest segment's first record may be torn by
// a crash, and a seq read from torn bytes could make every segment before
// it look like a merge's leftover (dropMergeLeftovers), which would remove
// acknowledged records.
func firstRecordSeq(fsys FS, path string) (uint64, error) {
	f, err := fsys.Open(path)
	if err != nil {
		return 0, fmt.Errorf("store: open segment: %w", err)
	}
	defer f.Close()
	// One read takes a first record of up to firstRecordRead bytes whole;
	// a longer one takes a second.
	buf := make([]byte, firstRecordRead)
	for {
		n, err := f.ReadAt(buf, segmentHeaderSize)
		if err != nil && err != io.EOF {
			return 0, fmt.Errorf("store: read %s: %w", path, err)
		}
		rec, _, derr := decodeRecord(buf[:n])
		switch {
		case derr == nil:
			return rec.Seq, nil
		case errors.Is(derr, errShort) && n == len(buf) && n >= recordHeaderSize:
			buf = make([]byte, recordHeaderSize+int(binary.LittleEndian.Uint32(buf)))
		default:
			return 0, nil
		}
	}
}

// firstRecordRead is how much of a segment firstRecordSeq reads at first.
const firstRecordRead = 512

// dropPartialBatches removes every batch that spans several streams but did
// not reach all of them before a crash. Such a batch was never acknowledged,
// and nothing after it in any stream was either (the writer acknowledges a
// group only after every file of it is synced, and starts the next group
// after that), so the stream is cut where the batch starts. A stream has the
// batch with commit seq C exactly when its last committed seq is >= C; cutting
// one stream can make a batch of another partial, hence the loop.
func (s *Store) dropPartialBatches(scans map[string]*streamScan) error {
	names := make([]string, 0, len(scans))
	for n := range scans {
		names = append(names, n)
	}
	sort.Strings(names)
	for changed := true; changed; {
		changed = false
		for _, name := range names {
			ss := scans[name]
			if len(ss.segs) == 0 {
				continue
			}
			li := ss.last()
			res := &ss.scans[li]
			for k, mc := range res.multi {
				if batchComplete(scans, mc, &s.retired) {
					continue
				}
				s.opts.Logger.Warn("dropping a transaction that did not reach all its tables",
					"file", ss.segs[li].path, "offset", mc.start, "commit_seq", mc.seq, "tables", mc.streams)
				res.end = mc.start
				res.multi = res.multi[:k]
				res.lastSeq, res.lastMs = mc.prevSeq, mc.prevMs
				if mc.start == segmentHeaderSize {
					res.firstSeq, res.lastSeq, res.lastMs = 0, 0, 0
				}
				if res.tailErr == nil {
					res.tailErr = fmt.Errorf("offset %d: transaction %d missing from another table", mc.start, mc.seq)
				}
				changed = true
				break
			}
		}
	}
	return nil
}

// batchComplete reports whether every stream a batch names holds it; a
// stream whose name was retired after the batch held it then.
func batchComplete(scans map[string]*streamScan, mc multiCommit, retired *retiredState) bool {
	for _, name := range mc.streams {
		if retired.retiredAt(name, mc.seq) {
			continue
		}
		other, ok := scans[name]
		if !ok || other.lastSeq() < mc.seq {
			return false
		}
	}
	return true
}

// finishStream cuts the torn tail of the newest segment (writer only),
// opens it for appending and publishes the segments.
func (s *Store) finishStream(ss *streamScan) error {
	st := ss.st
	if len(ss.segs) == 0 {
		empty := []*segment{}
		st.segs.Store(&empty)
		if s.opts.ReadOnly {
			return nil
		}
		// The stream's directory was made but a crash came before its first
		// segment: start it now.
		return s.startSegment(st, 1)
	}
	li := ss.last()
	for i, seg := range ss.segs {
		res := ss.scans[i]
		res.samples.trim(res.end) // the end may have moved back (dropPartialBatches)
		seg.end.Store(res.end)
		seg.firstSeq.Store(res.firstSeq)
		seg.lastSeq.Store(res.lastSeq)
		if res.samples.seqs != nil {
			seg.seqs.m.Store(&seqMap{seqSamples: res.samples, end: res.end, last: res.lastSeq})
		}
		if res.lastSeq > s.lastSeq.Load() {
			s.lastSeq.Store(res.lastSeq)
			s.lastMs.Store(res.lastMs)
		}
	}
	segs := ss.segs
	st.segs.Store(&segs)
	if s.opts.ReadOnly {
		return nil
	}
	res := ss.scans[li]
	f, err := s.fs.OpenReadWrite(ss.segs[li].path)
	if err != nil {
		return fmt.Errorf("store: open segment: %w", err)
	}
	allocated := res.size // zeros past end, if any, stay for the writer to fill
	if res.tailErr != nil {
		s.opts.Logger.Warn("cutting torn tail", "file", ss.segs[li].path, "offset", res.end,
			"bytes", res.size-res.end, "reason", res.tailErr)
		err := f.Truncate(res.end)
		if err == nil {
			err = f.Sync()
		}
		if err != nil {
			f.Close()
			return fmt.Errorf("store: cut torn tail of %s: %w", ss.segs[li].path, err)
		}
		allocated = res.end
	}
	s.setActive(st, f, ss.segs[li].path, res.end, allocated)
	return nil
}

// removeTemps removes the temporary files a crash left in dir.
func removeTemps(fsys FS, dir string) {
	ents, _ := fsys.ReadDir(dir)
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".tmp") {
			fsys.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
