package engine

import "testing"

// TestSubmitThenWait checks a transaction handed to the store without
// waiting: other transactions do not see it until it is durable; Start
// writes it; the function left to run at durability sees it visible; Wait
// returns its seq; a transaction without writes is done at once.
func TestSubmitThenWait(t *testing.T) {
	db := openDB(t, t.TempDir(), Options{})
	defer db.Close()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	before := db.Seq()

	tx := db.Begin()
	if _, err := tx.Insert("t", []byte(`{"id": 1, "v": "a"}`)); err != nil {
		t.Fatal(err)
	}
	cm, err := tx.Submit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !cm.Writes() {
		t.Fatal("a transaction with an insert has nothing to write")
	}
	// Nobody has written the batch yet: no one else may see it.
	if db.Seq() != before || getDoc(t, db.View(), "t", 1) != nil {
		t.Fatalf("seen before it is durable: seq %d (was %d)", db.Seq(), before)
	}
	var seenInHook map[string]any
	if !cm.OnDone(func(durable bool) {
		if durable {
			seenInHook = getDoc(t, db.View(), "t", 1)
		}
	}) {
		t.Fatal("hook refused on a pending commit")
	}
	cm.Start() // writes it here: no group is being written
	if seenInHook["v"] != "a" || db.Seq() <= before {
		t.Fatalf("after Start: hook saw %v, db at seq %d", seenInHook, db.Seq())
	}
	seq, err := cm.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if seenInHook["v"] != "a" {
		t.Fatalf("the hook did not see the row visible: %v", seenInHook)
	}
	if seq != db.Seq() || seq <= before {
		t.Fatalf("Wait returned seq %d, db at %d (was %d)", seq, db.Seq(), before)
	}

	ro := db.Begin()
	if getDoc(t, ro.View(), "t", 1) == nil {
		t.Fatal("a new transaction does not see the committed row")
	}
	cm, err = ro.Submit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cm.Writes() || cm.OnDone(func(bool) { t.Error("hook ran for nothing to write") }) {
		t.Fatal("a read-only transaction has something to write")
	}
	if s, err := cm.Wait(); err != nil || s != seq {
		t.Fatalf("read-only commit: seq %d, %v; want %d", s, err, seq)
	}
	if _, err := ro.Submit(ctx); err == nil {
		t.Fatal("a finished transaction submitted again")
	}
}
