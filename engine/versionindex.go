package engine

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
	"github.com/driftdb/driftdb/vindex"
)

// The version index (package vindex, docs/ENGINE.md "Storage beyond
// memory") is kept beside the rows when Options.VersionIndex is set: an
// ordered index on disk of every version of every table, keyed by table
// OID, the key's ordered encoding and seq. Reads do not use it yet; it is
// written, checked (CheckVersionIndex, `driftdb verify`) and measured
// while the rows still serve every read.
//
// It is fed by snapshots: a snapshot of a table at seq S, written in the
// background from an immutable state, also puts the table's versions
// made since the index's mark for it, and sets the mark to S, in the last
// of its batches. A crash keeps a prefix of the batches, so a mark never
// claims a version the index lost, and the next snapshot puts the rest
// again. A mark at another horizon (a fold since) makes the next snapshot
// write the table anew. A version holds what the row keeps of it: its
// patch, and its document where the row holds one, but an INSERT's after
// the horizon, which is its record's in the log (inLogAt).

// versionIndexDir is the index's directory in the data directory.
const versionIndexDir = "vindex"

// versionIndexBatch is how many entries go in one batch: a table's first
// indexing writes every version, and a batch is held in memory whole.
const versionIndexBatch = 4096

// versionIndexCache is the index's block cache while reads do not use
// it.
const versionIndexCache = 16 << 20

// openVersionIndex opens the version index, when the options keep one. A
// damaged index is removed and made again by the snapshots that follow; a
// database opened read-only reads the index it finds, if any.
func (db *DB) openVersionIndex() error {
	if !db.opts.VersionIndex {
		return nil
	}
	dir := filepath.Join(db.dir, versionIndexDir)
	o := vindex.Options{CacheSize: versionIndexCache, ReadOnly: db.opts.ReadOnly}
	if db.opts.Store.FS != vfs.OS() {
		if db.opts.ReadOnly {
			return nil
		}
		// The tests' file systems are the store's own; the index, derived
		// from the log, lives in memory beside them.
		o.FS = db.opts.VersionIndexFS
		if o.FS == nil {
			o.FS = vindex.MemFS()
		}
	} else if db.opts.ReadOnly {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return nil
		}
	}
	x, err := vindex.Open(dir, o)
	if err != nil && !db.opts.ReadOnly {
		db.log.Warn("the version index does not open: it is made again from the rows", "err", err)
		if err := os.RemoveAll(dir); err != nil {
			return storageError(err)
		}
		x, err = vindex.Open(dir, o)
	}
	if err != nil && db.opts.ReadOnly {
		// A reader does without: the rows serve every read.
		db.log.Warn("the version index does not open", "err", err)
		return nil
	}
	if err != nil {
		return storageError(err)
	}
	db.vx = x
	return nil
}

// closeVersionIndex flushes and closes the version index.
func (db *DB) closeVersionIndex() {
	if db.vx == nil {
		return
	}
	if !db.opts.ReadOnly {
		if err := db.vx.Flush(); err != nil {
			db.log.Warn("cannot flush the version index", "err", err)
		}
	}
	if err := db.vx.Close(); err != nil {
		db.log.Warn("cannot close the version index", "err", err)
	}
	db.vx = nil
}

// indexVersions puts the versions of ts up to seq that the index does not
// hold yet, and sets its mark to seq. Callers hold snapMu: one writer.
func (db *DB) indexVersions(ts *tableState, seq uint64) error {
	if db.vx == nil || db.opts.ReadOnly {
		return nil
	}
	oid := ts.spec.OID
	m, ok, err := db.vx.Mark(oid)
	if err != nil {
		return err
	}
	if ok && m.Horizon == ts.horizon && m.Seq == seq {
		return nil
	}
	b := db.vx.NewBatch()
	since := m.Seq
	if !ok || m.Horizon != ts.horizon || m.Seq > seq {
		if err := b.DeleteTable(oid); err != nil {
			b.Discard()
			return err
		}
		since = 0
	}
	var key []byte
	var y yielder
	ts.rows.Ascend(func(r row) bool {
		y.tick()
		from, to := r.index(since)+1, r.index(seq)+1
		if from >= to {
			return true
		}
		key = appendOrderedKey(key[:0], r.key)
		for i := from; i < to; i++ {
			if err = b.PutVersion(oid, key, r.versions[i].seq, indexedVersion(&r.versions[i], ts.horizon)); err != nil {
				return false
			}
			if b.Len() >= versionIndexBatch {
				if err = b.Apply(); err != nil {
					return false
				}
				b = db.vx.NewBatch()
			}
		}
		return true
	})
	if err == nil {
		err = b.SetMark(oid, vindex.Mark{Seq: seq, Horizon: ts.horizon})
	}
	if err != nil {
		b.Discard()
		return err
	}
	return b.Apply()
}

// indexedVersion is what the index holds of v, a version of a table at
// horizon.
func indexedVersion(v *version, horizon uint64) vindex.Version {
	iv := vindex.Version{Type: byte(v.typ()), Ms: v.ms, Patch: v.patch()}
	if !inLogAt(v, horizon) {
		iv.Doc = v.doc()
	}
	return iv
}

// unindexTable removes a dropped table's versions from the index. Callers
// hold snapMu, so no snapshot of the table puts them back.
func (db *DB) unindexTable(oid uint32) {
	if db.vx == nil {
		return
	}
	b := db.vx.NewBatch()
	err := b.DeleteTable(oid)
	if err == nil {
		err = b.Apply()
	} else {
		b.Discard()
	}
	if err != nil {
		db.log.Warn("cannot remove a dropped table from the version index", "oid", oid, "err", err)
	}
}

// indexedDocAt reads from the index the version of key k of ts visible at
// seq, and its document as the rows would give it: a document the index
// holds, an INSERT's from the log, or one rebuilt with the patches after
// the nearest earlier version that has its own. found is false when the
// index has no version of k at or below seq; doc is nil for a deletion.
func indexedDocAt(r *vindex.Versions, ts *tableState, k Key, seq uint64) (v vindex.Version, vseq uint64, doc []byte, found bool, err error) {
	if !r.Seek(ts.spec.OID, appendOrderedKey(nil, k), seq) {
		return v, 0, nil, false, r.Err()
	}
	v, vseq = r.Version(), r.Seq()
	v.Doc, v.Patch = bytes.Clone(v.Doc), bytes.Clone(v.Patch)
	var patches [][]byte // newest first
	for at := r.Version(); ; at = r.Version() {
		switch {
		case at.Doc != nil:
			doc = bytes.Clone(at.Doc)
		case store.EventType(at.Type) == store.EventInsert:
			rv := newVersion(r.Seq(), at.Ms, store.EventInsert)
			doc, err = ts.log.read(k, &rv)
		case at.Patch != nil:
			patches = append(patches, bytes.Clone(at.Patch))
			if !r.Next() {
				if err = r.Err(); err == nil {
					err = fmt.Errorf("engine: version index: row %s seq %d: no document to apply its patch to", k, vseq)
				}
				return v, vseq, nil, true, err
			}
			continue
		default: // a deletion
			if len(patches) > 0 {
				err = fmt.Errorf("engine: version index: row %s seq %d: a patch on a deletion", k, vseq)
			}
		}
		break
	}
	if err != nil || len(patches) == 0 {
		return v, vseq, doc, true, err
	}
	var p rebuild
	if err := p.start(doc); err != nil {
		return v, vseq, nil, true, err
	}
	for i := len(patches) - 1; i >= 0; i-- {
		if err := p.apply(patches[i]); err != nil {
			return v, vseq, nil, true, err
		}
	}
	return v, vseq, p.encode(), true, nil
}

// CheckVersionIndex checks the version index against the rows: for each
// table it has a mark for, at the table's horizon, it must hold exactly
// the versions the rows hold up to the mark, each with the rows' type,
// time and patch, and give each version's document as the rows give it.
// It returns a line for each table that differs.
func (db *DB) CheckVersionIndex() []string {
	if db.vx == nil {
		return nil
	}
	var problems []string
	db.eachTable(func(name string, ts *tableState) {
		if err := checkIndexedTable(db.vx, ts); err != nil {
			problems = append(problems, fmt.Sprintf("table %q: version index: %v", name, err))
		}
	})
	return problems
}

func checkIndexedTable(x *vindex.Index, ts *tableState) error {
	m, ok, err := x.Mark(ts.spec.OID)
	if err != nil || !ok || m.Horizon != ts.horizon {
		return err // none yet, or one a fold left behind: the next snapshot writes it
	}
	r, err := x.NewVersions()
	if err != nil {
		return err
	}
	defer r.Close()
	// Every version the index holds is a row's, as the row holds it.
	indexed := 0
	for ok := r.Scan(ts.spec.OID); ok; ok = r.Next() {
		indexed++
		k, rest, err := readOrderedKey(r.Key())
		if err != nil || len(rest) > 0 {
			return fmt.Errorf("a key that does not decode: %x", r.Key())
		}
		row, found := ts.get(k)
		i := -1
		if found {
			i = row.index(r.Seq())
		}
		if i < 0 || row.versions[i].seq != r.Seq() || r.Seq() > m.Seq {
			return fmt.Errorf("row %s seq %d: a version the rows do not have up to seq %d", k, r.Seq(), m.Seq)
		}
		want, got := indexedVersion(&row.versions[i], ts.horizon), r.Version()
		if got.Type != want.Type || got.Ms != want.Ms || !bytes.Equal(got.Patch, want.Patch) || (got.Patch == nil) != (want.Patch == nil) {
			return fmt.Errorf("row %s seq %d: type %d, time %d and patch %x; the row has %d, %d and %x",
				k, r.Seq(), got.Type, got.Ms, got.Patch, want.Type, want.Ms, want.Patch)
		}
	}
	if err := r.Err(); err != nil {
		return err
	}
	// Every version of the rows up to the mark is in the index, and reads
	// back with the row's document.
	held := 0
	ts.rows.Ascend(func(row row) bool {
		held += row.index(m.Seq) + 1
		var differs error
		err = row.eachDoc(ts.log, 0, func(v *version, doc []byte) bool {
			if v.seq > m.Seq {
				return false
			}
			_, _, got, found, err := indexedDocAt(r, ts, row.key, v.seq)
			switch {
			case err != nil:
				differs = fmt.Errorf("row %s seq %d: %w", row.key, v.seq, err)
			case !found || !bytes.Equal(got, doc):
				differs = fmt.Errorf("row %s seq %d: the index gives %x (found %v), the row %x", row.key, v.seq, got, found, doc)
			}
			return differs == nil
		})
		if err == nil {
			err = differs
		}
		return err == nil
	})
	if err != nil {
		return err
	}
	if held != indexed {
		return fmt.Errorf("%d versions up to seq %d, the rows have %d", indexed, m.Seq, held)
	}
	return nil
}
