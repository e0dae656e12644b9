package engine

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
	"github.com/driftdb/driftdb/vindex"
)

// The version index (package vindex, docs/ENGINE.md "The version index,
// in part") is kept beside the rows when Options.VersionIndex is set: an
// ordered index on disk of every version of every table, keyed by table
// OID, the key's ordered encoding and seq.
//
// It is fed by snapshots: a snapshot of a table at seq S, written in the
// background from an immutable state, first puts the table's versions
// made since the index's mark for it, and sets the mark to S, in the last
// of its batches, and flushes. A crash keeps a prefix of the batches, so
// a mark never claims a version the index lost, and the next snapshot
// puts the rest again. A mark at another horizon (a fold since) makes the
// next snapshot put again what the rows hold bytes for. A version holds
// what the row keeps of it: its patch, and its document where the row
// holds one, but an INSERT's after the horizon, which is its record's in
// the log (inLogAt).
//
// A whole snapshot written then leaves the bytes of the versions after
// the horizon to the index (snapshot v 4); loaded, those versions hold
// none (version.inIndex), and a read of one reads the index
// (tableLog.indexedDoc). A load whose index does not hold the table
// rebuilds it from the log (rebuildIndexed).

// versionIndexDir is the index's directory in the data directory.
const versionIndexDir = "vindex"

// versionIndexBatch is how many entries go in one batch: a table's first
// indexing writes every version, and a batch is held in memory whole.
const versionIndexBatch = 4096

// versionIndexCache is the index's block cache while reads do not use
// it.
const versionIndexCache = 64 << 20

// openVersionIndex opens the version index when the options keep one,
// or when the data directory has one (its whole snapshots may leave bytes
// to it; with the option off it is read, not written). A damaged index is
// removed and made again: from the log for the snapshots that left bytes
// to it (rebuildIndexed), by the snapshots that follow for the rest. A
// database opened read-only reads the index it finds; when there is none
// or it does not open, it makes one in memory to rebuild into.
func (db *DB) openVersionIndex() error {
	dir := filepath.Join(db.dir, versionIndexDir)
	o := vindex.Options{CacheSize: versionIndexCache, ReadOnly: db.opts.ReadOnly}
	if db.opts.Store.FS != vfs.OS() {
		if !db.opts.VersionIndex {
			return nil
		}
		// The tests' file systems are the store's own; the index, derived
		// from the log, lives in memory beside them.
		o.FS, o.ReadOnly = db.opts.VersionIndexFS, false
		if o.FS == nil {
			o.FS = vindex.MemFS()
		}
		x, err := vindex.Open(dir, o)
		if err != nil {
			return storageError(err)
		}
		db.vx = x
		return nil
	}
	_, err := os.Stat(dir)
	exists := err == nil
	if !exists && !db.opts.VersionIndex {
		return nil
	}
	var x *vindex.Index
	if exists || !db.opts.ReadOnly {
		if x, err = vindex.Open(dir, o); err != nil {
			db.log.Warn("the version index does not open: it is made again", "err", err)
		}
	}
	switch {
	case x != nil:
	case db.opts.ReadOnly:
		o.FS, o.ReadOnly = vindex.MemFS(), false
		x, err = vindex.Open(dir, o)
	default:
		if err := os.RemoveAll(dir); err != nil {
			return storageError(err)
		}
		x, err = vindex.Open(dir, o)
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
	if !db.opts.ReadOnly && db.opts.VersionIndex {
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
// hold yet, and sets its mark to seq. Callers hold snapMu, one writer,
// and check that the index is kept and written (indexAndFlush).
func (db *DB) indexVersions(ts *tableState, seq uint64) error {
	oid := ts.spec.OID
	m, ok, err := db.vx.Mark(oid)
	if err != nil {
		return err
	}
	if ok && m.Horizon == ts.horizon && m.Seq == seq {
		return nil
	}
	w := newVersionWriter(db.vx, oid)
	since := m.Seq
	switch {
	case !ok:
		// Nothing of the table is trusted: what a run cut short left.
		if err := w.b.DeleteTable(oid); err != nil {
			w.b.Discard()
			return err
		}
		since = 0
	case m.Horizon != ts.horizon || m.Seq > seq:
		// A fold since: the versions the rows kept are put again, as they
		// now hold them (the version at the horizon with its document);
		// those the fold dropped stay, read by no one. A version whose
		// bytes are in the index is as it was.
		since = 0
	}
	var y yielder
	ts.rows.Ascend(func(r row) bool {
		y.tick()
		var docs indexDocs
		for i := 0; i <= r.index(seq) && err == nil; i++ {
			v := &r.versions[i]
			if keep := docs.keeps(i, v, ts.horizon); v.seq > since && !v.inIndex() {
				err = w.putRow(ts.log, &r, i, ts.horizon, keep)
			}
		}
		return err == nil
	})
	return w.finish(err, vindex.Mark{Seq: seq, Horizon: ts.horizon})
}

// versionWriter puts versions of a table into the version index, in
// batches of versionIndexBatch, the last of which sets the table's mark.
type versionWriter struct {
	x   *vindex.Index
	b   *vindex.Batch
	oid uint32
	key []byte
}

func newVersionWriter(x *vindex.Index, oid uint32) *versionWriter {
	return &versionWriter{x: x, b: x.NewBatch(), oid: oid}
}

// putRow puts version i of r (versionEntry).
func (w *versionWriter) putRow(lg *tableLog, r *row, i int, horizon uint64, keep bool) error {
	iv, err := versionEntry(lg, r, i, horizon, keep)
	if err != nil {
		return err
	}
	return w.put(r.key, r.versions[i].seq, iv)
}

func (w *versionWriter) put(k Key, seq uint64, v vindex.Version) error {
	w.key = appendOrderedKey(w.key[:0], k)
	if err := w.b.PutVersion(w.oid, w.key, seq, v); err != nil {
		return err
	}
	if w.b.Len() < versionIndexBatch {
		return nil
	}
	err := w.b.Apply()
	w.b = w.x.NewBatch()
	return err
}

// finish sets the mark and applies the last batch, unless err (what the
// puts ended with) is not nil: it then drops the last batch and returns
// err. The batches applied before stay, under the mark before.
func (w *versionWriter) finish(err error, m vindex.Mark) error {
	if err == nil {
		err = w.b.SetMark(w.oid, m)
	}
	if err != nil {
		w.b.Discard()
		return err
	}
	return w.b.Apply()
}

// indexAndFlush brings the version index up to seq for ts and makes it
// durable, and returns seq, or 0 when the index does not hold the table up
// to seq (none kept, or a failure).
func (db *DB) indexAndFlush(ts *tableState, seq uint64) (uint64, error) {
	if db.vx == nil || db.opts.ReadOnly || !db.opts.VersionIndex {
		return 0, nil
	}
	if err := db.indexVersions(ts, seq); err != nil {
		return 0, err
	}
	if err := db.vx.Flush(); err != nil {
		return 0, err
	}
	return seq, nil
}

// indexHolds checks that the version index holds the table of lg as a
// whole snapshot with header h needs it to.
func indexHolds(lg *tableLog, h snapshotHeader) error {
	if lg.vx == nil {
		return fmt.Errorf("snapshot at seq %d: its versions' bytes are in the version index, which is not kept", h.Seq)
	}
	m, ok, err := lg.vx.Mark(lg.oid)
	switch {
	case err != nil:
		return err
	case !ok || m.Seq < h.Indexed || m.Horizon != h.Horizon:
		return fmt.Errorf("snapshot at seq %d: its versions' bytes are in the version index up to seq %d at horizon %d, which holds the table up to seq %d at horizon %d",
			h.Seq, h.Indexed, h.Horizon, m.Seq, m.Horizon)
	}
	return nil
}

// rebuildIndexed makes the version index hold ts, just loaded from a
// whole snapshot with header h that left versions' bytes to an index that
// does not hold them (lost, damaged, or behind): from the log, where every
// version after the horizon has its record (a PATCH's patch, an INSERT's
// document), and from the rows for what they hold (the versions at the
// horizon above all, whose records a fold dropped).
func rebuildIndexed(ts *tableState, h snapshotHeader) error {
	// What the index has of the table stays: a version put again is put
	// the same, and what the rows lack is read by no one.
	lg := ts.log
	w := newVersionWriter(lg.vx, lg.oid)
	err := func() error {
		it, err := lg.st.NewIterator(*lg.name.Load(), h.Horizon+1)
		if err != nil {
			return err
		}
		defer it.Close()
		// Each live key's run of patches: the document it starts from and
		// the patches since, so that one PATCH in docEvery gets its
		// document, as the index holds them when the snapshots write it.
		type run struct {
			base    []byte
			patches [][]byte
		}
		runs := map[Key]*run{}
		for it.Next() {
			rec := it.Record()
			if rec.Seq > h.Indexed {
				break
			}
			v := vindex.Version{Type: byte(rec.Type), Ms: rec.UnixMs}
			var k Key
			switch rec.Type {
			case store.EventInsert:
				ev, err := decodeEvent(ts.spec, rec)
				if err != nil {
					return fmt.Errorf("seq %d: %w", rec.Seq, err)
				}
				k = ev.key
				runs[k] = &run{base: ev.raw} // its document is its record's
			case store.EventPatch:
				if k, v.Patch, err = splitKeyed(rec.Payload); err != nil {
					return fmt.Errorf("seq %d: %w", rec.Seq, err)
				}
				ru := runs[k]
				if r, ok := ts.get(k); ru == nil && ok && r.versions[0].seq <= h.Horizon {
					// A run from the version a fold kept at the horizon.
					base, err := r.docOf(lg, 0)
					if err != nil {
						return err
					}
					ru = &run{base: base}
					runs[k] = ru
				}
				if ru == nil {
					break // no document to start from: reads walk back further
				}
				if ru.patches = append(ru.patches, v.Patch); len(ru.patches) == docEvery {
					if v.Doc, err = applyPatches(ru.base, ru.patches); err != nil {
						return fmt.Errorf("seq %d: %w", rec.Seq, err)
					}
					ru.base, ru.patches = v.Doc, nil
				}
			case store.EventSoftDelete:
				if k, _, err := splitKeyed(rec.Payload); err == nil {
					delete(runs, k)
				}
				continue // a deletion: the rows have it
			default:
				clear(runs) // a TRUNCATE
				continue
			}
			if err := w.put(k, rec.Seq, v); err != nil {
				return err
			}
		}
		if err := it.Err(); err != nil {
			return err
		}
		ts.rows.Ascend(func(r row) bool {
			var docs indexDocs
			for i := 0; i < len(r.versions) && r.versions[i].seq <= h.Indexed && err == nil; i++ {
				v := &r.versions[i]
				if keep := docs.keeps(i, v, ts.horizon); !v.inIndex() {
					err = w.putRow(ts.log, &r, i, ts.horizon, keep)
				}
			}
			return err == nil
		})
		return err
	}()
	if err := w.finish(err, vindex.Mark{Seq: h.Indexed, Horizon: h.Horizon}); err != nil {
		return fmt.Errorf("engine: table %s: rebuilding the version index from the log: %w", ts.spec.Name, err)
	}
	return lg.vx.Flush()
}

// indexDocs walks a row's versions, oldest first, choosing those whose
// documents the index holds: one PATCH in docEvery of a run of patches,
// as the rows keep them (chain.go), and a version at the horizon, whose
// record a fold may have dropped; an INSERT's after the horizon is its
// record's in the log. It does not depend on the row's length, so the
// versions put by one snapshot and the next agree.
type indexDocs int

// keeps reports whether the index holds the document of v, version i of
// its row, of a table at horizon.
func (c *indexDocs) keeps(i int, v *version, horizon uint64) bool {
	switch t := v.typ(); {
	case t == store.EventPatch && i > 0:
		if *c++; *c < docEvery {
			return false
		}
		*c = 0
		return true
	case t == store.EventPatch: // the version a fold kept at the horizon
		*c = 0
		return true
	case t == store.EventInsert:
		*c = 0
		return !inLogAt(v, horizon)
	}
	*c = 0
	return false
}

// versionEntry is what the index holds of version i of r, a row of a table
// at horizon whose log is lg: its type, time and patch, and when keep,
// its document.
func versionEntry(lg *tableLog, r *row, i int, horizon uint64, keep bool) (vindex.Version, error) {
	v := &r.versions[i]
	iv := vindex.Version{Type: byte(v.typ()), Ms: v.ms, Patch: v.patch()}
	if keep {
		doc := v.doc()
		if doc == nil {
			var err error
			if doc, err = r.docOf(lg, i); err != nil {
				return iv, err
			}
		}
		iv.Doc = doc
	}
	return iv, nil
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

// indexedDoc returns the document of v, a version of row k whose bytes
// are in the version index.
func (lg *tableLog) indexedDoc(k Key, v *version) ([]byte, error) {
	ck := cacheKey{lg, v.seq}
	if doc := lg.cache.get(ck); doc != nil {
		return doc, nil
	}
	r, err := lg.readerOf(k, v)
	if err != nil {
		return nil, err
	}
	defer lg.vx.ReleaseVersions(r)
	vseq, doc, found, err := lg.indexedDocAt(r, k, v.seq)
	if err == nil && (!found || vseq != v.seq) {
		err = lg.notIndexed(k, v)
	}
	if err != nil {
		return nil, err
	}
	lg.cache.put(ck, doc)
	return doc, nil
}

// indexedPatch returns the patch of v, a version of row k whose bytes
// are in the version index.
func (lg *tableLog) indexedPatch(k Key, v *version) ([]byte, error) {
	iv, err := lg.indexedVersion(k, v)
	return iv.Patch, err
}

// indexedVersion returns what the version index holds of v, a version of
// row k whose bytes are in it.
func (lg *tableLog) indexedVersion(k Key, v *version) (vindex.Version, error) {
	r, err := lg.readerOf(k, v)
	if err != nil {
		return vindex.Version{}, err
	}
	defer lg.vx.ReleaseVersions(r)
	var kb [32]byte
	if !r.Seek(lg.oid, appendOrderedKey(kb[:0], k), v.seq) || r.Seq() != v.seq {
		if err := r.Err(); err != nil {
			return vindex.Version{}, err
		}
		return vindex.Version{}, lg.notIndexed(k, v)
	}
	iv := r.Version()
	iv.Doc, iv.Patch = bytes.Clone(iv.Doc), bytes.Clone(iv.Patch)
	return iv, nil
}

// readerOf returns a pooled reader of the version index, for v, a version
// of row k whose bytes are in it; it goes back with ReleaseVersions.
func (lg *tableLog) readerOf(k Key, v *version) (*vindex.Versions, error) {
	if lg.vx == nil {
		return nil, fmt.Errorf("engine: row %s seq %d: its bytes are in a version index this state cannot read", k, v.seq)
	}
	r, err := lg.vx.AcquireVersions()
	if err != nil {
		return nil, storageError(err)
	}
	return r, nil
}

func (lg *tableLog) notIndexed(k Key, v *version) error {
	return fmt.Errorf("engine: version index: table %s row %s: no version at seq %d", *lg.name.Load(), k, v.seq)
}

// indexedDocAt reads from the index the version of key k visible at seq:
// its seq, and its document as the rows would give it: a document the
// index holds, an INSERT's from the log, or one rebuilt with the patches
// after the nearest earlier version that has its own. found is false when
// the index has no version of k at or below seq; doc is nil for a
// deletion.
func (lg *tableLog) indexedDocAt(r *vindex.Versions, k Key, seq uint64) (vseq uint64, doc []byte, found bool, err error) {
	var kb [32]byte
	if !r.Seek(lg.oid, appendOrderedKey(kb[:0], k), seq) {
		return 0, nil, false, r.Err()
	}
	vseq = r.Seq()
	var patches [][]byte // newest first
	for at := r.Version(); ; at = r.Version() {
		switch {
		case at.Doc != nil:
			doc = bytes.Clone(at.Doc)
		case store.EventType(at.Type) == store.EventInsert:
			rv := newVersion(r.Seq(), at.Ms, store.EventInsert)
			doc, err = lg.read(k, &rv)
		case at.Patch != nil:
			patches = append(patches, bytes.Clone(at.Patch))
			if !r.Next() {
				if err = r.Err(); err == nil {
					err = fmt.Errorf("engine: version index: row %s seq %d: no document to apply its patch to", k, vseq)
				}
				return vseq, nil, true, err
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
		return vseq, doc, true, err
	}
	slices.Reverse(patches)
	doc, err = applyPatches(doc, patches)
	return vseq, doc, true, err
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
	v := db.View()
	for _, name := range v.Tables() {
		ts, ok := v.lookupTable(name)
		if !ok {
			continue
		}
		// The trees up to the view's seq: a published state's may lag,
		// and a snapshot may have indexed the table up to it.
		if err := checkIndexedTable(db.vx, v.trees(name, ts)); err != nil {
			problems = append(problems, fmt.Sprintf("table %q: version index: %v", name, err))
		}
	}
	return problems
}

func checkIndexedTable(x *vindex.Index, ts *tableState) error {
	m, ok, err := x.Mark(ts.spec.OID)
	if err != nil || !ok || m.Horizon != ts.horizon {
		return err // none yet, or one a fold left behind: the next snapshot writes it
	}
	if ts.log.vx != x {
		return fmt.Errorf("the table reads another version index")
	}
	r, err := x.NewVersions()
	if err != nil {
		return err
	}
	defer r.Close()
	// Every version the index holds is a row's, as the row holds it.
	indexed := 0
	var runKey []byte // the key whose run of patches without a document is counted
	run := 0
	for ok := r.Scan(ts.spec.OID); ok; ok = r.Next() {
		if r.Seq() > m.Seq {
			continue // put by a snapshot still under way, which sets the mark last
		}
		indexed++
		// A read walks back at most docEvery-1 patches to a document.
		if !bytes.Equal(runKey, r.Key()) {
			runKey, run = append(runKey[:0], r.Key()...), 0
		}
		if iv := r.Version(); store.EventType(iv.Type) == store.EventPatch && iv.Doc == nil {
			if run++; run >= docEvery {
				return fmt.Errorf("key %x seq %d: %d patches in a row without a document", r.Key(), r.Seq(), run)
			}
		} else {
			run = 0
		}
		k, rest, err := readOrderedKey(r.Key())
		if err != nil || len(rest) > 0 {
			return fmt.Errorf("a key that does not decode: %x", r.Key())
		}
		row, found := ts.get(k)
		i := -1
		if found {
			i = row.index(r.Seq())
		}
		if ts.horizon > 0 && (!found && r.Seq() <= ts.horizon || found && r.Seq() < row.versions[0].seq) {
			indexed--
			continue // a version a fold dropped, read by no one
		}
		if i < 0 || row.versions[i].seq != r.Seq() {
			return fmt.Errorf("row %s seq %d: a version the rows do not have up to seq %d", k, r.Seq(), m.Seq)
		}
		rv := &row.versions[i]
		want, got := vindex.Version{Type: byte(rv.typ()), Ms: rv.ms, Patch: rv.patch()}, r.Version()
		if rv.inIndex() {
			want.Patch = got.Patch // the row has nothing to compare with
		}
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
			_, got, found, err := ts.log.indexedDocAt(r, row.key, v.seq)
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
