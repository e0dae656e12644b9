package engine

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
	"github.com/driftdb/driftdb/vindex"
)

// The model: every table a map from key to the versions of that row, each
// the document after an event (nil when deleted), and the (seq, unix_ms) of
// every commit.
type modelVersion struct {
	seq uint64
	doc map[string]any
	typ store.EventType
}

type model struct {
	// conflicts counts the transactions refused with 40001, stale the
	// writes refused so before commit.
	conflicts, stale int
	tables           map[string]map[Key][]modelVersion
	commits          []timePoint // seq of each event with its unix_ms
	horizon          map[string]uint64
	// trng chooses the truncates, apart from the other choices so that
	// those stay as they were without truncates until one is made.
	trng      *rand.Rand
	truncates int
}

func (m *model) at(table string, k Key, seq uint64) map[string]any {
	var doc map[string]any
	for _, v := range m.tables[table][k] {
		if v.seq > seq {
			break
		}
		doc = v.doc
	}
	return doc
}

func (m *model) live(table string, k Key) map[string]any {
	return m.at(table, k, ^uint64(0))
}

func modelMerge(target map[string]any, patch map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range target {
		out[k] = v
	}
	for k, v := range patch {
		switch pv := v.(type) {
		case nil:
			delete(out, k)
		case map[string]any:
			t, _ := out[k].(map[string]any)
			out[k] = modelMerge(t, pv)
		default:
			out[k] = v
		}
	}
	return out
}

var statuses = []string{"new", "paid", "shipped", "void"}

func randomDoc(rng *rand.Rand, key Key) map[string]any {
	d := map[string]any{"id": key.Value(), "status": statuses[rng.IntN(len(statuses))]}
	if rng.IntN(3) > 0 {
		d["n"] = int64(rng.IntN(1000) - 500)
	}
	if rng.IntN(4) == 0 {
		d["addr"] = map[string]any{"city": fmt.Sprintf("c%d", rng.IntN(5)), "zip": int64(rng.IntN(100))}
	}
	return d
}

func randomPatch(rng *rand.Rand) map[string]any {
	p := map[string]any{}
	switch rng.IntN(4) {
	case 0:
		p["status"] = statuses[rng.IntN(len(statuses))]
	case 1:
		p["n"] = nil
	case 2:
		p["addr"] = map[string]any{"city": fmt.Sprintf("c%d", rng.IntN(5))}
	default:
		p["n"] = int64(rng.IntN(100))
		p["status"] = statuses[rng.IntN(len(statuses))]
	}
	return p
}

func docJSON(d map[string]any) []byte { return ToJSON(d) }

// TestModel runs random writes, transactions, snapshots, compactions and
// reopens over three tables and checks the engine against the model after
// every step: the current state, AS OF random seqs and times, and index
// lookups against a filtered scan.
func TestModel(t *testing.T) {
	seeds := []uint64{1, 2, 3}
	steps := 400
	if testing.Short() {
		seeds, steps = seeds[:1], 150
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) { runModel(t, seed, steps, false, false) })
	}
}

// TestModelVersionIndex runs the model with the version index kept: after
// every step it holds what the rows hold up to each table's mark.
func TestModelVersionIndex(t *testing.T) {
	steps := 400
	if testing.Short() {
		steps = 200
	}
	runModel(t, 4, steps, true, false)
}

// TestModelNewestInIndex runs the model with the version index kept and
// the rows' newest versions leaving their documents to it.
func TestModelNewestInIndex(t *testing.T) {
	steps := 400
	if testing.Short() {
		steps = 200
	}
	runModel(t, 5, steps, true, true)
}

func runModel(t *testing.T, seed uint64, steps int, versionIndex, newestInIndex bool) {
	rng := rand.New(rand.NewPCG(seed, 99))
	// In memory: reopening the same MemFS is a clean restart; the crash
	// tests cover the files.
	dir := "/data"
	clock := time.UnixMilli(1_700_000_000_000)
	opts := Options{
		Store:          store.Options{SegmentSize: 4 << 10, FS: vfs.NewMem()},
		SnapshotEvents: 50,
		Now:            func() time.Time { return clock },
	}
	if versionIndex {
		opts.VersionIndex, opts.VersionIndexFS = true, vindex.MemFS()
		opts.NewestInIndex = newestInIndex
	}
	db := openDB(t, dir, opts)
	defer func() { db.Close() }()
	tables := []string{"a", "b", "c"}
	m := &model{tables: map[string]map[Key][]modelVersion{}, horizon: map[string]uint64{}, trng: rand.New(rand.NewPCG(seed, 100))}
	for i, name := range tables {
		spec := TableSpec{Name: name, PK: "id", Indexes: []string{"status", "n"}}
		if i == 2 {
			spec.Columns = []ColumnSpec{{Name: "id", Type: TypeInt8}}
		}
		mustExec(t, db.CreateTable(spec))
		m.tables[name] = map[Key][]modelVersion{}
	}
	keyFor := func(table string, i int) Key {
		if table == "c" {
			return Key{Int: int64(i), IsInt: true}
		}
		return Key{Str: fmt.Sprintf("k%02d", i)}
	}
	inIndex := 0                     // versions reopened tables left to the version index
	leftPatches, leftInserts := 0, 0 // rows seen with their newest document left (Options.NewestInIndex)
	for step := range steps {
		clock = clock.Add(time.Duration(rng.IntN(3)) * time.Millisecond)
		switch op := rng.IntN(100); {
		case op < 58: // a transaction of 1-4 writes, committed or rolled back
			tx := db.Begin()
			w := newModelTxn(m, db.Seq())
			for range 1 + rng.IntN(4) {
				w.write(t, rng, tx, tables, keyFor, 30, step, nil)
			}
			w.checkReads(t, tx, step)
			if rng.IntN(5) == 0 {
				tx.Rollback()
				break
			}
			w.commit(t, tx, clock, step, nil)
		case op < 70: // two transactions over one snapshot: the second to commit conflicts if it changed a row the first did
			t1, t2 := db.Begin(), db.Begin()
			w1, w2 := newModelTxn(m, db.Seq()), newModelTxn(m, db.Seq())
			if rng.IntN(2) == 0 {
				t2.SetIsolation(Serializable)
				w2.serializable = true
			}
			for range 1 + rng.IntN(3) {
				// Few keys, so that the two often meet.
				w1.write(t, rng, t1, tables, keyFor, 6, step, nil)
				w2.write(t, rng, t2, tables, keyFor, 6, step, nil)
			}
			w1.commit(t, t1, clock, step, nil)
			if rng.IntN(2) == 0 {
				// A write after the first committed fails at once when it
				// touches a row the first changed.
				if !w2.write(t, rng, t2, tables, keyFor, 6, step, w1) {
					m.stale++
					t2.Rollback()
					break
				}
			}
			w2.checkReads(t, t2, step)
			w2.commit(t, t2, clock, step, w1)
		case op < 78:
			_, err := db.SnapshotTable(tables[rng.IntN(3)])
			mustExec(t, err)
		case op < 83:
			mustExec(t, db.Compact(tables[rng.IntN(3)]))
		case op < 86 && db.Seq() > 10:
			table := tables[rng.IntN(3)]
			h := m.horizon[table] + uint64(rng.IntN(int(db.Seq()-m.horizon[table])+1))
			got, err := db.CompactBefore(table, h)
			mustExec(t, err)
			if got > m.horizon[table] {
				m.horizon[table] = got
			}
		default:
			mustExec(t, db.Close())
			db = openDB(t, dir, opts)
			for _, name := range tables {
				ts, _ := db.View().lookupTable(name)
				inIndex += inIndexVersions(ts)
			}
		}
		checkModel(t, db, m, rng, step)
		for _, name := range tables {
			ts, _ := db.View().lookupTable(name)
			p, i := leftNewest(ts)
			leftPatches, leftInserts = leftPatches+p, leftInserts+i
		}
	}
	if newestInIndex != (leftPatches > 0 && leftInserts > 0) {
		t.Fatalf("newest documents left to the index: %d times a PATCH's, %d an INSERT's", leftPatches, leftInserts)
	}
	if versionIndex {
		if inIndex == 0 {
			t.Fatal("no reopened table left versions' bytes to the index: its reads went untested")
		}
		// The check above checked something: every table has been indexed.
		for _, name := range tables {
			ts, _ := db.View().lookupTable(name)
			if mk, ok, err := db.vx.Mark(ts.spec.OID); err != nil || !ok || mk.Seq == 0 {
				t.Fatalf("table %s has no mark in the version index: %+v %v %v", name, mk, ok, err)
			}
		}
	}
	t.Logf("%d commits refused with 40001, %d writes refused so before commit; %d truncates", m.conflicts, m.stale, m.truncates)
	if m.truncates == 0 {
		t.Fatal("the run made no truncate")
	}
	if m.conflicts == 0 || m.stale == 0 && steps >= 300 {
		t.Fatalf("the run made no conflict of each kind (%d at commit, %d before): the conflict checks went untested", m.conflicts, m.stale)
	}
}

func storeOpts(segSize int64) (o store.Options) {
	o.SegmentSize = segSize
	return o
}

func checkModel(t *testing.T, db *DB, m *model, rng *rand.Rand, step int) {
	t.Helper()
	if p := db.CheckIndexes(); len(p) != 0 {
		t.Fatalf("step %d: %v", step, p)
	}
	if p := db.CheckVersionIndex(); len(p) != 0 {
		t.Fatalf("step %d: %v", step, p)
	}
	head := db.Seq()
	seqs := []uint64{head}
	for range 3 {
		seqs = append(seqs, uint64(rng.IntN(int(head)+1)))
	}
	for _, seq := range seqs {
		v, err := db.ViewAt(seq)
		mustExec(t, err)
		for table, rows := range m.tables {
			if h := m.horizon[table]; seq < h {
				if _, _, err := v.Get(table, "x"); Code(err) != CodeSnapshotTooOld && Code(err) != CodeDatatypeMismatch {
					t.Fatalf("step %d: AS OF %d before horizon %d of %s: %v", step, seq, h, table, err)
				}
				continue
			}
			want := map[Key]map[string]any{}
			for k := range rows {
				if d := m.at(table, k, seq); d != nil {
					want[k] = d
				}
			}
			got := map[Key]map[string]any{}
			mustExec(t, v.Scan(table, func(r *Row) bool {
				d, err := r.Doc()
				mustExec(t, err)
				got[r.Key] = d
				return true
			}))
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("step %d: %s AS OF %d:\n got %v\nwant %v", step, table, seq, got, want)
			}
			for k, d := range want {
				if g := getDoc(t, v, table, k.Value()); !reflect.DeepEqual(g, d) {
					t.Fatalf("step %d: get %s %v AS OF %d: %v, want %v", step, table, k, seq, g, d)
				}
			}
			checkIndex(t, v, table, want, step)
		}
	}
	checkHistory(t, db, m, step)
	// AS OF a time: the last seq with unix_ms <= t.
	if len(m.commits) > 0 {
		p := m.commits[rng.IntN(len(m.commits))]
		v, err := db.ViewAtTime(time.UnixMilli(p.ms))
		mustExec(t, err)
		var want uint64
		for _, c := range m.commits {
			if c.ms <= p.ms {
				want = c.firstSeq
			}
		}
		// After a compaction folded events away, the seq may be later than
		// the exact one, but only past events no table can show any more:
		// every table reads the same at both seqs.
		if v.Seq() < want {
			t.Fatalf("step %d: AS OF time %d gives seq %d, before %d", step, p.ms, v.Seq(), want)
		}
		for table, rows := range m.tables {
			if want < m.horizon[table] {
				continue
			}
			for k := range rows {
				if a, b := m.at(table, k, v.Seq()), m.at(table, k, want); !reflect.DeepEqual(a, b) {
					t.Fatalf("step %d: AS OF time %d gives seq %d, want %d: %s %v differs", step, p.ms, v.Seq(), want, table, k)
				}
			}
		}
	}
}

// checkHistory reads a random span of each table's history with a
// history cursor and compares it with the model's versions; a span that
// starts before the horizon must fail.
func checkHistory(t *testing.T, db *DB, m *model, step int) {
	t.Helper()
	head := db.Seq()
	for table, rows := range m.tables {
		h := m.horizon[table]
		from := h + uint64(m.trng.IntN(int(head-h)+1))
		to := from + uint64(m.trng.IntN(int(head-from)+2)) // past the head at times: cut at the view
		c, err := db.View().HistoryCursor(table, from, to)
		mustExec(t, err)
		got := drainHistory(t, c)
		keys := make([]Key, 0, len(rows))
		for k := range rows {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return compareKeys(keys[i], keys[j]) < 0 })
		var want []histItem
		for _, k := range keys {
			for _, v := range rows[k] {
				if v.seq > from && v.seq <= min(to, head) {
					want = append(want, histItem{k, v.seq, v.typ, v.doc})
				}
			}
		}
		if !reflect.DeepEqual(got, want) && (len(got) > 0 || len(want) > 0) {
			t.Fatalf("step %d: history of %s in (%d, %d]: %d versions, want %d\n got %v\nwant %v", step, table, from, to, len(got), len(want), got, want)
		}
		if h > 0 {
			if _, err := db.View().HistoryCursor(table, h-1, head); Code(err) != CodeSnapshotTooOld {
				t.Fatalf("step %d: history of %s from before its horizon %d: %v", step, table, h, err)
			}
		}
	}
}

func checkIndex(t *testing.T, v *View, table string, rows map[Key]map[string]any, step int) {
	probes := []struct {
		field string
		op    Op
		val   any
	}{
		{"status", OpEq, statuses[step%len(statuses)]},
		{"status", OpGe, "paid"},
		{"n", OpLt, int64(0)},
		{"n", OpGe, 1.5},
		{"n", OpEq, int64(7)},
	}
	for _, pr := range probes {
		var want []Key
		for k, d := range rows {
			if fv, ok := d[pr.field]; ok && fv != nil {
				if c, ok := CompareValues(fv, pr.val); ok && pr.op.holds(c) {
					want = append(want, k)
				}
			}
		}
		sort.Slice(want, func(i, j int) bool { return compareKeys(want[i], want[j]) < 0 })
		var got []Key
		mustExec(t, v.IndexLookup(table, pr.field, pr.op, pr.val, func(r *Row) bool {
			got = append(got, r.Key)
			return true
		}))
		if len(got) != len(want) || (len(got) > 0 && !reflect.DeepEqual(got, want)) {
			t.Fatalf("step %d: index %s %s %v %v at %d: got %v, want %v", step, table, pr.field, pr.op, pr.val, v.Seq(), got, want)
		}
	}
}

// modelTxn is a transaction of the model: its writes, their documents,
// and the snapshot it reads.
type modelTxn struct {
	m            *model
	snap         uint64
	writes       []modelWrite
	overlay      map[string]map[string]any
	changed      map[string]bool // table/key of rows written (any event)
	patched      map[string]bool // of PATCH and SOFT_DELETE events
	inserted     map[string]bool
	readTables   map[string]bool // serializable: tables scanned
	readKeys     map[string]bool // serializable: rows read by key
	truncated    map[string]bool // tables the transaction truncated
	serializable bool
}

// modelWrite is a write of a transaction: an event on row k (doc is the
// document after it), or a TRUNCATE of the table (typ).
type modelWrite struct {
	table string
	k     Key
	doc   map[string]any
	typ   store.EventType
}

func newModelTxn(m *model, snap uint64) *modelTxn {
	return &modelTxn{m: m, snap: snap, overlay: map[string]map[string]any{}, changed: map[string]bool{},
		patched: map[string]bool{}, inserted: map[string]bool{}, readTables: map[string]bool{}, readKeys: map[string]bool{},
		truncated: map[string]bool{}}
}

func (w *modelTxn) cur(table string, k Key) map[string]any {
	if d, ok := w.overlay[table+"/"+k.String()]; ok {
		return d
	}
	if w.truncated[table] {
		return nil
	}
	return w.m.at(table, k, w.snap)
}

// truncate makes a TRUNCATE of table in tx: every row is gone for the
// transaction, those it wrote too.
func (w *modelTxn) truncate(t *testing.T, tx *Txn, table string) {
	t.Helper()
	mustExec(t, tx.Truncate(table))
	w.m.truncates++
	for id := range w.overlay {
		if tb, _, _ := strings.Cut(id, "/"); tb == table {
			w.overlay[id] = nil
		}
	}
	w.truncated[table] = true
	w.writes = append(w.writes, modelWrite{table: table, typ: store.EventTruncate})
}

// write makes one random write in tx and checks its outcome against the
// model. first, when set, is a transaction that committed after tx's
// snapshot: a write to a row it changed fails with 40001. write reports
// false when the write failed so (the transaction is then done for).
func (w *modelTxn) write(t *testing.T, rng *rand.Rand, tx *Txn, tables []string, keyFor func(string, int) Key, keys, step int, first *modelTxn) bool {
	t.Helper()
	table := tables[rng.IntN(len(tables))]
	k := keyFor(table, rng.IntN(keys))
	if first != nil && len(first.writes) > 0 && rng.IntN(2) == 0 {
		fw := first.writes[rng.IntN(len(first.writes))] // meet the first on purpose
		if fw.typ != store.EventTruncate {
			table, k = fw.table, fw.k
		}
	}
	if w.m.trng != nil && w.m.trng.IntN(40) == 0 {
		w.truncate(t, tx, table)
		return true
	}
	id := table + "/" + k.String()
	live := w.cur(table, k)
	_, mine := w.overlay[id]
	stale := first != nil && first.changed[id] && !mine
	if w.serializable {
		// Reads that the commit checks: a row by key, or a whole table.
		switch rng.IntN(4) {
		case 0:
			getDoc(t, tx.View(), table, k.Value())
			if !mine && !w.truncated[table] { // after its truncate, the row is the transaction's alone
				w.readKeys[id] = true
			}
		case 1:
			mustExec(t, tx.View().Scan(table, func(*Row) bool { return true }))
			w.readTables[table] = true
		}
	}
	switch op := rng.IntN(3); {
	case op == 0 || live == nil && op == 1:
		doc := randomDoc(rng, k)
		_, err := tx.Insert(table, docJSON(doc))
		switch {
		case live != nil && stale:
			if Code(err) != CodeSerializationFailure {
				t.Fatalf("step %d: insert of a key changed since the snapshot: %v", step, err)
			}
			return false
		case live != nil:
			if Code(err) != CodeUniqueViolation {
				t.Fatalf("step %d: insert of live key %v: %v", step, k, err)
			}
			return true
		}
		mustExec(t, err)
		w.overlay[id] = doc
		w.changed[id], w.inserted[id] = true, true
		w.writes = append(w.writes, modelWrite{table, k, doc, store.EventInsert})
	case op == 1:
		p := randomPatch(rng)
		err := tx.Patch(table, k.Value(), docJSON(p))
		if stale {
			if Code(err) != CodeSerializationFailure {
				t.Fatalf("step %d: patch of a row changed since the snapshot: %v", step, err)
			}
			return false
		}
		mustExec(t, err)
		doc := modelMerge(live, p)
		w.overlay[id] = doc
		w.changed[id], w.patched[id] = true, true
		w.writes = append(w.writes, modelWrite{table, k, doc, store.EventPatch})
	default:
		err := tx.SoftDelete(table, k.Value())
		switch {
		case live == nil:
			if Code(err) != CodeNoData {
				t.Fatalf("step %d: delete of missing key: %v", step, err)
			}
			return true
		case stale:
			if Code(err) != CodeSerializationFailure {
				t.Fatalf("step %d: delete of a row changed since the snapshot: %v", step, err)
			}
			return false
		}
		mustExec(t, err)
		w.overlay[id] = nil
		w.changed[id], w.patched[id] = true, true
		w.writes = append(w.writes, modelWrite{table, k, nil, store.EventSoftDelete})
	}
	return true
}

// checkReads reads the transaction's writes back inside it.
func (w *modelTxn) checkReads(t *testing.T, tx *Txn, step int) {
	t.Helper()
	for _, wr := range w.writes {
		if wr.typ == store.EventTruncate {
			continue
		}
		want := w.overlay[wr.table+"/"+wr.k.String()]
		if got := getDoc(t, tx.View(), wr.table, wr.k.Value()); !reflect.DeepEqual(got, want) && !(got == nil && want == nil) {
			t.Fatalf("step %d: txn reads %v, wrote %v", step, got, want)
		}
	}
}

// commit commits tx and checks the outcome: first, when set, committed
// after tx's snapshot; tx fails with 40001 if it patched or deleted a row
// first changed (or, serializable, read a table first wrote), with 23505
// if it inserted a key first inserted, and otherwise succeeds and goes
// into the model.
func (w *modelTxn) commit(t *testing.T, tx *Txn, clock time.Time, step int, first *modelTxn) {
	t.Helper()
	want := ""
	if first != nil && len(w.writes) > 0 {
		for id := range w.patched {
			if first.changed[id] {
				want = CodeSerializationFailure
			}
		}
		for id := range first.changed {
			if table, _, _ := strings.Cut(id, "/"); w.readTables[table] || w.readKeys[id] {
				want = CodeSerializationFailure
			}
		}
		if want == "" && w.insertsLiveKey() {
			want = CodeUniqueViolation
		}
	}
	before := tx.db.Seq()
	last, err := tx.Commit(ctx)
	if want != "" {
		if Code(err) != want {
			t.Fatalf("step %d: commit of a transaction that conflicts: %v, want %s", step, err, want)
		}
		if want == CodeSerializationFailure {
			w.m.conflicts++
		}
		return
	}
	mustExec(t, err)
	if len(w.writes) == 0 {
		return
	}
	if want := before + uint64(len(w.writes)); last != want {
		t.Fatalf("step %d: commit seq %d, want %d", step, last, want)
	}
	seq := before
	for _, wr := range w.writes {
		seq++
		w.m.commits = append(w.m.commits, timePoint{ms: clock.UnixMilli(), firstSeq: seq})
		if wr.typ != store.EventTruncate {
			w.m.tables[wr.table][wr.k] = append(w.m.tables[wr.table][wr.k], modelVersion{seq: seq, doc: wr.doc, typ: wr.typ})
			continue
		}
		// The rows live when it is applied, whoever wrote them: each is
		// changed by this transaction, for the conflicts of one after it.
		for k, vs := range w.m.tables[wr.table] {
			if vs[len(vs)-1].doc != nil {
				w.m.tables[wr.table][k] = append(vs, modelVersion{seq: seq, typ: store.EventTruncate})
				w.changed[wr.table+"/"+k.String()] = true
			}
		}
	}
}

// insertsLiveKey reports whether the transaction, applied in order to
// the latest state, inserts a key that is live then: its commit fails
// with 23505.
func (w *modelTxn) insertsLiveKey() bool {
	live := map[string]bool{}
	truncated := map[string]bool{}
	isLive := func(table string, k Key) bool {
		if l, ok := live[table+"/"+k.String()]; ok {
			return l
		}
		return !truncated[table] && w.m.live(table, k) != nil
	}
	for _, wr := range w.writes {
		id := wr.table + "/" + wr.k.String()
		switch wr.typ {
		case store.EventInsert:
			if isLive(wr.table, wr.k) {
				return true
			}
			live[id] = true
		case store.EventSoftDelete:
			live[id] = false
		case store.EventTruncate:
			truncated[wr.table] = true
			for id := range live {
				if tb, _, _ := strings.Cut(id, "/"); tb == wr.table {
					live[id] = false
				}
			}
		}
	}
	return false
}
