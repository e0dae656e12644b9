package engine

import (
	"fmt"

	"github.com/driftdb/driftdb/store"
)

// event is a decoded write, the same whether it comes from a transaction
// being committed or from the log being replayed.
type event struct {
	tbl   string
	typ   store.EventType
	key   Key
	seq   uint64
	ms    int64
	doc   map[string]any // INSERT: the document
	order []string       // INSERT: its top-level keys as written; PATCH: the patch's
	patch map[string]any // PATCH: the merge patch
	// raw is the msgpack of the document (INSERT) or patch (PATCH), when
	// already encoded; payload the record's payload (a transaction's
	// events are encoded when they are made, outside the writer mutex).
	raw     []byte
	payload []byte
	// gen is the generation of the table the write was checked against
	// (0 in replay: not checked).
	gen uint64
}

// liveDoc returns the latest document of row r (found: ok), decoded and
// as stored, or nil when the row does not exist or is deleted.
func (ts *tableState) liveDoc(r row, ok bool) (map[string]any, []byte, error) {
	if !ok || !r.live() {
		return nil, nil, nil
	}
	raw, err := r.current(ts.log)
	if err != nil {
		return nil, nil, err
	}
	doc, err := decodeDocBytes(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("engine: table %s key %s seq %d: %w", ts.spec.Name, r.key, r.newest().seq, err)
	}
	return doc, raw, nil
}

// apply adds the version an event makes to the table and returns the row
// as it now is. It fails, changing nothing, when the event does not fit the
// row's state (an INSERT of a live key, a PATCH or SOFT_DELETE of a
// missing one).
func (ts *tableState) apply(ev *event) (row, error) {
	if ev.typ == store.EventTruncate {
		ts.truncate(ev, nil) // the rows it changes are its caller's to find
		return row{}, nil
	}
	if ev.typ == store.EventInsert {
		if ev.doc == nil && ev.order == nil {
			// An insert held encoded only (keepDocs) without its keys:
			// they are read from it, and its values where needed.
			var err error
			if ev.order, err = docKeys(ev.raw); err != nil {
				return row{}, err
			}
			defer func() { ev.order = nil }()
		}
		if r, ok := ts.insertNew(ev); ok {
			return r, nil
		}
		if ev.doc == nil {
			var err error
			if ev.doc, err = decodeDocBytes(ev.raw); err != nil {
				return row{}, err
			}
			defer func() { ev.doc = nil }()
		}
	}
	name := ts.spec.Name
	cur, found := ts.get(ev.key)
	prev, prevRaw, err := ts.liveDoc(cur, found)
	if err != nil {
		return row{}, err
	}
	v := newVersion(ev.seq, ev.ms, ev.typ)
	var doc map[string]any
	switch ev.typ {
	case store.EventInsert:
		if prev != nil {
			return row{}, keyDuplicate(ts.spec, ev.key, ev.doc)
		}
		doc = ev.doc
		v = insertVersion(ev)
		ts.cols = ts.cols.observe(docValues{doc: doc}, ev.order, ev.seq)
	case store.EventPatch:
		if prev == nil {
			return row{}, noRow(name, ev.key)
		}
		order, err := docKeys(prevRaw)
		if err != nil {
			return row{}, err
		}
		p := patcher{doc: prev, order: order}
		p.merge(ev.patch, ev.order)
		doc = p.doc
		if pk, ok := doc[ts.spec.PK]; !ok || !sameKey(pk, ev.key) {
			return row{}, errorf(CodeInvalidParameter, "a patch cannot change or remove the primary key %q", ts.spec.PK)
		}
		patch := ev.raw
		if patch == nil {
			patch = encodeDoc(ev.patch, ev.order)
		}
		v.setHeld(encodeAfter(patch, p.doc, p.order), len(patch))
		ts.cols = ts.cols.observe(docValues{doc: doc}, patchKeys(ev.order, doc), ev.seq)
	case store.EventSoftDelete:
		if prev == nil {
			return row{}, noRow(name, ev.key)
		}
	default:
		return row{}, fmt.Errorf("engine: event type %v cannot be applied", ev.typ)
	}
	return ts.addVersion(cur, found, ev.key, v, doc, prev), nil
}

// insertNew applies an INSERT of a key the table has never had, with one
// descent of the B-tree instead of a lookup and then an insertion. It
// reports false, having changed nothing, when the key is there (live or
// deleted): apply then takes the general path.
func (ts *tableState) insertNew(ev *event) (row, bool) {
	nr := newRow(ev.key, []version{insertVersion(ev)})
	if old, had := ts.rows.ReplaceOrInsert(nr); had {
		ts.rows.ReplaceOrInsert(old)
		return row{}, false
	}
	ts.inserted(ev, nr)
	return nr, true
}

// insertInOrder is apply for the INSERTs of a commit applied in key order
// through in: a key the table has never had goes into the leaf of the
// one before when it belongs there (sortedInserter), without a walk from
// the root, whose key comparisons miss the caches when the keys come in
// no order. Any other key takes apply's way, after which in walks from
// the root again.
func (ts *tableState) insertInOrder(in *sortedInserter[row], ev *event) (row, error) {
	nr := newRow(ev.key, []version{insertVersion(ev)})
	if _, had := in.get(&nr); had {
		in.leaf = nil
		return ts.apply(ev)
	}
	in.put(nr)
	ts.inserted(ev, nr)
	return nr, nil
}

// inserted records nr, the new row of ev, an INSERT of a key the table
// has never had, now in the row tree: its columns and index entries.
func (ts *tableState) inserted(ev *event, nr row) {
	values := docValues{doc: ev.doc, raw: ev.raw}
	ts.cols = ts.cols.observe(values, ev.order, ev.seq)
	ts.versionAdded(row{}, false, ev.key, nr.versions[0], values, nil)
}

// docValues are the values of a document: decoded, or read from its
// encoding when it is held encoded only (keepDocs).
type docValues struct {
	doc map[string]any
	raw []byte
	dec map[string]any // raw decoded, for a nested path
}

// field returns the value at a top-level key or a dotted path.
func (d *docValues) field(path string) (any, bool) {
	if d.doc != nil || d.raw == nil {
		return lookupPath(d.doc, path)
	}
	v, ok, err := fieldAt(d.raw, path, &d.dec)
	if err != nil {
		// The encoding of a document the transaction checked.
		panic(fmt.Sprintf("engine: an insert's document does not decode: %v", err))
	}
	return v, ok
}

// insertVersion is the version an INSERT event makes.
func insertVersion(ev *event) version {
	v := newVersion(ev.seq, ev.ms, ev.typ)
	doc := ev.raw
	if doc == nil {
		doc = encodeDoc(ev.doc, ev.order)
	}
	v.setDoc(doc)
	return v
}

func noRow(table string, k Key) error {
	return wrapf(CodeNoData, ErrNoRow, "no live row with key %s in table %q", k, table)
}

func keyText(k Key) string {
	if k.IsInt {
		return k.String()
	}
	return k.Str
}

func sameKey(v any, k Key) bool {
	k2, err := KeyOf(v)
	return err == nil && k2 == k
}

// dedupeKeys keeps the first occurrence of each key still in doc.
func dedupeKeys(order []string, doc map[string]any) []string {
	seen := make(map[string]bool, len(order))
	out := order[:0:0]
	for _, k := range order {
		if _, ok := doc[k]; ok && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// patchKeys returns the keys a patch set (not removed) in doc.
func patchKeys(order []string, doc map[string]any) []string {
	out := make([]string, 0, len(order))
	for _, k := range order {
		if _, ok := doc[k]; ok {
			out = append(out, k)
		}
	}
	return out
}
