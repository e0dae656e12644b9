package engine

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/driftdb/driftdb/store"
)

// TestBackfillBesideWriter: CREATE INDEX builds the index while commits go
// on (a commit made between the build and the install does not wait for
// the statement), and the index it installs finds what a scan finds, now
// and as of a seq before those commits, for every value: rows inserted,
// changed and deleted during the build included. Other writers commit
// throughout.
func TestBackfillBesideWriter(t *testing.T) {
	db := openDB(t, t.TempDir(), Options{Store: store.Options{NoSync: true}})
	defer db.Close()
	mustExec(t, db.CreateTable(TableSpec{Name: "u", PK: "id",
		Columns: []ColumnSpec{{Name: "id", Type: TypeInt8}, {Name: "g", Type: TypeInt8}, {Name: "h", Type: TypeInt8}}}))
	const rows = 3000
	for lo := 0; lo < rows; lo += 200 {
		tx := db.Begin()
		for i := lo; i < lo+200; i++ {
			_, err := tx.Insert("u", fmt.Appendf(nil, `{"id": %d, "g": %d, "h": %d}`, i, i%7, i%5))
			mustExec(t, err)
		}
		_, err := tx.Commit(ctx)
		mustExec(t, err)
	}

	// Writers beside the statements, on keys of their own.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var once sync.Once
	halt := func() { once.Do(func() { close(stop); wg.Wait() }) }
	defer halt() // before the database closes, also on a failure
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			_, err := db.Insert(ctx, "u", fmt.Appendf(nil, `{"id": %d, "g": %d, "h": %d}`, 100000+i, i%7, i%5))
			if err != nil {
				t.Error(err)
				return
			}
		}
	})

	var before uint64
	var built *backfill
	during := func(n int) func(*backfill) {
		return func(b *backfill) {
			built, before = b, db.Seq()
			for i := range n {
				_, err := db.Patch(ctx, "u", int64(i*11%rows), fmt.Appendf(nil, `{"g": %d, "h": %d}`, 100+i%3, 200+i%3))
				mustExec(t, err)
				_, err = db.Insert(ctx, "u", fmt.Appendf(nil, `{"id": %d, "g": %d, "h": %d}`, 50000+n*1000+i, i%7, i%5))
				mustExec(t, err)
				if i%10 == 0 {
					_, err = db.SoftDelete(ctx, "u", int64(2000+n*10+i))
					mustExec(t, err)
				}
			}
		}
	}
	db.testBackfilled = during(40)
	// The tree built beside the writer is the one installed.
	installed := func(field string) {
		t.Helper()
		db.wmu.Lock()
		tree := db.work["u"].indexes[field]
		db.wmu.Unlock()
		if built == nil || built.field != field || tree != built.tree {
			t.Fatalf("the index of %s was not the one built beside the writer", field)
		}
	}
	mustExec(t, db.AddIndex("u", IndexSpec{Name: "u_by_g", Fields: []string{"g"}}))
	installed("g")
	beforeG := before
	db.testBackfilled = during(30)
	mustExec(t, db.CreateIndex("u", "h"))
	installed("h")
	beforeH := before
	db.testBackfilled = nil
	halt()

	check := func(v *View, field string, values []int64) {
		t.Helper()
		for _, val := range values {
			var byIndex, byScan []Key
			mustExec(t, v.IndexLookup("u", field, OpEq, val, func(r *Row) bool {
				byIndex = append(byIndex, r.Key)
				return true
			}))
			mustExec(t, v.Scan("u", func(r *Row) bool {
				if d, err := r.Doc(); err == nil && EqualValues(d[field], val) {
					byScan = append(byScan, r.Key)
				}
				return true
			}))
			slices.SortFunc(byIndex, compareKeys)
			if !slices.Equal(byIndex, byScan) || len(byScan) == 0 && val < 7 {
				t.Fatalf("seq %d, %s = %d: the index finds %d rows, a scan %d", v.Seq(), field, val, len(byIndex), len(byScan))
			}
		}
	}
	gs := []int64{0, 1, 2, 3, 4, 5, 6, 100, 101, 102}
	hs := []int64{0, 1, 2, 3, 4, 200, 201, 202}
	check(db.View(), "g", gs)
	check(db.View(), "h", hs)
	for _, seq := range []uint64{beforeG, beforeH} {
		v, err := db.ViewAt(seq)
		mustExec(t, err)
		check(v, "g", gs)
		check(v, "h", hs)
	}
}

// TestUniqueBackfill: CREATE UNIQUE INDEX looks for duplicates in the copy
// beside the writer, and under the mutex among the rows written since and
// between those and the others: a value written during the build that
// repeats one already there, or one written during it, fails the
// statement; a value freed during the build may be taken again. The same
// when the field was indexed already (the copy of its index serves), and
// when the table is spilled (the index is built into the version index,
// and the copy's duplicates are found by its current entries): two rows
// of the copy that share a value fail it, and a row whose value went to
// null (its current entry kept) does not.
func TestUniqueBackfill(t *testing.T) {
	for _, c := range []struct{ indexed, spilled bool }{{false, false}, {true, false}, {false, true}} {
		t.Run(fmt.Sprintf("indexed=%v/spilled=%v", c.indexed, c.spilled), func(t *testing.T) {
			uniqueBackfill(t, c.indexed, c.spilled)
		})
	}
}

// uniqueBackfill is TestUniqueBackfill with the field indexed beforehand
// or not, and the table spilled or not.
func uniqueBackfill(t *testing.T, indexed, spilled bool) {
	db := openDB(t, t.TempDir(), Options{Store: store.Options{NoSync: true}, VersionIndex: spilled})
	defer db.Close()
	mustExec(t, db.CreateTable(TableSpec{Name: "p", PK: "id",
		Columns: []ColumnSpec{{Name: "id", Type: TypeInt8}, {Name: "n", Type: TypeInt8}}}))
	tx := db.Begin()
	for i := range 1000 {
		_, err := tx.Insert("p", fmt.Appendf(nil, `{"id": %d, "n": %d}`, i, i))
		mustExec(t, err)
	}
	_, err := tx.Commit(ctx)
	mustExec(t, err)
	patch := func(id int, doc string) {
		_, err := db.Patch(ctx, "p", int64(id), []byte(doc))
		mustExec(t, err)
	}
	if spilled {
		// Row 10's n goes to null and row 11 takes its value: the current
		// entry row 10 keeps is no duplicate.
		patch(10, `{"n": null}`)
		patch(11, `{"n": 10}`)
		// Two rows of the copy share a value, then no longer do.
		patch(20, `{"n": 21}`)
		_, err := db.SnapshotTable("p")
		mustExec(t, err)
		err = db.AddIndex("p", IndexSpec{Name: "p_n", Fields: []string{"n"}, Unique: true})
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeUniqueViolation || e.Detail != "Key (n)=(21) is duplicated." {
			t.Fatalf("a unique index over two rows of n = 21: %v, want 23505", err)
		}
		patch(20, `{"n": 20}`)
		_, err = db.SnapshotTable("p")
		mustExec(t, err)
	}
	if indexed {
		mustExec(t, db.CreateIndex("p", "n"))
	}
	ins := func(id, n int) {
		_, err := db.Insert(ctx, "p", fmt.Appendf(nil, `{"id": %d, "n": %d}`, id, n))
		mustExec(t, err)
	}
	for _, c := range []struct {
		name   string
		during func()
		dup    string // the detail of the failure, "" for none
		undo   int64  // the row to delete after a failure
	}{
		{"repeats a row already there", func() { ins(5000, 17) }, "Key (n)=(17) is duplicated.", 5000},
		{"repeats a row written during it", func() { ins(5001, 9000); ins(5002, 9000) }, "Key (n)=(9000) is duplicated.", 5001},
		{"takes a value freed during it", func() {
			_, err := db.Patch(ctx, "p", int64(3), []byte(`{"n": 3000}`))
			mustExec(t, err)
			ins(5003, 3)
		}, "", 0},
	} {
		var ran bool
		db.testBackfilled = func(*backfill) { c.during(); ran = true }
		err := db.AddIndex("p", IndexSpec{Name: "p_n", Fields: []string{"n"}, Unique: true})
		db.testBackfilled = nil
		if !ran {
			t.Fatalf("%s: nothing was built beside the writer", c.name)
		}
		var e *Error
		switch {
		case c.dup == "" && err != nil:
			t.Fatalf("%s: %v", c.name, err)
		case c.dup != "" && (!errors.As(err, &e) || e.Code != CodeUniqueViolation || e.Detail != c.dup):
			t.Fatalf("%s: %v, want 23505 with %q", c.name, err, c.dup)
		}
		if c.dup != "" {
			// Take the duplicate back for the next case.
			_, err := db.SoftDelete(ctx, "p", c.undo)
			mustExec(t, err)
		}
	}
	_, err = db.Insert(ctx, "p", []byte(`{"id": 7000, "n": 3}`))
	wantUnique(t, "an insert after the index is made", err, "p_n")
}

// TestBuiltIndexEntries: an index built over a history makes an entry
// where a row's value changes, as commits do, not one for each version:
// built or kept by the commits, the index has as many entries and finds
// the same rows at every seq.
func TestBuiltIndexEntries(t *testing.T) {
	build := func(first bool) (*DB, []uint64) {
		db := openDB(t, t.TempDir(), Options{SnapshotEvents: -1})
		spec := TableSpec{Name: "u", PK: "id"}
		if first {
			spec.Indexes = []string{"g"}
		}
		mustExec(t, db.CreateTable(spec))
		var seqs []uint64
		for round := range 8 {
			for i := range 40 {
				var err error
				switch {
				case round == 0:
					_, err = db.Insert(ctx, "u", fmt.Appendf(nil, `{"id": %d, "g": %d}`, i, i%3))
				case round == 5 && i%4 == 0:
					_, err = db.SoftDelete(ctx, "u", int64(i))
				case round == 6 && i%4 == 0:
					_, err = db.Insert(ctx, "u", fmt.Appendf(nil, `{"id": %d, "g": %d}`, i, i%3))
				case round != 5 && round != 6:
					// g changes in one round in three
					_, err = db.Patch(ctx, "u", int64(i), fmt.Appendf(nil, `{"n": %d, "g": %d}`, round, (i+round/3)%3))
				}
				mustExec(t, err)
			}
			seqs = append(seqs, db.Seq())
		}
		if !first {
			mustExec(t, db.AddIndex("u", IndexSpec{Name: "u_g", Fields: []string{"g"}}))
		}
		return db, seqs
	}
	kept, seqs := build(true)
	defer kept.Close()
	built, _ := build(false)
	defer built.Close()
	for _, seq := range seqs {
		a, err := kept.ViewAt(seq)
		mustExec(t, err)
		b, err := built.ViewAt(seq)
		mustExec(t, err)
		if ia, ib := tableImage(t, a, "u", 3), tableImage(t, b, "u", 3); ia != ib {
			t.Fatalf("at seq %d, kept by commits:\n%s\nbuilt:\n%s", seq, ia, ib)
		}
	}
	if p := built.CheckIndexes(); len(p) != 0 {
		t.Fatal(p)
	}
}

// TestNewIndexFile: an index made after a table's whole snapshot, by
// CreateIndex or AddIndex, is read from a file at the next open, not
// built from the rows, and finds what it found before the close at every
// seq: the rows of the snapshot and of the log after (no delta on it,
// which would make the close write a whole snapshot and the files with
// it). On a table the version index holds, the index is made there, and
// the open takes it from there with no file: a lean tree trimmed at the
// snapshot, and nothing written behind the statement. Automatic
// snapshots are on, none due: with them off, nothing is written behind
// the statement (TestIndexFilesOneMissing).
func TestNewIndexFile(t *testing.T) {
	for _, held := range []bool{false, true} {
		t.Run(fmt.Sprintf("held=%v", held), func(t *testing.T) {
			newIndexFile(t, held)
		})
	}
}

func newIndexFile(t *testing.T, held bool) {
	dir := t.TempDir()
	// Automatic snapshots on, but none due by the writes below.
	opts := Options{Store: store.Options{NoSync: true}, SnapshotEvents: 1 << 30, SnapshotBytes: 1 << 50}
	if held {
		opts = presentOptions()
		opts.SnapshotEvents = 1 << 30
	}
	db := openDB(t, dir, opts)
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	write := func(round int) {
		tx := db.Begin()
		for i := range 600 {
			var err error
			switch {
			case round == 0:
				_, err = tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "g": %d, "h": %d}`, i, i%3, i))
			case i%5 == round%5 && i%11 > 4: // never deleted
				err = tx.Patch("t", int64(i), fmt.Appendf(nil, `{"g": %d}`, (i+round)%3))
			case i%11 == round:
				err = tx.SoftDelete("t", int64(i))
			}
			mustExec(t, err)
		}
		_, err := tx.Commit(ctx)
		mustExec(t, err)
	}
	var seqs []uint64
	for round := range 4 {
		write(round)
		seqs = append(seqs, db.Seq())
		switch round {
		case 1:
			_, err := db.SnapshotTable("t") // whole: the first
			mustExec(t, err)
		}
	}
	full := db.work["t"].snaps.full
	mustExec(t, db.CreateIndex("t", "g"))
	mustExec(t, db.AddIndex("t", IndexSpec{Name: "t_h", Fields: []string{"h"}}))
	write(4)
	seqs = append(seqs, db.Seq())
	images := map[uint64]string{}
	// The newest first: its view publishes the state whose trees the
	// older views count the entries of, as they will after the open.
	for _, seq := range slices.Backward(seqs) {
		v, err := db.ViewAt(seq)
		mustExec(t, err)
		images[seq] = tableImage(t, v, "t", 3)
	}
	mustExec(t, db.Close())

	db = openDB(t, dir, opts)
	defer db.Close()
	ts := db.work["t"]
	for _, f := range []string{"g", "h"} {
		idx := ts.indexes[f]
		if held {
			if !idx.lean || idx.trim != full {
				t.Fatalf("index %s: trim %d, lean %v; want a lean tree trimmed at the snapshot's seq %d", f, idx.trim, idx.lean, full)
			}
			if _, err := readIndexFile(db.st.FS(), db.st.StreamDir("t"), f, full); err == nil {
				t.Fatalf("index %s: a file written behind the statement, for an index the version index holds", f)
			}
			continue
		}
		if _, err := readIndexFile(db.st.FS(), db.st.StreamDir("t"), f, full); err != nil {
			t.Fatalf("index %s: no file for the whole snapshot at seq %d: %v", f, full, err)
		}
	}
	for _, seq := range seqs {
		v, err := db.ViewAt(seq)
		mustExec(t, err)
		if got := tableImage(t, v, "t", 3); got != images[seq] && !held {
			t.Fatalf("at seq %d after the open:\n%s\nbefore:\n%s", seq, got, images[seq])
		}
		for g := range int64(3) {
			var before, after []Key
			mustExec(t, v.Scan("t", func(r *Row) bool {
				if d, err := r.Doc(); err == nil && d["g"] == g {
					before = append(before, r.Key)
				}
				return true
			}))
			mustExec(t, v.IndexLookup("t", "g", OpEq, g, func(r *Row) bool { after = append(after, r.Key); return true }))
			if !slices.Equal(before, after) {
				t.Fatalf("at seq %d, g = %d: the index finds %v, a scan %v", seq, g, after, before)
			}
		}
	}
	if p := db.CheckIndexes(); len(p) != 0 {
		t.Fatal(p)
	}
}

// TestIndexBuiltIntoVersionIndex: an index made on a table the version
// index holds is built there (buildIndexed), not in a tree: its tree is
// lean from the start, holding only the entries of the writes made
// during the build, and every read of it, at every seq of the history,
// finds what a scan finds; so after more writes and a snapshot, after an
// index on the field dropped and made again, and after a reopen. A
// unique index made so still refuses a live row's value.
func TestIndexBuiltIntoVersionIndex(t *testing.T) {
	for _, leave := range []bool{false, true} {
		t.Run(fmt.Sprintf("NewestInIndex=%v", leave), func(t *testing.T) { indexBuiltIntoVersionIndex(t, leave) })
	}
}

func indexBuiltIntoVersionIndex(t *testing.T, leave bool) {
	opts := &Options{VersionIndex: true, NewestInIndex: leave}
	db, dir := openTableT(t, opts, TableSpec{})
	defer func() { db.Close() }()
	w := newRoundWriter(db)
	r := 0
	rounds := func(n int) {
		for range n {
			w.round(t, r)
			if r++; r%5 == 4 {
				_, err := db.SnapshotTable("t")
				mustExec(t, err)
			}
		}
	}
	rounds(8)
	// An index on s, dropped: what it left in the version index stays
	// there when s is indexed again.
	mustExec(t, db.AddIndex("t", IndexSpec{Name: "t_s", Fields: []string{"s"}}))
	rounds(3)
	_, err := db.SnapshotTable("t")
	mustExec(t, err)
	mustExec(t, db.DropIndex("t", "t_s"))
	rounds(3)

	// Each index is built while a round is written beside it.
	during := 0
	db.testBackfilled = func(*backfill) { rounds(1); during++ }
	before := db.Seq()
	mustExec(t, db.CreateIndex("t", "n"))
	ts, _ := db.View().lookupTable("t")
	n := ts.indexes["n"]
	inIndex := 0
	(&indexedEntries{x: db.vx, oid: ts.spec.OID, field: "n"}).Ascend(func(indexEntry) bool { inIndex++; return true })
	switch {
	case !n.lean || n.trim != before:
		t.Fatalf("the tree of n: lean %v, trimmed at %d, want lean at %d, the seq before the build", n.lean, n.trim, before)
	case n.Len() > 40 || inIndex < 200:
		t.Fatalf("the tree of n holds %d entries, the version index %d: the build did not go to the index", n.Len(), inIndex)
	case ts.log.currentMark("n") != before:
		t.Fatalf("the current mark of n is %d, want %d: reads of the present take every entry", ts.log.currentMark("n"), before)
	}
	mustExec(t, db.AddIndex("t", IndexSpec{Name: "t_s", Fields: []string{"s"}}))
	mustExec(t, db.AddIndex("t", IndexSpec{Name: "t_u", Fields: []string{"u"}, Unique: true}))
	db.testBackfilled = nil
	if during != 3 {
		t.Fatalf("%d builds ran beside the writer, want 3", during)
	}

	qs := indexQueries(roundStrs)
	step := uint64(3)
	if testing.Short() {
		step = 29
	}
	check := func(when string) {
		t.Helper()
		if p := db.CheckIndexes(); len(p) > 0 {
			t.Fatalf("%s: CheckIndexes: %q", when, p)
		}
		if p := db.CheckVersionIndex(); len(p) > 0 {
			t.Fatalf("%s: CheckVersionIndex: %q", when, p)
		}
		found := 0
		for seq := uint64(1); seq <= db.Seq(); seq += step {
			v, err := db.ViewAt(seq)
			mustExec(t, err)
			all := scanRows(t, v)
			for i := range qs {
				found += qs[i].check(t, v, all)
			}
		}
		if found < 300 {
			t.Fatalf("%s: the reads found %d rows: too few to tell", when, found)
		}
	}
	check("after the builds")
	// The current entries of s and u are those of the rows live at their
	// mark, every row having an s and a u: none of a deleted row, none
	// left by the index on s dropped.
	for _, f := range []string{"s", "u"} {
		got, mark := currentEntries(t, db, "t", f)
		v, err := db.ViewAt(mark)
		mustExec(t, err)
		if want := len(scanRows(t, v)); got != want {
			t.Fatalf("%d current entries of %s at seq %d, want one for each of the %d live rows", got, f, mark, want)
		}
	}
	taken := -1 // a live row's u
	for id := range w.next {
		if row, ok, _ := db.View().Get("t", int64(id)); ok && w.live[id] {
			d, err := row.Doc()
			mustExec(t, err)
			taken = int(d["u"].(int64))
		}
	}
	_, err = db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d, "u": %d}`, w.next, taken))
	wantUnique(t, "an insert of a live row's u", err, "t_u")

	rounds(4)
	_, err = db.SnapshotTable("t")
	mustExec(t, err)
	check("after more writes and a snapshot")
	mustExec(t, db.Close())
	db = openDB(t, dir, *opts)
	check("after a reopen")
}
