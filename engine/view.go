package engine

import (
	"errors"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/driftdb/driftdb/store"
)

// View is a consistent read of the database at one committed seq. Taking a
// view never waits for the writer (a scan or index lookup may, for the
// moment it takes to clone the writer's B-trees), and nothing the writer
// does later changes what the view returns.
type View struct {
	db    *DB
	state *dbState
	seq   uint64
	past  bool // taken AS OF an earlier point
	txn   *Txn // when reading inside a transaction: its own writes too
}

// View returns a view at the current committed seq.
func (db *DB) View() *View {
	seq := db.visible.Load()
	// Load the state after the seq: it holds every version up to seq.
	return &View{db: db, state: db.pub.Load(), seq: seq}
}

// ViewAt returns a view of the state after every event with seq <= seq.
func (db *DB) ViewAt(seq uint64) (*View, error) {
	v := db.View()
	if seq > v.seq {
		return nil, wrapf(CodeInvalidParameter, ErrPastEnd, "AS OF @seq:%d is past the latest committed seq %d", seq, v.seq)
	}
	v.seq, v.past = seq, true
	return v, nil
}

// ViewAtTime returns a view of the state after every event with unix_ms at
// or before t.
func (db *DB) ViewAtTime(t time.Time) (*View, error) {
	v := db.View()
	ms := t.UnixMilli()
	if t.After(db.opts.Now()) {
		return nil, wrapf(CodeInvalidParameter, ErrPastEnd, "AS OF %s is in the future", t.UTC().Format(time.RFC3339Nano))
	}
	times := v.state.times
	// The first point with ms > t starts the events that are excluded.
	i := sort.Search(len(times), func(i int) bool { return times[i].ms > ms })
	seq := v.seq
	if i < len(times) {
		seq = times[i].firstSeq - 1
	}
	if seq > v.seq {
		seq = v.seq
	}
	v.seq, v.past = seq, true
	return v, nil
}

// lookupTable finds a table in the view's state. A table created after a
// current view was taken (DDL takes effect at once, also inside a
// transaction) is found in the latest state; a view of the past does not
// see tables created after it.
func (v *View) lookupTable(name string) (*tableState, bool) {
	if ts, ok := v.state.tables[name]; ok {
		return ts, true
	}
	if v.past {
		return nil, false
	}
	ts, ok := v.db.pub.Load().tables[name]
	return ts, ok
}

// trees returns the state of a table whose B-trees hold every event up to
// the view's seq: ts when it is recent enough, else a fresh copy of the
// writer's state. Lookups by key need no fresh copy: the point map and a
// row's versions already hold every accepted event.
func (v *View) trees(name string, ts *tableState) *tableState {
	if ts.upTo >= v.seq {
		return ts
	}
	if fresh := v.db.refresh(name, v.seq); fresh != nil {
		return fresh
	}
	return ts
}

// Seq returns the seq the view reads at.
func (v *View) Seq() uint64 { return v.seq }

// Past reports whether the view was taken at an earlier point (AS OF).
func (v *View) Past() bool { return v.past }

// Tables returns the table names, sorted.
func (v *View) Tables() []string {
	names := make([]string, 0, len(v.state.tables))
	for n := range v.state.tables {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (v *View) table(name string) (*tableState, error) {
	ts, ok := v.lookupTable(name)
	if !ok {
		return nil, noTable(name)
	}
	if v.past && ts.horizon != 0 && v.seq < ts.horizon {
		return nil, wrapf(CodeSnapshotTooOld, ErrHorizon,
			"table %q was compacted before seq %d: AS OF @seq:%d is older than its history", name, ts.horizon, v.seq)
	}
	return ts, nil
}

// Spec returns a table's definition. It is shared, like the table state
// it belongs to: it must not be changed (DDL makes a new one).
func (v *View) Spec(table string) (*TableSpec, error) {
	ts, ok := v.lookupTable(table)
	if !ok {
		return nil, noTable(table)
	}
	return ts.spec, nil
}

// Columns returns a table's columns: the primary key, then every field
// ever written in first-seen order.
//
// The slice is shared by every caller until the columns change: it must not
// be changed, and the same slice means the same columns.
func (v *View) Columns(table string) ([]Column, error) {
	ts, ok := v.lookupTable(table)
	if !ok {
		return nil, noTable(table)
	}
	return ts.columns().columns(), nil
}

// Row is a row as a view sees it.
type Row struct {
	Key    Key
	Seq    uint64 // seq of the event that made this version
	UnixMs int64
	doc    []byte
	dec    map[string]any
	// borrowed says doc is in the cursor's buffer, written over by its
	// next chunk (newestReader): values read from it are copies.
	borrowed bool
}

// Doc returns the row's document, decoded. The map must not be changed.
func (r *Row) Doc() (map[string]any, error) {
	if r.dec == nil && r.doc == nil {
		return nil, errors.New("engine: the row was read without its document (Cursor.NoDocuments)")
	}
	if r.dec == nil {
		d, err := decodeDocBytes(r.doc)
		if err != nil {
			return nil, err
		}
		r.dec = d
	}
	return r.dec, nil
}

// Fields reads the top-level fields names of the row's document into out
// (nil where a field is missing), without decoding the rest. Integers and
// strings are boxed from b when it is not nil (see Boxes).
func (r *Row) Fields(names []string, out []any, b *Boxes) error {
	// A version's document never changes: its strings need no copy,
	// but for a document only lent to the row.
	return r.fields(names, out, b, !r.borrowed)
}

// FieldsLent is Fields, but the strings of a document lent to the row
// (a scan's) are not copied either: they are valid until the cursor's
// next chunk, for a caller that reads them and lets them go (a filter)
// or copies those it keeps.
func (r *Row) FieldsLent(names []string, out []any, b *Boxes) error {
	return r.fields(names, out, b, true)
}

// Lent reports whether the row's document is lent to it (a scan's, until
// the cursor's next chunk): what FieldsLent reads from it is then to be
// copied to be kept.
func (r *Row) Lent() bool { return r.borrowed }

func (r *Row) fields(names []string, out []any, b *Boxes, alias bool) error {
	for i := range out {
		out[i] = nil
	}
	if r.dec != nil || r.doc == nil {
		for i, n := range names {
			out[i] = r.dec[n]
		}
		return nil
	}
	if len(names) == 1 {
		// One field (an aggregate's, a filter's): the walk that finds
		// it is one loop.
		if at := valueAt(r.doc, names[0]); at >= -1 {
			if at == -1 {
				return nil
			}
			vr := mpReader{b: r.doc, i: at, alias: alias}
			v, err := vr.boxedValue(b)
			out[0] = v
			return err
		}
	}
	it := fieldsOf(r.doc, alias)
	left := len(names) // names not yet found: the rest is not read
	for left > 0 && it.next() {
		want := -1
		for i, name := range names {
			if name == string(it.key) {
				want = i
				break
			}
		}
		if want < 0 {
			continue
		}
		v, err := it.r.boxedValue(b)
		if err != nil {
			return err
		}
		for i := want; i < len(names); i++ { // a name may be asked for twice
			if names[i] == names[want] {
				out[i] = v
				left--
			}
		}
	}
	return it.err
}

// Get returns the live row with key k, if any.
func (v *View) Get(table string, key any) (Row, bool, error) {
	return v.get(table, key, true)
}

// GetNoDocument is Get for a caller that reads none of the row's fields
// (a join that only counts, EXISTS): whether the row is live and its
// version's seq and time, read from its versions, without its document
// where they tell (a version left to the index, a gap, is read). The row's
// fields read as missing, but for a transaction's own row.
func (v *View) GetNoDocument(table string, key any) (Row, bool, error) {
	return v.get(table, key, false)
}

func (v *View) get(table string, key any, docs bool) (Row, bool, error) {
	ts, err := v.table(table)
	if err != nil {
		return Row{}, false, err
	}
	k, err := tableKey(ts, key)
	if err != nil {
		return Row{}, false, err
	}
	if p, ok := v.pendingRow(table, k); ok {
		if p.doc == nil {
			return Row{}, false, nil
		}
		return Row{Key: k, Seq: v.seq + 1, dec: p.doc}, true, nil
	}
	if v.truncated(table) {
		return Row{}, false, nil
	}
	if v.txn != nil {
		v.txn.noteRead(table, k)
	}
	r, _ := ts.find(k) // a key not found: a row that has no version
	if !docs {
		if ver, known := r.liveAt(v.seq); known {
			if ver == nil {
				return Row{}, false, nil
			}
			return Row{Key: k, Seq: ver.seq, UnixMs: ver.ms}, true, nil
		}
	}
	seq, ms, doc, err := r.docAt(ts.log, v.seq)
	if doc == nil {
		return Row{}, false, err
	}
	return Row{Key: k, Seq: seq, UnixMs: ms, doc: doc}, true, nil
}

// truncated reports whether the view's transaction truncated table: the
// table's rows are then only those the transaction wrote since.
func (v *View) truncated(table string) bool {
	return v.txn != nil && v.txn.pending.isTruncated(table)
}

func (v *View) pendingRow(table string, k Key) (pendingRow, bool) {
	if v.txn == nil || len(v.txn.pending.tables) == 0 {
		return pendingRow{}, false // most often: nothing written yet
	}
	return v.txn.pending.get(table, k)
}

// Scan calls fn for every live row in key order until fn returns false.
func (v *View) Scan(table string, fn func(*Row) bool) error {
	ts, err := v.table(table)
	if err != nil {
		return err
	}
	ts = v.trees(table, ts)
	if v.txn != nil {
		v.txn.noteScan(table)
	}
	pending := v.pendingSorted(table)
	trunc := v.truncated(table)
	pi := 0
	emitPending := func(upto *Key) bool {
		for pi < len(pending) && (upto == nil || compareKeys(pending[pi].k, *upto) < 0) {
			p := pending[pi]
			pi++
			if p.p.doc != nil && !fn(&Row{Key: p.k, Seq: v.seq + 1, dec: p.p.doc}) {
				return false
			}
		}
		return true
	}
	goOn := true
	ts.rows.Ascend(func(r row) bool {
		if !emitPending(&r.key) {
			goOn = false
			return false
		}
		if pi < len(pending) && pending[pi].k == r.key {
			pi++
			if p := pending[pi-1].p; p.doc != nil {
				goOn = fn(&Row{Key: r.key, Seq: v.seq + 1, dec: p.doc})
			}
			return goOn
		}
		if trunc {
			return true
		}
		vseq, ms, doc, derr := r.docAt(ts.log, v.seq)
		if derr != nil {
			err, goOn = derr, false
			return false
		}
		if doc == nil {
			return true
		}
		goOn = fn(&Row{Key: r.key, Seq: vseq, UnixMs: ms, doc: doc})
		return goOn
	})
	if err != nil {
		return err
	}
	if goOn {
		emitPending(nil)
	}
	return nil
}

type keyedPending struct {
	k Key
	p pendingRow
}

func (v *View) pendingSorted(table string) []keyedPending {
	if v.txn == nil || v.txn.pending.count(table) == 0 {
		return nil
	}
	out := make([]keyedPending, 0, v.txn.pending.count(table))
	v.txn.pending.each(table, func(k Key, p pendingRow) {
		out = append(out, keyedPending{k, p})
	})
	sort.Slice(out, func(i, j int) bool { return compareKeys(out[i].k, out[j].k) < 0 })
	return out
}

// Indexed reports whether table has an index on field.
func (v *View) Indexed(table, field string) bool {
	ts, ok := v.lookupTable(table)
	if !ok {
		return false
	}
	_, ok = ts.indexes[field]
	return ok
}

// Op is a comparison an index answers.
type Op int

// Index operators.
const (
	OpEq Op = iota
	OpLt
	OpLe
	OpGt
	OpGe
)

func (op Op) holds(c int) bool {
	switch op {
	case OpEq:
		return c == 0
	case OpLt:
		return c < 0
	case OpLe:
		return c <= 0
	case OpGt:
		return c > 0
	case OpGe:
		return c >= 0
	}
	return false
}

// IndexLookup calls fn, in key order, for every live row whose field
// compares to value by op: exactly the rows a full scan with the same
// condition returns. It fails if the field has no index.
func (v *View) IndexLookup(table, field string, op Op, value any, fn func(*Row) bool) error {
	return v.indexLookup(table, field, op, value, true, fn)
}

// IndexLookupLazy is IndexLookup for callers that read few fields of each
// row (Row.Fields): it checks the condition on the encoded document and
// leaves the rows undecoded.
func (v *View) IndexLookupLazy(table, field string, op Op, value any, fn func(*Row) bool) error {
	return v.indexLookup(table, field, op, value, false, fn)
}

func (v *View) indexLookup(table, field string, op Op, value any, decode bool, fn func(*Row) bool) error {
	ts, err := v.table(table)
	if err != nil {
		return err
	}
	ts = v.trees(table, ts)
	idx := ts.entries(field, v.seq)
	if idx == nil {
		return errorf(CodeUndefinedColumn, "table %q has no index on %q", table, field)
	}
	if v.txn != nil {
		v.txn.noteScan(table)
	}
	if v.txn != nil && (v.txn.pending.count(table) > 0 || v.truncated(table)) {
		// The transaction's own writes are not indexed: scan instead.
		return v.Scan(table, func(r *Row) bool {
			if matchField(r, field, op, value) {
				return fn(r)
			}
			return true
		})
	}
	// Collect candidate keys from the index range, then check each row's
	// version at the view's seq.
	// Entries of one value come in key order, so an equality lookup sees
	// a key's entries side by side; ranges span values and need a set.
	// Each candidate keeps the newest seq of the entries that led to it: a
	// row whose visible version was made at that seq holds the entry's
	// value, which satisfies the condition, and needs no check.
	type candidate struct {
		key Key
		seq uint64
	}
	var seen map[Key]int // ranges: index in cands
	if op != OpEq {
		seen = map[Key]int{}
	}
	cands := make([]candidate, 0, 16)
	visit := func(e indexEntry) bool {
		if e.seq > v.seq {
			return true
		}
		if seen == nil {
			if n := len(cands); n > 0 && cands[n-1].key == e.key {
				cands[n-1].seq = max(cands[n-1].seq, e.seq)
			} else {
				cands = append(cands, candidate{e.key, e.seq})
			}
		} else if i, ok := seen[e.key]; ok {
			cands[i].seq = max(cands[i].seq, e.seq)
		} else {
			seen[e.key] = len(cands)
			cands = append(cands, candidate{e.key, e.seq})
		}
		return true
	}
	lo := newEntry(value, minKey, 0)
	switch op {
	case OpEq:
		idx.AscendGreaterOrEqual(lo, func(e indexEntry) bool {
			if c, ok := CompareValues(e.val, value); !ok || c != 0 {
				return false
			}
			return visit(e)
		})
	case OpGt, OpGe:
		idx.AscendGreaterOrEqual(lo, func(e indexEntry) bool {
			c, ok := CompareValues(e.val, value)
			if !ok {
				return false // past the values of this kind
			}
			if op.holds(c) {
				return visit(e)
			}
			return true
		})
	case OpLt, OpLe:
		idx.DescendLessOrEqual(newEntry(value, maxKey, ^uint64(0)), func(e indexEntry) bool {
			c, ok := CompareValues(e.val, value)
			if !ok {
				return false
			}
			if op.holds(c) {
				return visit(e)
			}
			return true
		})
	}
	if err := idx.Err(); err != nil {
		return err
	}
	if seen != nil {
		slices.SortFunc(cands, func(a, b candidate) int { return compareKeys(a.key, b.key) })
	}
	rows := make([]Row, len(cands)) // one allocation for the rows fn gets
	// The candidates' rows, found together (findAll); the usual few keys
	// and rows stay on the stack.
	var keyBuf [16]Key
	var rowBuf [16]row
	keys, found := keyBuf[:0], rowBuf[:0]
	if len(cands) > len(keyBuf) {
		keys, found = make([]Key, 0, len(cands)), make([]row, 0, len(cands))
	}
	for _, c := range cands {
		keys = append(keys, c.key)
	}
	found = found[:len(keys)]
	ts.findAll(keys, found)
	// Find every candidate's version, and touch the first byte of its
	// document, before decoding any: the cache misses of the versions and
	// documents, like those of the entries, overlap instead of following
	// one another.
	var touch byte
	for i, c := range cands {
		seq, ms, doc, err := found[i].docAt(ts.log, v.seq)
		if err != nil {
			return err
		}
		if len(doc) > 0 {
			rows[i] = Row{Key: c.key, Seq: seq, UnixMs: ms, doc: doc}
			touch |= doc[0]
		}
	}
	keep(touch)
	for i, c := range cands {
		row := &rows[i]
		if row.doc == nil {
			continue
		}
		// Most candidates match and most callers read the document: decode
		// it whole, once, rather than find the field and decode again.
		if decode {
			if _, err := row.Doc(); err != nil {
				return err
			}
		}
		if row.Seq != c.seq && !matchField(row, field, op, value) {
			continue
		}
		if !fn(row) {
			return nil
		}
	}
	return nil
}

// keep takes the bytes indexLookup reads ahead, so that the compiler
// keeps the loads.
//
//go:noinline
func keep(byte) {}

// minKey sorts before every key, maxKey after every key.
var minKey = Key{Int: -1 << 63, IsInt: true}

var maxKey = Key{Str: string([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})}

func matchField(r *Row, field string, op Op, value any) bool {
	var fv any
	var ok bool
	if r.dec == nil && r.doc != nil {
		var err error
		if fv, ok, err = docField(r.doc, field); err != nil {
			return false
		}
	}
	if !ok {
		doc, err := r.Doc()
		if err != nil {
			return false
		}
		fv, ok = lookupPath(doc, field)
	}
	if !ok || fv == nil {
		return false
	}
	c, ok := CompareValues(fv, value)
	return ok && op.holds(c)
}

// Event is one entry of a row's history.
type Event struct {
	Seq    uint64
	UnixMs int64
	Type   store.EventType
	// Change is the document (INSERT), the merge patch (PATCH), or nil
	// (SOFT_DELETE).
	Change map[string]any
	// Doc is the whole document after the event (nil after SOFT_DELETE).
	Doc map[string]any
}

// History returns every event of the row with key k up to the view's seq,
// oldest first (since the compaction horizon).
func (v *View) History(table string, key any) ([]Event, error) {
	ts, err := v.table(table)
	if err != nil {
		return nil, err
	}
	k, err := tableKey(ts, key)
	if err != nil {
		return nil, err
	}
	r, ok := ts.find(k)
	if !ok {
		return nil, nil
	}
	if r, err = r.expanded(ts.log); err != nil {
		return nil, err
	}
	var out []Event
	var prev []byte // the document of the version before
	for i := range r.versions {
		ver := &r.versions[i]
		if ver.seq > v.seq {
			break
		}
		ev := Event{Seq: ver.seq, UnixMs: ver.ms, Type: ver.typ()}
		doc, err := r.nextDoc(ts.log, i, prev)
		if err != nil {
			return nil, err
		}
		prev = doc
		if doc != nil {
			if ev.Doc, err = decodeDocBytes(doc); err != nil {
				return nil, err
			}
		}
		switch ver.typ() {
		case store.EventInsert:
			ev.Change = ev.Doc
		case store.EventPatch:
			if ev.Change, err = decodeDocBytes(ver.patch()); err != nil {
				return nil, err
			}
		}
		out = append(out, ev)
	}
	return out, nil
}

// Horizon returns the compaction horizon of a table (0 when none).
func (v *View) Horizon(table string) uint64 {
	if ts, ok := v.lookupTable(table); ok {
		return ts.horizon
	}
	return 0
}

// FieldKind says what Row.Number found.
type FieldKind uint8

const (
	// FieldInt: the field holds an integer, the value returned.
	FieldInt FieldKind = iota
	// FieldNull: the row has no such field, or it is null.
	FieldNull
	// FieldOther: the field holds another kind of value (a string, a
	// number too large for an int64).
	FieldOther
	// FieldDamaged: the document does not read there: Fields tells how.
	FieldDamaged
	// FieldFloat: the field holds a float.
	FieldFloat
)

// Number reads the top-level field name of the row when it holds a
// number, without boxing it: an integer i and FieldInt, or a float f and
// FieldFloat; else what the field holds.
func (r *Row) Number(name string) (i int64, f float64, kind FieldKind) {
	if r.dec != nil || r.doc == nil {
		switch v := r.dec[name].(type) {
		case nil:
			return 0, 0, FieldNull
		case int64:
			return v, 0, FieldInt
		case float64:
			return 0, v, FieldFloat
		}
		return 0, 0, FieldOther
	}
	at := valueAt(r.doc, name)
	switch {
	case at == -1:
		return 0, 0, FieldNull
	case at < 0 || at >= len(r.doc):
		return 0, 0, FieldDamaged
	}
	c := r.doc[at]
	mr := mpReader{b: r.doc, i: at + 1}
	switch c {
	case 0xc0:
		return 0, 0, FieldNull
	case 0xca:
		u, err := mr.uint(4)
		if err != nil {
			return 0, 0, FieldDamaged
		}
		return 0, float64(math.Float32frombits(uint32(u))), FieldFloat
	case 0xcb:
		u, err := mr.uint(8)
		if err != nil {
			return 0, 0, FieldDamaged
		}
		return 0, math.Float64frombits(u), FieldFloat
	}
	v, ok, err := mr.int(c)
	switch {
	case ok && err == nil:
		return v, 0, FieldInt
	case err != nil:
		return 0, 0, FieldDamaged
	}
	// Another kind of value, whole.
	if skipScalar(r.doc, at) < 0 {
		if mr := (mpReader{b: r.doc, i: at}); mr.skip(1) != nil {
			return 0, 0, FieldDamaged
		}
	}
	return 0, 0, FieldOther
}
