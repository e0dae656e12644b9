package engine

import (
	"context"
	"errors"
	"testing"
	"time"
)

var ctx = context.Background()

func openDB(t testing.TB, dir string, opts Options) *DB {
	t.Helper()
	db, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return db
}

func mustExec(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// mustCommit runs op in a transaction of db and commits it, failing t on
// an error of either.
func mustCommit(t testing.TB, db *DB, op func(tx *Txn) error) {
	t.Helper()
	tx := db.Begin()
	mustExec(t, op(tx))
	_, err := tx.Commit(ctx)
	mustExec(t, err)
}

func getDoc(t testing.TB, v *View, table string, key any) map[string]any {
	t.Helper()
	r, ok, err := v.Get(table, key)
	if err != nil {
		t.Fatalf("get %s %v: %v", table, key, err)
	}
	if !ok {
		return nil
	}
	d, err := r.Doc()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestBasicLifecycle(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir, Options{})
	mustExec(t, db.CreateTable(TableSpec{Name: "orders", PK: "id", Indexes: []string{"status"}}))
	if err := db.CreateTable(TableSpec{Name: "orders", PK: "id"}); Code(err) != CodeDuplicateTable || !errors.Is(err, ErrTableExists) {
		t.Fatalf("create twice: %v (%s)", err, Code(err))
	}
	s1, err := db.Insert(ctx, "orders", []byte(`{"id": "o1", "status": "pending", "amount": 100, "big": 123456789012345678901234567890}`))
	mustExec(t, err)
	if _, err := db.Insert(ctx, "orders", []byte(`{"id": "o1"}`)); Code(err) != CodeUniqueViolation {
		t.Fatalf("duplicate insert: %v", err)
	}
	s2, err := db.Patch(ctx, "orders", "o1", []byte(`{"status": "paid", "amount": null, "note": {"a": 1}}`))
	mustExec(t, err)
	doc := getDoc(t, db.View(), "orders", "o1")
	if doc["status"] != "paid" || doc["amount"] != nil || doc["big"] == nil {
		t.Fatalf("after patch: %v", doc)
	}
	if _, ok := doc["amount"]; ok {
		t.Fatal("null in a patch must remove the field")
	}
	past, err := db.ViewAt(s1)
	mustExec(t, err)
	if d := getDoc(t, past, "orders", "o1"); d["status"] != "pending" || d["amount"] != int64(100) {
		t.Fatalf("AS OF %d: %v", s1, d)
	}
	_, err = db.SoftDelete(ctx, "orders", "o1")
	mustExec(t, err)
	if d := getDoc(t, db.View(), "orders", "o1"); d != nil {
		t.Fatalf("deleted row visible: %v", d)
	}
	if _, err := db.Patch(ctx, "orders", "o1", []byte(`{"x":1}`)); Code(err) != CodeNoData {
		t.Fatalf("patch of deleted: %v", err)
	}
	_, err = db.Insert(ctx, "orders", []byte(`{"id": "o1", "status": "reborn"}`))
	mustExec(t, err)
	hist, err := db.View().History("orders", "o1")
	mustExec(t, err)
	if len(hist) != 4 || hist[1].Seq != s2 || hist[1].Change["status"] != "paid" || hist[2].Doc != nil {
		t.Fatalf("history: %+v", hist)
	}
	if _, err := db.ViewAt(db.Seq() + 1); Code(err) != CodeInvalidParameter {
		t.Fatalf("seq past head: %v", err)
	}
	if _, err := db.ViewAtTime(time.Now().Add(time.Hour)); Code(err) != CodeInvalidParameter {
		t.Fatalf("future time: %v", err)
	}
	cols, err := db.View().Columns("orders")
	mustExec(t, err)
	names := []string{}
	for _, c := range cols {
		names = append(names, c.Name+":"+string(c.Type))
	}
	want := "id:text status:text amount:int8 big:numeric note:jsonb"
	if got := joinWords(names); got != want {
		t.Fatalf("columns %q, want %q", got, want)
	}
	var found []string
	mustExec(t, db.View().IndexLookup("orders", "status", OpEq, "reborn", func(r *Row) bool {
		found = append(found, r.Key.Str)
		return true
	}))
	if len(found) != 1 || found[0] != "o1" {
		t.Fatalf("index lookup: %v", found)
	}
	mustExec(t, db.Close())

	db = openDB(t, dir, Options{})
	defer db.Close()
	if d := getDoc(t, db.View(), "orders", "o1"); d["status"] != "reborn" {
		t.Fatalf("after reopen: %v", d)
	}
	past, err = db.ViewAt(s1)
	mustExec(t, err)
	if d := getDoc(t, past, "orders", "o1"); d["status"] != "pending" {
		t.Fatalf("AS OF after reopen: %v", d)
	}
	cols2, _ := db.View().Columns("orders")
	if len(cols2) != len(cols) {
		t.Fatalf("columns after reopen: %v", cols2)
	}
}

func joinWords(s []string) string {
	out := ""
	for i, w := range s {
		if i > 0 {
			out += " "
		}
		out += w
	}
	return out
}

// TestTableCreatedInsideTransaction: DDL takes effect at once, so a
// transaction that began before a table existed can write and read it.
func TestTableCreatedInsideTransaction(t *testing.T) {
	db := openDB(t, t.TempDir(), Options{})
	defer db.Close()
	tx := db.Begin()
	mustExec(t, db.CreateTable(TableSpec{Name: "late", PK: "id"}))
	_, err := tx.Insert("late", []byte(`{"id": 1}`))
	mustExec(t, err)
	if d := getDoc(t, tx.View(), "late", int64(1)); d == nil {
		t.Fatal("own write in the new table not visible")
	}
	_, err = tx.Commit(ctx)
	mustExec(t, err)
	if d := getDoc(t, db.View(), "late", int64(1)); d == nil {
		t.Fatal("committed row missing")
	}
}
