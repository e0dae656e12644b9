package engine

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
)

// TestReadersNeverSeeHalfATransaction moves amounts between rows of two
// tables in transactions while readers check that the total never changes,
// at the current seq and AS OF earlier ones, through scans, point reads and
// index lookups.
func TestReadersNeverSeeHalfATransaction(t *testing.T) {
	// In memory: the readers against the writer are under test, not the
	// disk's fsyncs.
	db := openDB(t, "/data", Options{Store: store.Options{SegmentSize: 64 << 10, FS: vfs.NewMem()}, SnapshotEvents: 200})
	defer db.Close()
	for _, n := range []string{"acct", "ledger"} {
		mustExec(t, db.CreateTable(TableSpec{Name: n, PK: "id", Indexes: []string{"bucket"}}))
	}
	const rows, total = 10, 1000
	tx := db.Begin()
	for i := range rows {
		_, err := tx.Insert("acct", []byte(fmt.Sprintf(`{"id": "a%d", "bal": %d, "bucket": %d}`, i, total/rows, i%2)))
		mustExec(t, err)
		_, err = tx.Insert("ledger", []byte(fmt.Sprintf(`{"id": "l%d", "bal": 0, "bucket": %d}`, i, i%2)))
		mustExec(t, err)
	}
	_, err := tx.Commit(ctx)
	mustExec(t, err)
	start := db.Seq()

	sum := func(v *View) int64 {
		var s int64
		for _, tbl := range []string{"acct", "ledger"} {
			mustExec(t, v.Scan(tbl, func(r *Row) bool {
				d, err := r.Doc()
				if err != nil {
					t.Error(err)
					return false
				}
				s += d["bal"].(int64)
				return true
			}))
		}
		return s
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for r := range 4 {
		wg.Go(func() {
			for !stop.Load() {
				v := db.View()
				if r%2 == 1 && v.Seq() > start {
					var err error
					// Each transaction is two events: stay on their boundaries
					// (AS OF a seq inside a transaction shows its first part,
					// as the seq says).
					mid := start + 2*((v.Seq()-start)/4)
					if v, err = db.ViewAt(mid); err != nil {
						t.Error(err)
						return
					}
				}
				if s := sum(v); s != total {
					t.Errorf("view at %d sums to %d", v.Seq(), s)
					return
				}
				n := 0
				mustExec(t, v.IndexLookup("acct", "bucket", OpEq, int64(1), func(*Row) bool { n++; return true }))
				if n != rows/2 {
					t.Errorf("index lookup at %d found %d rows", v.Seq(), n)
					return
				}
			}
		})
	}
	for i := range 300 {
		tx := db.Begin()
		a, l := fmt.Sprintf("a%d", i%rows), fmt.Sprintf("l%d", (i*7)%rows)
		mustExec(t, tx.Patch("acct", a, []byte(fmt.Sprintf(`{"bal": %d}`, getBal(t, tx.View(), "acct", a)-1))))
		mustExec(t, tx.Patch("ledger", l, []byte(fmt.Sprintf(`{"bal": %d}`, getBal(t, tx.View(), "ledger", l)+1))))
		_, err := tx.Commit(ctx)
		mustExec(t, err)
	}
	stop.Store(true)
	wg.Wait()
	if s := sum(db.View()); s != total {
		t.Fatalf("final sum %d", s)
	}
}

func getBal(t *testing.T, v *View, table, key string) int64 {
	d := getDoc(t, v, table, key)
	return d["bal"].(int64)
}

// TestConcurrentCommitsConflict: two transactions inserting the same key;
// exactly one wins, the other gets 23505 at commit.
func TestConcurrentCommitsConflict(t *testing.T) {
	db := openDB(t, t.TempDir(), Options{})
	defer db.Close()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"who"}}))
	t1, t2 := db.Begin(), db.Begin()
	_, err := t1.Insert("t", []byte(`{"id": 1, "who": "one"}`))
	mustExec(t, err)
	_, err = t2.Insert("t", []byte(`{"id": 1, "who": "two"}`))
	mustExec(t, err)
	_, err = t1.Commit(ctx)
	mustExec(t, err)
	if _, err := t2.Commit(ctx); Code(err) != CodeUniqueViolation {
		t.Fatalf("second commit: %v", err)
	}
	if d := getDoc(t, db.View(), "t", int64(1)); d["who"] != "one" {
		t.Fatalf("row: %v", d)
	}
	// The refused insert left nothing behind: not in the rows, the history
	// or the index.
	mustExec(t, db.View().Scan("t", func(r *Row) bool {
		if d, err := r.Doc(); err != nil || d["who"] != "one" {
			t.Fatalf("scan after the refused insert: %v %v", d, err)
		}
		return true
	}))
	if h, err := db.View().History("t", int64(1)); err != nil || len(h) != 1 {
		t.Fatalf("history after the refused insert: %v %v", h, err)
	}
	for who, want := range map[string]int{"one": 1, "two": 0} {
		n := 0
		mustExec(t, db.View().IndexLookup("t", "who", OpEq, who, func(*Row) bool { n++; return true }))
		if n != want {
			t.Fatalf("index lookup who=%s: %d rows, want %d", who, n, want)
		}
	}
}
