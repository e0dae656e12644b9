package engine

import (
	"bytes"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/vindex"
)

// A row's versions keep their change, not each a copy of the whole
// document. A PATCH version that is not the row's newest lets its
// document go (doc nil, patch kept) once the writer holds the versions in
// an array no reader has seen (letGo); reading it applies the patches
// after the nearest earlier version that kept its document, as the commit
// did (docOf). One version in docEvery of a run of patches keeps its
// document, so a read applies at most docEvery-1 patches.
//
// An INSERT version that is not its row's newest lets its document go too,
// once its record is durable and after the table's horizon (a fold drops
// the records before it): the document is its record's payload, read from
// the table's log by seq when needed (inLog, tableLog). A document is the
// bulk of a row's bytes; patches are small and stay, so a read of an old
// version reads at most one record, for the INSERT it starts from.
//
// A row's newest version keeps its document, unless the version index
// holds it (Options.NewestInIndex, version.leaves): a PATCH's is read
// from there (newestDoc), an INSERT's from the log.
//
// A version with no document and no patch, held or in the log, is a
// deletion.
//
// A gap (version.gap) stands for versions the row no longer holds: the
// version index has them (versionindex.go). A read of a seq in a gap seeks
// the index (gapAt); a walk of every version reads the gap's versions
// from it (expanded).
const docEvery = 8

// deleted reports whether the version hides the row: a SOFT_DELETE or a
// TRUNCATE (a PATCH whose document was let go still has its patch).
func (v *version) deleted() bool {
	return !v.hasDoc() && !v.hasPatch() && !v.inLog() && !v.gap()
}

// inLog reports whether the version is an INSERT whose document is read
// from the log: an INSERT holds its document otherwise.
func (v *version) inLog() bool { return !v.hasDoc() && v.typ() == store.EventInsert }

// ownDoc reports whether the version's document is its own: held, or an
// INSERT's in the log. Any other live version's document is rebuilt with
// the patches after the nearest earlier one that has its own. A gap's is
// the document of its newest version, read from the index.
func (v *version) ownDoc() bool { return v.hasDoc() || v.typ() == store.EventInsert || v.gap() }

// tableLog reads documents from a table's log: the stream of the table,
// by its name, and from the version index, by the table's OID.
type tableLog struct {
	st    *store.Store
	cache *docCache // nil: none
	vx    *vindex.Index
	ext   *extentFiles // nil: none
	// extents are the table's extents, nil for none (extents.go).
	extents atomic.Pointer[extentSet]
	oid     uint32
	num     uint32 // for the document cache's keys (newCacheKey)
	// name is the table's name: a rename changes it for every state of
	// the table, old views included, as it moves the stream.
	name atomic.Pointer[string]
	// present is the table's newest present file (present.go), nil for
	// none; any serves every state, a record being read only for its seq.
	present atomic.Pointer[presentFile]
	log     *slog.Logger // nil: none
	// cur holds, by field, the seq at which the version index holds the
	// current entries of the table's index on field (0: it holds none
	// that a read may take); a trim changes them and the mark together
	// under its write lock, and a reader opens its reader of them and
	// reads the mark under its read lock (leanEntries).
	cur struct {
		sync.RWMutex
		marks map[string]uint64
	}
}

// currentMark returns the current mark of the index on field.
func (lg *tableLog) currentMark(field string) uint64 {
	lg.cur.RLock()
	defer lg.cur.RUnlock()
	return lg.cur.marks[field]
}

// setCurrentMark sets the current mark of the index on field.
func (lg *tableLog) setCurrentMark(field string, seq uint64) {
	lg.cur.Lock()
	defer lg.cur.Unlock()
	lg.setCurrentMarkLocked(field, seq)
}

// setCurrentMarkLocked is setCurrentMark for a caller that holds lg.cur.
func (lg *tableLog) setCurrentMarkLocked(field string, seq uint64) {
	if lg.cur.marks == nil {
		lg.cur.marks = map[string]uint64{}
	}
	lg.cur.marks[field] = seq
}

func newTableLog(st *store.Store, cache *docCache, name string) *tableLog {
	lg := &tableLog{st: st, cache: cache, num: logNums.Add(1)}
	lg.name.Store(&name)
	return lg
}

// read returns the document of v, an INSERT of row k whose document is
// in the log.
func (lg *tableLog) read(k Key, v *version) ([]byte, error) {
	if lg == nil {
		return nil, fmt.Errorf("engine: row %s seq %d: its record is in a log this state cannot read", k, v.seq)
	}
	ck := newCacheKey(lg, v.seq)
	if doc := lg.cache.get(ck); doc != nil {
		return doc, nil
	}
	name := *lg.name.Load()
	rec, err := lg.st.ReadRecord(name, v.seq)
	doc, err := insertDoc(name, k, v.seq, rec, err)
	if err == nil {
		lg.cache.put(ck, doc)
	}
	return doc, err
}

// insertDoc returns the document of row k's INSERT at seq in table name
// from rec, its record as read from the log (err: the read's error).
func insertDoc(name string, k Key, seq uint64, rec store.Record, err error) ([]byte, error) {
	if err != nil {
		return nil, storageError(fmt.Errorf("engine: table %s row %s seq %d: %w", name, k, seq, err))
	}
	if rec.Type != store.EventInsert {
		return nil, fmt.Errorf("engine: table %s row %s seq %d: the log has a %v, not an INSERT", name, k, seq, rec.Type)
	}
	return rec.Payload, nil
}

// docOf returns the document of r.versions[i], nil when that version is a
// deletion; for a gap, the document of its newest version.
func (r *row) docOf(lg *tableLog, i int) ([]byte, error) {
	v := &r.versions[i]
	switch {
	case v.hasDoc() || v.deleted():
		return v.doc(), nil
	case v.gap():
		_, _, doc, err := r.gapAt(lg, i, r.versions[i+1].seq-1)
		return doc, err
	case v.inLog():
		return lg.read(r.key, v)
	case i == len(r.versions)-1:
		return lg.newestDoc(r.key, v) // a PATCH that left it to the index
	}
	j := i - 1
	for j >= 0 && !r.versions[j].ownDoc() {
		if r.versions[j].deleted() {
			j = -1 // a deletion before the base: cannot happen
			break
		}
		j--
	}
	if j < 0 {
		return nil, fmt.Errorf("engine: row %s seq %d: no document to apply its patch to", r.key, v.seq)
	}
	base, err := r.docOf(lg, j)
	if err != nil {
		return nil, err
	}
	return r.rebuildFrom(lg, base, j, i)
}

// rebuildFrom applies the patches of versions j+1 to i to base, the
// document of version j.
func (r *row) rebuildFrom(lg *tableLog, base []byte, j, i int) ([]byte, error) {
	var p rebuild
	if err := p.start(base); err != nil {
		return nil, r.damaged(j, err)
	}
	for k := j + 1; k <= i; k++ {
		if err := p.apply(r.versions[k].patch()); err != nil {
			return nil, r.damaged(k, err)
		}
	}
	return p.encode(), nil
}

// applyPatches applies patches, oldest first, to base, a document as
// stored: what rebuildFrom does with a row's own patches, for patches read
// from elsewhere (the version index, the log).
func applyPatches(base []byte, patches [][]byte) ([]byte, error) {
	var p rebuild
	if err := p.start(base); err != nil {
		return nil, err
	}
	for _, patch := range patches {
		if err := p.apply(patch); err != nil {
			return nil, err
		}
	}
	return p.encode(), nil
}

func (r *row) damaged(i int, err error) error {
	return fmt.Errorf("engine: row %s seq %d: %w", r.key, r.versions[i].seq, err)
}

// leaves reports whether v, a row's newest version, at place i of its
// versions, may let its document go once the version index holds the
// row up to indexed, at horizon: a PATCH's is read from the index then
// (newestDoc), an INSERT's from the log (inLog) when after the horizon. A
// PATCH that is the row's first (the version at a fold's horizon) keeps
// its own: nothing before it would rebuild it once a newer one follows.
func (v *version) leaves(i int, indexed, horizon uint64) bool {
	if v.gap() || v.seq > indexed {
		return false
	}
	switch v.typ() {
	case store.EventPatch:
		return i > 0 && v.hasPatch()
	case store.EventInsert:
		return inLogAt(v, horizon)
	}
	return false
}

// leavesNow is leaves for a version that still holds its document.
func (v *version) leavesNow(i int, indexed, horizon uint64) bool {
	return v.hasDoc() && v.leaves(i, indexed, horizon)
}

// newestInIndex reports whether the row's newest version is a PATCH that
// left its document to the version index (leaves).
func (r *row) newestInIndex() bool {
	v := r.newest()
	return !v.hasDoc() && v.typ() == store.EventPatch
}

// newestOutside reports whether the document of the row's newest version
// is not in memory: a PATCH's left to the version index, or an INSERT's
// in the log. A scan reads either from the table's present file first.
func (r *row) newestOutside() bool { return r.newestInIndex() || r.newest().inLog() }

// live reports whether the row's newest version is not a deletion.
func (r *row) live() bool { return !r.newest().deleted() }

// current returns the document of the row's newest version, nil when it
// is a deletion.
func (r *row) current(lg *tableLog) ([]byte, error) { return r.docOf(lg, len(r.versions)-1) }

// docAt returns the seq and time of the version visible at seq (seq 0:
// none) and its document (nil: none, or a deletion). A row with no
// versions (the zero row of a key not found) has none.
func (r *row) docAt(lg *tableLog, seq uint64) (uint64, int64, []byte, error) {
	i := r.index(seq)
	if i < 0 {
		return 0, 0, nil, nil
	}
	v := &r.versions[i]
	if v.gap() {
		return r.gapAt(lg, i, seq)
	}
	doc, err := r.docOf(lg, i)
	return v.seq, v.ms, doc, err
}

// eachDoc calls fn with every version after seq after, oldest first, and
// its document, rebuilding let-go documents one patch at a time as it
// goes, and reading the versions of gaps from the version index. It stops
// at fn's false.
func (r *row) eachDoc(lg *tableLog, after uint64, fn func(v *version, doc []byte) bool) error {
	return r.eachDocWith(lg, nil, after, fn)
}

// eachDocWith is eachDoc reading the document of a newest version that is
// not in memory (an INSERT's in the log, a PATCH's left to the index) with
// nr, when it is not nil and the document is not rebuilt from the one
// before: a walk of many rows in key order then reads the present file
// and the log in order, not a read of its own for each row. The document
// fn is given for it is lent until nr reads again.
func (r *row) eachDocWith(lg *tableLog, nr *newestReader, after uint64, fn func(v *version, doc []byte) bool) error {
	if r.hasGap(max(r.index(after), 0), len(r.versions)) {
		x, err := r.expanded(lg)
		if err != nil {
			return err
		}
		r = &x
	}
	var prev []byte
	for i := r.index(after) + 1; i < len(r.versions); i++ {
		doc, err := r.nextDocWith(lg, nr, i, prev)
		if err != nil {
			return err
		}
		if !fn(&r.versions[i], doc) {
			return nil
		}
		prev = doc
	}
	return nil
}

// hasGap reports whether a version of r from the one at from up to (not
// including) the one at to is a gap.
func (r *row) hasGap(from, to int) bool {
	for i := from; i < to; i++ {
		if r.versions[i].gap() {
			return true
		}
	}
	return false
}

// expanded returns r with the versions of its gaps read from the version
// index in their place, holding what the index holds of them (r itself
// when it has no gap): for the reads that walk every version.
func (r *row) expanded(lg *tableLog) (row, error) {
	if !r.hasGap(0, len(r.versions)) {
		return *r, nil
	}
	vs := make([]version, 0, r.countIn(0, len(r.versions)))
	for i := range r.versions {
		if !r.versions[i].gap() {
			vs = append(vs, r.versions[i])
			continue
		}
		var err error
		if vs, err = r.appendGap(lg, vs, i); err != nil {
			return row{}, err
		}
	}
	return newRow(r.key, vs), nil
}

// countIn returns how many versions r.versions[i:j] are, those of
// their gaps included.
func (r *row) countIn(i, j int) int {
	n := 0
	for k := i; k < j; k++ {
		n += r.versions[k].count()
	}
	return n
}

// nextDoc is docOf(i) given prev, the document of version i-1 (nil when
// not known, or a deletion): a let-go document is then one patch away.
func (r *row) nextDoc(lg *tableLog, i int, prev []byte) ([]byte, error) {
	return r.nextDocWith(lg, nil, i, prev)
}

// nextDocWith is nextDoc reading a document that is not rebuilt with nr,
// when it is not nil (newestReader.docOf).
func (r *row) nextDocWith(lg *tableLog, nr *newestReader, i int, prev []byte) ([]byte, error) {
	v := &r.versions[i]
	switch {
	case !v.ownDoc() && !v.deleted() && prev != nil:
		return r.rebuildFrom(lg, prev, i-1, i)
	case nr != nil:
		return nr.docOf(lg, r, i)
	}
	return r.docOf(lg, i)
}

// patcher applies a patch to a decoded document as a commit does: RFC
// 7396 merge, top-level keys in the order they were first written (a key
// removed and set again goes last).
type patcher struct {
	doc   map[string]any
	order []string
}

// merge merges a decoded patch whose top-level keys are order.
func (p *patcher) merge(patch map[string]any, order []string) {
	p.doc = mergePatch(p.doc, patch).(map[string]any)
	p.order = dedupeKeys(append(p.order, order...), p.doc)
}

// rebuild applies encoded patches to an encoded document as patcher does,
// giving the same bytes, but on the stored bytes of the top-level fields:
// only a field that a patch sets to an object (a nested merge) is decoded.
type rebuild struct {
	names, vals [][]byte // each field's name and value, as stored
}

func (p *rebuild) start(doc []byte) error {
	it := fieldsOf(doc, true)
	if it.err == nil {
		p.names = make([][]byte, 0, it.left+4)
		p.vals = make([][]byte, 0, it.left+4)
	}
	for it.next() {
		name, val, err := it.field()
		if err != nil {
			return err
		}
		p.names = append(p.names, name)
		p.vals = append(p.vals, val)
	}
	return it.err
}

// apply merges one encoded patch.
func (p *rebuild) apply(patch []byte) error {
	it := fieldsOf(patch, true)
	for it.next() {
		name, val, err := it.field()
		if err != nil {
			return err
		}
		i := slices.IndexFunc(p.names, func(n []byte) bool { return bytes.Equal(n, name) })
		switch {
		case val[0] == 0xc0: // null removes the field
			if i >= 0 {
				p.names = slices.Delete(p.names, i, i+1)
				p.vals = slices.Delete(p.vals, i, i+1)
			}
			continue
		case val[0] >= 0x80 && val[0] <= 0x8f || val[0] == 0xde || val[0] == 0xdf:
			// An object merges into the field's object (or into none).
			pv, err := decodeMsgpack(val)
			if err != nil {
				return err
			}
			var target any
			if i >= 0 {
				if target, err = decodeMsgpack(p.vals[i]); err != nil {
					return err
				}
			}
			e := getEncoder()
			if err := e.value(mergePatch(target, pv), nil); err != nil {
				return err
			}
			val = e.bytes()
		}
		if i >= 0 {
			p.vals[i] = val
		} else {
			p.names = append(p.names, name)
			p.vals = append(p.vals, val)
		}
	}
	return it.err
}

func (p *rebuild) encode() []byte {
	e := getEncoder()
	e.enc.EncodeMapLen(len(p.names))
	for i, name := range p.names {
		e.buf.Write(name)
		e.buf.Write(p.vals[i])
	}
	return e.bytes()
}

// letGo lets go of the documents of the PATCH versions of vs that a read
// can rebuild (see docEvery), and of the INSERTs in w, read from the log
// from then on. vs must be an array no reader has seen; its last version
// keeps its document.
func letGo(vs []version, w logWindow) {
	var run docRun
	for i := range vs {
		v := &vs[i]
		if run.without(i, len(vs), v.typ(), v.hasPatch(), !v.hasDoc()) {
			v.setDoc(nil)
		}
		if i < len(vs)-1 && !v.inLog() && w.has(v) {
			// The document goes to the cache on its way out: the read
			// of it that may follow soon need not go to the log.
			if w.lg != nil {
				w.lg.cache.put(newCacheKey(w.lg, v.seq), v.doc())
			}
			v.setDoc(nil)
		}
	}
}

// logWindow is the INSERT versions whose documents may be read from the
// log rather than held: after the table's horizon (a fold drops the
// records before it) and durable (at or below durable). lg is the log
// they are read from.
type logWindow struct {
	horizon, durable uint64
	lg               *tableLog
}

func (w logWindow) has(v *version) bool { return v.seq <= w.durable && inLogAt(v, w.horizon) }

// inLogAt reports whether v, a durable version that is not its row's
// newest, may have its document read from the log: an INSERT after the
// table's horizon.
func inLogAt(v *version, horizon uint64) bool { return insertAfter(v.typ(), v.seq, horizon) }

// insertAfter reports whether a version of type typ at seq is an INSERT
// after horizon: one whose document is its record's in the log.
func insertAfter(typ store.EventType, seq, horizon uint64) bool {
	return typ == store.EventInsert && seq > horizon
}

// logWindow is the window of ts's versions whose documents may go to the
// log now.
func (ts *tableState) logWindow() logWindow {
	w := logWindow{horizon: ts.horizon, lg: ts.log}
	if ts.log != nil {
		w.durable = ts.log.st.LastSeq()
	}
	return w
}

// docRun walks a row's versions, oldest first, counting the PATCH
// versions since the last that keeps its document: the rule of letGo,
// which a snapshot's reader follows too.
type docRun int

// without reports whether version i of n, of type typ (with its patch:
// patch; whose document was let go already: gone), goes without its
// document. The first and the newest version keep theirs, and so does
// any but a PATCH with its patch, and one PATCH in docEvery of a run.
func (run *docRun) without(i, n int, typ store.EventType, patch, gone bool) bool {
	switch {
	case i == 0 || i == n-1 || typ != store.EventPatch || !patch:
		*run = 0
		return false
	case gone || int(*run)+1 < docEvery:
		*run++
		return true
	}
	*run = 0
	return false
}

// appendVersion returns vs with v added. When vs has no room, the
// versions move to a new array, a quarter larger, whose let-go documents,
// and the bytes of its versions in w, are dropped on the way (readers hold
// the old array).
func appendVersion(vs []version, v version, w logWindow) []version {
	if len(vs) < cap(vs) {
		return append(vs, v)
	}
	n := len(vs) + 1
	nv := make([]version, n, n+n/4)
	copy(nv, vs)
	nv[n-1] = v
	letGo(nv, w)
	return nv
}
