package engine

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"
	"testing"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
)

func i64(v int64) *int64 { return &v }

// nextvals calls Nextval n times.
func nextvals(t *testing.T, db *DB, name string, n int) []int64 {
	t.Helper()
	out := make([]int64, n)
	for i := range out {
		v, err := db.Nextval(name)
		mustExec(t, err)
		out[i] = v
	}
	return out
}

// wantErr checks err's SQLSTATE and message.
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s %q", code, msg)
	}
	if Code(err) != code || err.Error() != msg {
		t.Fatalf("error %s %q, want %s %q", Code(err), err.Error(), code, msg)
	}
}

func TestSequenceNextval(t *testing.T) {
	db, _, _ := ddlDB(t)
	mustExec(t, db.CreateSequence("s", SequenceOptions{}))
	info, err := db.SequenceInfo("s")
	mustExec(t, err)
	want := SequenceInfo{Name: "s", OID: FirstOID, Type: "bigint", Start: 1, Increment: 1, Min: 1, Max: math.MaxInt64, Cache: 1, LastValue: 1}
	if info != want {
		t.Fatalf("info %+v, want %+v", info, want)
	}
	got := nextvals(t, db, "s", 100)
	for i, v := range got {
		if v != int64(i+1) {
			t.Fatalf("nextval %d gave %d", i+1, v)
		}
	}
	info, _ = db.SequenceInfo("s")
	if info.LastValue != 100 || !info.IsCalled {
		t.Fatalf("after 100 nextvals: %+v", info)
	}
	_, err = db.Nextval("nosuch")
	wantErr(t, err, "42P01", `relation "nosuch" does not exist`)
}

// TestSequenceSteps checks values, limits and cycles against what
// PostgreSQL 15 gives for the same CREATE SEQUENCE.
func TestSequenceSteps(t *testing.T) {
	cases := []struct {
		opts SequenceOptions
		want []int64
		err  string // the error of the nextval after want
	}{
		{SequenceOptions{Max: i64(2)}, []int64{1, 2}, `nextval: reached maximum value of sequence "s" (2)`},
		{SequenceOptions{Increment: i64(-1), Min: i64(-5)}, []int64{-1, -2, -3, -4, -5}, `nextval: reached minimum value of sequence "s" (-5)`},
		{SequenceOptions{Increment: i64(-2), Min: i64(-3)}, []int64{-1, -3}, `nextval: reached minimum value of sequence "s" (-3)`},
		{SequenceOptions{Min: i64(1), Max: i64(3), Cycle: true}, []int64{1, 2, 3, 1, 2, 3, 1}, ""},
		{SequenceOptions{Min: i64(-3), Max: i64(3), Cycle: true, Increment: i64(-2), Start: i64(1)}, []int64{1, -1, -3, 3, 1}, ""},
		{SequenceOptions{Start: i64(10), Increment: i64(5)}, []int64{10, 15, 20}, ""},
		{SequenceOptions{Type: "smallint", Start: i64(32766)}, []int64{32766, 32767}, `nextval: reached maximum value of sequence "s" (32767)`},
		{SequenceOptions{Start: i64(math.MaxInt64 - 1)}, []int64{math.MaxInt64 - 1, math.MaxInt64}, fmt.Sprintf(`nextval: reached maximum value of sequence "s" (%d)`, int64(math.MaxInt64))},
		{SequenceOptions{Increment: i64(-1), Start: i64(math.MinInt64 + 1)}, []int64{math.MinInt64 + 1, math.MinInt64}, fmt.Sprintf(`nextval: reached minimum value of sequence "s" (%d)`, int64(math.MinInt64))},
		{SequenceOptions{Increment: i64(math.MaxInt64), Max: i64(math.MaxInt64)}, []int64{1}, fmt.Sprintf(`nextval: reached maximum value of sequence "s" (%d)`, int64(math.MaxInt64))},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			db, _, _ := ddlDB(t)
			mustExec(t, db.CreateSequence("s", c.opts))
			if got := nextvals(t, db, "s", len(c.want)); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("nextvals %v, want %v", got, c.want)
			}
			if c.err != "" {
				_, err := db.Nextval("s")
				wantErr(t, err, "2200H", c.err)
				_, err = db.Nextval("s") // and again: the limit is no state
				wantErr(t, err, "2200H", c.err)
			}
		})
	}
}

// TestSequenceOptionErrors checks CREATE SEQUENCE's errors, with
// PostgreSQL 15's messages.
func TestSequenceOptionErrors(t *testing.T) {
	db, _, _ := ddlDB(t)
	cases := []struct {
		opts SequenceOptions
		msg  string
	}{
		{SequenceOptions{Increment: i64(0)}, "INCREMENT must not be zero"},
		{SequenceOptions{Max: i64(0)}, "MINVALUE (1) must be less than MAXVALUE (0)"},
		{SequenceOptions{Type: "integer", Max: i64(3000000000)}, "MAXVALUE (3000000000) is out of range for sequence data type integer"},
		{SequenceOptions{Type: "int2", Min: i64(-40000)}, "MINVALUE (-40000) is out of range for sequence data type smallint"},
		{SequenceOptions{Min: i64(5), Max: i64(5)}, "MINVALUE (5) must be less than MAXVALUE (5)"},
		{SequenceOptions{Start: i64(0)}, "START value (0) cannot be less than MINVALUE (1)"},
		{SequenceOptions{Start: i64(100), Max: i64(10)}, "START value (100) cannot be greater than MAXVALUE (10)"},
		{SequenceOptions{Cache: i64(0)}, "CACHE (0) must be greater than zero"},
	}
	for _, c := range cases {
		wantErr(t, db.CreateSequence("s", c.opts), "22023", c.msg)
	}
	if len(db.Sequences()) != 0 {
		t.Fatal("a refused sequence was made")
	}
	mustExec(t, db.CreateSequence("s", SequenceOptions{Increment: i64(-1), Min: i64(-5)}))
	info, _ := db.SequenceInfo("s")
	if info.Start != -1 || info.Min != -5 || info.Max != -1 || info.Increment != -1 {
		t.Fatalf("descending defaults: %+v", info)
	}
	mustExec(t, db.CreateSequence("i", SequenceOptions{Type: "int4"}))
	if info, _ := db.SequenceInfo("i"); info.Type != "integer" || info.Max != math.MaxInt32 {
		t.Fatalf("integer sequence: %+v", info)
	}
}

func TestSetval(t *testing.T) {
	db, _, reopen := ddlDB(t)
	mustExec(t, db.CreateSequence("s", SequenceOptions{Max: i64(2)}))
	nextvals(t, db, "s", 2)
	_, err := db.Setval("s", 5, true)
	wantErr(t, err, "22003", `setval: value 5 is out of bounds for sequence "s" (1..2)`)
	_, err = db.Setval("s", 0, true)
	wantErr(t, err, "22003", `setval: value 0 is out of bounds for sequence "s" (1..2)`)
	if v, err := db.Setval("s", 1, false); err != nil || v != 1 {
		t.Fatalf("setval: %d, %v", v, err)
	}
	if info, _ := db.SequenceInfo("s"); info.LastValue != 1 || info.IsCalled {
		t.Fatalf("after setval(1, false): %+v", info)
	}
	if got := nextvals(t, db, "s", 2); fmt.Sprint(got) != "[1 2]" {
		t.Fatalf("after setval(1, false): %v", got)
	}
	mustExec(t, db.CreateSequence("u", SequenceOptions{}))
	nextvals(t, db, "u", 3)
	if _, err := db.Setval("u", 1000, true); err != nil {
		t.Fatal(err)
	}
	db = reopen()
	if got := nextvals(t, db, "u", 2); fmt.Sprint(got) != "[1001 1002]" {
		t.Fatalf("after setval(1000) and a reopen: %v", got)
	}
	_, err = db.Setval("nosuch", 1, true)
	wantErr(t, err, "42P01", `relation "nosuch" does not exist`)
}

// TestSequenceNames: sequences share their names with tables and indexes.
func TestSequenceNames(t *testing.T) {
	db, _, _ := ddlDB(t)
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	mustExec(t, db.CreateSequence("s", SequenceOptions{}))
	wantErr(t, db.CreateSequence("t", SequenceOptions{}), "42P07", `relation "t" already exists`)
	wantErr(t, db.CreateSequence("s", SequenceOptions{}), "42P07", `relation "s" already exists`)
	wantErr(t, db.CreateTable(TableSpec{Name: "s", PK: "id"}), "42P07", `relation "s" already exists`)
	wantErr(t, db.RenameTable("t", "s"), "42P07", `relation "s" already exists`)
	wantErr(t, db.AddIndex("t", IndexSpec{Name: "s", Fields: []string{"id"}}), "42P07", `relation "s" already exists`)
	mustExec(t, db.AddIndex("t", IndexSpec{Name: "t_id", Fields: []string{"id"}}))
	wantErr(t, db.CreateSequence("t_id", SequenceOptions{}), "42P07", `relation "t_id" already exists`)
	wantErr(t, db.CreateSequence("1x", SequenceOptions{}), "42602", `invalid sequence name "1x"`)
	wantErr(t, db.DropSequence("t", false), "42809", `"t" is not a sequence`)
	wantErr(t, db.DropTable("s", false), "42809", `"s" is not a table`)
	wantErr(t, db.DropSequence("nosuch", false), "42P01", `sequence "nosuch" does not exist`)
	mustExec(t, db.DropSequence("nosuch", true))
	mustExec(t, db.DropSequence("s", false))
	_, err := db.Nextval("s")
	wantErr(t, err, "42P01", `relation "s" does not exist`)
	mustExec(t, db.CreateTable(TableSpec{Name: "s", PK: "id"}))
	wantErr(t, db.CreateSequence("o", SequenceOptions{OwnedBy: SequenceOwner{Table: "zz", Column: "zz"}}), "42P01", `relation "zz" does not exist`)
	wantErr(t, db.CreateSequence("o", SequenceOptions{OwnedBy: SequenceOwner{Table: "t", Column: "zz"}}), "42703", `column "zz" of relation "t" does not exist`)
}

// TestSequenceReopen: a clean close keeps every sequence exactly; a
// dropped one stays dropped.
func TestSequenceReopen(t *testing.T) {
	db, _, reopen := ddlDB(t)
	mustExec(t, db.CreateSequence("a", SequenceOptions{Increment: i64(3), Cycle: true, Max: i64(1000), Cache: i64(20)}))
	mustExec(t, db.CreateSequence("b", SequenceOptions{}))
	mustExec(t, db.CreateSequence("c", SequenceOptions{}))
	nextvals(t, db, "a", 40)
	nextvals(t, db, "b", 5)
	mustExec(t, db.DropSequence("c", false))
	before := db.Sequences()
	db = reopen()
	after := db.Sequences()
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatalf("after reopen:\n%+v\nwant\n%+v", after, before)
	}
	if v, _ := db.Nextval("a"); v != 121 {
		t.Fatalf("nextval after reopen %d, want 121", v)
	}
	if _, err := db.SequenceInfo("c"); Code(err) != "42P01" {
		t.Fatalf("dropped sequence after reopen: %v", err)
	}
}

// TestSequenceOwned: a sequence a column owns goes with its table when the
// table is renamed or dropped, survives snapshots and compaction of the
// table, and a read-only open reads it and refuses Nextval.
func TestSequenceOwned(t *testing.T) {
	db, mem, reopen := ddlDB(t)
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Columns: []ColumnSpec{{Name: "id", Type: TypeInt8}}}))
	mustExec(t, db.CreateSequence("t_id_seq", SequenceOptions{OwnedBy: SequenceOwner{Table: "t", Column: "id"}}))
	mustExec(t, db.CreateSequence("free", SequenceOptions{}))
	for range 50 {
		v, err := db.Nextval("t_id_seq")
		mustExec(t, err)
		_, err = db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d}`, v))
		mustExec(t, err)
	}
	_, err := db.SnapshotTable("t")
	mustExec(t, err)
	_, err = db.CompactBefore("t", db.Seq()-5)
	mustExec(t, err)
	mustExec(t, db.RenameTable("t", "u"))
	info, err := db.SequenceInfo("t_id_seq")
	mustExec(t, err)
	if info.OwnedBy != (SequenceOwner{Table: "u", Column: "id"}) || info.LastValue != 50 {
		t.Fatalf("after rename: %+v", info)
	}
	db = reopen()
	info, err = db.SequenceInfo("t_id_seq")
	mustExec(t, err)
	if info.OwnedBy.Table != "u" || info.LastValue != 50 {
		t.Fatalf("after reopen: %+v", info)
	}
	mustExec(t, db.Close())
	ro, err := Open("/data", Options{Store: store.Options{FS: mem}, ReadOnly: true})
	mustExec(t, err)
	if len(ro.Sequences()) != 2 {
		t.Fatalf("read-only open sees %v", ro.Sequences())
	}
	_, err = ro.Nextval("free")
	if Code(err) != CodeReadOnly {
		t.Fatalf("nextval on a read-only open: %v", err)
	}
	mustExec(t, ro.Close())
	db = reopen()
	mustExec(t, db.DropTable("u", false))
	if _, err := db.SequenceInfo("t_id_seq"); Code(err) != "42P01" {
		t.Fatalf("owned sequence after its table's drop: %v", err)
	}
	mustExec(t, db.CreateSequence("t_id_seq", SequenceOptions{}))
	db = reopen()
	if got := db.Sequences(); len(got) != 2 || got[1].Name != "t_id_seq" || got[1].OwnedBy.Table != "" {
		t.Fatalf("after reopen: %+v", got)
	}
}

// TestSequenceConcurrent: goroutines calling Nextval side by side get
// distinct values, none skipped.
func TestSequenceConcurrent(t *testing.T) {
	db, _, reopen := ddlDB(t)
	mustExec(t, db.CreateSequence("s", SequenceOptions{}))
	const workers, each = 16, 300
	var mu sync.Mutex
	var all []int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var got []int64
			for range each {
				v, err := db.Nextval("s")
				if err != nil {
					t.Error(err)
					return
				}
				got = append(got, v)
			}
			mu.Lock()
			all = append(all, got...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	for i, v := range all {
		if v != int64(i+1) {
			t.Fatalf("value %d is %d: values repeated or skipped", i, v)
		}
	}
	db = reopen()
	if v, _ := db.Nextval("s"); v != workers*each+1 {
		t.Fatalf("after reopen %d", v)
	}
}

// TestSequenceCrash runs Nextval and Setval on a MemFS and, before every
// change to a file, opens what a crash would leave: the sequence must be
// there, and its next value must be past every value returned before.
func TestSequenceCrash(t *testing.T) {
	mem := vfs.NewMem()
	faults := vfs.NewFaultFS(mem)
	opts := Options{Store: store.Options{FS: faults}, SnapshotEvents: -1, SnapshotBytes: -1}
	db := openDB(t, "/data", opts)
	defer db.Close()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	mustExec(t, db.CreateSequence("s", SequenceOptions{}))
	mustExec(t, db.CreateSequence("o", SequenceOptions{Increment: i64(-1), OwnedBy: SequenceOwner{Table: "t", Column: "id"}}))
	var maxS, minO int64 = 0, 0 // the values returned so far
	var failed error
	crashes := 0
	check := func(where string, fsys *vfs.MemFS) error {
		db, err := Open("/data", Options{Store: store.Options{FS: fsys}, SnapshotEvents: -1, SnapshotBytes: -1})
		if err != nil {
			return fmt.Errorf("%s: open: %w", where, err)
		}
		defer db.Close()
		if v, err := db.Nextval("s"); err != nil || v <= maxS {
			return fmt.Errorf("%s: nextval(s) = %d, %v after %d was returned", where, v, err, maxS)
		}
		if v, err := db.Nextval("o"); err != nil || v >= minO {
			return fmt.Errorf("%s: nextval(o) = %d, %v after %d was returned", where, v, err, minO)
		}
		return nil
	}
	faults.SetHook(func(o vfs.Op, path string) error {
		if o&vfs.OpChange == 0 || failed != nil {
			return failed
		}
		crashes++
		where := fmt.Sprintf("crash %d before %v %s", crashes, o, path)
		failed = check(where+" (synced only)", mem.CrashClone())
		if failed == nil {
			failed = check(where+" (every change kept)", mem.CrashCloneKeeping(mem.Changes(), nil))
		}
		return failed
	})
	for i := range 200 {
		v, err := db.Nextval("s")
		if err != nil {
			break
		}
		maxS = v
		if v, err = db.Nextval("o"); err != nil {
			break
		}
		minO = v
		if i == 100 {
			if _, err := db.Setval("s", 5000, false); err != nil {
				break
			}
			maxS = 4999 // the next value is 5000: nothing below it may come
		}
	}
	faults.SetHook(nil)
	if failed != nil {
		t.Fatal(failed)
	}
	if maxS != 5098 || minO != -200 {
		t.Fatalf("last values %d, %d", maxS, minO)
	}
	if crashes < 12 {
		t.Fatalf("only %d crash points", crashes)
	}
	t.Logf("%d crash points", crashes)
}

// TestDropTableSequenceCrash: a crash while a table is dropped leaves the
// table and the sequence it owns, or neither.
func TestDropTableSequenceCrash(t *testing.T) {
	setup := func(db *DB) {
		ddlSetup(t)(db)
		mustExec(t, db.CreateSequence("t_seq", SequenceOptions{OwnedBy: SequenceOwner{Table: "t", Column: "id"}}))
		nextvals(t, db, "t_seq", 3)
	}
	before, after := crashDDL(t, setup, func(db *DB) error { return db.DropTable("t", false) },
		func(db *DB, image bool) (bool, error) {
			_, serr := db.SequenceInfo("t_seq")
			_, terr := db.View().Spec("t")
			switch {
			case serr == nil && terr == nil:
				return false, nil
			case errors.Is(serr, ErrNoSequence) && errors.Is(terr, ErrNoTable):
				return true, nil
			}
			return false, fmt.Errorf("sequence: %v; table: %v", serr, terr)
		}, "keep")
	if before == 0 || after == 0 {
		t.Fatalf("crash images: %d before the drop, %d after", before, after)
	}
}

// TestSetSequenceOwner: ALTER SEQUENCE OWNED BY moves the sequence with
// its state; it then goes with its new table, and no longer with the old.
func TestSetSequenceOwner(t *testing.T) {
	db, _, reopen := ddlDB(t)
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	mustExec(t, db.CreateTable(TableSpec{Name: "u", PK: "id"}))
	mustExec(t, db.CreateSequence("s", SequenceOptions{}))
	nextvals(t, db, "s", 5)
	wantErr(t, db.SetSequenceOwner("s", SequenceOwner{Table: "t", Column: "x"}), "42703", `column "x" of relation "t" does not exist`)
	wantErr(t, db.SetSequenceOwner("nosuch", SequenceOwner{}), "42P01", `relation "nosuch" does not exist`)
	mustExec(t, db.SetSequenceOwner("s", SequenceOwner{Table: "t", Column: "id"}))
	nextvals(t, db, "s", 5)
	mustExec(t, db.SetSequenceOwner("s", SequenceOwner{Table: "u", Column: "id"}))
	db = reopen()
	if info, err := db.SequenceInfo("s"); err != nil || info.OwnedBy.Table != "u" || info.LastValue != 10 {
		t.Fatalf("after reopen: %+v, %v", info, err)
	}
	mustExec(t, db.DropTable("t", false))
	if got := nextvals(t, db, "s", 1); got[0] != 11 {
		t.Fatalf("nextval %v", got)
	}
	mustExec(t, db.SetSequenceOwner("s", SequenceOwner{}))
	mustExec(t, db.DropTable("u", false))
	db = reopen()
	if info, err := db.SequenceInfo("s"); err != nil || info.OwnedBy.Table != "" || info.LastValue != 11 {
		t.Fatalf("after the drop of its former owner: %+v, %v", info, err)
	}
}

// TestSetSequenceOwnerCrash: a crash while a sequence gets an owner leaves
// it owned or not, never missing, with its values.
func TestSetSequenceOwnerCrash(t *testing.T) {
	setup := func(db *DB) {
		ddlSetup(t)(db)
		mustExec(t, db.CreateSequence("s", SequenceOptions{}))
		nextvals(t, db, "s", 3)
	}
	before, after := crashDDL(t, setup, func(db *DB) error { return db.SetSequenceOwner("s", SequenceOwner{Table: "t", Column: "id"}) },
		func(db *DB, image bool) (bool, error) {
			info, err := db.SequenceInfo("s")
			if err != nil {
				return false, err
			}
			if info.LastValue < 3 {
				return false, fmt.Errorf("sequence went back: %+v", info)
			}
			return info.OwnedBy.Table == "t", nil
		}, "keep")
	if before == 0 || after == 0 {
		t.Fatalf("crash images: %d before, %d after", before, after)
	}
}

// TestRenameTableSequenceCrash: a crash while a table is renamed leaves
// the sequence it owns owned by it, under its old name or its new one.
func TestRenameTableSequenceCrash(t *testing.T) {
	setup := func(db *DB) {
		ddlSetup(t)(db)
		mustExec(t, db.CreateSequence("t_seq", SequenceOptions{OwnedBy: SequenceOwner{Table: "t", Column: "id"}}))
		nextvals(t, db, "t_seq", 3)
	}
	before, after := crashDDL(t, setup, func(db *DB) error { return db.RenameTable("t", "u") },
		func(db *DB, image bool) (bool, error) {
			info, err := db.SequenceInfo("t_seq")
			if err != nil {
				return false, err
			}
			owner := info.OwnedBy.Table
			if _, err := db.View().Spec(owner); err != nil || owner != "t" && owner != "u" {
				return false, fmt.Errorf("sequence owned by %q: %v", owner, err)
			}
			if v, err := db.Nextval("t_seq"); image && (err != nil || v <= 3) {
				return false, fmt.Errorf("nextval %d, %v", v, err)
			}
			return owner == "u", nil
		}, "keep")
	if before == 0 || after == 0 {
		t.Fatalf("crash images: %d before, %d after", before, after)
	}
}

// TestSequenceOwnerColumn: a sequence follows a rename of the column that
// owns it and is dropped with it.
func TestSequenceOwnerColumn(t *testing.T) {
	db, _, reopen := ddlDB(t)
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Columns: []ColumnSpec{{Name: "id", Type: TypeInt8}, {Name: "n", Type: TypeInt8}}}))
	mustExec(t, db.CreateSequence("a", SequenceOptions{OwnedBy: SequenceOwner{Table: "t", Column: "id"}}))
	mustExec(t, db.CreateSequence("b", SequenceOptions{OwnedBy: SequenceOwner{Table: "t", Column: "n"}}))
	nextvals(t, db, "a", 2)
	mustExec(t, db.RenameColumn("t", "id", "key"))
	mustExec(t, db.DropColumn("t", "n"))
	db = reopen()
	got := db.Sequences()
	if len(got) != 1 || got[0].Name != "a" || got[0].OwnedBy != (SequenceOwner{Table: "t", Column: "key"}) || got[0].LastValue != 2 {
		t.Fatalf("sequences %+v", got)
	}
}

// TestAlterSequenceKept: ALTER SEQUENCE's options and restart value are
// in the sequence's file: a reopen goes on from them.
func TestAlterSequenceKept(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir, Options{})
	mustExec(t, db.CreateSequence("s", SequenceOptions{}))
	if _, err := db.Nextval("s"); err != nil {
		t.Fatal(err)
	}
	inc, max, restart := int64(5), int64(1000), int64(40)
	info, err := db.SequenceInfo("s")
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, db.AlterSequence("s", SequenceOptions{Type: info.Type, Start: &info.Start, Increment: &inc, Min: &info.Min, Max: &max, Cache: &info.Cache}, &restart))
	mustExec(t, db.Close())
	db = openDB(t, dir, Options{})
	defer db.Close()
	info, err = db.SequenceInfo("s")
	if err != nil || info.Increment != 5 || info.Max != 1000 {
		t.Fatalf("after a reopen: %+v %v", info, err)
	}
	for _, want := range []int64{40, 45} {
		if v, err := db.Nextval("s"); err != nil || v != want {
			t.Fatalf("nextval %d %v, want %d", v, err, want)
		}
	}
}
