package engine

import (
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
)

// memDB opens a database on a fresh MemFS behind a FaultFS.
func memDB(t *testing.T, opts Options) (*DB, *vfs.MemFS, *vfs.FaultFS) {
	t.Helper()
	mem := vfs.NewMem()
	faults := vfs.NewFaultFS(mem)
	opts.Store.FS = faults
	db := openDB(t, "/data", opts)
	t.Cleanup(func() { db.Close() })
	return db, mem, faults
}

// keys returns the keys of the live rows of table, sorted.
func keys(t *testing.T, v *View, table string) []string {
	t.Helper()
	var out []string
	mustExec(t, v.Scan(table, func(r *Row) bool {
		out = append(out, fmt.Sprint(r.Key.Value()))
		return true
	}))
	sort.Strings(out)
	return out
}

func insertKey(db *DB, table, key string) (uint64, error) {
	return db.Insert(ctx, table, []byte(fmt.Sprintf(`{"id": %q, "n": 1}`, key)))
}

// TestDiskFullResumes: a commit that finds the disk full fails with 53100
// and leaves no trace; so does every write while the disk is full,
// transactions over two tables included; once space is free the database
// takes writes again without a reopen, giving the failed seqs out again,
// and what it shows (scans, point reads, history, AS OF, indexes) is
// what a reopen after a crash shows too.
func TestDiskFullResumes(t *testing.T) {
	db, mem, faults := memDB(t, Options{SnapshotEvents: 7})
	mustExec(t, db.CreateTable(TableSpec{Name: "x", PK: "id", Indexes: []string{"n"}}))
	mustExec(t, db.CreateTable(TableSpec{Name: "y", PK: "id"}))
	for i := range 10 {
		_, err := insertKey(db, "x", fmt.Sprintf("x%d", i))
		mustExec(t, err)
	}
	head := db.Seq()
	full := faults.Inject(vfs.Fault{Ops: vfs.OpWrite, Path: "segments/", Err: syscall.ENOSPC})
	if _, err := insertKey(db, "y", "lost"); Code(err) != CodeDiskFull || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("insert on a full disk: %v (%s)", err, Code(err))
	}
	tx := db.Begin()
	for _, k := range []string{"t1", "t2", "t3"} {
		_, err := tx.Insert("y", []byte(fmt.Sprintf(`{"id": %q}`, k)))
		mustExec(t, err)
	}
	if _, err := tx.Commit(ctx); Code(err) != CodeDiskFull {
		t.Fatalf("transaction on a full disk: %v (%s)", err, Code(err))
	}
	// A scan of x publishes it while seqs were handed out to the failed
	// transaction on y: x's published state holds every event up to the
	// seq of that transaction's last event, which the seqs of new commits
	// must not be taken for.
	if got := keys(t, db.View(), "x"); len(got) != 10 {
		t.Fatalf("x has %d rows", len(got))
	}
	if db.Seq() != head {
		t.Fatalf("seq moved to %d on failed commits, want %d", db.Seq(), head)
	}
	// Reads never stopped.
	if d := getDoc(t, db.View(), "x", "x1"); d["n"] != int64(1) {
		t.Fatalf("x1 reads %v", d)
	}

	full.Remove()
	// The first commit gets the first failed seq, and the same keys go in
	// again: nothing of the failed commits is left.
	s, err := insertKey(db, "x", "new")
	mustExec(t, err)
	if s != head+1 {
		t.Fatalf("first commit after the disk had room got seq %d, want %d", s, head+1)
	}
	if got := keys(t, db.View(), "x"); len(got) != 11 || got[0] != "new" {
		t.Fatalf("x after resuming: %v", got)
	}
	_, err = insertKey(db, "y", "lost")
	mustExec(t, err)
	tx = db.Begin()
	_, err = tx.Insert("y", []byte(`{"id": "t1"}`))
	mustExec(t, err)
	s, err = tx.Commit(ctx)
	mustExec(t, err)
	if got := keys(t, db.View(), "y"); len(got) != 2 || got[0] != "lost" || got[1] != "t1" {
		t.Fatalf("y after resuming: %v", got)
	}
	// A failed patch leaves no trace either.
	full = faults.Inject(vfs.Fault{Ops: vfs.OpWrite, Path: "segments/", Err: syscall.ENOSPC})
	if _, err := db.Patch(ctx, "x", "x1", []byte(`{"n": 2}`)); Code(err) != CodeDiskFull {
		t.Fatalf("patch on a full disk: %v (%s)", err, Code(err))
	}
	full.Remove()
	_, err = db.Patch(ctx, "x", "x2", []byte(`{"n": 3}`))
	mustExec(t, err)
	h, err := db.View().History("x", "x1")
	mustExec(t, err)
	if len(h) != 1 {
		t.Fatalf("x1 has %d events, want 1: the failed patch left a trace", len(h))
	}
	var n int
	mustExec(t, db.View().IndexLookup("x", "n", OpEq, int64(2), func(*Row) bool { n++; return true }))
	if n != 0 {
		t.Fatalf("the index finds %d rows of the failed patch", n)
	}
	v, err := db.ViewAt(s - 1)
	mustExec(t, err)
	if got := keys(t, v, "y"); len(got) != 1 {
		t.Fatalf("y AS OF %d: %v", s-1, got)
	}
	s = db.Seq()
	// A crash now, and a reopen, show the same.
	mustExec(t, db.Close())
	db = openDB(t, "/data", Options{Store: store.Options{FS: mem.CrashClone()}})
	defer db.Close()
	if db.Seq() != s {
		t.Fatalf("after a crash: seq %d, want %d", db.Seq(), s)
	}
	if got := keys(t, db.View(), "x"); len(got) != 11 {
		t.Fatalf("x after a crash: %v", got)
	}
	if got := keys(t, db.View(), "y"); len(got) != 2 {
		t.Fatalf("y after a crash: %v", got)
	}
}

// TestDiskFullConcurrent: committers insert unique keys while the disk
// fills up and frees again, twice. Every acknowledged key is there,
// every refused one is not, seqs stay dense, and a crash then a reopen
// agrees.
func TestDiskFullConcurrent(t *testing.T) {
	db, mem, faults := memDB(t, Options{Store: store.Options{SegmentSize: 4 << 10}, SnapshotEvents: 50})
	mustExec(t, db.CreateTable(TableSpec{Name: "a", PK: "id"}))
	mustExec(t, db.CreateTable(TableSpec{Name: "b", PK: "id"}))
	var mu sync.Mutex
	acked, refused := map[string]bool{}, map[string]bool{}
	var wg sync.WaitGroup
	var exited atomic.Int32
	stop := make(chan struct{})
	for g := range 4 {
		wg.Go(func() {
			defer exited.Add(1)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				key := fmt.Sprintf("g%d-%d", g, i)
				tx := db.Begin()
				_, err := tx.Insert("a", []byte(fmt.Sprintf(`{"id": %q}`, key)))
				if err == nil && i%2 == 0 {
					_, err = tx.Insert("b", []byte(fmt.Sprintf(`{"id": %q}`, key)))
				}
				if err == nil {
					_, err = tx.Commit(ctx)
				}
				mu.Lock()
				switch {
				case err == nil:
					acked[key] = true
				case Code(err) == CodeDiskFull:
					refused[key] = true
				default:
					t.Errorf("%s: %v", key, err)
				}
				mu.Unlock()
				if err != nil && Code(err) != CodeDiskFull {
					return
				}
			}
		})
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) + len(refused) }
	waitFor := func(n int) {
		for count() < n {
			if exited.Load() > 0 {
				close(stop)
				wg.Wait()
				t.FailNow()
			}
			runtime.Gosched()
		}
	}
	// Each phase lasts a hundred commits or refusals (forty in -short
	// runs), however fast the committers run ahead of this goroutine.
	phase := 100
	if testing.Short() {
		phase = 40
	}
	for round := range 2 {
		waitFor(count() + phase)
		in := faults.Inject(vfs.Fault{Ops: vfs.OpWrite, Path: "segments/", Short: round == 1, Err: syscall.ENOSPC})
		waitFor(count() + phase)
		in.Remove()
	}
	waitFor(count() + phase)
	close(stop)
	wg.Wait()
	if len(refused) == 0 || len(acked) < 2*phase {
		t.Fatalf("%d acknowledged, %d refused: the disk never filled, or never freed", len(acked), len(refused))
	}
	check := func(db *DB, when string) {
		v := db.View()
		a := map[string]bool{}
		for _, k := range keys(t, v, "a") {
			a[k] = true
		}
		b := keys(t, v, "b")
		for k := range acked {
			if !a[k] {
				t.Fatalf("%s: acknowledged key %s is missing", when, k)
			}
		}
		if len(a) != len(acked) {
			t.Fatalf("%s: %d keys in a, %d acknowledged", when, len(a), len(acked))
		}
		for _, k := range b {
			if !a[k] {
				t.Fatalf("%s: key %s in b without its transaction's half in a", when, k)
			}
		}
		// Seqs are dense: each acknowledged event has its own, none lost
		// to a failed commit.
		if want := uint64(len(a) + len(b)); v.Seq() != want {
			t.Fatalf("%s: seq %d, want %d (one per acknowledged event)", when, v.Seq(), want)
		}
	}
	check(db, "live")
	mustExec(t, db.Close())
	db = openDB(t, "/data", Options{Store: store.Options{FS: mem.CrashClone(), SegmentSize: 4 << 10}})
	defer db.Close()
	check(db, "after a crash")
}

// TestFailedSyncStopsWrites: a commit whose fsync fails is never
// acknowledged; every later write fails with 58030, even once the disk
// works again, until the database is reopened; reads go on.
func TestFailedSyncStopsWrites(t *testing.T) {
	db, mem, faults := memDB(t, Options{})
	mustExec(t, db.CreateTable(TableSpec{Name: "x", PK: "id"}))
	_, err := insertKey(db, "x", "a")
	mustExec(t, err)
	faults.Inject(vfs.Fault{Ops: vfs.OpSync, Path: "segments/", Times: 1, Err: syscall.EIO})
	if _, err := insertKey(db, "x", "b"); Code(err) != CodeIOError || !errors.Is(err, store.ErrFailed) {
		t.Fatalf("insert with a failing fsync: %v (%s)", err, Code(err))
	}
	for range 2 {
		if _, err := insertKey(db, "x", "c"); Code(err) != CodeIOError {
			t.Fatalf("insert after a failed fsync: %v (%s)", err, Code(err))
		}
	}
	if err := db.CreateTable(TableSpec{Name: "z", PK: "id"}); Code(err) != CodeIOError {
		t.Fatalf("create table after a failed fsync: %v", err)
	}
	if got := keys(t, db.View(), "x"); len(got) != 1 {
		t.Fatalf("x: %v", got)
	}
	mustExec(t, db.Close())
	db = openDB(t, "/data", Options{Store: store.Options{FS: mem.CrashClone()}})
	defer db.Close()
	if got := keys(t, db.View(), "x"); len(got) != 1 || got[0] != "a" {
		t.Fatalf("x after reopening: %v", got)
	}
	_, err = insertKey(db, "x", "b")
	mustExec(t, err)
}
