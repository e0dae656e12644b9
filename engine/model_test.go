package engine

import (
	"fmt"
	"github.com/driftdb/driftdb/store"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
	"time"
)

// The model: every table a map from key to the versions of that row, each
// the document after an event (nil when deleted), and the (seq, unix_ms) of
// every commit.
type modelVersion struct {
	seq uint64
	doc map[string]any
}

type model struct {
	tables  map[string]map[Key][]modelVersion
	commits []timePoint // seq of each event with its unix_ms
	horizon map[string]uint64
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
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) { runModel(t, seed, steps) })
	}
}

func runModel(t *testing.T, seed uint64, steps int) {
	rng := rand.New(rand.NewPCG(seed, 99))
	dir := t.TempDir()
	clock := time.UnixMilli(1_700_000_000_000)
	opts := Options{
		Store:          storeOpts(4 << 10),
		SnapshotEvents: 50,
		Now:            func() time.Time { return clock },
	}
	db := openDB(t, dir, opts)
	defer func() { db.Close() }()
	tables := []string{"a", "b", "c"}
	m := &model{tables: map[string]map[Key][]modelVersion{}, horizon: map[string]uint64{}}
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
	for step := range steps {
		clock = clock.Add(time.Duration(rng.IntN(3)) * time.Millisecond)
		switch op := rng.IntN(100); {
		case op < 70: // a transaction of 1-4 writes, committed or rolled back
			tx := db.Begin()
			type pend struct {
				table string
				k     Key
				doc   map[string]any
			}
			var writes []pend
			overlay := map[string]map[string]any{}
			cur := func(table string, k Key) map[string]any {
				if d, ok := overlay[table+"/"+k.String()]; ok {
					return d
				}
				return m.live(table, k)
			}
			for range 1 + rng.IntN(4) {
				table := tables[rng.IntN(3)]
				k := keyFor(table, rng.IntN(30))
				live := cur(table, k)
				switch w := rng.IntN(3); {
				case w == 0 || live == nil && w == 1:
					doc := randomDoc(rng, k)
					_, err := tx.Insert(table, docJSON(doc))
					if live != nil {
						if Code(err) != CodeUniqueViolation {
							t.Fatalf("step %d: insert of live key %v: %v", step, k, err)
						}
						continue
					}
					mustExec(t, err)
					overlay[table+"/"+k.String()] = doc
					writes = append(writes, pend{table, k, doc})
				case w == 1:
					p := randomPatch(rng)
					mustExec(t, tx.Patch(table, k.Value(), docJSON(p)))
					doc := modelMerge(live, p)
					overlay[table+"/"+k.String()] = doc
					writes = append(writes, pend{table, k, doc})
				default:
					err := tx.SoftDelete(table, k.Value())
					if live == nil {
						if Code(err) != CodeNoData {
							t.Fatalf("step %d: delete of missing key: %v", step, err)
						}
						continue
					}
					mustExec(t, err)
					overlay[table+"/"+k.String()] = nil
					writes = append(writes, pend{table, k, nil})
				}
			}
			// Read-your-writes inside the transaction.
			for _, w := range writes {
				if got := getDoc(t, tx.View(), w.table, w.k.Value()); !reflect.DeepEqual(got, overlay[w.table+"/"+w.k.String()]) && !(got == nil && overlay[w.table+"/"+w.k.String()] == nil) {
					t.Fatalf("step %d: txn reads %v, wrote %v", step, got, overlay[w.table+"/"+w.k.String()])
				}
			}
			if rng.IntN(5) == 0 {
				tx.Rollback()
				break
			}
			before := db.Seq()
			last, err := tx.Commit(ctx)
			mustExec(t, err)
			if len(writes) == 0 {
				break
			}
			if want := before + uint64(len(writes)); last != want {
				t.Fatalf("step %d: commit seq %d, want %d", step, last, want)
			}
			seq := before
			for _, w := range writes {
				seq++
				m.tables[w.table][w.k] = append(m.tables[w.table][w.k], modelVersion{seq: seq, doc: w.doc})
				m.commits = append(m.commits, timePoint{ms: clock.UnixMilli(), firstSeq: seq})
			}
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
		}
		checkModel(t, db, m, rng, step)
	}
}

func storeOpts(segSize int64) (o store.Options) {
	o.SegmentSize = segSize
	return o
}

func checkModel(t *testing.T, db *DB, m *model, rng *rand.Rand, step int) {
	t.Helper()
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
