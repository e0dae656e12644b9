package engine

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"sync"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
)

// Index files and meta.json are caches of the truth (snapshots and the
// log): written after each snapshot, checked when read, and rebuilt from
// the rows when missing, damaged or not for the snapshot being loaded.
//
// indexes/<field>.idx (little-endian; never change without a new version):
//
//	header  magic "DRFTIDX\n" | version u32 = 3 | crc32c u32 of everything after the header
//	body    msgpack: map {"field", "seq" (the snapshot seq covered), "n", "trim", "lean"}, then n
//	        arrays [value, key, seq], in index order
//
// Version 2 adds "trim", the tree's trim: entries up to it may be gone
// from the file, and a reader that does not know that must not take it.
// Version 3 adds "lean": every entry up to the trim is gone, the current
// ones being in the version index. Version 1 files are read as of trim 0,
// version 2 as not lean.
const (
	idxMagic      = "DRFTIDX\n"
	idxVersion    = 3
	idxHeaderSize = 16
	indexesDir    = "indexes"
	metaFile      = "meta.json"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type idxHeader struct {
	Field string `msgpack:"field"`
	Seq   uint64 `msgpack:"seq"`
	N     int    `msgpack:"n"`
	Trim  uint64 `msgpack:"trim"`
	Lean  bool   `msgpack:"lean"`
}

func idxPath(tableDir, field string) string {
	return filepath.Join(tableDir, indexesDir, field+".idx")
}

// writeIndexFiles persists every index of ts as it is at seq.
func writeIndexFiles(fsys store.FS, tableDir string, ts *tableState, seq uint64) error {
	return encodeIndexFiles(ts.indexes, seq).write(fsys, tableDir)
}

// indexEncoding is the index files of a table being encoded on a
// goroutine of their own, in field order, each handed over when the one
// before has been taken: the next is encoded while the last is written,
// and at most two are in memory. The file operations stay with the
// writer, in one order: the same work makes the same file operations (the
// crash tests replay a workload by its seed).
type indexEncoding struct {
	out  chan encodedIndex
	stop chan struct{}
	once sync.Once
}

type encodedIndex struct {
	field string
	data  []byte
	err   error
}

// encodeIndexFiles starts encoding the index files of a table's indexes,
// its trees by field, at seq.
func encodeIndexFiles(indexes map[string]*indexTree, seq uint64) *indexEncoding {
	fields := slices.Sorted(maps.Keys(indexes))
	e := &indexEncoding{out: make(chan encodedIndex), stop: make(chan struct{})}
	go func() {
		defer close(e.out)
		for _, field := range fields {
			select {
			case <-e.stop:
				return
			default:
			}
			data, err := encodeIndexFile(field, indexes[field], seq)
			select {
			case e.out <- encodedIndex{field, data, err}:
			case <-e.stop:
				return
			}
		}
	}()
	return e
}

// write writes the encoded index files into tableDir.
func (e *indexEncoding) write(fsys store.FS, tableDir string) error {
	defer e.abandon()
	made := false
	for ix := range e.out {
		if ix.err != nil {
			return ix.err
		}
		if !made {
			if err := vfs.MkdirAll(fsys, filepath.Join(tableDir, indexesDir)); err != nil {
				return err
			}
			made = true
		}
		err := store.ReplaceFile(fsys, idxPath(tableDir, ix.field), func(f store.File) error {
			_, err := f.Write(ix.data)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// abandon stops the encoding, what is not written is not, and returns
// once the encoding goroutine is done.
func (e *indexEncoding) abandon() {
	e.once.Do(func() { close(e.stop) })
	for range e.out {
	}
}

// encodeIndexFile returns the index file of idx at seq: the header's
// checksum, which covers the body, is filled in once the entries are
// written.
func encodeIndexFile(field string, idx *indexTree, seq uint64) ([]byte, error) {
	// Count first, then encode in a second walk: no copy of the index.
	// The count also sizes the buffer (about what an entry takes), which
	// grew by doubling: 9 million entries spent 1.5 s of a close there.
	n, size := 0, idxHeaderSize+64
	var y yielder
	idx.Ascend(func(e indexEntry) bool {
		if e.seq <= seq {
			n++
			size += 24
			if s, ok := e.val.(string); ok {
				size += len(s)
			}
		}
		y.tick()
		return true
	})
	out := bytes.NewBuffer(make([]byte, 0, size))
	hdr := make([]byte, idxHeaderSize)
	copy(hdr, idxMagic)
	binary.LittleEndian.PutUint32(hdr[8:], idxVersion)
	out.Write(hdr)
	if err := msgpack.NewEncoder(out).Encode(&idxHeader{Field: field, Seq: seq, N: n, Trim: idx.trim, Lean: idx.lean}); err != nil {
		return nil, err
	}
	e := getEncoder()
	defer encPool.Put(e)
	var err error
	idx.Ascend(func(en indexEntry) bool {
		y.tick()
		if en.seq > seq {
			return true
		}
		e.buf.Reset()
		e.enc.EncodeArrayLen(3)
		if err = e.value(en.val, nil); err != nil {
			return false
		}
		if en.key.IsInt { // as e.value writes a key's value, unboxed
			e.enc.EncodeInt(en.key.Int)
		} else {
			e.enc.EncodeString(en.key.Str)
		}
		e.enc.EncodeUint(en.seq)
		out.Write(e.buf.Bytes())
		return true
	})
	if err != nil {
		return nil, err
	}
	b := out.Bytes()
	binary.LittleEndian.PutUint32(b[12:], crc32.Checksum(b[idxHeaderSize:], castagnoli)) // of the body, in one pass
	return b, nil
}

// readIndexFile loads the index of field if its file is whole and covers
// exactly seq.
func readIndexFile(fsys store.FS, tableDir, field string, seq uint64) (*indexTree, error) {
	b, err := vfs.ReadFile(fsys, idxPath(tableDir, field))
	if err != nil {
		return nil, err
	}
	if len(b) < idxHeaderSize || string(b[:8]) != idxMagic {
		return nil, errors.New("not an index file")
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != idxVersion && v != 1 && v != 2 {
		return nil, fmt.Errorf("index file version %d", v)
	}
	body := b[idxHeaderSize:]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[12:]) {
		return nil, errors.New("index file checksum mismatch")
	}
	r := bytes.NewReader(body)
	var h idxHeader
	if err := msgpack.NewDecoder(r).Decode(&h); err != nil {
		return nil, err
	}
	if h.Field != field || h.Seq != seq || h.N < 0 || h.N > len(body) {
		return nil, fmt.Errorf("index file is for %q at seq %d, not %q at %d", h.Field, h.Seq, field, seq)
	}
	// The library decoder reads a bytes.Reader without reading ahead: the
	// entries start where it stopped.
	mr := mpReader{b: body, i: len(body) - r.Len()}
	idx := newIndexTree()
	idx.trim, idx.lean = h.Trim, h.Lean
	tb := newTreeBuilder(idx) // the entries come in index order
	// Entries of one value are side by side: they share its decoded
	// value (an index of few values held a copy per row).
	var val any
	var raw []byte
	for range h.N {
		if c, err := mr.byte(); err != nil || c != 0x93 { // fixarray of 3
			return nil, fmt.Errorf("index entry: not [value, key, seq] (%v)", err)
		}
		at := mr.i
		if err := mr.skip(1); err != nil {
			return nil, err
		}
		if next := body[at:mr.i]; !bytes.Equal(next, raw) { // a value is never empty
			mr.i = at
			if val, err = mr.value(1); err != nil {
				return nil, err
			}
			raw = next
		}
		kv, err := mr.value(1)
		if err != nil {
			return nil, err
		}
		k, err := KeyOf(kv)
		if err != nil {
			return nil, err
		}
		sv, err := mr.value(1)
		if err != nil {
			return nil, err
		}
		s, ok := sv.(int64)
		if !ok || s < 0 {
			return nil, fmt.Errorf("index entry: seq %v", sv)
		}
		tb.add(newEntry(val, k, uint64(s)))
	}
	if mr.i != len(body) {
		return nil, errors.New("index file has data after its entries")
	}
	return idx, nil
}

// indexFiles is the reading of a table's index files for a snapshot's seq,
// under way beside the reading of the snapshot itself (readIndexFiles).
type indexFiles struct {
	done  chan struct{}
	trees map[string]*indexTree
	errs  map[string]error // by field, the files that cannot be used
}

// readIndexFiles starts reading the index files of spec covering seq in a
// goroutine of their own: they are independent of the snapshot, which the
// caller reads meanwhile. A table without indexes reads nothing.
func (db *DB) readIndexFiles(tableDir string, spec *TableSpec, seq uint64) *indexFiles {
	f := &indexFiles{done: make(chan struct{}), trees: make(map[string]*indexTree, len(spec.Indexes)), errs: map[string]error{}}
	if len(spec.Indexes) == 0 {
		close(f.done)
		return f
	}
	fsys := db.st.FS()
	go func() {
		defer close(f.done)
		for _, field := range spec.Indexes {
			idx, err := readIndexFile(fsys, tableDir, field, seq)
			if err != nil {
				f.errs[field] = err
				continue
			}
			f.trees[field] = idx
		}
	}()
	return f
}

// wait waits for the reading to end.
func (f *indexFiles) wait() { <-f.done }

// useIndexes fills ts.indexes from the index files read for the seq of
// its snapshot, the others as read. An index whose file cannot be used
// (none yet: an index made since the snapshot) is taken from the version
// index when it holds the index's entries up to the snapshot and current
// entries from there on (an index made on a spilled table, buildIndexed):
// its tree is lean, trimmed at the snapshot, empty until the deltas and
// the log add theirs. Else it is built from the rows, into the version
// index for a table it holds (buildIndexed again, at the snapshot's seq:
// bounded memory), into a tree otherwise.
func (db *DB) useIndexes(ts *tableState, f *indexFiles) error {
	f.wait()
	var build []string
	for field := range ts.indexes {
		idx, ok := f.trees[field]
		if !ok {
			if err := f.errs[field]; err != nil && !errors.Is(err, fs.ErrNotExist) {
				db.log.Warn("rebuilding an index whose file cannot be used", "table", ts.spec.Name, "field", field, "err", err)
			}
			// What an index built into the version index leaves at the
			// snapshot: nothing in the tree, every entry up to it there.
			idx = newIndexTree()
			idx.trim, idx.lean = ts.lastSnap, true
		}
		err := db.entriesReach(ts.spec.OID, field, idx.trim)
		if err == nil && idx.lean {
			err = db.currentReach(ts, field, idx.trim)
		}
		if err != nil {
			if ok {
				db.log.Warn("rebuilding an index whose file lacks entries the version index does not have", "table", ts.spec.Name, "field", field, "err", err)
			}
			build = append(build, field)
			continue
		}
		ts.indexes[field] = idx
	}
	if len(build) == 0 {
		return nil
	}
	if spilled, err := db.spilled(ts.spec.OID); err != nil || !spilled {
		return ts.buildIndexes(build)
	}
	for _, field := range build {
		t, _, err := buildIndexed(db.vx, ts, ts.spec.OID, ts.horizon, field, ts.lastSnap)
		if err != nil {
			return err
		}
		ts.indexes[field] = t
	}
	return nil
}

// currentReach checks that the version index holds the current entries of
// ts's index on field at a mark from trim on, as the reads of a lean tree
// trimmed at trim need, and makes the mark the table's.
func (db *DB) currentReach(ts *tableState, field string, trim uint64) error {
	m, ok, err := db.vx.CurrentMark(ts.spec.OID, field)
	switch {
	case err != nil:
		return err
	case !ok || m.Seq < trim || m.Horizon != ts.horizon:
		return fmt.Errorf("entries up to seq %d are the version index's current ones, which it holds at seq %d (horizon %d, the table's %d)", trim, m.Seq, m.Horizon, ts.horizon)
	}
	ts.log.setCurrentMark(field, m.Seq)
	return nil
}

// entriesReach checks that the version index holds the entries of the
// table's index on field up to trim, as the reads before a tree's trim
// need (nothing to check for a trim of 0).
func (db *DB) entriesReach(oid uint32, field string, trim uint64) error {
	if trim == 0 {
		return nil
	}
	if db.vx == nil {
		return fmt.Errorf("entries let go up to seq %d, and no version index", trim)
	}
	m, ok, err := db.vx.EntriesMark(oid, field)
	switch {
	case err != nil:
		return err
	case !ok || m.Seq < trim:
		return fmt.Errorf("entries let go up to seq %d, the version index's reach seq %d", trim, m.Seq)
	}
	return nil
}

// meta is meta.json: what a person or a tool wants to know of a table
// without reading its log. Nothing reads it back as truth.
type meta struct {
	Table    string       `json:"table"`
	Seq      uint64       `json:"seq"`
	Horizon  uint64       `json:"horizon,omitempty"`
	Rows     int          `json:"rows"`
	Versions int          `json:"versions"`
	PK       string       `json:"pk"`
	Indexes  []string     `json:"indexes,omitempty"`
	Columns  []metaColumn `json:"columns"`
}

type metaColumn struct {
	Name     string `json:"name"`
	Field    string `json:"field,omitempty"`
	Type     Type   `json:"type"`
	Typmod   Typmod `json:"typmod,omitzero"`
	Declared bool   `json:"declared,omitempty"`
}

// writeMeta writes meta.json for ts as of seq.
func writeMeta(fsys store.FS, tableDir string, ts *tableState, seq uint64) error {
	m := meta{Table: ts.spec.Name, Seq: seq, Horizon: ts.horizon, PK: ts.spec.PK, Indexes: ts.spec.Indexes}
	for _, c := range ts.cols.columns() {
		mc := metaColumn{Name: c.Name, Type: c.Type, Typmod: c.Typmod, Declared: c.Declared}
		if c.Field != c.Name {
			mc.Field = c.Field
		}
		m.Columns = append(m.Columns, mc)
	}
	var y yielder
	var err error
	ts.rows.Ascend(func(r row) bool {
		y.tick()
		n, _, _, live, cerr := r.countAt(ts.log, seq)
		m.Versions += n
		if live {
			m.Rows++
		}
		err = cerr
		return err == nil
	})
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(&m, "", "  ")
	if err != nil {
		return err
	}
	return store.WriteFileAtomic(fsys, filepath.Join(tableDir, metaFile), append(b, '\n'))
}

// checkMeta compares meta.json with the loaded state and rewrites it when
// it is missing or says something else.
func (db *DB) checkMeta(tableDir string, ts *tableState, seq uint64) {
	if db.opts.ReadOnly {
		return
	}
	var m meta
	b, err := vfs.ReadFile(db.st.FS(), filepath.Join(tableDir, metaFile))
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err == nil && m.Table == ts.spec.Name && m.Seq == seq && len(m.Columns) == len(ts.cols.cols) && m.Horizon == ts.horizon {
		return
	}
	if err == nil {
		db.log.Warn("meta.json is stale; rewriting it", "table", ts.spec.Name, "meta_seq", m.Seq, "seq", seq)
	}
	if err := writeMeta(db.st.FS(), tableDir, ts, seq); err != nil {
		db.log.Warn("cannot write meta.json", "table", ts.spec.Name, "err", err)
	}
}

// CheckIndexFiles reads every index file of every table against the
// newest snapshot and returns what cannot be used. Such a file is only a
// cache: the table rebuilds the index when it loads.
func (db *DB) CheckIndexFiles() []string {
	var problems []string
	for _, name := range db.View().Tables() {
		// The newest snapshot is the writer's to know: a published state
		// is not refreshed for a snapshot alone.
		var lastSnap uint64
		var fields []string
		db.locked(func() {
			if w, ok := db.work[name]; ok {
				lastSnap = w.snaps.full // the index files go with it
				for f := range w.indexes {
					fields = append(fields, f)
				}
			}
		})
		if lastSnap == 0 {
			continue
		}
		dir := db.st.StreamDir(name)
		for _, field := range fields {
			if _, err := readIndexFile(db.st.FS(), dir, field, lastSnap); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v (rebuilt from the rows at every load until the next snapshot)", idxPath(dir, field), err))
			}
		}
	}
	return problems
}
