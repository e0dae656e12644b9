package engine

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/driftdb/driftdb/store"
)

// TestCommitInsertsInKeyOrder: a large commit of INSERTs into one table,
// applied in key order, leaves what the same inserts leave committed a
// few at a time in the same order: the rows and their seqs, the index,
// the columns in the order the transaction first gave them (an
// undeclared column first written by a row of a greater key than one
// written after it), deleted keys inserted again; and the same after an
// open, which replays the log in seq order. Such a commit that fails
// partway (a unique value another transaction committed meanwhile, met
// after 77 rows in key order) changes nothing, its columns included.
func TestCommitInsertsInKeyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	type ins struct {
		key int
		doc string
	}
	var base, big []ins
	for _, k := range rng.Perm(2000) {
		base = append(base, ins{2 * k, fmt.Sprintf(`{"id": %d, "g": %d}`, 2*k, k%5)})
	}
	deleted := []int{4, 10, 400, 3998}
	keys := rng.Perm(1000)
	for i := range keys {
		keys[i] = 2*keys[i] + 1 // keys the table never had
	}
	keys = append(keys, deleted...) // and keys it had, deleted since
	rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	// Two rows that bring new columns, the first of a greater key.
	p1, p2 := 100, 200
	if keys[p1] < keys[p2] {
		keys[p1], keys[p2] = keys[p2], keys[p1]
	}
	for i, k := range keys {
		doc := fmt.Sprintf(`{"id": %d, "g": %d}`, k, k%5)
		switch i {
		case p1:
			doc = fmt.Sprintf(`{"id": %d, "g": %d, "zz_first": 1}`, k, k%5)
		case p2:
			doc = fmt.Sprintf(`{"id": %d, "g": %d, "aa_second": "x"}`, k, k%5)
		}
		big = append(big, ins{k, doc})
	}

	commit := func(db *DB, rows []ins, per int) error {
		for lo := 0; lo < len(rows); lo += per {
			tx := db.Begin()
			for _, r := range rows[lo:min(lo+per, len(rows))] {
				if _, err := tx.Insert("t", []byte(r.doc)); err != nil {
					tx.Rollback()
					return err
				}
			}
			if _, err := tx.Commit(ctx); err != nil {
				return err
			}
		}
		return nil
	}
	load := func(dir string, per int) *DB {
		db := openDB(t, dir, Options{Store: store.Options{NoSync: true}, SnapshotEvents: -1, SnapshotBytes: -1})
		mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"g"}}))
		mustExec(t, commit(db, base, per))
		for _, k := range deleted {
			_, err := db.SoftDelete(ctx, "t", int64(k))
			mustExec(t, err)
		}
		mustExec(t, commit(db, big, per))
		return db
	}
	image := func(db *DB) string {
		var cols []string
		db.locked(func() {
			for _, c := range db.work["t"].cols.columns() {
				cols = append(cols, c.Name)
			}
		})
		seqs := ""
		mustExec(t, db.View().Scan("t", func(r *Row) bool {
			seqs += fmt.Sprintf("%v@%d ", r.Key, r.Seq)
			return true
		}))
		return fmt.Sprintf("columns %v\nlast write %d\n%s\n%s", cols, db.work["t"].lastWrite, seqs, tableImage(t, db.View(), "t", 5))
	}

	dirA, dirB := t.TempDir(), t.TempDir()
	a := load(dirA, len(big)) // each load one commit, applied in key order
	b := load(dirB, 100)      // commits under holdMin, applied as they come
	defer b.Close()
	want := image(b)
	if got := image(a); got != want {
		t.Fatalf("one commit:\n%s\ncommits of 100:\n%s", got, want)
	}
	if cols := a.work["t"].cols.columns(); cols[len(cols)-2].Name != "zz_first" || cols[len(cols)-1].Name != "aa_second" {
		t.Fatalf("columns %v: want zz_first, then aa_second, as the transaction wrote them", cols)
	}
	mustExec(t, a.Close())
	a = openDB(t, dirA, Options{Store: store.Options{NoSync: true}, SnapshotEvents: -1, SnapshotBytes: -1})
	defer a.Close()
	if got := image(a); got != want {
		t.Fatalf("after an open:\n%s\nwant:\n%s", got, want)
	}

	// A large commit that fails partway (the unique value of row 5077,
	// which another transaction committed meanwhile): 23505, and nothing
	// of it is left, not its new column either.
	_, err := a.Insert(ctx, "t", []byte(`{"id": 8888, "u": -1}`))
	mustExec(t, err)
	mustExec(t, a.AddIndex("t", IndexSpec{Name: "t_u", Fields: []string{"u"}, Unique: true}))
	var more []ins
	for _, k := range rng.Perm(600) {
		more = append(more, ins{5000 + k, fmt.Sprintf(`{"id": %d, "g": 1, "u": %d, "new_col": 1}`, 5000+k, k)})
	}
	tx := a.Begin()
	for _, r := range more {
		_, err := tx.Insert("t", []byte(r.doc))
		mustExec(t, err)
	}
	_, err = a.Insert(ctx, "t", []byte(`{"id": 9999, "u": 77}`))
	mustExec(t, err)
	before := image(a)
	_, err = tx.Commit(ctx)
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeUniqueViolation {
		t.Fatalf("a unique value committed meanwhile: %v, want 23505", err)
	}
	if got := image(a); got != before {
		t.Fatalf("after the failed commit:\n%s\nbefore:\n%s", got, before)
	}
	more = slices.DeleteFunc(more, func(r ins) bool { return r.key == 5077 })
	mustExec(t, commit(a, more, len(more)))
	if n, want := countRows(t, a), 2000-len(deleted)+len(big)+len(more)+2; n != want {
		t.Fatalf("%d rows after the commit, want %d", n, want)
	}
}

// TestCommitTextInsertsInKeyOrder: a large commit of INSERTs of text keys,
// sorted by their first 16 bytes and then the whole text, leaves what
// commits of 100 leave: keys shorter than 16 bytes, keys that share
// their first 16 bytes and differ after, a key that is another's prefix,
// deleted keys inserted again; and the same after an open.
func TestCommitTextInsertsInKeyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 13))
	key := func(i int) string {
		switch i % 4 {
		case 0:
			return fmt.Sprintf("k%x", i) // short
		case 1:
			return fmt.Sprintf("a-shared-prefix-of-16-%d", i) // alike for 16 bytes and more
		case 2:
			return fmt.Sprintf("a-shared-prefix-%d", i)
		}
		return fmt.Sprintf("k%x-%d", i-3, i) // the short key i-3 is its prefix
	}
	var base, big []string
	for _, i := range rng.Perm(1200) {
		base = append(base, key(2*i))
	}
	deleted := []string{key(0), key(10), key(402), key(2398)}
	for _, i := range rng.Perm(700) {
		big = append(big, key(2*i+1))
	}
	big = append(big, deleted...)
	rng.Shuffle(len(big), func(i, j int) { big[i], big[j] = big[j], big[i] })
	load := func(dir string, per int) *DB {
		db := openDB(t, dir, Options{Store: store.Options{NoSync: true}, SnapshotEvents: -1, SnapshotBytes: -1})
		mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"g"}}))
		for _, rows := range [][]string{base, deleted, big} {
			for lo := 0; lo < len(rows); lo += per {
				tx := db.Begin()
				for _, k := range rows[lo:min(lo+per, len(rows))] {
					var err error
					if len(rows) == len(deleted) {
						err = tx.SoftDelete("t", k)
					} else {
						_, err = tx.Insert("t", fmt.Appendf(nil, `{"id": %q, "g": %d}`, k, len(k)%3))
					}
					mustExec(t, err)
				}
				_, err := tx.Commit(ctx)
				mustExec(t, err)
			}
		}
		return db
	}
	image := func(db *DB) string {
		var keys []string
		mustExec(t, db.View().Scan("t", func(r *Row) bool {
			keys = append(keys, fmt.Sprintf("%v@%d", r.Key, r.Seq))
			return true
		}))
		return fmt.Sprintf("%v\nlast write %d\n%s", keys, db.work["t"].lastWrite, tableImage(t, db.View(), "t", 5))
	}
	dirA := t.TempDir()
	a := load(dirA, len(big)) // the large commit applied in key order
	b := load(t.TempDir(), 100)
	defer b.Close()
	want := image(b)
	if got := image(a); got != want {
		t.Fatalf("one commit:\n%s\ncommits of 100:\n%s", got, want)
	}
	mustExec(t, a.Close())
	a = openDB(t, dirA, Options{Store: store.Options{NoSync: true}, SnapshotEvents: -1, SnapshotBytes: -1})
	defer a.Close()
	if got := image(a); got != want {
		t.Fatalf("after an open:\n%s\nwant:\n%s", got, want)
	}
}
