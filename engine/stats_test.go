package engine

import (
	"testing"
)

func TestTableStats(t *testing.T) {
	db, _, reopen := ddlDB(t)
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	created, _ := db.View().Spec("t")
	if created.CreatedUnixMs == 0 {
		t.Fatal("no creation time")
	}
	if st, err := db.View().Stats("t"); err != nil || st != (TableStats{}) {
		t.Fatalf("empty table: %+v %v", st, err)
	}
	insertN(t, db, "t", 0, 3) // seq 1 (three rows, one commit)
	_, err := db.Patch(ctx, "t", int64(1), []byte(`{"s": "x"}`))
	mustExec(t, err)
	before := db.View()
	_, err = db.SoftDelete(ctx, "t", int64(2))
	mustExec(t, err)
	tx := db.Begin()
	_, err = tx.Insert("t", []byte(`{"id": 9}`))
	mustExec(t, err)
	st, err := tx.View().Stats("t") // the transaction's own write is not counted
	mustExec(t, err)
	tx.Rollback()
	if st.LiveRows != 2 || st.Versions != 5 || st.FirstSeq != 1 || st.LastSeq != db.Seq() || st.FirstUnixMs > st.LastUnixMs || st.Horizon != 0 {
		t.Fatalf("stats %+v (seq %d)", st, db.Seq())
	}
	if st, _ := before.Stats("t"); st.LiveRows != 3 || st.Versions != 4 {
		t.Fatalf("stats of an older view %+v", st)
	}
	db = reopen()
	mustExec(t, db.RenameTable("t", "u"))
	if spec, _ := db.View().Spec("u"); spec.CreatedUnixMs != created.CreatedUnixMs {
		t.Fatalf("created %d after rename and reopen, was %d", spec.CreatedUnixMs, created.CreatedUnixMs)
	}
	if _, err := db.View().Stats("t"); Code(err) != CodeUndefinedTable {
		t.Fatalf("stats of a missing table: %v", err)
	}
}
