package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestIndexFilesAndMeta: a snapshot writes index files and meta.json; a
// reopen uses the index files, and a damaged or stale one is rebuilt with
// the same answers.
func TestIndexFilesAndMeta(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir, Options{SnapshotEvents: -1})
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"g"}}))
	for i := range 100 {
		_, err := db.Insert(ctx, "t", []byte(`{"id": `+itoa(i)+`, "g": `+itoa(i%10)+`}`))
		mustExec(t, err)
	}
	seq, err := db.SnapshotTable("t")
	mustExec(t, err)
	_, err = db.Patch(ctx, "t", int64(5), []byte(`{"g": 99}`)) // after the snapshot: caught up from the log
	mustExec(t, err)
	mustExec(t, db.Close())

	idxFile := filepath.Join(dir, "tables", "t", "indexes", "g.idx")
	if _, err := os.Stat(idxFile); err != nil {
		t.Fatalf("no index file: %v", err)
	}
	var m meta
	b, err := os.ReadFile(filepath.Join(dir, "tables", "t", "meta.json"))
	mustExec(t, err)
	mustExec(t, json.Unmarshal(b, &m))
	if m.Seq != seq || m.Rows != 100 || m.PK != "id" || len(m.Columns) != 2 {
		t.Fatalf("meta.json: %+v", m)
	}
	count := func(db *DB, g int64) int {
		n := 0
		mustExec(t, db.View().IndexLookup("t", "g", OpEq, g, func(*Row) bool { n++; return true }))
		return n
	}
	// The file as written reads back whole.
	db = openDB(t, dir, Options{SnapshotEvents: -1})
	if p := db.CheckIndexFiles(); len(p) != 0 {
		t.Fatalf("a whole index file reported: %v", p)
	}
	idx, err := readIndexFile(db.st.FS(), filepath.Join(dir, "tables", "t"), "g", seq)
	mustExec(t, err)
	if idx.Len() != 100 {
		t.Fatalf("index file holds %d entries, want 100", idx.Len())
	}
	// A snapshot taken while the database is open is what the check reads
	// against, with or without commits after it.
	_, err = db.Insert(ctx, "t", []byte(`{"id": 100000, "g": 1000}`))
	mustExec(t, err)
	_, err = db.SnapshotTable("t")
	mustExec(t, err)
	if p := db.CheckIndexFiles(); len(p) != 0 {
		t.Fatalf("the new snapshot's index file reported: %v", p)
	}
	_, err = db.SoftDelete(ctx, "t", int64(100000))
	mustExec(t, err)
	db.Close()
	for _, damage := range []func(){
		func() {},
		func() { // flip a byte of the body
			b, _ := os.ReadFile(idxFile)
			b[len(b)-3] ^= 0xff
			os.WriteFile(idxFile, b, 0o644)
		},
		func() { os.Remove(idxFile) },
	} {
		damage()
		db = openDB(t, dir, Options{SnapshotEvents: -1})
		if a, b := count(db, 5), count(db, 99); a != 9 || b != 1 {
			t.Fatalf("index after reopen: %d rows with 5, %d with 99", a, b)
		}
		db.Close()
	}
	// A damaged file is reported by CheckIndexFiles.
	db = openDB(t, dir, Options{SnapshotEvents: -1})
	defer db.Close()
	os.WriteFile(idxFile, []byte("junk"), 0o644)
	if p := db.CheckIndexFiles(); len(p) != 1 {
		t.Fatalf("problems: %v", p)
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
