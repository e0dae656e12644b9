package engine

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/driftdb/driftdb/store"
)

// The benchmark table: 200k keys, 5 versions each (an insert and four
// patches), 1M events; "grp" is indexed with 10 rows per value.
const (
	benchKeys     = 200_000
	benchVersions = 5
)

func buildBenchDB(b *testing.B, dir string) (*DB, uint64) {
	return buildBenchDBWith(b, dir, Options{}, nil)
}

// buildBenchDBWith is buildBenchDB with opts (without sync or automatic
// snapshots), calling round after each round of versions.
func buildBenchDBWith(b *testing.B, dir string, opts Options, round func(db *DB)) (*DB, uint64) {
	b.Helper()
	opts.Store.NoSync, opts.SnapshotEvents, opts.SnapshotBytes = true, -1, -1
	db, err := Open(dir, opts)
	if err != nil {
		b.Fatal(err)
	}
	if err := db.CreateTable(TableSpec{Name: "users", PK: "id", Indexes: []string{"grp"}}); err != nil {
		b.Fatal(err)
	}
	var mid uint64
	for ver := range benchVersions {
		tx := db.Begin()
		for k := range benchKeys {
			var err error
			if ver == 0 {
				_, err = tx.Insert("users", fmt.Appendf(nil,
					`{"id": %d, "email": "user%d@example.com", "status": "active", "grp": %d, "amount": %d}`,
					k, k, k/10, k))
			} else {
				err = tx.Patch("users", int64(k), fmt.Appendf(nil, `{"amount": %d, "status": "v%d"}`, k+ver, ver))
			}
			if err != nil {
				b.Fatal(err)
			}
			if tx.Writes() == 1000 {
				if _, err := tx.Commit(ctx); err != nil {
					b.Fatal(err)
				}
				tx = db.Begin()
			}
		}
		if _, err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
		if ver == 2 {
			mid = db.Seq()
		}
		if round != nil {
			round(db)
		}
	}
	return db, mid
}

// BenchmarkPointLookup reads random keys at the current seq and AS OF a
// random past seq, with and without decoding the document.
//
// reopened: the table was snapshotted and opened again, so its older
// INSERTs read their documents from the log; vindex: with the version
// index, so that its older versions read theirs from it.
func BenchmarkPointLookup(b *testing.B) {
	dir := b.TempDir()
	db, _ := buildBenchDB(b, dir)
	defer func() { db.Close() }()
	head := db.Seq()
	for _, c := range []struct{ asOf, decode, reopened, vindex bool }{
		{false, false, false, false}, {false, true, false, false}, {true, false, false, false}, {true, true, false, false},
		{true, false, true, false}, {true, true, true, false}, {true, true, true, true},
	} {
		asOf, decode := c.asOf, c.decode
		if c.reopened {
			db = reopenBench(b, db, dir, Options{SnapshotEvents: -1, VersionIndex: c.vindex, CacheSize: -1})
		}
		{
			name := fmt.Sprintf("asof=%v/decode=%v", asOf, decode)
			if c.reopened {
				name += "/reopened"
			}
			if c.vindex {
				name += "/vindex"
			}
			b.Run(name, func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				b.ReportAllocs()
				for b.Loop() {
					v := db.View()
					if asOf {
						v, _ = db.ViewAt(1 + rng.Uint64N(head))
					}
					r, ok, err := v.Get("users", int64(rng.IntN(benchKeys)))
					if err != nil {
						b.Fatal(err)
					}
					if ok && decode {
						if _, err := r.Doc(); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
			})
		}
	}
}

// BenchmarkAsOfSpilled reads random keys AS OF a random past seq, their
// documents decoded, in a table that a snapshot after each round of
// versions spilled to the version index: through the rows' extents, and
// through the index's entries alone (as before the extents are written).
func BenchmarkAsOfSpilled(b *testing.B) {
	db, _ := buildBenchDBWith(b, b.TempDir(), Options{VersionIndex: true, NewestInIndex: true, Extents: true, extentsAfter: time.Hour}, func(db *DB) {
		if _, err := db.SnapshotTable("users"); err != nil {
			b.Fatal(err)
		}
	})
	defer db.Close()
	if err := db.writeExtents(ctx, "users"); err != nil {
		b.Fatal(err)
	}
	head := db.Seq()
	ts, _ := db.View().lookupTable("users")
	ext := ts.log.ext
	defer func() { ts.log.ext = ext }()
	for _, via := range []string{"extents", "index"} {
		b.Run("via="+via, func(b *testing.B) {
			if via == "index" {
				ts.log.ext = nil
			}
			rng := rand.New(rand.NewPCG(1, 2))
			b.ReportAllocs()
			for b.Loop() {
				v, _ := db.ViewAt(benchKeys + 1 + rng.Uint64N(head-benchKeys))
				r, ok, err := v.Get("users", int64(rng.IntN(benchKeys)))
				if err != nil || !ok {
					b.Fatal(ok, err)
				}
				if _, err := r.Doc(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
		})
	}
	if ext.reads.Load() == 0 || ext.unsure.Load() != 0 {
		b.Fatalf("%d reads took the extents, %d the index", ext.reads.Load(), ext.unsure.Load())
	}
}

// BenchmarkIndexLookup finds the 10 rows of one indexed value.
func BenchmarkIndexLookup(b *testing.B) {
	db, mid := buildBenchDB(b, b.TempDir())
	defer db.Close()
	for _, asOf := range []bool{false, true} {
		b.Run(fmt.Sprintf("rows=10/asof=%v", asOf), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, 4))
			b.ReportAllocs()
			for b.Loop() {
				v := db.View()
				if asOf {
					v, _ = db.ViewAt(mid)
				}
				n := 0
				err := v.IndexLookup("users", "grp", OpEq, int64(rng.IntN(benchKeys/10)), func(*Row) bool {
					n++
					return true
				})
				if err != nil || n != 10 {
					b.Fatalf("%d rows, %v", n, err)
				}
			}
		})
	}
}

// BenchmarkOpen measures opening the 1M-event table from the log alone and
// from a recent snapshot, and reports the heap per event.
func BenchmarkOpen(b *testing.B) {
	dir := b.TempDir()
	db, _ := buildBenchDB(b, dir)
	db.Close()
	// snapshot=gaps: a whole snapshot with the version index, whose rows
	// hold gaps in place of all but their newest versions.
	for _, snap := range []string{"false", "true", "gaps"} {
		b.Run(fmt.Sprintf("events=1M/snapshot=%v", snap), func(b *testing.B) {
			opts := Options{SnapshotEvents: -1, VersionIndex: snap == "gaps"}
			if snap != "false" {
				db, err := Open(dir, opts)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := db.SnapshotTable("users"); err != nil {
					b.Fatal(err)
				}
				db.Close()
			} else {
				os.RemoveAll(dir + "/tables/users/snapshots")
				os.MkdirAll(dir+"/tables/users/snapshots", 0o755)
			}
			var heap uint64
			for b.Loop() {
				start := time.Now()
				db, err := Open(dir, opts)
				if err != nil {
					b.Fatal(err)
				}
				_ = start
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				heap = ms.HeapAlloc
				db.Close()
			}
			b.ReportMetric(float64(heap)/float64(benchKeys*benchVersions), "heap-bytes/event")
		})
	}
}

// BenchmarkCommit measures the engine's work per single-row transaction,
// without fsync (the store's benchmarks measure that): an insert into a
// table of 100k rows with an indexed field shared by every new row, and a
// patch of a random existing row.
func BenchmarkCommit(b *testing.B) {
	// insert: keys in increasing order; insert-random: keys spread over the
	// key space, as concurrent clients with random ids write them.
	for _, kind := range []string{"insert", "insert-random", "patch"} {
		b.Run(kind, func(b *testing.B) {
			db, err := Open(b.TempDir(), Options{Store: store.Options{NoSync: true}, SnapshotEvents: -1, SnapshotBytes: -1})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if err := db.CreateTable(TableSpec{Name: "users", PK: "id", Indexes: []string{"status"}}); err != nil {
				b.Fatal(err)
			}
			const rows = 100_000
			tx := db.Begin()
			for k := range rows {
				if _, err := tx.Insert("users", fmt.Appendf(nil, `{"id": %d, "email": "user%d@example.com", "status": "s%d", "amount": %d}`, k, k, k%10000, k)); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := tx.Commit(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				tx := db.Begin()
				switch kind {
				case "insert":
					_, err = tx.Insert("users", fmt.Appendf(nil, `{"id": %d, "email": "new@example.com", "status": "new", "amount": %d}`, rows+i, i))
				case "insert-random":
					_, err = tx.Insert("users", fmt.Appendf(nil, `{"id": %d, "email": "new@example.com", "status": "new", "amount": %d}`, rows+rand.Int64N(1<<62), i))
				default:
					err = tx.Patch("users", int64(rand.IntN(rows)), fmt.Appendf(nil, `{"amount": %d}`, i))
				}
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tx.Commit(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkScan visits every live row of the 200k-key table, at the current
// seq, without decoding documents.
func BenchmarkScan(b *testing.B) {
	db, _ := buildBenchDB(b, b.TempDir())
	defer db.Close()
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := db.View().Scan("users", func(*Row) bool { n++; return true }); err != nil || n != benchKeys {
			b.Fatalf("%d rows, %v", n, err)
		}
	}
	b.ReportMetric(float64(b.N*benchKeys)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkSnapshot writes a snapshot of the 200k-key, 1M-version table:
// the work an automatic snapshot does in the background.
func BenchmarkSnapshot(b *testing.B) {
	dir := b.TempDir()
	db, _ := buildBenchDB(b, dir)
	defer db.Close()
	b.ReportAllocs()
	var seq uint64
	for b.Loop() {
		var err error
		if seq, err = db.SnapshotTable("users"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(benchKeys*benchVersions), "ns/version")
	fi, err := os.Stat(filepath.Join(dir, "tables", "users", "snapshots", fmt.Sprintf("%08d.snap", seq)))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(fi.Size()), "file-bytes")
}

// BenchmarkSnapshotIndexed brings the version index of the 200k-key
// table up to date, and writes a delta snapshot, after some of its rows
// were patched: the work each automatic snapshot adds (the new versions,
// the rows' newest versions, the trim of the rows and the delta's file).
// The rows patched are random ones, or a run of keys in order, as rows
// written in the order of their keys are (ids, times); with indexed, the
// patches change the indexed field too, and each snapshot's trim puts
// the rows' new current entries into the version index and lets go of
// the tree's (entries/row: what the index's tree holds, none once
// trimmed, where each change added one; current/row: the version index's
// current entries, one a row).
func BenchmarkSnapshotIndexed(b *testing.B) {
	dir := b.TempDir()
	db, _ := buildBenchDB(b, dir)
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	db, err := Open(dir, Options{Store: store.Options{NoSync: true}, SnapshotEvents: -1, SnapshotBytes: -1, VersionIndex: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SnapshotTable("users"); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	round := 0
	for _, c := range []struct {
		changed int
		inOrder bool
		grp     bool // the changes change the indexed field too
	}{{20_000, false, false}, {2_000, false, false}, {2_000, true, false}, {20_000, false, true}} {
		name := fmt.Sprintf("changed=%d/random", c.changed)
		if c.inOrder {
			name = fmt.Sprintf("changed=%d/in-order", c.changed)
		}
		if c.grp {
			name += "/indexed"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				tx := db.Begin()
				start := rng.IntN(benchKeys - c.changed)
				for i := range c.changed {
					k := start + i
					if !c.inOrder {
						k = rng.IntN(benchKeys)
					}
					patch := fmt.Appendf(nil, `{"amount": %d}`, round)
					if c.grp {
						patch = fmt.Appendf(nil, `{"amount": %d, "grp": %d}`, round, rng.IntN(benchKeys/10))
					}
					if err := tx.Patch("users", int64(k), patch); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := tx.Commit(ctx); err != nil {
					b.Fatal(err)
				}
				round++
				b.StartTimer()
				if _, err := db.SnapshotTable("users"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(c.changed), "ns/change")
			// The index's entries in memory: none once trimmed, however
			// many changes; its current entries, one a row.
			v := db.View()
			ts, _ := v.lookupTable("users")
			b.ReportMetric(float64(v.trees("users", ts).indexes["grp"].Len())/benchKeys, "entries/row")
			n, _ := currentEntries(b, db, "users", "grp")
			b.ReportMetric(float64(n)/benchKeys, "current/row")
		})
	}
}

// BenchmarkCreateIndex builds an index on a field every version of the
// 1M-event table changes, in the process that wrote the table, after a
// reopen, where the rows' older INSERTs read their documents from the log
// (through an empty cache), and after a reopen with the table spilled to
// the version index, where the index is built there (buildIndexed). It
// reports the entries the index's tree holds once made, a row: every
// version's in the first two, only those written since in the third.
func BenchmarkCreateIndex(b *testing.B) {
	dir := b.TempDir()
	db, _ := buildBenchDB(b, dir)
	defer func() { db.Close() }()
	for _, c := range []struct {
		name string
		open *Options // how the table is opened again, nil: not
	}{
		{"reopened=false", nil},
		{"reopened=true", &Options{SnapshotEvents: -1}},
		{"spilled", &Options{SnapshotEvents: -1, VersionIndex: true}},
	} {
		if c.open != nil {
			db = reopenBench(b, db, dir, *c.open)
		}
		b.Run(c.name, func(b *testing.B) {
			held := 0
			for b.Loop() {
				if err := db.AddIndex("users", IndexSpec{Name: "users_amount", Fields: []string{"amount"}}); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				ts, _ := db.View().lookupTable("users")
				held = ts.indexes["amount"].Len()
				if err := db.DropIndex("users", "users_amount"); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(held)/benchKeys, "tree-entries/row")
		})
	}
}

// reopenBench snapshots the benchmark table and opens its database again:
// the rows' older INSERTs then read their documents from the log.
func reopenBench(b *testing.B, db *DB, dir string, opts Options) *DB {
	b.Helper()
	if db.opts.VersionIndex != opts.VersionIndex {
		// The snapshot the next open loads is written with the index
		// kept, or without it.
		db.Close()
		var err error
		if db, err = Open(dir, opts); err != nil {
			b.Fatal(err)
		}
		db.snapMu.Lock()
		_, err = db.snapshotLocked("users", true)
		db.snapMu.Unlock()
		if err != nil {
			b.Fatal(err)
		}
	} else if _, err := db.SnapshotTable("users"); err != nil {
		b.Fatal(err)
	}
	db.Close()
	db, err := Open(dir, opts)
	if err != nil {
		b.Fatal(err)
	}
	return db
}
