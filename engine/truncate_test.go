package engine

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
)

// liveKeys lists the keys a scan of v finds.
func liveKeys(t *testing.T, v *View, table string) []string {
	t.Helper()
	var out []string
	mustExec(t, v.Scan(table, func(r *Row) bool {
		out = append(out, keyText(r.Key))
		return true
	}))
	return out
}

// recordTypes counts the records of each type in a table's log.
func recordTypes(t *testing.T, db *DB, table string) map[store.EventType]int {
	t.Helper()
	it, err := db.Store().NewIterator(table, 1)
	mustExec(t, err)
	defer it.Close()
	out := map[store.EventType]int{}
	for it.Next() {
		out[it.Record().Type]++
	}
	mustExec(t, it.Err())
	return out
}

// TestTruncate: TRUNCATE deletes every live row at one seq with one
// record; AS OF before it sees the rows, every row's history shows it,
// indexes find nothing, keys can be inserted again; all of it the same
// after a reopen (replay), after a snapshot and after compaction.
func TestTruncate(t *testing.T) {
	mem := vfs.NewMem()
	opts := Options{Store: store.Options{FS: mem}, SnapshotEvents: -1, SnapshotBytes: -1}
	db := openDB(t, "/data", opts)
	defer func() { db.Close() }()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"s"}}))
	for i := range 300 {
		_, err := db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d, "s": "v%d"}`, i, i%5))
		mustExec(t, err)
	}
	deleted, err := db.SoftDelete(ctx, "t", int64(7))
	mustExec(t, err)
	before := db.Seq()
	seq, err := db.Truncate(ctx, "t")
	mustExec(t, err)
	if seq != before+1 {
		t.Fatalf("truncate at seq %d, want %d", seq, before+1)
	}
	_, err = db.Insert(ctx, "t", []byte(`{"id": 3, "s": "again"}`))
	mustExec(t, err)

	check := func(what string) {
		t.Helper()
		if got := liveKeys(t, db.View(), "t"); !reflect.DeepEqual(got, []string{"3"}) {
			t.Fatalf("%s: live rows %v, want [3]", what, got)
		}
		v, err := db.ViewAt(before)
		mustExec(t, err)
		if got := len(liveKeys(t, v, "t")); got != 299 {
			t.Fatalf("%s: AS OF before the truncate: %d rows, want 299", what, got)
		}
		if n := len(lookupAll(t, db.View(), "t", "s", OpEq, "v1")); n != 0 {
			t.Fatalf("%s: index finds %d rows after the truncate", what, n)
		}
		if n := len(lookupAll(t, v, "t", "s", OpEq, "v1")); n != 60 {
			t.Fatalf("%s: index AS OF before finds %d rows, want 60", what, n)
		}
		h, err := db.View().History("t", 5)
		mustExec(t, err)
		if len(h) != 2 || h[1].Type != store.EventTruncate || h[1].Seq != seq || h[1].Doc != nil {
			t.Fatalf("%s: history of a truncated row: %+v", what, h)
		}
		h, err = db.View().History("t", 7)
		mustExec(t, err)
		if len(h) != 2 || h[1].Seq != deleted {
			t.Fatalf("%s: history of a row deleted before the truncate: %+v", what, h)
		}
		h, err = db.View().History("t", 3)
		mustExec(t, err)
		if len(h) != 3 || h[1].Type != store.EventTruncate || h[2].Type != store.EventInsert {
			t.Fatalf("%s: history of a row inserted again: %+v", what, h)
		}
		c, err := db.View().HistoryCursor("t", before, seq)
		mustExec(t, err)
		hist := drainHistory(t, c)
		if len(hist) != 299 {
			t.Fatalf("%s: history cursor over the truncate: %d versions, want 299", what, len(hist))
		}
		for _, x := range hist {
			if x.Type != store.EventTruncate || x.Seq != seq {
				t.Fatalf("%s: %+v", what, x)
			}
		}
	}
	check("at once")
	if n := recordTypes(t, db, "t")[store.EventTruncate]; n != 1 {
		t.Fatalf("%d TRUNCATE records, want 1", n)
	}
	mustExec(t, db.Close())
	db = openDB(t, "/data", opts)
	check("after a reopen")
	_, err = db.SnapshotTable("t")
	mustExec(t, err)
	mustExec(t, db.Close())
	db = openDB(t, "/data", opts)
	check("from a snapshot")
	if p := db.CheckPayloads(); len(p) != 0 {
		t.Fatalf("payload check: %v", p)
	}

	// Compacted past the truncate, the truncated rows are gone for good.
	_, err = db.CompactBefore("t", seq)
	mustExec(t, err)
	for round := range 2 {
		if got := liveKeys(t, db.View(), "t"); !reflect.DeepEqual(got, []string{"3"}) {
			t.Fatalf("round %d after compaction: %v", round, got)
		}
		if h, err := db.View().History("t", 5); err != nil || len(h) != 0 {
			t.Fatalf("round %d: history of a row truncated before the horizon: %v %v", round, h, err)
		}
		mustExec(t, db.Close())
		db = openDB(t, "/data", opts)
	}
}

// TestTruncateInTransaction: inside a transaction, a truncate hides every
// row, those it wrote before too, and keeps those it writes after; the
// commit applies the writes in order; a rollback leaves no trace.
func TestTruncateInTransaction(t *testing.T) {
	db := openDB(t, t.TempDir(), Options{Store: store.Options{NoSync: true}})
	defer db.Close()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"s"}}))
	for _, k := range []string{"a", "b", "c"} {
		_, err := db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %q, "s": "x"}`, k))
		mustExec(t, err)
	}
	start := db.Seq()
	for _, commit := range []bool{false, true} {
		tx := db.Begin()
		_, err := tx.Insert("t", []byte(`{"id": "d", "s": "x"}`))
		mustExec(t, err)
		mustExec(t, tx.Truncate("t"))
		_, err = tx.Insert("t", []byte(`{"id": "b", "s": "x"}`)) // live before, gone for the transaction now
		mustExec(t, err)
		if err := tx.Patch("t", "a", []byte(`{"s": "y"}`)); Code(err) != CodeNoData {
			t.Fatalf("patch of a truncated row: %v", err)
		}
		v := tx.View()
		if got := liveKeys(t, v, "t"); !reflect.DeepEqual(got, []string{"b"}) {
			t.Fatalf("scan inside: %v", got)
		}
		if r, ok, err := v.Get("t", "a"); ok || err != nil {
			t.Fatalf("get of a truncated row inside: %v %v %v", r, ok, err)
		}
		if got := lookupAll(t, v, "t", "s", OpEq, "x"); len(got) != 1 || got[0].Key.Str != "b" {
			t.Fatalf("index lookup inside: %v", got)
		}
		for _, mk := range []func() (*Cursor, error){
			func() (*Cursor, error) { return v.Cursor("t") },
			func() (*Cursor, error) { return v.IndexCursor("t", "s", OpEq, "x") },
		} {
			c, err := mk()
			mustExec(t, err)
			if got := drainCursor(t, c); len(got) != 1 || got[0].Key.Str != "b" {
				t.Fatalf("cursor inside: %v", got)
			}
		}
		if !commit {
			tx.Rollback()
			if got := liveKeys(t, db.View(), "t"); !reflect.DeepEqual(got, []string{"a", "b", "c"}) || db.Seq() != start {
				t.Fatalf("after rollback: %v at %d", got, db.Seq())
			}
			continue
		}
		last, err := tx.Commit(ctx)
		mustExec(t, err)
		if last != start+3 {
			t.Fatalf("commit ends at %d, want %d", last, start+3)
		}
		if got := liveKeys(t, db.View(), "t"); !reflect.DeepEqual(got, []string{"b"}) {
			t.Fatalf("after commit: %v", got)
		}
		h, err := db.View().History("t", "d")
		mustExec(t, err)
		if len(h) != 2 || h[0].Seq != start+1 || h[1].Type != store.EventTruncate || h[1].Seq != start+2 {
			t.Fatalf("history of the row the transaction inserted before its truncate: %+v", h)
		}
	}
}

// TestTruncateConcurrent: a truncate deletes the rows live when it
// commits, those another transaction inserted after its snapshot too (the
// outcome of running it after that one); a transaction that changes a
// row the truncate deleted after its snapshot fails with 40001.
func TestTruncateConcurrent(t *testing.T) {
	db := openDB(t, t.TempDir(), Options{Store: store.Options{NoSync: true}})
	defer db.Close()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	_, err := db.Insert(ctx, "t", []byte(`{"id": "a", "n": 1}`))
	mustExec(t, err)

	t1 := db.Begin()
	mustExec(t, t1.Truncate("t"))
	_, err = db.Insert(ctx, "t", []byte(`{"id": "late"}`))
	mustExec(t, err)
	_, err = t1.Commit(ctx)
	mustExec(t, err)
	if got := liveKeys(t, db.View(), "t"); len(got) != 0 {
		t.Fatalf("after the truncate: %v", got)
	}

	_, err = db.Insert(ctx, "t", []byte(`{"id": "b", "n": 1}`))
	mustExec(t, err)
	t2 := db.Begin()
	_, err = db.Truncate(ctx, "t")
	mustExec(t, err)
	if err := t2.Patch("t", "b", []byte(`{"n": 2}`)); Code(err) != CodeSerializationFailure {
		t.Fatalf("patch of a row truncated after the snapshot: %v", err)
	}
	t2.Rollback()

	// Truncating an empty table writes its record and changes no row.
	seq, err := db.Truncate(ctx, "t")
	mustExec(t, err)
	if seq != db.Seq() || recordTypes(t, db, "t")[store.EventTruncate] != 3 {
		t.Fatalf("truncate of an empty table: seq %d of %d, records %v", seq, db.Seq(), recordTypes(t, db, "t"))
	}
	if _, err := db.Truncate(ctx, "nope"); Code(err) != CodeUndefinedTable {
		t.Fatalf("truncate of an unknown table: %v", err)
	}
}
