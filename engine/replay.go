package engine

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/driftdb/driftdb/store"
)

// loadTable builds a table's state: its newest valid snapshot, then every
// event after it. It returns the table's timeline: the (unix_ms, seq)
// points of its versions that buildTimeline keeps.
func (db *DB) loadTable(name string) (*tableState, []timePoint, error) {
	fsys, dir := db.st.FS(), db.st.StreamDir(name)
	spec, err := readSchema(fsys, dir)
	if err != nil {
		return nil, nil, &Error{Code: CodeIOError, Msg: err.Error(), Err: err}
	}
	next, err := readPendingSchema(fsys, dir)
	if err != nil {
		return nil, nil, &Error{Code: CodeIOError, Msg: err.Error(), Err: err}
	}
	if next == nil {
		return db.loadTableSpec(name, spec)
	}
	// A change of definition a crash interrupted (alter.go): it happened
	// if its transaction did.
	ts, pts, err := db.loadTableSpec(name, spec)
	if err != nil {
		return nil, nil, err
	}
	done := max(ts.lastSnap, ts.lastWrite) >= next.CommitSeq
	if !db.opts.ReadOnly {
		op, what := dropPendingSchema, "removing"
		if done {
			op, what = promotePendingSchema, "taking"
		}
		db.log.Warn(what+" the new definition of a table a crash left in schema.next.yaml", "table", name, "commit_seq", next.CommitSeq)
		if err := op(fsys, dir); err != nil {
			return nil, nil, storageError(err)
		}
	}
	if !done {
		return ts, pts, nil
	}
	return db.loadTableSpec(name, &next.Spec)
}

// loadTableSpec is loadTable with the table's definition read.
func (db *DB) loadTableSpec(name string, spec *TableSpec) (*tableState, []timePoint, error) {
	if spec.Name != name {
		// The directory's name is the table's: a crash came between a
		// rename and the schema's new name.
		spec.Name = name
		if !db.opts.ReadOnly {
			if err := writeSchema(db.st.FS(), db.st.StreamDir(name), spec); err != nil {
				db.log.Warn("cannot correct the name in schema.yaml", "table", name, "err", err)
			}
		}
	}
	ts, from, err := db.loadSnapshot(spec)
	if err != nil {
		return nil, nil, err
	}
	if err := db.replay(ts, from); err != nil {
		return nil, nil, err
	}
	db.checkMeta(db.st.StreamDir(name), ts, ts.lastSnap)
	ts.segBytesAtSnp = db.st.SegmentBytes(name)
	if ts.lastSnap == 0 {
		ts.segBytesAtSnp = 0
	}
	ts.resetPoint()
	// The table's timeline, gathered by unix_ms (gapTimeline).
	t := newGapTimeline(ts.gapTimes)
	ts.rows.Ascend(func(r row) bool {
		t.add(r.versions)
		return true
	})
	return ts, t.timeline(), nil
}

// loadSnapshot loads the newest whole snapshot that reads back, then the
// deltas after it, oldest first, as far as they read back and each is on
// the one before; damaged snapshots are skipped with a warning. It
// returns the seq to replay after.
func (db *DB) loadSnapshot(spec *TableSpec) (*tableState, uint64, error) {
	seqs, err := db.st.Snapshots(spec.Name) // newest first
	if err != nil {
		return nil, 0, &Error{Code: CodeIOError, Msg: err.Error(), Err: err}
	}
	for i, seq := range seqs {
		ts, idx, delta, err := db.readWholeSnapshot(spec, seq)
		switch {
		case delta:
			continue // read on its whole snapshot, if it has one
		case errors.Is(err, errIndexBehind):
			return nil, 0, err // Open opens again
		case err != nil:
			db.log.Warn("skipping a snapshot that does not read back", "table", spec.Name, "seq", seq, "err", err)
			continue
		}
		if err := db.useIndexes(ts, idx); err != nil {
			return nil, 0, &Error{Code: CodeIOError, Msg: err.Error(), Err: err}
		}
		db.attachPresent(ts.log, db.st.StreamDir(spec.Name), seq)
		if i+1 < len(seqs) {
			ts.snaps.prev = seqs[i+1]
		}
		db.loadDeltas(ts, seqs[:i])
		return ts, ts.lastSnap, nil
	}
	return newTableState(spec, db.tableLog(spec)), 0, nil
}

// readWholeSnapshot reads the snapshot at seq, when it is a whole one,
// and starts reading its index files beside the rows (delta: it is not,
// and nothing more was read).
func (db *DB) readWholeSnapshot(spec *TableSpec, seq uint64) (ts *tableState, idx *indexFiles, delta bool, err error) {
	rc, err := db.st.OpenSnapshot(spec.Name, seq)
	if err != nil {
		return nil, nil, false, err
	}
	defer rc.Close()
	rows, h, err := readSnapshotHeader(rc, spec)
	switch {
	case err != nil:
		return nil, nil, false, err
	case h.V == deltaVersion:
		return nil, nil, true, nil
	case h.Seq != seq:
		return nil, nil, false, fmt.Errorf("snapshot content is for seq %d", h.Seq)
	}
	idx = db.readIndexFiles(db.st.StreamDir(spec.Name), spec, seq)
	if ts, err = readSnapshotData(rows, h, spec, db.tableLog(spec), db.opts.NewestInIndex, db.spillingAtOpen[spec.Name]); err != nil {
		idx.wait()
		return nil, nil, false, err
	}
	return ts, idx, false, nil
}

// loadDeltas reads the deltas among newer (newest first) onto ts, oldest
// first, until one does not read back or is not on the one before: the
// log is replayed from there.
func (db *DB) loadDeltas(ts *tableState, newer []uint64) {
	for i := len(newer) - 1; i >= 0; i-- {
		seq := newer[i]
		rc, err := db.st.OpenSnapshot(ts.spec.Name, seq)
		if err == nil {
			err = readSnapshotDelta(rc, ts)
			rc.Close()
		}
		if err != nil {
			db.log.Warn("replaying the log from a snapshot on: a delta after it does not read back", "table", ts.spec.Name, "from", ts.lastSnap, "seq", seq, "err", err)
			return
		}
	}
}

// replay applies every event of the table's log with seq > from.
func (db *DB) replay(ts *tableState, from uint64) error {
	name := ts.spec.Name
	it, err := db.st.NewIterator(name, from+1)
	if err != nil {
		return &Error{Code: CodeIOError, Msg: err.Error(), Err: err}
	}
	defer it.Close()
	// The log's index entries are added sorted, a batch at a time (a
	// replay makes no unique checks: what the log holds was accepted).
	var held heldEntries
	ts.held = &held
	defer func() { ts.held = nil }()
	n := 0
	for it.Next() {
		rec := it.Record()
		if rec.Seq <= from {
			continue
		}
		if n++; n%replayBatch == 0 {
			held.place()
			held.reset()
		}
		ev, err := decodeEvent(ts.spec, rec)
		if err != nil {
			return &Error{Code: CodeIOError, Msg: fmt.Sprintf("table %q seq %d: %v", name, rec.Seq, err), Err: err}
		}
		if _, err := ts.apply(ev); err != nil {
			return &Error{Code: CodeIOError, Msg: fmt.Sprintf("table %q seq %d does not replay: %v", name, rec.Seq, err), Err: err}
		}
	}
	if err := it.Err(); err != nil {
		return &Error{Code: CodeIOError, Msg: err.Error(), Err: err}
	}
	held.place()
	return nil
}

// replayBatch is how many events a replay applies between placings of
// their index entries.
const replayBatch = 1 << 17

// decodeEvent turns a log record into an event. Payload bytes are copied:
// the iterator reuses its buffer.
func decodeEvent(spec *TableSpec, rec store.Record) (*event, error) {
	ev := &event{tbl: spec.Name, typ: rec.Type, seq: rec.Seq, ms: rec.UnixMs}
	switch rec.Type {
	case store.EventInsert:
		raw := bytes.Clone(rec.Payload)
		doc, err := decodeDocBytes(raw)
		if err != nil {
			return nil, err
		}
		order, err := docKeys(raw)
		if err != nil {
			return nil, err
		}
		k, err := KeyOf(doc[spec.PK])
		if err != nil {
			return nil, err
		}
		ev.key, ev.doc, ev.order, ev.raw = k, doc, order, raw
	case store.EventPatch, store.EventSoftDelete:
		k, rawPatch, err := splitKeyed(rec.Payload)
		if err != nil {
			return nil, err
		}
		ev.key = k
		if rec.Type == store.EventPatch {
			if rawPatch == nil {
				return nil, fmt.Errorf("PATCH without a patch")
			}
			if ev.patch, err = decodeDocBytes(rawPatch); err != nil {
				return nil, err
			}
			if ev.order, err = docKeys(rawPatch); err != nil {
				return nil, err
			}
			ev.raw = rawPatch
		}
	case store.EventTruncate:
		if err := checkTruncatePayload(rec.Payload); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown event type %v", rec.Type)
	}
	return ev, nil
}

// splitKeyed reads {"k": key[, "p": patch]} and returns the key and the
// raw msgpack of the patch (copied).
func splitKeyed(b []byte) (Key, []byte, error) {
	dec := msgpack.NewDecoder(bytes.NewReader(b))
	n, err := dec.DecodeMapLen()
	if err != nil {
		return Key{}, nil, err
	}
	var k Key
	var haveKey bool
	var patch []byte
	for range n {
		name, err := dec.DecodeString()
		if err != nil {
			return Key{}, nil, err
		}
		switch name {
		case "k":
			v, err := dec.DecodeInterface()
			if err != nil {
				return Key{}, nil, err
			}
			if k, err = KeyOf(normalizeInt(v)); err != nil {
				return Key{}, nil, err
			}
			haveKey = true
		case "p":
			raw, err := dec.DecodeRaw()
			if err != nil {
				return Key{}, nil, err
			}
			patch = bytes.Clone(raw)
		default:
			if err := dec.Skip(); err != nil {
				return Key{}, nil, err
			}
		}
	}
	if !haveKey {
		return Key{}, nil, fmt.Errorf("payload has no key")
	}
	return k, patch, nil
}
