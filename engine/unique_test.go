package engine

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
)

func uniqueDB(t *testing.T) (*DB, func() *DB) {
	t.Helper()
	db, _, reopen := ddlDB(t)
	mustExec(t, db.CreateTable(TableSpec{Name: "person", PK: "id",
		Columns:   []ColumnSpec{{Name: "id", Type: TypeInt8}, {Name: "nick", Type: TypeText}, {Name: "n", Type: TypeNumeric}},
		IndexDefs: []IndexSpec{{Fields: []string{"nick"}, Unique: true}}}))
	return db, reopen
}

func wantUnique(t *testing.T, what string, err error, constraint string) {
	t.Helper()
	var e *Error
	if Code(err) != CodeUniqueViolation || !errors.As(err, &e) ||
		e.Msg != fmt.Sprintf("duplicate key value violates unique constraint %q", constraint) || !errors.Is(err, ErrDuplicateKey) {
		t.Fatalf("%s: %v, want 23505 on %q", what, err, constraint)
	}
}

// TestUnique: a unique index refuses a second live row with its value, by
// INSERT or PATCH, with PostgreSQL's message; NULL and missing values
// never conflict; a value is free again once its row is deleted,
// truncated, or changed; numbers compare by value.
func TestUnique(t *testing.T) {
	db, reopen := uniqueDB(t)
	ins := func(doc string) error { _, err := db.Insert(ctx, "person", []byte(doc)); return err }
	mustExec(t, ins(`{"id": 1, "nick": "bee"}`))
	err := ins(`{"id": 2, "nick": "bee"}`)
	wantUnique(t, "insert of a taken value", err, "person_nick_key")
	var e *Error
	if errors.As(err, &e); e.Detail != "Key (nick)=(bee) already exists." {
		t.Fatalf("detail %q", e.Detail)
	}
	mustExec(t, ins(`{"id": 2, "nick": null}`))
	mustExec(t, ins(`{"id": 3}`))
	mustExec(t, ins(`{"id": 4, "nick": null}`))
	_, err = db.Patch(ctx, "person", 3, []byte(`{"nick": "bee"}`))
	wantUnique(t, "patch to a taken value", err, "person_nick_key")
	_, err = db.Patch(ctx, "person", 1, []byte(`{"n": 5}`)) // its own value stays
	mustExec(t, err)
	_, err = db.Patch(ctx, "person", 1, []byte(`{"nick": "bee"}`))
	mustExec(t, err)

	_, err = db.SoftDelete(ctx, "person", 1)
	mustExec(t, err)
	mustExec(t, ins(`{"id": 5, "nick": "bee"}`))
	_, err = db.Patch(ctx, "person", 5, []byte(`{"nick": "wasp"}`))
	mustExec(t, err)
	mustExec(t, ins(`{"id": 6, "nick": "bee"}`))
	_, err = db.Truncate(ctx, "person")
	mustExec(t, err)
	mustExec(t, ins(`{"id": 7, "nick": "wasp"}`))

	// A unique index over a number: 1 and 1.0 are the same value.
	mustExec(t, db.AddIndex("person", IndexSpec{Name: "person_n", Fields: []string{"n"}, Unique: true}))
	mustExec(t, ins(`{"id": 8, "n": 1}`))
	wantUnique(t, "1.0 after 1", ins(`{"id": 9, "n": 1.0}`), "person_n")

	db = reopen()
	wantUnique(t, "after a reopen", ins(`{"id": 10, "nick": "wasp"}`), "person_nick_key")
	wantUnique(t, "after a reopen", ins(`{"id": 10, "n": 1}`), "person_n")
}

// TestUniqueInTransaction: a transaction's own rows count, as they are
// when it writes: a value it freed (deleted, changed, truncated) can be
// taken again; the check is made at the statement.
func TestUniqueInTransaction(t *testing.T) {
	db, _ := uniqueDB(t)
	tx := db.Begin()
	ins := func(doc string) error { _, err := tx.Insert("person", []byte(doc)); return err }
	mustExec(t, ins(`{"id": 1, "nick": "a"}`))
	wantUnique(t, "a second row of the transaction", ins(`{"id": 2, "nick": "a"}`), "person_nick_key")
	mustExec(t, tx.SoftDelete("person", 1))
	mustExec(t, ins(`{"id": 2, "nick": "a"}`))
	mustExec(t, tx.Patch("person", 2, []byte(`{"nick": "b"}`)))
	mustExec(t, ins(`{"id": 3, "nick": "a"}`))
	wantUnique(t, "patch onto the transaction's row", tx.Patch("person", 2, []byte(`{"nick": "a"}`)), "person_nick_key")
	mustExec(t, tx.Truncate("person"))
	mustExec(t, ins(`{"id": 4, "nick": "a"}`))
	_, err := tx.Commit(ctx)
	mustExec(t, err)
	if got := liveKeys(t, db.View(), "person"); !reflect.DeepEqual(got, []string{"4"}) {
		t.Fatalf("rows %v", got)
	}
	// The snapshot's rows count too; those the transaction freed do not.
	tx = db.Begin()
	wantUnique(t, "a value of the snapshot", ins(`{"id": 5, "nick": "a"}`), "person_nick_key")
	mustExec(t, tx.Patch("person", 4, []byte(`{"nick": "z"}`)))
	mustExec(t, ins(`{"id": 5, "nick": "a"}`))
	_, err = tx.Commit(ctx)
	mustExec(t, err)
}

// TestUniqueConcurrent: of two transactions that write the same value,
// the second to commit fails with 23505 (checked again at commit against
// the latest state), also when many statements race outside
// transactions: exactly one wins. A value whose row another transaction
// freed after the snapshot fails with 40001 (a retry finds it free).
// A large commit checks every row too.
func TestUniqueConcurrent(t *testing.T) {
	db, _ := uniqueDB(t)
	t1, t2 := db.Begin(), db.Begin()
	_, err := t1.Insert("person", []byte(`{"id": 1, "nick": "x"}`))
	mustExec(t, err)
	_, err = t2.Insert("person", []byte(`{"id": 2, "nick": "x"}`))
	mustExec(t, err)
	_, err = t1.Commit(ctx)
	mustExec(t, err)
	_, err = t2.Commit(ctx)
	wantUnique(t, "the second commit", err, "person_nick_key")

	t3 := db.Begin()
	_, err = db.Patch(ctx, "person", 1, []byte(`{"nick": "y"}`))
	mustExec(t, err)
	_, err = t3.Insert("person", []byte(`{"id": 3, "nick": "x"}`))
	if Code(err) != CodeSerializationFailure {
		t.Fatalf("a value freed after the snapshot: %v", err)
	}
	t3.Rollback()

	// A commit large enough to hold its index entries back still checks
	// each of its rows against what committed since its snapshot.
	t4 := db.Begin()
	for i := range holdMin + 44 {
		_, err = t4.Insert("person", fmt.Appendf(nil, `{"id": %d, "nick": "big%d"}`, 1000+i, i))
		mustExec(t, err)
	}
	_, err = db.Insert(ctx, "person", fmt.Appendf(nil, `{"id": 999, "nick": "big%d"}`, holdMin+43))
	mustExec(t, err)
	_, err = t4.Commit(ctx)
	wantUnique(t, "a large commit", err, "person_nick_key")

	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = db.Insert(ctx, "person", fmt.Appendf(nil, `{"id": %d, "nick": "race"}`, 100+i))
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case Code(err) != CodeUniqueViolation:
			t.Fatalf("insert %d: %v", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d concurrent inserts of one value committed", won, n)
	}
	rows := 0
	mustExec(t, db.View().Scan("person", func(r *Row) bool {
		if d, _ := r.Doc(); d["nick"] == "race" {
			rows++
		}
		return true
	}))
	if rows != 1 {
		t.Fatalf("%d rows hold the value", rows)
	}
}

// TestUniqueSeveralFields: UNIQUE (room, hour) refuses two rows with the
// same pair only; a NULL in either never conflicts.
func TestUniqueSeveralFields(t *testing.T) {
	db, _, _ := ddlDB(t)
	mustExec(t, db.CreateTable(TableSpec{Name: "slot", PK: "id",
		IndexDefs: []IndexSpec{{Name: "one_booking", Fields: []string{"room", "hour"}, Unique: true}}}))
	ins := func(doc string) error { _, err := db.Insert(ctx, "slot", []byte(doc)); return err }
	mustExec(t, ins(`{"id": 1, "room": "a", "hour": 9}`))
	mustExec(t, ins(`{"id": 2, "room": "a", "hour": 10}`))
	mustExec(t, ins(`{"id": 3, "room": "b", "hour": 9}`))
	mustExec(t, ins(`{"id": 5, "room": "a"}`))
	mustExec(t, ins(`{"id": 6, "room": "a"}`))
	err := ins(`{"id": 4, "room": "a", "hour": 9}`)
	wantUnique(t, "a taken pair", err, "one_booking")
	var e *Error
	if errors.As(err, &e); e.Detail != "Key (room, hour)=(a, 9) already exists." {
		t.Fatalf("detail %q", e.Detail)
	}
	_, err = db.Patch(ctx, "slot", 3, []byte(`{"room": "a"}`))
	wantUnique(t, "a patch to a taken pair", err, "one_booking")
}

// TestIndexDefs: named indexes are listed, found by name, kept across a
// reopen and dropped by name; names are unique in the database; a unique
// index over rows that share a value is refused, and not made; columns
// are named by their names, renamed ones too.
func TestIndexDefs(t *testing.T) {
	db, reopen := uniqueDB(t)
	mustExec(t, db.CreateTable(TableSpec{Name: "other", PK: "id", Indexes: []string{"plain"}}))
	for i, nick := range []string{"a", "b", "c"} {
		_, err := db.Insert(ctx, "person", fmt.Appendf(nil, `{"id": %d, "nick": %q, "n": 1, "tag": "t%d"}`, i, nick, i))
		mustExec(t, err)
	}
	err := db.AddIndex("person", IndexSpec{Name: "person_n_key", Fields: []string{"n"}, Unique: true})
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeUniqueViolation || e.Msg != `could not create unique index "person_n_key"` || e.Detail != "Key (n)=(1) is duplicated." {
		t.Fatalf("unique index over duplicates: %v", err)
	}
	if db.View().Indexed("person", "n") {
		t.Fatal("the refused index was made")
	}
	wantCode(t, "an index on an unknown column", db.AddIndex("person", IndexSpec{Fields: []string{"nope"}}), CodeUndefinedColumn)
	wantCode(t, "a name another table's index has", db.AddIndex("person", IndexSpec{Name: "other_plain_idx", Fields: []string{"n"}}), CodeDuplicateTable)
	mustExec(t, db.RenameColumn("person", "tag", "label"))
	mustExec(t, db.AddIndex("person", IndexSpec{Name: "by_label", Fields: []string{"label"}, Unique: true}))
	mustExec(t, db.AddIndex("person", IndexSpec{Fields: []string{"n"}}))
	wantCode(t, "a name in use", db.AddIndex("person", IndexSpec{Name: "by_label", Fields: []string{"n"}}), CodeDuplicateTable)
	_, err = db.Insert(ctx, "person", []byte(`{"id": 9, "label": "t1"}`))
	if errors.As(err, &e); Code(err) != CodeUniqueViolation || e.Detail != "Key (label)=(t1) already exists." {
		t.Fatalf("unique index on a renamed column: %v", err)
	}

	want := []IndexSpec{
		{Name: "person_nick_key", Fields: []string{"nick"}, Unique: true},
		{Name: "by_label", Fields: []string{"tag"}, Unique: true},
		{Name: "person_n_idx", Fields: []string{"n"}},
	}
	for round := range 2 {
		got, err := db.View().Indexes("person")
		mustExec(t, err)
		for i := range got {
			if got[i].OID < FirstOID || got[i].Unique != (got[i].ConstraintOID >= FirstOID) {
				t.Fatalf("round %d: OIDs of %+v", round, got[i])
			}
			got[i].OID, got[i].ConstraintOID = 0, 0
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: indexes %+v", round, got)
		}
		if tb, ix, ok := db.View().IndexNamed("other_plain_idx"); !ok || tb != "other" || ix.Fields[0] != "plain" {
			t.Fatalf("round %d: IndexNamed: %v %+v %v", round, tb, ix, ok)
		}
		db = reopen()
	}
	mustExec(t, db.DropIndex("person", "by_label"))
	mustExec(t, db.DropIndex("other", "other_plain_idx"))
	wantCode(t, "drop of a missing index", db.DropIndex("person", "by_label"), CodeUndefinedObject)
	if db.View().Indexed("person", "tag") || db.View().Indexed("other", "plain") {
		t.Fatal("dropped indexes still there")
	}
	_, err = db.Insert(ctx, "person", []byte(`{"id": 9, "label": "t1"}`))
	mustExec(t, err)
	// Dropping a column drops the indexes on it.
	mustExec(t, db.DropColumn("person", "nick"))
	got, err := db.View().Indexes("person")
	mustExec(t, err)
	if len(got) != 1 || !reflect.DeepEqual(got, []IndexSpec{{Name: "person_n_idx", Fields: []string{"n"}, OID: got[0].OID}}) {
		t.Fatalf("indexes after the drop of nick: %+v", got)
	}
}

// TestLargeTransaction: the inserts of a transaction past keepDocs are held
// encoded only, and everything reads them as before: the transaction's own
// reads (by key, by scan, by index range), its unique and duplicate-key
// checks, a patch of such a row, a rollback to a savepoint among them, the
// commit's unique checks and indexes, and a reopen.
func TestLargeTransaction(t *testing.T) {
	db, reopen := uniqueDB(t)
	n := keepDocs + 500
	tx := db.Begin()
	for i := range n {
		_, err := tx.Insert("person", fmt.Appendf(nil, `{"id": %d, "nick": "n%d", "n": %d, "g": %d}`, i, i, i%7, i%5))
		mustExec(t, err)
	}
	k := int64(keepDocs + 100) // a row held encoded
	v := tx.View()
	if doc := getDoc(t, v, "person", k); doc["nick"] != fmt.Sprintf("n%d", k) {
		t.Fatalf("own read of key %d: %v", k, doc)
	}
	rows := 0
	mustExec(t, v.Scan("person", func(*Row) bool { rows++; return true }))
	if rows != n {
		t.Fatalf("own scan: %d rows, want %d", rows, n)
	}
	wantUnique(t, "insert of a value an encoded row holds",
		insertErr(tx, fmt.Sprintf(`{"id": %d, "nick": "n%d"}`, n, k)), "person_nick_key")
	if _, err := tx.Insert("person", fmt.Appendf(nil, `{"id": %d}`, k)); Code(err) != CodeUniqueViolation {
		t.Fatalf("insert of an encoded row's key: %v", err)
	}
	mustExec(t, tx.Patch("person", k, []byte(`{"nick": "patched"}`)))
	sp := tx.Savepoint()
	for i := n; i < n+10; i++ {
		_, err := tx.Insert("person", fmt.Appendf(nil, `{"id": %d, "nick": "late%d"}`, i, i))
		mustExec(t, err)
	}
	tx.RollbackTo(sp)
	if _, ok, _ := tx.View().Get("person", int64(n)); ok {
		t.Fatal("a row inserted after the savepoint outlived the rollback to it")
	}
	// Another transaction takes a value an encoded row holds, unseen
	// until the commits' checks.
	other := db.Begin()
	_, err := other.Insert("person", fmt.Appendf(nil, `{"id": %d, "nick": "n%d"}`, n+200, keepDocs+50))
	mustExec(t, err)
	_, err = tx.Commit(ctx)
	mustExec(t, err)
	_, err = other.Commit(ctx)
	wantUnique(t, "a commit after the large one, of a value an encoded row holds", err, "person_nick_key")

	check := func(db *DB, when string) {
		t.Helper()
		if p := db.CheckIndexes(); len(p) != 0 {
			t.Fatalf("%s: %v", when, p)
		}
		v := db.View()
		if doc := getDoc(t, v, "person", k); doc["nick"] != "patched" || doc["g"] != k%5 {
			t.Fatalf("%s: key %d: %v", when, k, doc)
		}
		count := 0
		mustExec(t, v.Scan("person", func(*Row) bool { count++; return true }))
		if count != n {
			t.Fatalf("%s: %d rows, want %d", when, count, n)
		}
		_, err = db.Insert(ctx, "person", fmt.Appendf(nil, `{"id": %d, "nick": "n%d"}`, n+100, n-1))
		wantUnique(t, when+": a value the last encoded row holds", err, "person_nick_key")
	}
	check(db, "after the commit")
	db = reopen()
	check(db, "after a reopen")

	// A large transaction whose encoded insert takes a value another
	// transaction committed first fails at its commit.
	big := db.Begin()
	for i := range keepDocs + 10 {
		_, err := big.Insert("person", fmt.Appendf(nil, `{"id": %d, "nick": "big%d"}`, 10*n+i, i))
		mustExec(t, err)
	}
	_, err = db.Insert(ctx, "person", fmt.Appendf(nil, `{"id": %d, "nick": "big%d"}`, 20*n, keepDocs+5))
	mustExec(t, err)
	_, err = big.Commit(ctx)
	wantUnique(t, "the commit of an encoded insert of a value committed first", err, "person_nick_key")
}

func insertErr(tx *Txn, doc string) error {
	_, err := tx.Insert("person", []byte(doc))
	return err
}

// TestInsertPastLastKey: an insert of a key after every key of the table
// and of the transaction (serial keys) looks up no row, and still finds
// the rows it must: another transaction's key committed since the
// table's tree was last published (the point map has it), the
// transaction's own, and one a savepoint took back.
func TestInsertPastLastKey(t *testing.T) {
	db, _ := uniqueDB(t)
	for i := 1; i <= 10; i++ {
		_, err := db.Insert(ctx, "person", fmt.Appendf(nil, `{"id": %d}`, i))
		mustExec(t, err)
	}
	dup := func(what string, tx *Txn, id int) {
		t.Helper()
		if _, err := tx.Insert("person", fmt.Appendf(nil, `{"id": %d}`, id)); Code(err) != CodeUniqueViolation {
			t.Fatalf("%s: insert of key %d: %v, want 23505", what, id, err)
		}
	}
	tx := db.Begin()
	_, err := tx.Insert("person", []byte(`{"id": 11}`))
	mustExec(t, err)
	dup("the transaction's own", tx, 11)
	dup("the table's", tx, 10)
	_, err = tx.Insert("person", []byte(`{"id": 30}`))
	mustExec(t, err)
	_, err = tx.Insert("person", []byte(`{"id": 20}`)) // before the transaction's last
	mustExec(t, err)
	dup("the transaction's own, before its last", tx, 20)
	sp := tx.Savepoint()
	_, err = tx.Insert("person", []byte(`{"id": 31}`))
	mustExec(t, err)
	tx.RollbackTo(sp)
	_, err = tx.Insert("person", []byte(`{"id": 31}`)) // taken back: free again
	mustExec(t, err)
	if _, err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	// Committed by one transaction after the table's state was published:
	// the next one's insert of it fails at once, not at its commit.
	for i := 40; i < 45; i++ {
		_, err := db.Insert(ctx, "person", fmt.Appendf(nil, `{"id": %d}`, i))
		mustExec(t, err)
		tx := db.Begin()
		dup("committed just before", tx, i)
		tx.Rollback()
	}
}
