package engine

import (
	"errors"
	"fmt"
	"io"

	"github.com/driftdb/driftdb/store"
)

// snapshotRows reads the rows of a snapshot (the layout is in
// snapshot.go) from its decompressed stream, parsing each row straight
// from a window of the stream's bytes: opening a table reads every row
// of its snapshot, and a general decoder's reader calls cost more than
// the values they return.
//
// A row's patches, and the documents it keeps other than its newest, are
// copied into one allocation of the row's own: history that stays as it
// is while the row lives. The newest document, which the next write of
// the row replaces, gets one of its own so that it can go then.
type snapshotRows struct {
	src  io.Reader
	buf  []byte // buf[at:n] is read and not yet parsed
	at   int
	n    int
	eof  bool
	vers []snapVersion // the row being parsed
	// gaps: a version of type 0 is a gap (a whole snapshot of
	// wholeGaps); indexed: false in a version's patch says the version
	// index holds its bytes (wholeIndexed), and a run of them loads as a
	// gap, whose points of the timeline go to times.
	gaps, indexed bool
	// lastInLog: a row's last version may be an INSERT whose document is
	// its record's in the log, too (wholeLogged).
	lastInLog bool
	times     []timePoint
	// leave, when not 0, is the seq up to which the version index holds
	// the table, at horizon: a row's newest version it holds loads
	// without its document (version.leaves).
	leave, horizon uint64
	// logInserts, for a table the open spills next (DB.spillingAtOpen),
	// loads a row whose newest version is an INSERT after horizon without
	// its document, which is its record's in the log, when its seq
	// follows closely on that of the row before such (lastInsert): rows
	// loaded in key order, whose records a read in key order takes one
	// after the other (store.LogReader), as the spill's present file
	// does. Others keep theirs, as rows inserted out of key order would
	// each take a read of the log.
	logInserts bool
	lastInsert uint64
	// vslab is where the rows' versions are carved from, versionSlab at a
	// time: one allocation for many rows where each row took its own
	// (9 million rows spilled, one version each: the command line's open
	// 3.47-3.54 s against 3.70-3.84).
	vslab []version
}

// logNear is how far in seqs an INSERT's record may follow the one of the
// row before it for the row to load without its document (logInserts):
// a few records on in the log, within a read of it.
const logNear = 16

// versionSlab is how many versions snapshotRows allocates at once. A row
// takes its versions with no room after them (an append moves them), and
// a slab stays while one row of it keeps its versions: at most 32 KB.
const versionSlab = 1024

// snapVersion is a version parsed from the window: its bytes are spans
// of it until the row is whole.
type snapVersion struct {
	v          version
	doc, patch span
	inLog      bool
}

// span is buf[off:off+n] of the window; n < 0: none (nil).
type span struct{ off, n int }

// noSpan is a span for nil.
var noSpan = span{n: -1}

// errSnapshotShort: the stream ended in the middle of a row.
var errSnapshotShort = errors.New("snapshot ends in the middle of a row")

const snapshotWindow = 256 << 10

func newSnapshotRows(src io.Reader) *snapshotRows {
	return &snapshotRows{src: src, buf: make([]byte, snapshotWindow)}
}

// fill reads more of the stream into the window, keeping what is not
// parsed yet, and makes the window larger when a row does not fit in it.
func (s *snapshotRows) fill() error {
	if s.eof {
		return errSnapshotShort
	}
	left := s.n - s.at
	if left > len(s.buf)/2 {
		nb := make([]byte, 2*len(s.buf))
		copy(nb, s.buf[s.at:s.n])
		s.buf = nb
	} else {
		copy(s.buf, s.buf[s.at:s.n])
	}
	s.at, s.n = 0, left
	m, err := io.ReadFull(s.src, s.buf[s.n:])
	s.n += m
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		s.eof = true
	case err != nil:
		return err
	}
	return nil
}

// next reads the next row. With letGoDocs, the documents of the PATCH
// versions that letGo would let go are not kept: most of a long
// history's.
func (s *snapshotRows) next(letGoDocs bool) (row, error) {
	for {
		r := mpReader{b: s.buf[s.at:s.n]}
		k, err := s.parseRow(&r, letGoDocs)
		if err == nil {
			rw := s.build(k, s.buf[s.at:s.n])
			s.at += r.i
			return rw, nil
		}
		if !errors.Is(err, errShortPayload) {
			return row{}, err
		}
		if err := s.fill(); err != nil {
			return row{}, err
		}
	}
}

// parseRow parses a row, [key, [[seq, unix_ms, type, doc|nil,
// patch|nil|true], ...]], into s.vers. errShortPayload: the window ends
// first.
func (s *snapshotRows) parseRow(r *mpReader, letGoDocs bool) (Key, error) {
	if n, err := arrayLen(r); err != nil || n != 2 {
		return Key{}, shortOr(err, fmt.Errorf("snapshot row: %d fields", n))
	}
	k, err := snapshotKey(r)
	if err != nil {
		return Key{}, err
	}
	nv, err := arrayLen(r)
	if err != nil || nv <= 0 {
		return Key{}, shortOr(err, fmt.Errorf("snapshot row %s: %d versions", k, nv))
	}
	s.vers = s.vers[:0]
	var run docRun
	var prev uint64 // the seq of the version before
	for i := range nv {
		if n, err := arrayLen(r); err != nil || n != 5 {
			return Key{}, shortOr(err, fmt.Errorf("snapshot row %s: a version of %d fields", k, n))
		}
		seq, err := uintValue(r)
		if err != nil {
			return Key{}, shortOr(err, fmt.Errorf("snapshot row %s: seq: %w", k, err))
		}
		ms, err := intValue(r)
		if err != nil {
			return Key{}, shortOr(err, fmt.Errorf("snapshot row %s: time: %w", k, err))
		}
		typ, err := uintValue(r)
		if err != nil || typ > typeMask {
			return Key{}, shortOr(err, fmt.Errorf("snapshot row %s: event type %d", k, typ))
		}
		if i > 0 && seq <= prev {
			return Key{}, fmt.Errorf("snapshot row %s: versions out of order", k)
		}
		prev = seq
		if typ == 0 && s.gaps {
			if err := s.parseGap(r, k, seq, ms, i == nv-1); err != nil {
				return Key{}, err
			}
			continue
		}
		sv := snapVersion{v: newVersion(seq, ms, store.EventType(typ))}
		if sv.doc, err = bytesSpan(r); err != nil {
			return Key{}, shortOr(err, fmt.Errorf("snapshot row %s seq %d: document: %w", k, seq, err))
		}
		if letGoDocs && run.without(i, nv, sv.v.typ(), true, sv.doc.n < 0) {
			sv.doc = noSpan // a PATCH without its patch fails below
		}
		if c, ok := peek(r); ok && c == 0xc3 && (i < nv-1 || s.lastInLog) && sv.v.typ() == store.EventInsert && sv.doc.n < 0 {
			r.i++
			sv.inLog, sv.patch = true, noSpan
		} else if ok && c == 0xc2 && s.indexed && i < nv-1 && sv.doc.n < 0 {
			r.i++
			s.addGap(seq, ms, 1, true)
			continue
		} else if sv.patch, err = bytesSpan(r); err != nil {
			return Key{}, shortOr(err, fmt.Errorf("snapshot row %s seq %d: patch: %w", k, seq, err))
		}
		if sv.patch.n > MaxDocumentBytes {
			return Key{}, fmt.Errorf("snapshot row %s: a patch of %d bytes at seq %d", k, sv.patch.n, seq)
		}
		t := sv.v.typ()
		if sv.doc.n < 0 && !sv.inLog && (sv.patch.n < 0 && !deletes(t) || t == store.EventInsert) {
			return Key{}, fmt.Errorf("snapshot row %s: %v at seq %d without its document or patch", k, t, seq)
		}
		s.vers = append(s.vers, sv)
	}
	return k, nil
}

// parseGap parses the rest of a gap, nil and its count of versions, made
// at seq and ms; last: it is its row's last version, which a gap never
// is.
func (s *snapshotRows) parseGap(r *mpReader, k Key, seq uint64, ms int64, last bool) error {
	if c, ok := peek(r); !ok {
		return errShortPayload
	} else if c != 0xc0 {
		return fmt.Errorf("snapshot row %s seq %d: a gap with a document", k, seq)
	}
	r.i++
	n, err := uintValue(r)
	switch {
	case err != nil:
		return shortOr(err, fmt.Errorf("snapshot row %s seq %d: gap: %w", k, seq, err))
	case n == 0 || n > 1<<32-1 || last:
		return fmt.Errorf("snapshot row %s seq %d: a gap of %d versions, last %v", k, seq, n, last)
	}
	s.addGap(seq, ms, int(n), false)
	return nil
}

// addGap adds a run of n versions the index holds, the first made at seq
// and ms, to the row being parsed: a gap, or more of the gap before it.
// point: the run's points are not in the snapshot's timeline.
func (s *snapshotRows) addGap(seq uint64, ms int64, n int, point bool) {
	if point {
		s.times = append(s.times, timePoint{ms: ms, firstSeq: seq})
	}
	if k := len(s.vers); k > 0 && s.vers[k-1].v.gap() {
		s.vers[k-1].v.dLen += uint32(n)
		return
	}
	s.vers = append(s.vers, snapVersion{v: newGap(seq, ms, n), doc: noSpan, patch: noSpan})
}

// build makes the row of k from s.vers, whose spans are of b.
func (s *snapshotRows) build(k Key, b []byte) row {
	last := len(s.vers) - 1
	bytesOf := func(sp span) []byte {
		if sp.n < 0 {
			return nil
		}
		return b[sp.off : sp.off+sp.n]
	}
	// The versions but the newest share one slab, each its patch and
	// then its document; the newest's document, replaced when the row
	// changes, has an allocation of its own.
	lastHeld := false
	if sv := &s.vers[last]; sv.doc.n >= 0 {
		v := sv.v
		v.setLens(max(sv.patch.n, 0), 0) // leaves asks for the patch
		lastHeld = !v.leaves(last, s.leave, s.horizon)
		if s.logInserts && insertAfter(v.typ(), v.seq, s.horizon) {
			near := s.lastInsert != 0 && v.seq > s.lastInsert && v.seq-s.lastInsert <= logNear
			s.lastInsert = v.seq
			lastHeld = lastHeld && !near
		}
	}
	size := 0
	for i, sv := range s.vers {
		if i < last {
			size += max(sv.patch.n, 0) + max(sv.doc.n, 0)
		} else if !lastHeld {
			size += max(sv.patch.n, 0)
		}
	}
	slab := make([]byte, 0, size)
	n := len(s.vers)
	if len(s.vslab) < n {
		s.vslab = make([]version, max(n, versionSlab))
	}
	vs := s.vslab[:n:n]
	s.vslab = s.vslab[n:]
	for i, sv := range s.vers {
		v := sv.v
		switch {
		case v.gap():
		case i == last && lastHeld:
			v.setCopy(bytesOf(sv.patch), bytesOf(sv.doc))
		default:
			start := len(slab)
			slab = append(slab, bytesOf(sv.patch)...)
			if i < last {
				slab = append(slab, bytesOf(sv.doc)...)
			}
			v.setHeld(slab[start:len(slab):len(slab)], max(sv.patch.n, 0))
		}
		vs[i] = v
	}
	return newRow(k, vs)
}

// shortOr returns err when it is errShortPayload (the window ends
// before the row), else other.
func shortOr(err, other error) error {
	if errors.Is(err, errShortPayload) {
		return err
	}
	return other
}

func peek(r *mpReader) (byte, bool) {
	if r.i >= len(r.b) {
		return 0, false
	}
	return r.b[r.i], true
}

// arrayLen reads an array header.
func arrayLen(r *mpReader) (int, error) {
	c, err := r.byte()
	if err != nil {
		return 0, err
	}
	switch {
	case c >= 0x90 && c <= 0x9f:
		return int(c & 0x0f), nil
	case c == 0xdc:
		return r.length(2)
	case c == 0xdd:
		return r.length(4)
	}
	return 0, fmt.Errorf("msgpack code %#x is not an array", c)
}

// snapshotKey reads a row's key: an integer or a string.
func snapshotKey(r *mpReader) (Key, error) {
	c, err := r.byte()
	if err != nil {
		return Key{}, err
	}
	if isStrCode(c) {
		s, err := r.strBody(c)
		if err != nil {
			return Key{}, shortOr(err, fmt.Errorf("snapshot row key: %w", err))
		}
		return Key{Str: s}, nil
	}
	v, ok, err := r.int(c)
	switch {
	case err != nil:
		return Key{}, err
	case !ok:
		return Key{}, fmt.Errorf("snapshot row key: msgpack code %#x is not an integer or a string", c)
	}
	return Key{Int: v, IsInt: true}, nil
}

// uintValue reads a non-negative integer.
func uintValue(r *mpReader) (uint64, error) {
	c, err := r.byte()
	if err != nil {
		return 0, err
	}
	if c == 0xcf {
		return r.uint(8)
	}
	v, ok, err := r.int(c)
	switch {
	case err != nil:
		return 0, err
	case !ok || v < 0:
		return 0, fmt.Errorf("msgpack code %#x is not an unsigned integer", c)
	}
	return uint64(v), nil
}

// intValue reads an integer that fits int64.
func intValue(r *mpReader) (int64, error) {
	c, err := r.byte()
	if err != nil {
		return 0, err
	}
	v, ok, err := r.int(c)
	switch {
	case err != nil:
		return 0, err
	case !ok:
		return 0, fmt.Errorf("msgpack code %#x is not an integer", c)
	}
	return v, nil
}

// bytesSpan reads nil, or bytes (bin, or str as an old writer made
// them), as a span of the window.
func bytesSpan(r *mpReader) (span, error) {
	c, err := r.byte()
	if err != nil {
		return span{}, err
	}
	var n int
	switch {
	case c == 0xc0:
		return noSpan, nil
	case c == 0xc4:
		n, err = r.length(1)
	case c == 0xc5:
		n, err = r.length(2)
	case c == 0xc6:
		n, err = r.length(4)
	case isStrCode(c):
		n, err = r.strLen(c)
	default:
		return span{}, fmt.Errorf("msgpack code %#x is not bytes", c)
	}
	if err != nil {
		return span{}, err
	}
	off := r.i
	if _, err := r.next(n); err != nil {
		return span{}, err
	}
	return span{off: off, n: n}, nil
}
