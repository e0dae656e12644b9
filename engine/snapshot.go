package engine

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"runtime"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/driftdb/driftdb/store"
)

// Snapshot content (before the store compresses and checksums it), one
// msgpack stream:
//
//	header  map {"v": 1, "table": name, "seq": S, "horizon": H,
//	             "cols": [[field, type, declared], ...], "rows": N}
//	N rows  array [key, [[seq, unix_ms, type, doc|nil, patch|nil], ...]]
//
// A snapshot holds every version with seq <= S since the horizon, so that
// time travel works the same after a reopen. Indexes are rebuilt from it.
const snapshotVersion = 1

type snapshotHeader struct {
	V       int        `msgpack:"v"`
	Table   string     `msgpack:"table"`
	Seq     uint64     `msgpack:"seq"`
	Horizon uint64     `msgpack:"horizon"`
	Cols    [][]string `msgpack:"cols"`
	Rows    int        `msgpack:"rows"`
}

// yielder lets a long pass over a table (a snapshot, an index checkpoint)
// give up its processor every yieldEvery items: the goroutines serving
// clients run in between, where the scheduler would otherwise let the pass
// run for a whole time slice (10 ms) while they wait.
type yielder int

const yieldEvery = 256

func (y *yielder) tick() {
	if *y++; *y%yieldEvery == 0 {
		runtime.Gosched()
	}
}

// writeSnapshotData encodes ts as of seq.
func writeSnapshotData(w io.Writer, ts *tableState, seq uint64) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := msgpack.NewEncoder(bw)
	h := snapshotHeader{V: snapshotVersion, Table: ts.spec.Name, Seq: seq, Horizon: ts.horizon}
	for _, c := range ts.cols.cols {
		d := ""
		if c.Declared {
			d = "declared"
		}
		h.Cols = append(h.Cols, []string{c.Field, string(c.Type), d})
	}
	// Count first, then encode in a second walk: no copy of the rows.
	var y yielder
	ts.rows.Ascend(func(r row) bool {
		if r.versions[0].seq <= seq {
			h.Rows++
		}
		y.tick()
		return true
	})
	if err := enc.Encode(&h); err != nil {
		return err
	}
	var err error
	ts.rows.Ascend(func(r row) bool {
		y.tick()
		if r.versions[0].seq > seq {
			return true
		}
		n := 0
		for n < len(r.versions) && r.versions[n].seq <= seq {
			n++
		}
		enc.EncodeArrayLen(2)
		if r.key.IsInt {
			err = enc.EncodeInt64(r.key.Int) // the form Encode gives an int64
		} else {
			err = enc.EncodeString(r.key.Str)
		}
		if err != nil {
			return false
		}
		enc.EncodeArrayLen(n)
		// Every version is written with its whole document: a snapshot
		// stands alone, whatever the rows let go of in memory.
		werr := r.eachDoc(n, func(v *version, doc []byte) bool {
			enc.EncodeArrayLen(5)
			enc.EncodeUint(v.seq)
			enc.EncodeInt(v.ms)
			enc.EncodeUint(uint64(v.typ))
			encodeBytesOrNil(enc, doc)
			err = encodeBytesOrNil(enc, v.patch)
			return err == nil
		})
		if err == nil {
			err = werr
		}
		return err == nil
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

func encodeBytesOrNil(enc *msgpack.Encoder, b []byte) error {
	if b == nil {
		return enc.EncodeNil()
	}
	return enc.EncodeBytes(b)
}

// readSnapshotData decodes a snapshot into a table state for spec.
func readSnapshotData(r io.Reader, spec *TableSpec) (*tableState, uint64, error) {
	size := 1 << 20
	if s, ok := r.(interface{ Size() int64 }); ok {
		size = int(min(max(s.Size(), 4<<10), int64(size)))
	}
	dec := msgpack.NewDecoder(bufio.NewReaderSize(r, size))
	var h snapshotHeader
	if err := dec.Decode(&h); err != nil {
		return nil, 0, fmt.Errorf("snapshot header: %w", err)
	}
	// h.Table is the table's name when the snapshot was written: a
	// rename since does not make it any less the table's.
	if h.V != snapshotVersion {
		return nil, 0, fmt.Errorf("snapshot of %q version %d does not fit table %q", h.Table, h.V, spec.Name)
	}
	ts := newTableState(spec)
	ts.horizon = h.Horizon
	ts.lastSnap = h.Seq
	reg := newRegistry(spec)
	for _, c := range h.Cols {
		if len(c) != 3 {
			return nil, 0, errors.New("snapshot column entry malformed")
		}
		if i, ok := reg.index[c[0]]; ok {
			if !reg.cols[i].Declared {
				reg.cols[i].Type = Type(c[1])
			}
			continue
		}
		if reg.rules.droppedAt(c[0], h.Seq) {
			continue // dropped since the snapshot
		}
		// A column declared then and not now is inferred again.
		reg.add(Column{Name: reg.rules.nameOf(c[0]), Field: c[0], Type: Type(c[1])})
	}
	ts.cols = reg
	for range h.Rows {
		if n, err := dec.DecodeArrayLen(); err != nil || n != 2 {
			return nil, 0, fmt.Errorf("snapshot row: %d fields, %v", n, err)
		}
		kv, err := dec.DecodeInterface()
		if err != nil {
			return nil, 0, fmt.Errorf("snapshot row key: %w", err)
		}
		k, err := KeyOf(normalizeInt(kv))
		if err != nil {
			return nil, 0, fmt.Errorf("snapshot row key: %w", err)
		}
		nv, err := dec.DecodeArrayLen()
		if err != nil || nv <= 0 {
			return nil, 0, fmt.Errorf("snapshot row versions: %d, %v", nv, err)
		}
		vs := make([]version, 0, nv)
		for range nv {
			if n, err := dec.DecodeArrayLen(); err != nil || n != 5 {
				return nil, 0, fmt.Errorf("snapshot version: %d fields, %v", n, err)
			}
			var v version
			var typ uint64
			if v.seq, err = dec.DecodeUint64(); err != nil {
				return nil, 0, err
			}
			if v.ms, err = dec.DecodeInt64(); err != nil {
				return nil, 0, err
			}
			if typ, err = dec.DecodeUint64(); err != nil {
				return nil, 0, err
			}
			v.typ = store.EventType(typ)
			if v.doc, err = dec.DecodeBytes(); err != nil {
				return nil, 0, err
			}
			if v.patch, err = dec.DecodeBytes(); err != nil {
				return nil, 0, err
			}
			if n := len(vs); n > 0 && vs[n-1].seq >= v.seq {
				return nil, 0, fmt.Errorf("snapshot row %s: versions out of order", k)
			}
			vs = append(vs, v)
		}
		letGo(vs)
		ts.rows.ReplaceOrInsert(newRow(k, vs))
	}
	return ts, h.Seq, nil
}

// normalizeInt turns the integer types msgpack decodes into int64.
func normalizeInt(v any) any {
	switch x := v.(type) {
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		return int64(x)
	}
	return v
}

// SnapshotTable writes a snapshot of a table at the current committed seq
// and returns that seq. Older snapshots but the previous one are removed.
func (db *DB) SnapshotTable(name string) (uint64, error) {
	if db.opts.ReadOnly {
		return 0, wrapf(CodeReadOnly, ErrReadOnly, "database is open read-only")
	}
	db.snapMu.Lock()
	defer db.snapMu.Unlock()
	return db.snapshotLocked(name)
}

func (db *DB) snapshotLocked(name string) (uint64, error) {
	v := db.View()
	ts, ok := v.state.tables[name]
	if !ok {
		return 0, noTable(name)
	}
	ts = v.trees(name, ts)
	seq := v.seq
	if seq == 0 {
		return 0, nil // nothing was ever written
	}
	segBytes := db.st.SegmentBytes(name)
	var eventsBefore int64 // at least the events up to seq
	db.locked(func() {
		if w, ok := db.work[name]; ok {
			eventsBefore = w.eventsSince
		}
	})
	err := db.st.WriteSnapshot(name, seq, func(w io.Writer) error {
		return writeSnapshotData(w, ts, seq)
	})
	if err != nil {
		return 0, storageError(err)
	}
	// The caches that go with the snapshot: failing to write them costs a
	// rebuild at the next open, nothing more.
	dir := db.st.StreamDir(name)
	if err := writeIndexFiles(db.st.FS(), dir, ts, seq); err != nil {
		db.log.Warn("cannot write index files", "table", name, "err", err)
	}
	if err := writeMeta(db.st.FS(), dir, ts, seq); err != nil {
		db.log.Warn("cannot write meta.json", "table", name, "err", err)
	}
	db.locked(func() {
		if w, ok := db.work[name]; ok {
			w.lastSnap = seq
			// Events committed while the snapshot was written still count
			// toward the next one.
			w.eventsSince = max(w.eventsSince-eventsBefore, 0)
			w.segBytesAtSnp = segBytes
		}
	})
	seqs, err := db.st.Snapshots(name)
	if err == nil {
		kept := 0
		for _, s := range seqs {
			if s > seq {
				continue
			}
			kept++
			if kept > 2 {
				if err := db.st.RemoveSnapshot(name, s); err != nil {
					db.log.Warn("could not remove an old snapshot", "table", name, "seq", s, "err", err)
				}
			}
		}
	}
	return seq, nil
}

// snapshotDue reports whether a changed table has gone past a snapshot
// threshold. Called with wmu held.
func (db *DB) snapshotDue(ts *tableState) bool {
	return (db.opts.SnapshotEvents > 0 && ts.eventsSince >= db.opts.SnapshotEvents) ||
		(db.opts.SnapshotBytes > 0 && db.st.SegmentBytes(ts.spec.Name)-ts.segBytesAtSnp >= db.opts.SnapshotBytes)
}

// startSnapshots snapshots the given tables in the background, one run at
// a time; a table that is still due when a run is busy is taken next time.
func (db *DB) startSnapshots(names []string) {
	if len(names) == 0 || !db.snapping.CompareAndSwap(false, true) {
		return
	}
	closed := false
	db.locked(func() {
		if closed = db.closed; !closed {
			db.bg.Add(1)
		}
	})
	if closed {
		db.snapping.Store(false)
		return
	}
	go func() {
		defer db.bg.Done()
		defer db.snapping.Store(false)
		for _, name := range names {
			// Commits made while the last run was busy asked for it
			// again: skip a table that run has just taken.
			due := false
			db.locked(func() {
				w, ok := db.work[name]
				due = ok && db.snapshotDue(w)
			})
			if !due {
				continue
			}
			if _, err := db.SnapshotTable(name); err != nil {
				db.log.Warn("automatic snapshot failed", "table", name, "err", err)
			}
		}
	}()
}
