package engine

import (
	"math"
	"strings"
	"testing"

	"github.com/driftdb/driftdb/store"
)

// nested returns a document whose field "d" holds objects nested so that
// the whole document is depth levels deep.
func nested(depth int) map[string]any {
	var v any = "leaf"
	for range depth {
		v = map[string]any{"a": v}
	}
	d := v.(map[string]any)
	d["id"] = int64(1)
	return d
}

func nestedJSON(depth int) []byte {
	return []byte(`{"id": 1, "d": ` + strings.Repeat(`{"a": `, depth-1) + `"leaf"` + strings.Repeat("}", depth-1) + "}")
}

// TestDocumentLimits: a write beyond a limit fails with its code before
// anything reaches the log, on every write path, and the database stays
// writable; a document at the limits is read back, also after reopening.
func TestDocumentLimits(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir, Options{})
	defer func() { db.Close() }()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	big := strings.Repeat("x", MaxDocumentBytes)

	tx := db.Begin()
	expect := func(what string, err error, code string) {
		t.Helper()
		if Code(err) != code {
			t.Fatalf("%s: %v, want %s", what, err, code)
		}
	}
	_, err := tx.Insert("t", nestedJSON(MaxDepth+1))
	expect("JSON nested beyond the limit", err, CodeProgramLimitReached)
	_, err = tx.InsertDoc("t", nested(MaxDepth+1), nil)
	expect("document nested beyond the limit", err, CodeProgramLimitReached)
	_, err = tx.Insert("t", []byte(`{"id": 1, "s": "`+big+`"}`))
	expect("document beyond the size limit", err, CodeProgramLimitReached)
	_, err = tx.Insert("t", []byte("{\"id\": 1, \"s\": \"x\xc3(y\"}"))
	expect("JSON with invalid UTF-8", err, CodeCharacterNotInRepertoire)
	_, err = tx.InsertDoc("t", map[string]any{"id": int64(1), "s": "x\xc3(y"}, nil)
	expect("string with invalid UTF-8", err, CodeCharacterNotInRepertoire)
	_, err = tx.InsertDoc("t", map[string]any{"id": int64(1), "k\xff": "x"}, nil)
	expect("key with invalid UTF-8", err, CodeCharacterNotInRepertoire)
	_, err = tx.InsertDoc("t", map[string]any{"id": int64(1), "f": math.NaN()}, nil)
	expect("NaN", err, CodeInvalidText)
	if tx.Writes() != 0 {
		t.Fatalf("%d writes held after refusals", tx.Writes())
	}
	tx.Rollback()

	// At the limits: accepted, and read back now and after a reopen.
	_, err = db.Insert(ctx, "t", nestedJSON(MaxDepth))
	mustExec(t, err)
	mustExec(t, db.CreateTable(TableSpec{Name: "u", PK: "id"}))
	tx = db.Begin()
	_, err = tx.InsertDoc("u", nested(MaxDepth), nil)
	mustExec(t, err)
	_, err = tx.Insert("u", []byte(`{"id": 2, "s": "`+big[:MaxDocumentBytes-64]+`"}`))
	mustExec(t, err)
	_, err = tx.Commit(ctx)
	mustExec(t, err)
	_, err = db.Patch(ctx, "u", int64(1), nestedJSON(MaxDepth))
	mustExec(t, err)

	// A patch that makes a document too large fails at commit, with
	// nothing applied.
	seq := db.Seq()
	_, err = db.Patch(ctx, "u", int64(2), []byte(`{"t": "`+big[:MaxDocumentBytes-64]+`"}`))
	expect("patch beyond the size limit after merging", err, CodeProgramLimitReached)
	if db.Seq() != seq {
		t.Fatalf("seq moved from %d to %d on a refused patch", seq, db.Seq())
	}
	_, err = db.Patch(ctx, "u", int64(2), []byte(`{"t": "small"}`))
	mustExec(t, err)

	check := func(db *DB) {
		t.Helper()
		for _, tbl := range []string{"t", "u"} {
			n := 0
			mustExec(t, db.View().Scan(tbl, func(r *Row) bool {
				if _, err := r.Doc(); err != nil {
					t.Fatalf("%s key %v: %v", tbl, r.Key, err)
				}
				n++
				return true
			}))
			if n == 0 {
				t.Fatalf("%s: no rows", tbl)
			}
		}
		if h, err := db.View().History("u", int64(1)); err != nil || len(h) != 2 {
			t.Fatalf("history: %d events, %v", len(h), err)
		}
		if p := db.CheckPayloads(); len(p) != 0 {
			t.Fatalf("payloads: %v", p)
		}
	}
	check(db)
	mustExec(t, db.Close())
	db = openDB(t, dir, Options{})
	check(db)
	_, err = db.SnapshotTable("u")
	mustExec(t, err)
	mustExec(t, db.Close())
	db = openDB(t, dir, Options{})
	check(db)
}

// TestCheckPayloads: a record that is well framed but whose payload does
// not decode is found, with its table and seq.
func TestCheckPayloads(t *testing.T) {
	db := openDB(t, t.TempDir(), Options{})
	defer db.Close()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	_, err := db.Insert(ctx, "t", []byte(`{"id": 1}`))
	mustExec(t, err)
	if p := db.CheckPayloads(); len(p) != 0 {
		t.Fatalf("a sound log: %v", p)
	}
	// Past the engine, straight into the log: nesting no reader accepts.
	bad := []byte(strings.Repeat("\x81\xa1a", MaxDepth+2) + "\xc0")
	seq := db.Seq() + 1
	err = db.st.Submit(store.Batch{{Stream: "t", Record: store.Record{Seq: seq, UnixMs: 1 << 41, Type: store.EventInsert, Payload: bad}}}).Wait()
	mustExec(t, err)
	p := db.CheckPayloads()
	if len(p) != 1 || !strings.Contains(p[0], `table "t" seq 2 `) || !strings.Contains(p[0], "nested deeper") {
		t.Fatalf("problems: %q", p)
	}
}
