package engine

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/driftdb/driftdb/store"
)

// Txn is a transaction: writes over any tables that become visible all at
// once at Commit, or leave no trace at Rollback. Each write is checked when
// it is made against the transaction's view plus its own earlier writes,
// and again against the latest state at commit. A Txn is used by one
// goroutine.
type Txn struct {
	db      *DB
	view    *View
	ops     []*event
	pending pending
	// lastOrder is the keys of the last insert held encoded only
	// (sharedOrder).
	lastOrder []string
	done      bool
	iso       Isolation
	// checks are rows whose change after the snapshot fails the commit
	// besides the ones written: locked (FOR UPDATE), or read by key under
	// Serializable; scanned the tables read otherwise under Serializable.
	checks  []rowCheck
	scanned []string
	// uniq indexes the rows the transaction wrote by the first field of
	// each unique index of their table (see checkUnique).
	uniq map[string]*indexTree
	// undo, once a savepoint was taken (undoing), logs what each write
	// replaced in pending, for RollbackTo.
	undo    []pendingUndo
	undoing bool
	// keys, in a bulk load, are the checks of its inserts' keys left for
	// later (keycheck.go).
	keys *keyChecks
}

// Begin starts a transaction reading at the current committed seq.
func (db *DB) Begin() *Txn {
	return &Txn{db: db, view: db.View()}
}

// View returns the transaction's read view: its snapshot plus its own
// writes.
func (tx *Txn) View() *View {
	v := *tx.view
	v.txn = tx
	return &v
}

// Spec returns a table's definition as the transaction sees it; like
// View.Spec, it must not be changed.
func (tx *Txn) Spec(table string) (*TableSpec, error) { return tx.view.Spec(table) }

// Writes reports how many events the transaction holds.
func (tx *Txn) Writes() int { return len(tx.ops) }

func (tx *Txn) table(name string) (*tableState, error) {
	if tx.done {
		return nil, errors.New("engine: transaction is finished")
	}
	ts, ok := tx.view.lookupTable(name)
	if !ok {
		return nil, noTable(name)
	}
	return ts, nil
}

// current returns the live document of key in table as the transaction
// sees it, or nil.
func (tx *Txn) current(ts *tableState, k Key) (map[string]any, []string, error) {
	if doc, order, ok := tx.known(ts, k); ok {
		return doc, order, nil
	}
	return tx.stored(ts, k)
}

// known returns the live document of key in table when the transaction
// knows it without reading the table's rows: the transaction wrote the
// row, or truncated the table, or the key comes after every row.
func (tx *Txn) known(ts *tableState, k Key) (map[string]any, []string, bool) {
	past := tx.pending.past(ts.spec.Name, k)
	if !past {
		if p, ok := tx.pending.get(ts.spec.Name, k); ok {
			return p.doc, p.order, true
		}
	}
	if tx.pending.isTruncated(ts.spec.Name) {
		return nil, nil, true
	}
	if past && ts.pastLast(k, tx.view.seq) {
		return nil, nil, true // a new key after every other, as serial keys come
	}
	return nil, nil, false
}

// stored returns the live document of key in the table's rows at the
// transaction's snapshot, or nil.
func (tx *Txn) stored(ts *tableState, k Key) (map[string]any, []string, error) {
	r, _ := ts.find(k) // a key not found: a row that has no version
	_, _, raw, err := r.docAt(ts.log, tx.view.seq)
	if raw == nil {
		return nil, nil, err
	}
	doc, err := decodeDocBytes(raw)
	if err != nil {
		return nil, nil, err
	}
	order, err := docKeys(raw)
	return doc, order, err
}

func (tx *Txn) remember(table string, k Key, r pendingRow) {
	tx.logPut(table, k)
	tx.pending.put(table, k, r)
}

// Insert adds a document, given as JSON text of an object, to a table.
func (tx *Txn) Insert(table string, docJSON []byte) (Key, error) {
	doc, order, err := decodeDocument(docJSON)
	if err != nil {
		return Key{}, err
	}
	return tx.insertDoc(table, doc, order)
}

// InsertDoc adds a decoded document (values of the types value.go lists);
// order gives the top-level keys in the order written.
func (tx *Txn) InsertDoc(table string, doc map[string]any, order []string) (Key, error) {
	if err := checkDoc(doc); err != nil {
		return Key{}, err
	}
	return tx.insertDoc(table, doc, order)
}

// insertDoc is InsertDoc for a document known to be within the limits
// (decodeDocument checks them as it reads).
func (tx *Txn) insertDoc(table string, doc map[string]any, order []string) (Key, error) {
	ts, err := tx.table(table)
	if err != nil {
		return Key{}, err
	}
	if doc, order, err = ts.cols.toFields(table, doc, order); err != nil {
		return Key{}, err
	}
	if ts.spec.RowID {
		if doc, order, err = tx.giveRowID(ts, doc, order); err != nil {
			return Key{}, err
		}
	}
	if len(ts.spec.PKColumns) > 0 {
		if err := checkDeclared(ts.spec, doc); err != nil {
			return Key{}, err
		}
		if doc, order, err = giveCompositeKey(ts.spec, doc, order); err != nil {
			return Key{}, err
		}
	}
	pkv, ok := doc[ts.spec.PK]
	if !ok || pkv == nil {
		return Key{}, errorf(CodeNotNullViolation, "null value in column %q of relation %q violates not-null constraint", ts.spec.PK, table)
	}
	k, err := tableKey(ts, pkv)
	if err != nil {
		return Key{}, err
	}
	if !isKeyValue(pkv, k) {
		doc[ts.spec.PK] = k.Value()
	}
	if err := checkDeclared(ts.spec, doc); err != nil {
		return Key{}, err
	}
	if len(order) != len(doc) {
		order = dedupeKeys(append(order, sortedKeys(doc)...), doc)
	}
	var cur map[string]any
	var known, deferred bool
	if c := tx.keysOf(ts); c != nil && c.bulk {
		// Its own duplicates are found by CheckKeys; a key after every
		// row of the table needs no other check.
		known = tx.pending.past(ts.spec.Name, k) && ts.pastLast(k, tx.view.seq)
		deferred = !known
	} else {
		cur, _, known = tx.known(ts, k)
		deferred = !known && c != nil
	}
	if !known && !deferred {
		if cur, _, err = tx.stored(ts, k); err != nil {
			return Key{}, err
		}
	}
	if cur != nil {
		// A row the snapshot shows live that another transaction changed
		// since (deleted, perhaps): the insert might succeed on a fresh
		// snapshot, so this is a conflict, not a duplicate.
		if err := tx.changedSince(ts, k); err != nil {
			return Key{}, err
		}
		return Key{}, keyDuplicate(ts.spec, k, doc)
	}
	if err := tx.checkUnique(ts, k, doc, nil); err != nil {
		return Key{}, err
	}
	// Encoded now, outside the writer mutex, and checked against what a
	// record holds, so that the statement (not the commit) fails.
	raw := encodeDoc(doc, order)
	if err := checkSize("document", raw); err != nil {
		return Key{}, err
	}
	tx.noteUnique(ts, k, doc)
	tx.inserted(ts, k, deferred)
	if len(tx.ops) >= keepDocs {
		// A large transaction (a COPY, say) holds its inserts encoded
		// only: the commit and the transaction's own reads decode them.
		// Their keys, the same from row to row most often, are held
		// once for all the rows that have them.
		tx.ops = append(tx.ops, &event{tbl: table, typ: store.EventInsert, key: k, order: tx.sharedOrder(order), raw: raw, payload: raw, gen: ts.gen})
		tx.remember(table, k, pendingRow{raw: raw})
		return k, nil
	}
	tx.ops = append(tx.ops, &event{tbl: table, typ: store.EventInsert, key: k, doc: doc, order: order, raw: raw, payload: raw, gen: ts.gen})
	tx.remember(table, k, pendingRow{doc: doc, order: order})
	return k, nil
}

// sharedOrder returns the keys of the transaction's last insert held
// encoded only when they are order, else a copy of order, kept for the
// next.
func (tx *Txn) sharedOrder(order []string) []string {
	if !slices.Equal(tx.lastOrder, order) {
		tx.lastOrder = slices.Clone(order)
	}
	return tx.lastOrder
}

// KeepsDocuments reports whether the next insert of the transaction
// keeps the map it is given (InsertDoc). Past keepDocs writes it does
// not: it holds the document encoded, and the map is the caller's again
// once InsertDoc returns, to fill for the next row.
func (tx *Txn) KeepsDocuments() bool { return len(tx.ops) < keepDocs }

// keepDocs is how many writes of a transaction keep the decoded
// documents of their inserts; the inserts after them hold their encoded
// documents only, a third of the memory (a decoded document costs about
// twice its encoding, in maps, key lists and boxed values).
const keepDocs = 1024

// Patch applies an RFC 7396 merge patch (JSON text of an object) to the
// live row with the given key.
func (tx *Txn) Patch(table string, key any, patchJSON []byte) error {
	patch, order, err := decodeDocument(patchJSON)
	if err != nil {
		return err
	}
	return tx.patchDoc(table, key, patch, order)
}

// liveRow finds the live row a PATCH or SOFT DELETE addresses, as the
// transaction sees it.
func (tx *Txn) liveRow(table string, key any) (*tableState, Key, map[string]any, []string, error) {
	ts, err := tx.table(table)
	if err != nil {
		return nil, Key{}, nil, nil, err
	}
	k, err := tableKey(ts, key)
	if err != nil {
		return nil, Key{}, nil, nil, err
	}
	cur, order, err := tx.current(ts, k)
	if err != nil {
		return nil, Key{}, nil, nil, err
	}
	if cur == nil {
		return nil, Key{}, nil, nil, noRow(table, k)
	}
	// A row changed after the snapshot fails now, as in PostgreSQL, rather
	// than at commit (which checks again).
	if err := tx.changedSince(ts, k); err != nil {
		return nil, Key{}, nil, nil, err
	}
	return ts, k, cur, order, nil
}

// PatchDoc is Patch with a decoded patch.
func (tx *Txn) PatchDoc(table string, key any, patch map[string]any, order []string) error {
	if err := checkDoc(patch); err != nil {
		return err
	}
	return tx.patchDoc(table, key, patch, order)
}

func (tx *Txn) patchDoc(table string, key any, patch map[string]any, order []string) error {
	ts, k, cur, curOrder, err := tx.liveRow(table, key)
	if err != nil {
		return err
	}
	if patch, order, err = ts.cols.toFields(table, patch, order); err != nil {
		return err
	}
	if len(order) != len(patch) {
		order = dedupeKeys(append(order, sortedKeys(patch)...), patch)
	}
	if err := conformDeclared(ts.spec, patch); err != nil {
		return err
	}
	next := mergePatch(cur, patch).(map[string]any)
	if pk, ok := next[ts.spec.PK]; !ok || !sameKey(pk, k) {
		return errorf(CodeInvalidParameter, "a patch cannot change or remove the primary key %q", ts.spec.PK)
	}
	if len(ts.spec.PKColumns) > 0 {
		if nk, err := compositeKey(ts.spec, next); err != nil || nk != k.Str {
			return errorf(CodeInvalidParameter, "a patch cannot change or remove a column of the primary key (%s)", strings.Join(ts.spec.PKColumns, ", "))
		}
	}
	if err := checkDeclared(ts.spec, next); err != nil {
		return err
	}
	if err := tx.checkUnique(ts, k, next, cur); err != nil {
		return err
	}
	raw := encodeDoc(patch, order)
	payload := encodeKeyed(k, raw)
	if err := checkSize("patch", payload); err != nil {
		return err
	}
	tx.ops = append(tx.ops, &event{tbl: table, typ: store.EventPatch, key: k, patch: patch, order: order, raw: raw, payload: payload, gen: ts.gen})
	tx.remember(table, k, pendingRow{doc: next, order: dedupeKeys(append(append([]string(nil), curOrder...), order...), next)})
	tx.noteUnique(ts, k, next)
	return nil
}

// SoftDelete hides the live row with the given key; its history stays.
func (tx *Txn) SoftDelete(table string, key any) error {
	ts, k, _, _, err := tx.liveRow(table, key)
	if err != nil {
		return err
	}
	tx.ops = append(tx.ops, &event{tbl: table, typ: store.EventSoftDelete, key: k, payload: encodeKeyed(k, nil), gen: ts.gen})
	tx.remember(table, k, pendingRow{})
	return nil
}

// isKeyValue reports whether v is k's value as a document holds it
// (Key.Value): a key given as it is stored is not boxed again.
func isKeyValue(v any, k Key) bool {
	switch x := v.(type) {
	case int64:
		return k.IsInt && x == k.Int
	case string:
		return !k.IsInt && x == k.Str
	}
	return false
}

// tableKey converts a key value for a table, honouring a declared key type
// (a digit string addresses an integer key).
func tableKey(ts *tableState, v any) (Key, error) {
	k, err := KeyOf(v)
	if err != nil {
		return Key{}, errorf(CodeDatatypeMismatch, "table %q: %v", ts.spec.Name, err)
	}
	c := ts.cols.cols[0]
	if c.Type == TypeInt8 && !k.IsInt {
		i, err := strconv.ParseInt(strings.TrimSpace(k.Str), 10, 64)
		if err != nil {
			return Key{}, errorf(CodeInvalidText, "invalid input syntax for type bigint: %q", k.Str)
		}
		return Key{Int: i, IsInt: true}, nil
	}
	if c.Type == TypeText && k.IsInt {
		return Key{Str: k.String()}, nil
	}
	return k, nil
}

// Rollback ends the transaction leaving no trace.
func (tx *Txn) Rollback() {
	tx.done = true
	tx.ops = nil
	tx.pending = pending{}
	tx.checks, tx.scanned, tx.uniq = nil, nil, nil
	tx.undo = nil
	tx.keys = nil
}

// Commit writes the transaction as one batch and returns once it is
// durable and visible, with the seq of its last event (the current seq for
// a transaction without writes).
func (tx *Txn) Commit(ctx context.Context) (uint64, error) {
	cm, err := tx.Submit(ctx)
	if err != nil {
		return 0, err
	}
	return cm.Wait()
}

// Submit applies the transaction and hands it to the store as one batch;
// the Commit's Wait returns once it is durable and visible. Until then
// it is visible to no other transaction, and its writer should not report
// it done.
func (tx *Txn) Submit(ctx context.Context) (*Commit, error) {
	if tx.done {
		return nil, errors.New("engine: transaction is finished")
	}
	if _, err := tx.CheckKeys(); err != nil {
		tx.Rollback()
		return nil, err
	}
	tx.done = true
	if len(tx.ops) == 0 {
		// Nothing to write, nothing to check: a read-only transaction saw
		// one snapshot, which is a prefix of the commit order.
		return &Commit{last: tx.view.seq}, nil
	}
	return tx.db.commit(ctx, tx)
}

// touched is a table a commit changes: its working state, its fields as
// they were (for a rollback), the B-tree changes made (undo) and the keys
// written.
type touched struct {
	ts    *tableState
	saved tableState
	undo  undoLog
	rows  []row // as each event left its row, for the point map
}

// holdMin is the number of events from which a commit holds its index
// entries back and adds them sorted (see heldEntries).
const holdMin = 256

// insertOrder returns the order in which a commit of ops applies them
// when they are INSERTs into one table, holding their index entries back
// (holding): the events' places, by key, and in the transaction's order
// among equal keys, whose second is a duplicate. Nil when the commit
// applies them as they come. 4 million rows loaded in no key order spent
// a third of their processor time walking the row tree from its root;
// 2 million random text keys, 9.7 s of their commit's 12.6.
func insertOrder(ops []*event, holding bool) []int32 {
	if !holding || len(ops) > math.MaxInt32 {
		return nil
	}
	ints, texts := true, true
	for _, ev := range ops {
		if ev.typ != store.EventInsert || ev.tbl != ops[0].tbl {
			return nil
		}
		ints, texts = ints && ev.key.IsInt, texts && !ev.key.IsInt
	}
	// The keys are sorted beside their places: a comparison that read the
	// events' keys would miss the caches twice (4 million rows: 3.5 s,
	// 0.4 this way), and a text key beside its first 16 bytes, which
	// decide most comparisons without a read of the text (2 million
	// random ones sorted through the events took longer than the walks
	// they saved).
	switch {
	case ints:
		type intAt struct {
			k int64
			i int32
		}
		keys := make([]intAt, len(ops))
		for i, ev := range ops {
			keys[i] = intAt{ev.key.Int, int32(i)}
		}
		slices.SortFunc(keys, func(a, b intAt) int {
			return cmp.Or(cmp.Compare(a.k, b.k), cmp.Compare(a.i, b.i))
		})
		return placesOf(keys, func(k intAt) int32 { return k.i })
	case texts:
		type textAt struct {
			pfx [2]uint64
			k   string
			i   int32
		}
		keys := make([]textAt, len(ops))
		for i, ev := range ops {
			keys[i] = textAt{keyPrefix(ev.key.Str), ev.key.Str, int32(i)}
		}
		slices.SortFunc(keys, func(a, b textAt) int {
			return cmp.Or(cmp.Compare(a.pfx[0], b.pfx[0]), cmp.Compare(a.pfx[1], b.pfx[1]),
				strings.Compare(a.k, b.k), cmp.Compare(a.i, b.i))
		})
		return placesOf(keys, func(k textAt) int32 { return k.i })
	}
	return nil
}

// keyPrefix is the first 16 bytes of s, zeros after its end, as two
// integers that order as the bytes do: two texts whose prefixes differ
// order as them.
func keyPrefix(s string) [2]uint64 {
	var b [16]byte
	copy(b[:], s)
	return [2]uint64{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// placesOf returns the places of keys sorted, in their order.
func placesOf[K any](keys []K, place func(K) int32) []int32 {
	perm := make([]int32, len(keys))
	for n, k := range keys {
		perm[n] = place(k)
	}
	return perm
}

// touchAhead is how many events of a commit in key order touchEvents
// reads ahead of their apply.
const touchAhead = 64

// touchEvents reads a word of each event at places and of its document,
// one after the other: in key order the events and their documents lie
// apart, and the misses of a loop that does nothing else overlap, where
// each apply waited for its own (4 million random keys: 2.9 s of the
// commit's processor time in its first read of each event).
func (db *DB) touchEvents(ops []*event, places []int32) {
	sum := 0
	for _, i := range places {
		ev := ops[i]
		sum += len(ev.tbl)
		if len(ev.raw) > 0 {
			sum += int(ev.raw[0])
		}
	}
	db.touched += sum // kept, so that the reads are made
}

// entry is the record of ev, its seq and time given, in a commit's batch.
func (ev *event) entry() store.Entry {
	return store.Entry{Stream: ev.tbl, Record: store.Record{Seq: ev.seq, UnixMs: ev.ms, Type: ev.typ, Payload: ev.payload}}
}

// observeInserts takes the columns of ops, INSERTs into ts applied in
// key order (insertOrder), in the transaction's order, which decides
// where an undeclared column goes; their applying observes them again,
// which changes nothing then.
func (ts *tableState) observeInserts(ops []*event) error {
	for _, ev := range ops {
		if ev.doc == nil && ev.order == nil {
			var err error
			if ev.order, err = docKeys(ev.raw); err != nil {
				return err
			}
		}
		ts.cols = ts.cols.observe(docValues{doc: ev.doc, raw: ev.raw}, ev.order, ev.seq)
	}
	return nil
}

// commitScratch holds the slices a commit needs, kept for the next one.
type commitScratch struct {
	tabs  []touched
	batch store.Batch
	held  heldEntries // a large commit's index entries, added at its end
}

// commit validates a transaction against the latest state, assigns seqs,
// applies its events to the working states and hands the batch to the
// store under the writer mutex; its caller waits for durability outside
// it. The working states change in place (a failing event, or a panic,
// takes the transaction's earlier ones back); their B-trees are
// copy-on-write, so published states never change.
func (db *DB) commit(ctx context.Context, tx *Txn) (*Commit, error) {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	return db.commitLocked(ctx, tx.view.seq, tx.ops, tx.checks, tx.scanned)
}

// commitLocked is commit with the writer mutex held: ops checked against
// the snapshot at seq snap (see validate), applied and handed to the
// store.
func (db *DB) commitLocked(ctx context.Context, snap uint64, ops []*event, checks []rowCheck, scanned []string) (cm *Commit, err error) {
	// The scratch slices are the writer's, reused from commit to commit
	// under wmu.
	sc := &db.scratch
	tabs := sc.tabs[:0]
	batch := sc.batch[:0]
	if cap(batch) < len(ops) {
		batch = make(store.Batch, 0, len(ops)) // a large transaction: sized once
	}
	holding := len(ops) >= holdMin
	sc.held.reset() // the last commit's, placed once it had the mutex
	sc.held.size = len(ops)
	accepted, placing := false, false
	defer func() {
		if !accepted {
			// Take back what was applied: on an error, and on a panic,
			// which goes on up once the working state is whole again and
			// the mutex released.
			db.wmu.placing.Wait()
			sc.held.unplace()
			for i := range tabs {
				t := &tabs[i]
				t.ts.rollback(&t.undo)
				*t.ts = t.saved
			}
		}
		// Keep the slices for the next commit, emptied so that they hold
		// on to no rows; an outsized transaction's are let go.
		for i := range tabs {
			t := &tabs[i]
			t.undo.reset()
			t.ts, t.saved, t.rows = nil, tableState{}, resetSlice(t.rows)
		}
		sc.tabs, sc.batch = tabs[:0], resetSlice(batch)
		if !placing {
			sc.held.reset()
		}
	}()
	if err := db.writable(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := db.validate(snap, ops, checks, scanned); err != nil {
		return nil, err
	}
	ms := db.now()
	if ms < db.lastMs {
		ms = db.lastMs // the clock stepped back: time never does
	}
	find := func(name string) *touched {
		for i := range tabs { // transactions touch few tables: a scan beats a map
			if tabs[i].ts.spec.Name == name {
				return &tabs[i]
			}
		}
		return nil
	}
	seq := db.nextSeq
	// A large commit of INSERTs into one table is applied in key order
	// (insertInOrder); its events keep their seqs and their place in the
	// batch, and its columns are observed in their order first, which
	// decides where an undeclared one goes.
	perm := insertOrder(ops, holding)
	if perm != nil {
		for i, ev := range ops {
			ev.seq, ev.ms = seq+uint64(i), ms
			batch = append(batch, ev.entry())
		}
	}
	var in *sortedInserter[row]
	for n := range ops {
		i := n
		if perm != nil {
			i = int(perm[n])
			if n%touchAhead == 0 {
				db.touchEvents(ops, perm[n:min(n+touchAhead, len(perm))])
			}
		}
		ev := ops[i]
		name := ev.tbl
		t := find(name)
		if t == nil {
			w, ok := db.work[name]
			if !ok {
				return nil, noTable(name)
			}
			if len(tabs) < cap(tabs) {
				tabs = tabs[:len(tabs)+1]
				t = &tabs[len(tabs)-1]
				t.ts, t.saved = w, *w
			} else {
				tabs = append(tabs, touched{ts: w, saved: *w})
				t = &tabs[len(tabs)-1]
			}
			if holding {
				// The commit's unique checks read the trees of the
				// unique indexes' first fields: those are not held.
				for _, d := range w.spec.uniques() {
					sc.held.keep = append(sc.held.keep, w.indexes[d.Fields[0]])
				}
				if cap(t.rows) < len(ops) {
					t.rows = make([]row, 0, len(ops))
				}
				if perm != nil {
					t.undo.size(ops, name)
					in = t.ts.rows.sortedInserter()
					if err := t.ts.observeInserts(ops); err != nil {
						return nil, err
					}
				} else {
					t.undo.size(ops[i:], name) // the table's first event is the i-th
				}
			}
		}
		if ev.gen != 0 && ev.gen != t.ts.gen {
			return nil, db.schemaChanged(name)
		}
		if perm == nil {
			ev.seq, ev.ms = seq, ms
		}
		t.ts.undo = &t.undo
		if holding {
			t.ts.held = &sc.held
		}
		var r row
		var err error
		switch {
		case ev.typ == store.EventTruncate:
			t.rows = t.ts.truncate(ev, t.rows)
		case perm != nil:
			r, err = t.ts.insertInOrder(in, ev)
		default:
			r, err = t.ts.apply(ev)
		}
		t.ts.undo, t.ts.held = nil, nil
		if err != nil {
			return nil, err
		}
		if ev.typ == store.EventPatch {
			// Snapshots and compaction write the whole document of a
			// version: it must fit a record too. (Replay never checks:
			// what the log holds was accepted.)
			if err := checkSize("document after the patch", r.newest().doc()); err != nil {
				return nil, err
			}
		}
		if ev.typ == store.EventInsert || ev.typ == store.EventPatch {
			if err := t.ts.checkUniqueLatest(ev, r); err != nil {
				return nil, err
			}
		}
		if db.testApplied != nil {
			db.testApplied(ev)
		}
		if ev.typ != store.EventTruncate {
			t.rows = append(t.rows, r)
		}
		if perm == nil {
			batch = append(batch, ev.entry())
		}
		// Applied and in the batch, the event is needed no more (a failure
		// from here on is taken back by the undo logs): let go of it as
		// the commit goes, not at its end, where a large one's events
		// would be held beside all it allocates (a COPY of 3 million rows:
		// 170 bytes a row).
		ops[i] = nil
		seq++
	}
	// The held index entries go into their trees on a goroutine of their
	// own, beside the rest of this commit and what its caller does next
	// (fill the next transaction): the next holder of the writer mutex
	// waits for them (writerMutex). Nothing here reads an index.
	if db.testPlaced != nil {
		sc.held.place()
		db.testPlaced()
	} else if len(sc.held.by) > 0 {
		placing = true
		db.wmu.placing.Go(func() {
			if h := db.testPlacing; h != nil {
				h()
			}
			sc.held.place()
		})
	}
	var due []string
	for i := range tabs {
		t := &tabs[i]
		if t.ts.refreshPoint(t.rows) {
			db.publish(map[string]*tableState{t.ts.spec.Name: t.ts})
		}
		if t.ts.cols != t.saved.cols {
			t.ts.liveCols.Store(t.ts.cols)
		}
		if !db.opts.DeferSnapshots && db.snapshotDue(t.ts) {
			due = append(due, t.ts.spec.Name)
		}
	}
	last := seq - 1
	db.nextSeq = seq
	db.lastMs = ms
	db.addTimePoint(ms, batch[0].Record.Seq)
	c := db.st.Submit(batch)
	accepted = true
	return &Commit{db: db, c: c, last: last, due: due}, nil
}

// Commit is a transaction handed to the store: applied, not yet durable
// nor visible to other transactions.
type Commit struct {
	db   *DB
	c    *store.Commit // nil: nothing to write
	last uint64        // seq of the last event, or the view's for no writes
	due  []string      // tables due for a snapshot
}

// Writes reports whether the transaction has anything to write: without,
// it is done already.
func (cm *Commit) Writes() bool { return cm.c != nil }

// OnDone arranges for f to run once the transaction is durable and
// visible (f(true)) or has failed to be (f(false)), on the goroutine that
// wrote it, before Wait returns (see store.Commit.OnDone): f must be quick
// and must not block. It reports false, and f never runs, when the commit
// is already done or has nothing to write. Wait must still be called.
func (cm *Commit) OnDone(f func(durable bool)) bool {
	if cm.c == nil {
		return false
	}
	db, last := cm.db, cm.last
	return cm.c.OnDone(func(err error) {
		if err == nil {
			db.advance(last)
		}
		f(err == nil)
	})
}

// Start sets the transaction on its way to disk without waiting for it
// (see store.Commit.Start); OnDone's function tells when it is there.
func (cm *Commit) Start() {
	if cm.c != nil {
		cm.c.Start()
	}
}

// Wait returns once the transaction is durable and visible, with the seq
// of its last event.
func (cm *Commit) Wait() (uint64, error) {
	if cm.c == nil {
		return cm.last, nil
	}
	db := cm.db
	if err := cm.c.Wait(); err != nil {
		db.wmu.Lock()
		if db.failed == nil {
			db.failed = err
		}
		db.wmu.Unlock()
		db.wakeWaiters(true)
		return 0, ioError(err)
	}
	db.advance(cm.last)
	db.startSnapshots(cm.due, false)
	cm.due = nil
	return cm.last, nil
}

// Insert, Patch and SoftDelete on the database run as one-statement
// transactions.

// Insert adds a document in its own transaction.
func (db *DB) Insert(ctx context.Context, table string, docJSON []byte) (uint64, error) {
	return db.autocommitWait(ctx, func(tx *Txn) error {
		_, err := tx.Insert(table, docJSON)
		return err
	})
}

// Patch merges a patch into a row in its own transaction.
func (db *DB) Patch(ctx context.Context, table string, key any, patchJSON []byte) (uint64, error) {
	return db.autocommitWait(ctx, func(tx *Txn) error { return tx.Patch(table, key, patchJSON) })
}

// SoftDelete hides a row in its own transaction.
func (db *DB) SoftDelete(ctx context.Context, table string, key any) (uint64, error) {
	return db.autocommitWait(ctx, func(tx *Txn) error { return tx.SoftDelete(table, key) })
}

// autocommitWait is Autocommit followed by the commit's Wait.
func (db *DB) autocommitWait(ctx context.Context, fn func(*Txn) error) (uint64, error) {
	cm, err := db.Autocommit(ctx, fn)
	if err != nil {
		return 0, err
	}
	return cm.Wait()
}
