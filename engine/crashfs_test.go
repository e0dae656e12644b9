package engine

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	pvfs "github.com/cockroachdb/pebble/v2/vfs"
	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
	"github.com/driftdb/driftdb/vindex"
)

// Crash tests on the memory file system. A SIGKILL leaves the page cache
// behind, so only a simulated machine crash shows a missing fsync: these
// tests run a workload on a vfs.MemFS and, before every operation that
// changes it, take what a crash at that moment would leave and open a
// database on it.
//
// DRIFTDB_CRASH_SEED=n replays the workload of seed n (a failure names
// it); DRIFTDB_TORTURE=1 runs several long workloads (make torture), and
// -short a shorter one (make test runs these under the race detector).

// torture reports whether the long runs are asked for.
func torture() bool { return os.Getenv("DRIFTDB_TORTURE") != "" }

// crashSeeds returns the seeds to run: the one given in
// DRIFTDB_CRASH_SEED, else n new ones.
func crashSeeds(t *testing.T, n int) []uint64 {
	if s := os.Getenv("DRIFTDB_CRASH_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("DRIFTDB_CRASH_SEED=%q: %v", s, err)
		}
		return []uint64{seed}
	}
	seeds := make([]uint64, n)
	for i := range seeds {
		seeds[i] = rand.Uint64() % 1_000_000_000
	}
	return seeds
}

// crashState is what the workload has done, as the crash hook sees it.
type crashState struct {
	mu       sync.Mutex
	acked    uint64 // seq of the last acknowledged commit
	inflight uint64 // seq the commit being made will end at (0: none)
	horizon  map[string]uint64
	// pendingHorizon is a CompactBefore in progress: its table's horizon
	// may or may not have moved.
	pendingHorizon map[string]uint64
	// index is the version index's file system, when it is kept (the
	// extents' too), inIndex counts the versions the reopened tables
	// read from it, and fromExtents the reads of gaps that took extents
	// kept across the crash.
	index       *pvfs.MemFS
	loadRows    int // Options.loadRows of every open
	inIndex     int
	fromExtents int64
}

// crashIndex returns what a crash leaves of the version index, with
// unsynced parts kept at that percentage, or nil when none is kept.
func (st *crashState) crashIndex(unsynced int, rng *rand.Rand) vindex.FS {
	if st.index == nil {
		return nil
	}
	return st.index.CrashClone(pvfs.CrashCloneCfg{UnsyncedDataPercent: unsynced, RNG: rng})
}

// TestCrashAtEveryOperation runs a seeded random workload (transactions
// over three tables, rollbacks, snapshots, segment rotation, merges and
// compaction before a horizon) on a MemFS and, before each operation
// that changes the file system, opens a database on what a crash would
// leave: once with exactly what was synced, once with the unsynced
// changes up to a random point also kept, the last write torn. Each
// must open, show exactly the acknowledged commits (the one being made
// may be there too, whole, in every table, or nowhere), answer AS OF and
// index lookups the same way, pass verify, and take a write.
func TestCrashAtEveryOperation(t *testing.T) { runCrashWorkloads(t, 8, false) }

// TestCrashAtEveryOperationVersionIndex runs the same with the version
// index kept, on a file system of its own crashed at the same points:
// whole snapshots then leave old versions' bytes to it, and every crash
// must still read as the model, the index holding what the rows hold.
func TestCrashAtEveryOperationVersionIndex(t *testing.T) { runCrashWorkloads(t, 4, true) }

// runCrashWorkloads runs crashWorkload over one seed, or tortureSeeds
// seeds and longer under make torture.
func runCrashWorkloads(t *testing.T, tortureSeeds int, versionIndex bool) {
	seeds, steps := crashSeeds(t, 1), 70
	if testing.Short() {
		steps = 30
	}
	if torture() {
		seeds, steps = crashSeeds(t, tortureSeeds), 600
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			t.Logf("replay with DRIFTDB_CRASH_SEED=%d", seed)
			crashWorkload(t, seed, steps, versionIndex)
		})
	}
}

func crashWorkload(t *testing.T, seed uint64, steps int, versionIndex bool) {
	rng := rand.New(rand.NewPCG(seed, 17))
	crashRng := rand.New(rand.NewPCG(seed, 18))
	mem := vfs.NewMem()
	faults := vfs.NewFaultFS(mem)
	clock := time.UnixMilli(1_700_000_000_000)
	opts := Options{
		Store:          store.Options{SegmentSize: 4 << 10, FS: faults},
		SnapshotEvents: -1, // snapshots only where the workload makes them: one goroutine, one order
		SnapshotBytes:  -1,
		Now:            func() time.Time { return clock },
	}
	st := &crashState{horizon: map[string]uint64{}, pendingHorizon: map[string]uint64{}}
	if versionIndex {
		st.index = pvfs.NewCrashableMem()
		opts.VersionIndex, opts.VersionIndexFS = true, st.index
		// Extents written where the workload says (after snapshots),
		// not by the writer's clock.
		opts.Extents, opts.extentsAfter = true, time.Hour
		// Every other seed loads its tables' first passes, which a table
		// of this workload's size would batch.
		if seed%2 == 1 {
			st.loadRows, opts.loadRows = 1, 1
		}
	}
	db := openDB(t, "/data", opts)
	defer func() { db.Close() }()
	tables := []string{"a", "b", "c"}
	m := &model{tables: map[string]map[Key][]modelVersion{}, horizon: map[string]uint64{}}
	for _, name := range tables {
		mustExec(t, db.CreateTable(TableSpec{Name: name, PK: "id", Indexes: []string{"status", "n"}}))
		m.tables[name] = map[Key][]modelVersion{}
	}
	crashes := 0
	// The hook may run on a goroutine of the store's writer: it reports a
	// failed check by failing the operation (and every one after), and
	// the workload stops at its next error with the check's.
	var failed error
	faults.SetHook(func(op vfs.Op, path string) error {
		if op&vfs.OpChange == 0 {
			return nil
		}
		st.mu.Lock()
		defer st.mu.Unlock()
		if failed != nil {
			return failed
		}
		crashes++
		where := fmt.Sprintf("seed %d, crash %d before %v %s", seed, crashes, op, path)
		failed = checkCrash(where+" (synced only)", mem.CrashClone(), st.crashIndex(0, nil), m, st)
		if failed == nil {
			now := mem.Changes()
			keep := now - uint64(crashRng.IntN(int(min(now, 64))+1))
			failed = checkCrash(where+fmt.Sprintf(" (kept changes up to %d of %d)", keep, now),
				mem.CrashCloneKeeping(keep, crashRng), st.crashIndex(crashRng.IntN(101), crashRng), m, st)
		}
		return failed
	})
	defer faults.SetHook(nil)
	mustExec := func(t *testing.T, err error) {
		t.Helper()
		st.mu.Lock()
		check := failed
		st.mu.Unlock()
		if check != nil {
			t.Fatal(check)
		}
		if err != nil {
			t.Fatal(err)
		}
	}

	key := func(i int) Key { return Key{Str: fmt.Sprintf("k%02d", i)} }
	keys := 25
	if versionIndex {
		keys = 6 // rows with a history, whose old versions go to the index
	}
	covered := func() bool {
		st.mu.Lock()
		defer st.mu.Unlock()
		return st.inIndex > 0
	}
	// With the index kept, the run goes on (up to four times as long)
	// until a crash has reopened a table that reads versions from it,
	// with whole snapshots every steps/2 steps meanwhile.
	for step := 0; step < steps || versionIndex && step < 4*steps && !covered(); step++ {
		if versionIndex && step > 0 && step%max(steps/2, 1) == 0 && !covered() {
			for _, name := range tables {
				db.snapMu.Lock()
				_, err := db.snapshotLocked(name, true)
				db.snapMu.Unlock()
				mustExec(t, err)
			}
		}
		clock = clock.Add(time.Duration(rng.IntN(3)) * time.Millisecond)
		switch op := rng.IntN(100); {
		case op < 75:
			tx := db.Begin()
			type write struct {
				table    string
				k        Key
				doc      map[string]any
				truncate bool
			}
			var writes []write
			overlay := map[string]map[string]any{}
			truncated := map[string]bool{}
			cur := func(table string, k Key) map[string]any {
				if d, ok := overlay[table+"/"+k.Str]; ok {
					return d
				}
				if truncated[table] {
					return nil
				}
				return m.live(table, k)
			}
			for range 1 + rng.IntN(4) {
				table := tables[rng.IntN(len(tables))]
				if rng.IntN(30) == 0 {
					mustExec(t, tx.Truncate(table))
					truncated[table] = true
					for id := range overlay {
						if strings.HasPrefix(id, table+"/") {
							overlay[id] = nil
						}
					}
					writes = append(writes, write{table: table, truncate: true})
					continue
				}
				k := key(rng.IntN(keys))
				live := cur(table, k)
				var doc map[string]any
				switch w := rng.IntN(3); {
				case live == nil || w == 0 && live == nil:
					doc = randomDoc(rng, k)
					_, err := tx.Insert(table, docJSON(doc))
					mustExec(t, err)
				case w < 2:
					p := randomPatch(rng)
					mustExec(t, tx.Patch(table, k.Str, docJSON(p)))
					doc = modelMerge(live, p)
				default:
					mustExec(t, tx.SoftDelete(table, k.Str))
				}
				overlay[table+"/"+k.Str] = doc
				writes = append(writes, write{table: table, k: k, doc: doc})
			}
			if rng.IntN(6) == 0 {
				tx.Rollback()
				break
			}
			// The model holds the commit before it is made: the crash
			// hook may find it on disk, whole.
			seq := db.Seq()
			st.mu.Lock()
			for _, w := range writes {
				seq++
				if !w.truncate {
					m.tables[w.table][w.k] = append(m.tables[w.table][w.k], modelVersion{seq: seq, doc: w.doc})
					continue
				}
				for k, vs := range m.tables[w.table] {
					if vs[len(vs)-1].doc != nil {
						m.tables[w.table][k] = append(vs, modelVersion{seq: seq})
					}
				}
			}
			st.inflight = seq
			st.mu.Unlock()
			last, err := tx.Commit(ctx)
			mustExec(t, err)
			if last != seq {
				t.Fatalf("step %d: commit at seq %d, want %d", step, last, seq)
			}
			st.mu.Lock()
			st.acked, st.inflight = seq, 0
			st.mu.Unlock()
		case op < 85:
			table := tables[rng.IntN(len(tables))]
			_, err := db.SnapshotTable(table)
			mustExec(t, err)
			if versionIndex && rng.IntN(2) == 0 {
				mustExec(t, db.writeExtents(ctx, table))
			}
		case op < 93:
			mustExec(t, db.Compact(tables[rng.IntN(len(tables))]))
		case db.Seq() > 10:
			table := tables[rng.IntN(len(tables))]
			h := m.horizon[table] + uint64(rng.IntN(int(db.Seq()-m.horizon[table])+1))
			st.mu.Lock()
			st.pendingHorizon[table] = h
			st.mu.Unlock()
			got, err := db.CompactBefore(table, h)
			mustExec(t, err)
			st.mu.Lock()
			m.horizon[table] = max(m.horizon[table], got)
			st.horizon[table] = m.horizon[table]
			delete(st.pendingHorizon, table)
			st.mu.Unlock()
		}
	}
	mustExec(t, nil)
	if crashes < steps {
		t.Fatalf("only %d crash points in %d steps", crashes, steps)
	}
	if versionIndex && !covered() {
		t.Fatal("no reopened table read versions from the index: the crashes did not test it")
	}
	if st.loadRows > 0 && db.testLoads.Load() == 0 {
		t.Fatal("no pass loaded its entries")
	}
	t.Logf("%d crash points, each checked twice; %d reads of gaps took extents kept across a crash; %d passes loaded", crashes, st.fromExtents, db.testLoads.Load())
}

// checkCrash opens a database on fsys, the files a crash left, and
// checks it against the model: its seq is the last acknowledged one, or
// the one of the commit being made; every table reads as the model at
// that seq, now and at an earlier seq at or after its horizon; verify
// finds no damage; the database takes a write. Called with st.mu held.
func checkCrash(where string, fsys *vfs.MemFS, index vindex.FS, m *model, st *crashState) (err error) {
	opts := Options{Store: store.Options{SegmentSize: 4 << 10, FS: fsys}, SnapshotEvents: -1, SnapshotBytes: -1}
	if index != nil {
		opts.VersionIndex, opts.VersionIndexFS = true, index
		opts.Extents, opts.extentsAfter = true, time.Hour
		opts.loadRows = st.loadRows
	}
	db, err := Open("/data", opts)
	if err != nil {
		return fmt.Errorf("%s: open: %w", where, err)
	}
	defer func() {
		if cerr := db.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("%s: close: %w", where, cerr)
		}
	}()
	head := db.Seq()
	if head != st.acked && (st.inflight == 0 || head != st.inflight) {
		return fmt.Errorf("%s: seq %d after the crash, want %d (acknowledged) or %d (in flight)", where, head, st.acked, st.inflight)
	}
	for table, rows := range m.tables {
		low := max(st.horizon[table], st.pendingHorizon[table])
		for _, seq := range []uint64{head, head * 2 / 3} {
			if seq < low {
				continue
			}
			v, err := db.ViewAt(seq)
			if err != nil {
				return fmt.Errorf("%s: view at %d: %w", where, seq, err)
			}
			want := map[Key]map[string]any{}
			for k := range rows {
				if d := m.at(table, k, seq); d != nil {
					want[k] = d
				}
			}
			got := map[Key]map[string]any{}
			var derr error
			err = v.Scan(table, func(r *Row) bool {
				got[r.Key], derr = r.Doc()
				return derr == nil
			})
			if err = errors.Join(err, derr); err != nil {
				return fmt.Errorf("%s: scan %s at %d: %w", where, table, seq, err)
			}
			if !reflect.DeepEqual(got, want) {
				return fmt.Errorf("%s: %s at seq %d (head %d, acknowledged %d):\n got %v\nwant %v", where, table, seq, head, st.acked, got, want)
			}
			if err := indexMatches(v, table, want); err != nil {
				return fmt.Errorf("%s: %s at seq %d: %w", where, table, seq, err)
			}
		}
	}
	rep, err := store.Verify(fsys, "/data")
	if err != nil || rep.Damaged() {
		return fmt.Errorf("%s: verify: %v %v", where, err, rep.Problems)
	}
	if p := db.CheckVersionIndex(); len(p) != 0 {
		return fmt.Errorf("%s: %v", where, p)
	}
	// The extents an open took after the crash hold what the index does
	// (the scans above read through them).
	if _, wrong := db.CheckExtents(); len(wrong) != 0 {
		return fmt.Errorf("%s: %v", where, wrong)
	}
	if db.ext != nil {
		st.fromExtents += db.ext.reads.Load()
	}
	for _, name := range db.View().Tables() {
		ts, _ := db.View().lookupTable(name)
		st.inIndex += inIndexVersions(ts)
	}
	if _, err := db.Insert(ctx, "a", []byte(`{"id": "after-crash"}`)); err != nil {
		return fmt.Errorf("%s: write after recovery: %w", where, err)
	}
	return nil
}

// indexMatches checks index lookups of v against rows, the table's live
// rows at v's seq.
func indexMatches(v *View, table string, rows map[Key]map[string]any) error {
	for _, pr := range []struct {
		field string
		op    Op
		val   any
	}{
		{"status", OpEq, "paid"},
		{"status", OpGe, "paid"},
		{"n", OpLt, int64(0)},
		{"n", OpGe, 1.5},
	} {
		want := 0
		for _, d := range rows {
			if fv, ok := d[pr.field]; ok && fv != nil {
				if c, ok := CompareValues(fv, pr.val); ok && pr.op.holds(c) {
					want++
				}
			}
		}
		got := 0
		if err := v.IndexLookup(table, pr.field, pr.op, pr.val, func(*Row) bool { got++; return true }); err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("index %s %v %v: %d rows, want %d", pr.field, pr.op, pr.val, got, want)
		}
	}
	return nil
}
