package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func counterDB(t *testing.T) *DB {
	t.Helper()
	db := openDB(t, t.TempDir(), Options{})
	t.Cleanup(func() { db.Close() })
	mustExec(t, db.CreateTable(TableSpec{Name: "c", PK: "id"}))
	_, err := db.Insert(ctx, "c", []byte(`{"id": 1, "n": 5}`))
	mustExec(t, err)
	return db
}

func counter(t *testing.T, v *View) int64 {
	t.Helper()
	return getDoc(t, v, "c", int64(1))["n"].(int64)
}

// increment is UPDATE c SET n = n + 1 WHERE id = 1 in tx.
func increment(t *testing.T, tx *Txn) error {
	r, ok, err := tx.View().Get("c", int64(1))
	if err != nil || !ok {
		return fmt.Errorf("get: %v %v", ok, err)
	}
	d, err := r.Doc()
	if err != nil {
		return err
	}
	return tx.Patch("c", int64(1), []byte(fmt.Sprintf(`{"n": %d}`, d["n"].(int64)+1)))
}

// TestLostUpdateRefused: two transactions read n = 5 and write n + 1; the
// second to commit fails with 40001 instead of writing 6 over 6.
func TestLostUpdateRefused(t *testing.T) {
	db := counterDB(t)
	t1, t2 := db.Begin(), db.Begin()
	mustExec(t, increment(t, t1))
	mustExec(t, increment(t, t2))
	_, err := t1.Commit(ctx)
	mustExec(t, err)
	_, err = t2.Commit(ctx)
	if Code(err) != CodeSerializationFailure || !errors.Is(err, ErrSerialization) {
		t.Fatalf("second commit: %v, want 40001", err)
	}
	if n := counter(t, db.View()); n != 6 {
		t.Fatalf("n = %d after one accepted increment, want 6", n)
	}
	// Retried on a fresh snapshot, the second increment counts.
	t3 := db.Begin()
	mustExec(t, increment(t, t3))
	_, err = t3.Commit(ctx)
	mustExec(t, err)
	if n := counter(t, db.View()); n != 7 {
		t.Fatalf("n = %d after the retry, want 7", n)
	}
}

// TestStaleWriteFailsAtOnce: a write to a row another transaction changed
// after the snapshot fails when it is made, not only at commit, as in
// PostgreSQL; so does an insert of a key the snapshot shows live but that
// was deleted since.
func TestStaleWriteFailsAtOnce(t *testing.T) {
	db := counterDB(t)
	tx := db.Begin()
	_, err := db.Patch(ctx, "c", int64(1), []byte(`{"n": 9}`))
	mustExec(t, err)
	if err := tx.Patch("c", int64(1), []byte(`{"n": 0}`)); Code(err) != CodeSerializationFailure {
		t.Fatalf("patch of a changed row: %v", err)
	}
	if err := tx.SoftDelete("c", int64(1)); Code(err) != CodeSerializationFailure {
		t.Fatalf("delete of a changed row: %v", err)
	}
	tx.Rollback()

	tx = db.Begin()
	_, err = db.SoftDelete(ctx, "c", int64(1))
	mustExec(t, err)
	if _, err := tx.Insert("c", []byte(`{"id": 1, "n": 0}`)); Code(err) != CodeSerializationFailure {
		t.Fatalf("insert of a key deleted after the snapshot: %v", err)
	}
	tx.Rollback()
	// A fresh transaction sees the key free.
	_, err = db.Insert(ctx, "c", []byte(`{"id": 1, "n": 0}`))
	mustExec(t, err)
}

// TestAutocommitCountsEveryIncrement: eight goroutines run 25
// read-modify-write increments each through Autocommit; none is lost and
// none fails.
func TestAutocommitCountsEveryIncrement(t *testing.T) {
	db := counterDB(t)
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				cm, err := db.Autocommit(ctx, func(tx *Txn) error { return increment(t, tx) })
				if err == nil {
					_, err = cm.Wait()
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := counter(t, db.View()); n != 5+workers*each {
		t.Fatalf("n = %d, want %d", n, 5+workers*each)
	}
}

// TestAutocommitStopsWithItsContext: a retry that waits gives up when its
// context ends.
func TestAutocommitStopsWithItsContext(t *testing.T) {
	db := counterDB(t)
	c, cancel := context.WithCancel(ctx)
	cancel()
	tries := 0
	_, err := db.Autocommit(c, func(tx *Txn) error {
		tries++
		return conflict("c", Key{Int: 1, IsInt: true}, db.Seq()+100) // a seq never visible
	})
	if !errors.Is(err, context.Canceled) || tries != 1 {
		t.Fatalf("Autocommit with a cancelled context: %v after %d tries", err, tries)
	}
}

// TestWriteSkew: two transactions each read both rows and write one. Under
// RepeatableRead both commit (write skew, as in PostgreSQL); under
// Serializable the second fails with 40001, whichever way the rows were
// read: Scan, a Cursor, or an index cursor.
func TestWriteSkew(t *testing.T) {
	reads := map[string]func(v *View, fn func(*Row)) error{
		"Scan": func(v *View, fn func(*Row)) error {
			return v.Scan("oncall", func(r *Row) bool { fn(r); return true })
		},
		"Cursor": func(v *View, fn func(*Row)) error {
			c, err := v.Cursor("oncall")
			if err != nil {
				return err
			}
			return drain(c, fn)
		},
		"IndexCursor": func(v *View, fn func(*Row)) error {
			c, err := v.IndexCursor("oncall", "on", OpEq, true)
			if err != nil {
				return err
			}
			return drain(c, fn)
		},
	}
	for name, read := range reads {
		for _, iso := range []Isolation{RepeatableRead, Serializable} {
			t.Run(name+"/"+iso.String(), func(t *testing.T) {
				db := openDB(t, t.TempDir(), Options{})
				defer db.Close()
				mustExec(t, db.CreateTable(TableSpec{Name: "oncall", PK: "id", Indexes: []string{"on"}}))
				for _, id := range []string{"alice", "bob"} {
					_, err := db.Insert(ctx, "oncall", []byte(`{"id": "`+id+`", "on": true}`))
					mustExec(t, err)
				}
				offDuty := func(tx *Txn, me string) {
					on := 0
					mustExec(t, read(tx.View(), func(r *Row) {
						if d, _ := r.Doc(); d["on"] == true {
							on++
						}
					}))
					if on != 2 {
						t.Fatalf("%s sees %d on call", me, on)
					}
					mustExec(t, tx.Patch("oncall", me, []byte(`{"on": false}`)))
				}
				t1, t2 := db.Begin(), db.Begin()
				t1.SetIsolation(iso)
				t2.SetIsolation(iso)
				offDuty(t1, "alice")
				offDuty(t2, "bob")
				_, err := t1.Commit(ctx)
				mustExec(t, err)
				_, err = t2.Commit(ctx)
				if iso == Serializable && Code(err) != CodeSerializationFailure {
					t.Fatalf("serializable write skew committed: %v", err)
				}
				if iso == RepeatableRead && err != nil {
					t.Fatalf("repeatable read refused write skew: %v", err)
				}
			})
		}
	}
}

// drain passes every row of a cursor to fn.
func drain(c *Cursor, fn func(*Row)) error {
	for {
		r, err := c.Next(ctx)
		if err != nil || r == nil {
			return err
		}
		fn(r)
	}
}

// TestSerializableReadByKey: a row read by key that another transaction
// changes fails the commit of a serializable transaction that writes
// elsewhere; a read-only one commits.
func TestSerializableReadByKey(t *testing.T) {
	db := counterDB(t)
	_, err := db.Insert(ctx, "c", []byte(`{"id": 2, "n": 0}`))
	mustExec(t, err)
	tx, ro := db.Begin(), db.Begin()
	tx.SetIsolation(Serializable)
	ro.SetIsolation(Serializable)
	n := counter(t, tx.View())
	counter(t, ro.View())
	mustExec(t, tx.Patch("c", int64(2), []byte(fmt.Sprintf(`{"n": %d}`, n))))
	_, err = db.Patch(ctx, "c", int64(1), []byte(`{"n": 100}`))
	mustExec(t, err)
	if _, err := tx.Commit(ctx); Code(err) != CodeSerializationFailure {
		t.Fatalf("commit after a read row changed: %v", err)
	}
	if _, err := ro.Commit(ctx); err != nil {
		t.Fatalf("read-only commit: %v", err)
	}
}

// TestLock: a row locked FOR UPDATE that another transaction changes
// fails the commit; a row changed before the lock fails the lock itself.
func TestLock(t *testing.T) {
	db := counterDB(t)
	tx := db.Begin()
	mustExec(t, tx.Lock("c", int64(1)))
	_, err := tx.Insert("c", []byte(`{"id": 3, "n": 0}`))
	mustExec(t, err)
	_, err = db.Patch(ctx, "c", int64(1), []byte(`{"n": 6}`))
	mustExec(t, err)
	if _, err := tx.Commit(ctx); Code(err) != CodeSerializationFailure {
		t.Fatalf("commit after a locked row changed: %v", err)
	}
	if _, ok, _ := db.View().Get("c", int64(3)); ok {
		t.Fatal("the refused transaction's insert is visible")
	}

	tx = db.Begin()
	_, err = db.Patch(ctx, "c", int64(1), []byte(`{"n": 7}`))
	mustExec(t, err)
	if err := tx.Lock("c", int64(1)); Code(err) != CodeSerializationFailure {
		t.Fatalf("lock of a row changed after the snapshot: %v", err)
	}
	tx.Rollback()

	// A lock nobody disturbs commits.
	tx = db.Begin()
	mustExec(t, tx.Lock("c", int64(1)))
	mustExec(t, tx.Patch("c", int64(1), []byte(`{"n": 8}`)))
	_, err = tx.Commit(ctx)
	mustExec(t, err)
}

// commitPanicking commits tx with a panic injected after its event number
// at (from 1) is applied, and checks that the commit lets it through.
func commitPanicking(t *testing.T, db *DB, tx *Txn, at int) {
	t.Helper()
	n := 0
	db.testApplied = func(*event) {
		if n++; n == at {
			panic("injected")
		}
	}
	defer func() {
		db.testApplied = nil
		if r := recover(); r != "injected" {
			t.Fatalf("recovered %v", r)
		}
	}()
	tx.Commit(ctx)
}

// TestCommitPanicReleasesWriter: a panic in the middle of a commit's events
// takes the applied ones back and releases the writer mutex; the database
// goes on.
func TestCommitPanicReleasesWriter(t *testing.T) {
	db := counterDB(t)
	before := db.Seq()
	tx := db.Begin()
	_, err := tx.Insert("c", []byte(`{"id": 10}`))
	mustExec(t, err)
	_, err = tx.Insert("c", []byte(`{"id": 11}`))
	mustExec(t, err)
	commitPanicking(t, db, tx, 2)
	done := make(chan error, 1)
	go func() {
		_, err := db.Insert(ctx, "c", []byte(`{"id": 12}`))
		done <- err
	}()
	select {
	case err := <-done:
		mustExec(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the writer mutex is still held after a panic in a commit")
	}
	v := db.View()
	if v.Seq() != before+1 {
		t.Fatalf("seq %d after the panicked commit and one insert, want %d", v.Seq(), before+1)
	}
	for _, id := range []int64{10, 11} {
		if _, ok, _ := v.Get("c", id); ok {
			t.Fatalf("row %d of the panicked commit is visible", id)
		}
	}
	if h, err := v.History("c", int64(12)); err != nil || len(h) != 1 || h[0].Seq != before+1 {
		t.Fatalf("history of the next insert: %v %v", h, err)
	}
	n := 0
	mustExec(t, v.Scan("c", func(*Row) bool { n++; return true }))
	if n != 2 {
		t.Fatalf("%d rows after the panicked commit, want 2", n)
	}
}

// TestCommitLetsGoOfEvents: a commit lets go of each event once it is
// applied and in the batch, so that a large transaction's events are not
// all held beside what the commit allocates: the first event of a
// transaction of 300 inserts is collected before the last one is applied.
func TestCommitLetsGoOfEvents(t *testing.T) {
	db := counterDB(t)
	tx := db.Begin()
	for i := range 300 {
		_, err := tx.Insert("c", fmt.Appendf(nil, `{"id": %d, "n": %d}`, 100+i, i))
		mustExec(t, err)
	}
	var freed atomic.Bool
	runtime.AddCleanup(tx.ops[0], func(f *atomic.Bool) { f.Store(true) }, &freed)
	n, sawFreed := 0, false
	db.testApplied = func(*event) {
		if n++; n < len(tx.ops) {
			return
		}
		for range 100 { // cleanups run on a goroutine of their own after a collection
			if runtime.GC(); freed.Load() {
				sawFreed = true
				return
			}
			time.Sleep(time.Millisecond)
		}
	}
	defer func() { db.testApplied = nil }()
	_, err := tx.Commit(ctx)
	mustExec(t, err)
	if !sawFreed {
		t.Fatal("the commit held its first event until its last was applied")
	}
	if got := getDoc(t, db.View(), "c", int64(399))["n"].(int64); got != 299 {
		t.Fatalf("row 399 has n %d", got)
	}
}
