package engine

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/driftdb/driftdb/store"
)

// TestDeferredKeyChecks: the inserts of a transaction that defers the
// checks of their keys find, at CheckKeys, the rows the transaction sees
// with those keys, over several runs of lookups along the tree: none
// among keys the table never had or had and deleted; else the error of
// the first such insert in the transaction's order (not the first key),
// counted from the last check; a conflict for a row another transaction
// deleted since the snapshot; a composite key's columns. A load's own
// duplicates, within a check and against an earlier one, are found the
// same way, unless the transaction wrote the table before the load: then
// each fails at once. A commit makes the checks left,
// and fails after one that failed; StopKeyChecks drops them, and each
// insert checks its key again. What commits is what the same inserts
// checked one by one leave.
func TestDeferredKeyChecks(t *testing.T) {
	db := openDB(t, t.TempDir(), Options{Store: store.Options{NoSync: true}, SnapshotEvents: -1, SnapshotBytes: -1})
	defer db.Close()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	const n = 10000 // rows 0, 2, ..., 2n-2: more than one run of lookups
	mustCommit(t, db, func(tx *Txn) error {
		for k := 0; k < n; k++ {
			if _, err := tx.Insert("t", fmt.Appendf(nil, `{"id": %d}`, 2*k)); err != nil {
				return err
			}
		}
		return nil
	})
	deleted := []int{0, 8, 5000, 2*n - 2}
	for _, k := range deleted {
		_, err := db.SoftDelete(ctx, "t", int64(k))
		mustExec(t, err)
	}
	rng := rand.New(rand.NewPCG(3, 5))
	insert := func(tx *Txn, k int) error {
		_, err := tx.Insert("t", fmt.Appendf(nil, `{"id": %d}`, k))
		return err
	}
	isDuplicate := func(err error, k int) bool {
		var e *Error
		return errors.As(err, &e) && e.Code == CodeUniqueViolation && e.Detail == fmt.Sprintf("Key (id)=(%d) already exists.", k)
	}

	// New keys in no order, the deleted ones among them: no row had them.
	tx := db.Begin()
	mustExec(t, tx.DeferKeyChecks("t"))
	fresh := append(rng.Perm(n), deleted...)
	for i, k := range fresh {
		if i < n {
			k = 2*k + 1
		}
		fresh[i] = k
		mustExec(t, insert(tx, k))
	}
	if at, err := tx.CheckKeys(); at != -1 || err != nil {
		t.Fatalf("new keys: check says insert %d, %v", at, err)
	}
	// Then 300 more, two of them keys of live rows: the 121st (the
	// greater key) is the first in the transaction's order.
	for i := range 300 {
		k := 2*n + 1 + 2*i
		switch i {
		case 120:
			k = 1000
		case 250:
			k = 10
		}
		mustExec(t, insert(tx, k))
	}
	at, err := tx.CheckKeys()
	if at != 120 || !isDuplicate(err, 1000) {
		t.Fatalf("check says insert %d, %v; want 120 and key 1000", at, err)
	}
	// The commit fails with it; nothing is written.
	if _, err := tx.Commit(ctx); !isDuplicate(err, 1000) {
		t.Fatalf("commit after a failed check: %v", err)
	}
	if got := countRows(t, db); got != n-len(deleted) {
		t.Fatalf("%d rows after the failed commit, want %d", got, n-len(deleted))
	}

	// A commit makes the checks left: the duplicate fails it.
	tx = db.Begin()
	mustExec(t, tx.DeferKeyChecks("t"))
	mustExec(t, insert(tx, 3))
	mustExec(t, insert(tx, 4))
	if _, err := tx.Commit(ctx); !isDuplicate(err, 4) {
		t.Fatalf("commit with a duplicate unchecked: %v", err)
	}

	// A row deleted by another transaction after the snapshot: a conflict.
	tx = db.Begin()
	mustExec(t, tx.DeferKeyChecks("t"))
	mustExec(t, insert(tx, 5))
	_, err = db.SoftDelete(ctx, "t", int64(6))
	mustExec(t, err)
	mustExec(t, insert(tx, 6))
	if at, err := tx.CheckKeys(); at != 1 || !errors.Is(err, ErrSerialization) {
		t.Fatalf("a row deleted since: insert %d, %v", at, err)
	}
	tx.Rollback()

	// Dropped checks: each insert checks its key again.
	tx = db.Begin()
	mustExec(t, tx.DeferKeyChecks("t"))
	mustExec(t, insert(tx, 12))
	tx.StopKeyChecks()
	if err := insert(tx, 14); !isDuplicate(err, 14) {
		t.Fatalf("after StopKeyChecks: %v", err)
	}
	tx.Rollback()

	// A load into a table the transaction had not written finds its own
	// duplicates at the check too, in the transaction's order among the
	// table's: within a check (a key after every row, then again), and
	// against an earlier check's keys.
	tx = db.Begin()
	mustExec(t, tx.DeferKeyChecks("t"))
	for _, k := range []int{4*n + 11, 4*n + 13, 1000, 4*n + 11} {
		mustExec(t, insert(tx, k))
	}
	if at, err := tx.CheckKeys(); at != 2 || !isDuplicate(err, 1000) {
		t.Fatalf("a load's own duplicate after the table's: insert %d, %v", at, err)
	}
	tx.Rollback()
	tx = db.Begin()
	mustExec(t, tx.DeferKeyChecks("t"))
	for _, k := range []int{4*n + 11, 4*n + 13, 4*n + 11, 1000} {
		mustExec(t, insert(tx, k))
	}
	if at, err := tx.CheckKeys(); at != 2 || !isDuplicate(err, 4*n+11) {
		t.Fatalf("a load's own duplicate: insert %d, %v", at, err)
	}
	tx.Rollback()
	tx = db.Begin()
	mustExec(t, tx.DeferKeyChecks("t"))
	mustExec(t, insert(tx, 4*n+15))
	mustExec(t, insert(tx, 11))
	if at, err := tx.CheckKeys(); at != -1 || err != nil {
		t.Fatalf("new keys: insert %d, %v", at, err)
	}
	mustExec(t, insert(tx, 13))
	mustExec(t, insert(tx, 11))
	if at, err := tx.CheckKeys(); at != 1 || !isDuplicate(err, 11) {
		t.Fatalf("a key of the check before: insert %d, %v", at, err)
	}
	if _, err := tx.Commit(ctx); !isDuplicate(err, 11) {
		t.Fatalf("commit after a load's own duplicate: %v", err)
	}
	// A transaction that wrote a row of the table before: its keys are
	// checked against its rows at once.
	tx = db.Begin()
	mustExec(t, insert(tx, 15))
	mustExec(t, tx.DeferKeyChecks("t"))
	if err := insert(tx, 15); !isDuplicate(err, 15) {
		t.Fatalf("a key the transaction wrote before the load: %v", err)
	}
	tx.Rollback()

	// The load that checks: the same rows as checking each insert.
	tx = db.Begin()
	mustExec(t, tx.DeferKeyChecks("t"))
	for _, k := range fresh {
		mustExec(t, insert(tx, k))
	}
	at, err = tx.CheckKeys()
	mustExec(t, err)
	if at != -1 {
		t.Fatalf("check says insert %d", at)
	}
	_, err = tx.Commit(ctx)
	mustExec(t, err)
	if got, want := countRows(t, db), 2*n-1; got != want { // row 6 deleted
		t.Fatalf("%d rows after the load, want %d", got, want)
	}

	// A row committed just before the snapshot, which the table's tree
	// may not hold yet (the point map has it: find).
	for _, k := range []int{4*n + 1, 4*n + 3} {
		mustCommit(t, db, func(tx *Txn) error { return insert(tx, k) })
	}
	tx = db.Begin()
	mustExec(t, tx.DeferKeyChecks("t"))
	mustExec(t, insert(tx, 4*n+3))
	if at, err := tx.CheckKeys(); at != 0 || !isDuplicate(err, 4*n+3) {
		t.Fatalf("a row just committed: insert %d, %v", at, err)
	}
	tx.Rollback()

	// A composite key names its columns.
	mustExec(t, db.CreateTable(TableSpec{Name: "c", PKColumns: []string{"a", "b"}, Columns: []ColumnSpec{
		{Name: "a", Type: TypeInt8}, {Name: "b", Type: TypeText}}}))
	mustCommit(t, db, func(tx *Txn) error {
		_, err := tx.Insert("c", []byte(`{"a": 2, "b": "y"}`))
		return err
	})
	tx = db.Begin()
	mustExec(t, tx.DeferKeyChecks("c"))
	mustExec(t, func() error { _, err := tx.Insert("c", []byte(`{"a": 2, "b": "z"}`)); return err }())
	mustExec(t, func() error { _, err := tx.Insert("c", []byte(`{"a": 2, "b": "y"}`)); return err }())
	var e *Error
	if at, err := tx.CheckKeys(); at != 1 || !errors.As(err, &e) || e.Detail != "Key (a, b)=(2, y) already exists." {
		t.Fatalf("composite key: insert %d, %v", at, err)
	}
	tx.Rollback()
	tx = db.Begin()
	mustExec(t, tx.DeferKeyChecks("c"))
	for range 2 {
		mustExec(t, func() error { _, err := tx.Insert("c", []byte(`{"a": 3, "b": "q"}`)); return err }())
	}
	if at, err := tx.CheckKeys(); at != 1 || !errors.As(err, &e) || e.Detail != "Key (a, b)=(3, q) already exists." {
		t.Fatalf("composite key of the load's own: insert %d, %v", at, err)
	}
	tx.Rollback()
}

// countRows counts the live rows of table t.
func countRows(t *testing.T, db *DB) int {
	t.Helper()
	n := 0
	mustExec(t, db.View().Scan("t", func(*Row) bool { n++; return true }))
	return n
}
