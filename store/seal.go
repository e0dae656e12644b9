package store

import (
	"encoding/binary"
	"hash/crc32"
	"strings"
)

// Seals. A segment that is not its stream's newest is sealed: the writer
// synced it whole before it started the next one, and nothing but a merge
// or a rewrite, which put a new file in its place, changes it again.
// Opening a store reads every record of a segment it has not seen sealed
// before, then writes beside it what that scan found (NNNNNNNN.seal); so
// does a clean close for the segments the writer filled since the open
// (sealFilled), so that the open after it does not read them. An open
// takes a sealed segment's bounds from its seal, after checking them
// against the file, instead of reading it all. Only the newest
// segment of each stream is read whole at every open: a torn write can be
// nowhere else. A damaged record of a sealed segment is found when it is
// read (each read checks its CRC) and by Verify, which reads everything.
//
// Seal layout (little-endian): a header of 64 bytes,
//
//	magic "DRFTSEAL" | end u64 | last_off u64 | first_seq u64 | last_seq u64
//	| last_ms u64 | records u64 | entries u32 | crc32c of bytes 0..59 u32
//
// then the segment's seq map (readseq.go), entries pairs of a record's seq
// u64 and offset u64, and a crc32c of them u32. An open reads the header
// only; the first read by seq of the segment reads the map.
//
// end is the offset past the last batch, last_off that of its commit
// frame. A seal holds for a file whose header is good, whose first record
// has first_seq, and which has at last_off a commit frame of last_seq and
// last_ms that ends at end. Anything else (a missing, damaged or stale
// seal: a merge left a new file under the same number) and the segment is
// read whole, and sealed again.
const (
	sealExt   = ".seal"
	sealMagic = "DRFTSEAL"
	sealSize  = 64
)

func sealPath(segPath string) string { return strings.TrimSuffix(segPath, segmentExt) + sealExt }

func encodeSeal(r scanResult) []byte {
	b := make([]byte, sealSize, sealSize+16*len(r.samples.seqs)+4)
	copy(b, sealMagic)
	le := binary.LittleEndian
	le.PutUint64(b[8:], uint64(r.end))
	le.PutUint64(b[16:], uint64(r.lastOff))
	le.PutUint64(b[24:], r.firstSeq)
	le.PutUint64(b[32:], r.lastSeq)
	le.PutUint64(b[40:], uint64(r.lastMs))
	le.PutUint64(b[48:], uint64(r.records))
	le.PutUint32(b[56:], uint32(len(r.samples.seqs)))
	le.PutUint32(b[60:], crc32.Checksum(b[:60], crcTable))
	for i, seq := range r.samples.seqs {
		b = le.AppendUint64(b, seq)
		b = le.AppendUint64(b, uint64(r.samples.offs[i]))
	}
	return le.AppendUint32(b, crc32.Checksum(b[sealSize:], crcTable))
}

// readSealMap returns the seq map in seg's seal, if the seal is seg's:
// its bounds are seg's, and its map checks.
func readSealMap(fsys FS, seg *segment) (seqMap, bool) {
	f, err := fsys.Open(sealPath(seg.path))
	if err != nil {
		return seqMap{}, false
	}
	defer f.Close()
	hdr := make([]byte, sealSize)
	if n, _ := f.ReadAt(hdr, 0); n != sealSize {
		return seqMap{}, false
	}
	le := binary.LittleEndian
	end, first, last := int64(le.Uint64(hdr[8:])), le.Uint64(hdr[24:]), le.Uint64(hdr[32:])
	if string(hdr[:8]) != sealMagic || le.Uint32(hdr[60:]) != crc32.Checksum(hdr[:60], crcTable) ||
		end != seg.end.Load() || first != seg.firstSeq.Load() || last != seg.lastSeq.Load() {
		return seqMap{}, false
	}
	n := int(le.Uint32(hdr[56:]))
	if n > int(end/seqIndexStep)+1 {
		return seqMap{}, false
	}
	b := make([]byte, 16*n+4)
	if m, _ := f.ReadAt(b, sealSize); m != len(b) || le.Uint32(b[16*n:]) != crc32.Checksum(b[:16*n], crcTable) {
		return seqMap{}, false
	}
	m := seqMap{seqSamples: seqSamples{seqs: make([]uint64, n), offs: make([]int64, n)}, end: end, last: last}
	for i := range n {
		m.seqs[i] = le.Uint64(b[16*i:])
		m.offs[i] = int64(le.Uint64(b[16*i+8:]))
		if m.offs[i] < segmentHeaderSize || m.offs[i] >= end || i > 0 && (m.seqs[i] <= m.seqs[i-1] || m.offs[i] <= m.offs[i-1]) {
			return seqMap{}, false
		}
	}
	return m, true
}

// writeSeal seals the segment at path with what its scan found.
func writeSeal(fsys FS, path string, r scanResult) error {
	return ReplaceFile(fsys, sealPath(path), func(f File) error {
		_, err := f.Write(encodeSeal(r))
		return err
	})
}

// sealedScan returns the scan of the sealed segment at path as its seal
// has it, when the seal holds for the file and its first record follows
// prevSeq (ok false otherwise: read the segment whole).
func sealedScan(fsys FS, path string, prevSeq uint64) (r scanResult, ok bool) {
	sf, err := fsys.Open(sealPath(path))
	if err != nil {
		return r, false
	}
	b := make([]byte, sealSize)
	n, _ := sf.ReadAt(b, 0)
	sf.Close()
	le := binary.LittleEndian
	if n != sealSize || string(b[:8]) != sealMagic || le.Uint32(b[60:]) != crc32.Checksum(b[:60], crcTable) {
		return r, false
	}
	r = scanResult{end: int64(le.Uint64(b[8:])), lastOff: int64(le.Uint64(b[16:])), firstSeq: le.Uint64(b[24:]),
		lastSeq: le.Uint64(b[32:]), lastMs: int64(le.Uint64(b[40:])), records: int64(le.Uint64(b[48:]))}
	if r.firstSeq <= prevSeq || r.lastSeq < r.firstSeq || r.lastOff < segmentHeaderSize || r.lastOff >= r.end {
		return r, false
	}
	f, err := fsys.Open(path)
	if err != nil {
		return r, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() < r.end {
		return r, false
	}
	r.size = st.Size()
	hdr := make([]byte, segmentHeaderSize)
	if _, err := f.ReadAt(hdr, 0); err != nil || checkSegmentHeader(hdr) != nil {
		return r, false
	}
	first := newChunkReader(f, segmentHeaderSize, r.end)
	first.window = peekSize
	if _, seq, _, err := first.peek(); err != nil || seq != r.firstSeq {
		return r, false
	}
	last := newChunkReader(f, r.lastOff, r.end)
	rec, n2, err := last.next()
	if err != nil || rec.Type != EventCommit || rec.Seq != r.lastSeq || rec.UnixMs != r.lastMs || r.lastOff+int64(n2) != r.end {
		return r, false
	}
	return r, true
}

// seal writes the seal of the sealed segment at path, which a scan read
// as res, unless the store is read-only or the segment has no records;
// it reports whether the seal is there. A seal not written costs the next
// open a reading of the segment, nothing more.
func (s *Store) seal(path string, res scanResult) bool {
	if s.opts.ReadOnly || res.lastSeq == 0 {
		return false
	}
	if err := writeSeal(s.fs, path, res); err != nil {
		s.opts.Logger.Warn("cannot seal a segment; the next open reads it whole", "file", path, "err", err)
		return false
	}
	return true
}

// sealBehind seals the last of segs, the segment the writer just filled,
// on a goroutine of its own: its reading (about 1 s a GB from the page
// cache) is done beside the writes that go on, not by the close (a
// driftdb import of a million rows spent 0.3 s of its 4 there). What
// changes segments waits for it first (lockMaintenance).
func (s *Store) sealBehind(segs []*segment) {
	s.sealing.Go(func() {
		s.sealOne.Lock() // one at a time
		defer s.sealOne.Unlock()
		s.sealSegment(segs, len(segs)-1)
	})
}

// sealSegment reads segs[i], a segment that is not its stream's newest,
// whole, and seals it if it scans clean; one that does not is left to
// the next open, which reports it.
func (s *Store) sealSegment(segs []*segment, i int) {
	var prev uint64
	if i > 0 {
		prev = segs[i-1].lastSeq.Load()
	}
	if res, err := scanSegment(s.fs, segs[i].path, prev); err == nil && res.tailErr == nil {
		segs[i].sealed.Store(s.seal(segs[i].path, res))
	}
}

// lockMaintenance takes the writer's mutex for a change to the segments
// or the streams (a drop, a rename, a merge, records dropped before a
// seq), once the seals being written (sealBehind) are done: nothing then
// writes to the files beside the change. The writer starts seals under
// the same mutex.
func (s *Store) lockMaintenance() {
	s.w.mu.Lock()
	s.sealing.Wait()
}

// sealFilled seals the segments of every stream, but the newest, that
// have no seal that holds for them: those the writer filled, merged or
// rewrote since the open. A clean close pays the reading of them (about
// 1 s a GB from the page cache) that the next open would pay otherwise.
// A segment that does not scan clean is left to that open, which reports
// it.
func (s *Store) sealFilled() {
	p := s.streams.Load()
	if p == nil {
		return
	}
	for _, st := range *p {
		segs := st.segments()
		for i := 0; i < len(segs)-1; i++ {
			if !segs[i].sealed.Load() {
				s.sealSegment(segs, i)
			}
		}
	}
}
