package engine

import (
	"reflect"
	"sort"
	"testing"
)

// keysOf scans table in v and returns the keys of its live rows with
// their field n.
func keysOf(t *testing.T, v *View, table string) map[int64]any {
	t.Helper()
	out := map[int64]any{}
	mustExec(t, v.Scan(table, func(r *Row) bool {
		d, err := r.Doc()
		mustExec(t, err)
		out[d["id"].(int64)] = d["n"]
		return true
	}))
	return out
}

// TestSavepointUndoesWrites: RollbackTo takes back the inserts, patches,
// deletes and truncates made since the savepoint, also of rows written
// before it and again after, nested savepoints included; the commit
// writes what is left.
func TestSavepointUndoesWrites(t *testing.T) {
	db := counterDB(t)
	tx := db.Begin()
	mustExec(t, tx.Patch("c", int64(1), []byte(`{"n": 6}`)))
	_, err := tx.Insert("c", []byte(`{"id": 2, "n": 20}`))
	mustExec(t, err)
	sp1 := tx.Savepoint()
	_, err = tx.Insert("c", []byte(`{"id": 3, "n": 30}`))
	mustExec(t, err)
	mustExec(t, tx.Patch("c", int64(1), []byte(`{"n": 7}`)))
	mustExec(t, tx.SoftDelete("c", int64(2)))
	sp2 := tx.Savepoint()
	mustExec(t, tx.Truncate("c"))
	_, err = tx.Insert("c", []byte(`{"id": 4, "n": 40}`))
	mustExec(t, err)
	if got := keysOf(t, tx.View(), "c"); !reflect.DeepEqual(got, map[int64]any{4: int64(40)}) {
		t.Fatalf("after the truncate: %v", got)
	}
	tx.RollbackTo(sp2)
	if got, want := keysOf(t, tx.View(), "c"), map[int64]any{1: int64(7), 3: int64(30)}; !reflect.DeepEqual(got, want) {
		t.Fatalf("back at sp2: %v, want %v", got, want)
	}
	tx.RollbackTo(sp1)
	want := map[int64]any{1: int64(6), 2: int64(20)}
	if got := keysOf(t, tx.View(), "c"); !reflect.DeepEqual(got, want) {
		t.Fatalf("back at sp1: %v, want %v", got, want)
	}
	if d := getDoc(t, tx.View(), "c", int64(3)); d != nil {
		t.Fatalf("row 3 read by key after the rollback: %v", d)
	}
	// Written again after the rollback, and rolled back to the same
	// savepoint once more.
	mustExec(t, tx.Patch("c", int64(2), []byte(`{"n": 21}`)))
	tx.RollbackTo(sp1)
	if tx.Writes() != 2 {
		t.Fatalf("%d writes left, want 2", tx.Writes())
	}
	_, err = tx.Commit(ctx)
	mustExec(t, err)
	if got := keysOf(t, db.View(), "c"); !reflect.DeepEqual(got, want) {
		t.Fatalf("committed: %v, want %v", got, want)
	}
}

// TestSavepointForgetsConflicts: a write undone by RollbackTo is not
// checked at commit, and a row locked since the savepoint is released; a
// write kept still is.
func TestSavepointForgetsConflicts(t *testing.T) {
	db := counterDB(t)
	_, err := db.Insert(ctx, "c", []byte(`{"id": 2, "n": 0}`))
	mustExec(t, err)
	tx := db.Begin()
	sp := tx.Savepoint()
	mustExec(t, tx.Patch("c", int64(1), []byte(`{"n": 100}`)))
	mustExec(t, tx.Lock("c", int64(2)))
	tx.RollbackTo(sp)
	_, err = db.Patch(ctx, "c", int64(1), []byte(`{"n": 8}`))
	mustExec(t, err)
	_, err = db.Patch(ctx, "c", int64(2), []byte(`{"n": 1}`))
	mustExec(t, err)
	_, err = tx.Insert("c", []byte(`{"id": 3, "n": 3}`))
	mustExec(t, err)
	_, err = tx.Commit(ctx)
	mustExec(t, err)
	if n := counter(t, db.View()); n != 8 {
		t.Fatalf("n = %d, want the other transaction's 8", n)
	}

	// A write before the savepoint still conflicts.
	tx = db.Begin()
	mustExec(t, tx.Patch("c", int64(1), []byte(`{"n": 100}`)))
	sp = tx.Savepoint()
	mustExec(t, tx.Patch("c", int64(2), []byte(`{"n": 100}`)))
	tx.RollbackTo(sp)
	_, err = db.Patch(ctx, "c", int64(1), []byte(`{"n": 9}`))
	mustExec(t, err)
	if _, err := tx.Commit(ctx); Code(err) != CodeSerializationFailure {
		t.Fatalf("commit over a kept write to a changed row: %v, want 40001", err)
	}
}

// TestSavepointSerializableKeepsReads: under Serializable, a row read
// after the savepoint stays checked after RollbackTo.
func TestSavepointSerializableKeepsReads(t *testing.T) {
	db := counterDB(t)
	tx := db.Begin()
	tx.SetIsolation(Serializable)
	sp := tx.Savepoint()
	counter(t, tx.View())
	tx.RollbackTo(sp)
	_, err := db.Patch(ctx, "c", int64(1), []byte(`{"n": 9}`))
	mustExec(t, err)
	_, err = tx.Insert("c", []byte(`{"id": 2, "n": 0}`))
	mustExec(t, err)
	if _, err := tx.Commit(ctx); Code(err) != CodeSerializationFailure {
		t.Fatalf("commit after a read of a changed row: %v, want 40001", err)
	}
}

// TestSavepointUnique: a unique value written since the savepoint is free
// again after RollbackTo, and one given up since is taken again.
func TestSavepointUnique(t *testing.T) {
	db, _ := uniqueDB(t)
	_, err := db.Insert(ctx, "person", []byte(`{"id": 1, "nick": "bee"}`))
	mustExec(t, err)
	tx := db.Begin()
	_, err = tx.Insert("person", []byte(`{"id": 2, "nick": "ant"}`))
	mustExec(t, err)
	sp := tx.Savepoint()
	_, err = tx.Insert("person", []byte(`{"id": 3, "nick": "wasp"}`))
	mustExec(t, err)
	mustExec(t, tx.Patch("person", int64(1), []byte(`{"nick": "moth"}`)))
	mustExec(t, tx.Patch("person", int64(2), []byte(`{"nick": "fly"}`)))
	tx.RollbackTo(sp)
	_, err = tx.Insert("person", []byte(`{"id": 4, "nick": "wasp"}`))
	mustExec(t, err)
	_, err = tx.Insert("person", []byte(`{"id": 5, "nick": "bee"}`))
	wantUnique(t, "insert of a value taken again", err, "person_nick_key")
	_, err = tx.Insert("person", []byte(`{"id": 5, "nick": "ant"}`))
	wantUnique(t, "insert of the transaction's own value", err, "person_nick_key")
	_, err = tx.Insert("person", []byte(`{"id": 5, "nick": "fly"}`))
	mustExec(t, err)
	_, err = tx.Commit(ctx)
	mustExec(t, err)
	var nicks []string
	mustExec(t, db.View().Scan("person", func(r *Row) bool {
		d, err := r.Doc()
		mustExec(t, err)
		nicks = append(nicks, d["nick"].(string))
		return true
	}))
	sort.Strings(nicks)
	if want := []string{"ant", "bee", "fly", "wasp"}; !reflect.DeepEqual(nicks, want) {
		t.Fatalf("nicks %v, want %v", nicks, want)
	}
}

// TestPendingRemove: removing the first row of a table's pending rows
// keeps the others.
func TestPendingRemove(t *testing.T) {
	var p pending
	for i := int64(1); i <= 3; i++ {
		p.put("t", Key{Int: i, IsInt: true}, pendingRow{doc: map[string]any{"id": i}})
	}
	p.remove("t", Key{Int: 1, IsInt: true})
	if p.count("t") != 2 {
		t.Fatalf("count %d, want 2", p.count("t"))
	}
	for i := int64(1); i <= 3; i++ {
		if _, ok := p.get("t", Key{Int: i, IsInt: true}); ok != (i != 1) {
			t.Fatalf("row %d: %v", i, ok)
		}
	}
	p.remove("t", Key{Int: 2, IsInt: true})
	p.remove("t", Key{Int: 3, IsInt: true})
	if p.count("t") != 0 {
		t.Fatalf("count %d, want 0", p.count("t"))
	}
}
