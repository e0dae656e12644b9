package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
)

// oidsOf returns every OID of the database's objects, by a name that says
// whose it is; it fails if two objects share one or one has none.
func oidsOf(db *DB) (map[string]uint32, error) {
	out := map[string]uint32{}
	owner := map[uint32]string{}
	add := func(what string, o uint32) error {
		if o < FirstOID {
			return fmt.Errorf("%s has OID %d", what, o)
		}
		if w, ok := owner[o]; ok {
			return fmt.Errorf("%s and %s share OID %d", w, what, o)
		}
		owner[o], out[what] = what, o
		return nil
	}
	v := db.View()
	for _, name := range v.Tables() {
		spec, err := v.Spec(name)
		if err != nil {
			return nil, err
		}
		ixs, err := v.Indexes(name)
		if err != nil {
			return nil, err
		}
		errs := []error{add("table "+name, spec.OID), add("index "+name+"_pkey", spec.PKIndexOID),
			add("constraint "+name+"."+name+"_pkey", spec.PKConstraintOID)}
		for _, ix := range ixs {
			errs = append(errs, add("index "+ix.Name, ix.OID))
			if ix.Unique {
				errs = append(errs, add("constraint "+name+"."+ix.Name, ix.ConstraintOID))
			}
		}
		for _, c := range spec.Checks {
			errs = append(errs, add("constraint "+name+"."+c.Name, c.OID))
		}
		for _, err := range errs {
			if err != nil {
				return nil, err
			}
		}
	}
	for _, s := range db.Sequences() {
		if err := add("sequence "+s.Name, s.OID); err != nil {
			return nil, err
		}
	}
	for _, d := range db.Views() {
		if err := add("view "+d.Name, d.OID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func mustOIDs(t *testing.T, db *DB) map[string]uint32 {
	t.Helper()
	m, err := oidsOf(db)
	mustExec(t, err)
	return m
}

// oidObjects makes a table with every kind of part, a sequence and a
// view.
func oidObjects(t *testing.T, db *DB) {
	t.Helper()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"s"},
		IndexDefs: []IndexSpec{{Fields: []string{"u"}, Unique: true, OID: 7}},
		Checks:    []CheckSpec{{Name: "t_n_check", Expr: "n > 0", OID: 7}}, OID: 7,
		Columns: []ColumnSpec{{Name: "s", Type: TypeText}, {Name: "u", Type: TypeInt8}, {Name: "n", Type: TypeInt8}}}))
	mustExec(t, db.CreateIndex("t", "x"))
	mustExec(t, db.AddIndex("t", IndexSpec{Name: "t_pair", Fields: []string{"u", "s"}, Unique: true}))
	mustExec(t, db.AddCheck("t", CheckSpec{Name: "small", Expr: "n < 100"}, nil))
	mustExec(t, db.CreateSequence("s", SequenceOptions{}))
	mustExec(t, db.CreateView(ViewDef{Name: "v", SQL: "SELECT 1 AS one", Columns: []string{"one"}}, false))
}

func TestOIDsGiven(t *testing.T) {
	db, _, reopen := ddlDB(t)
	oidObjects(t, db)
	got := mustOIDs(t, db)
	// Given in order from FirstOID: a caller's OIDs are not kept.
	want := map[string]uint32{
		"table t": 16384, "index t_pkey": 16385, "index t_u_key": 16386, "index t_s_idx": 16387,
		"constraint t.t_pkey": 16388, "constraint t.t_u_key": 16389, "constraint t.t_n_check": 16390,
		"index t_x_idx": 16391, "index t_pair": 16392, "constraint t.t_pair": 16393,
		"constraint t.small": 16394, "sequence s": 16395, "view v": 16396,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("OIDs %v\nwant %v", got, want)
	}
	// A reopen keeps them; so do a rename, a replaced view, a new column
	// and the drop of another part.
	db = reopen()
	mustExec(t, db.RenameTable("t", "r"))
	mustExec(t, db.CreateView(ViewDef{Name: "v", SQL: "SELECT id AS one FROM r", Columns: []string{"one"}, Tables: []string{"r"}, OID: 5}, true))
	mustExec(t, db.AddColumn("r", ColumnSpec{Name: "c", Type: TypeText}, nil))
	mustExec(t, db.DropIndex("r", "r_x_idx"))
	mustExec(t, db.DropCheck("r", "small"))
	db = reopen()
	got = mustOIDs(t, db)
	want = map[string]uint32{
		"table r": 16384, "index r_pkey": 16385, "index t_u_key": 16386, "index r_s_idx": 16387,
		"constraint r.r_pkey": 16388, "constraint r.t_u_key": 16389, "constraint r.t_n_check": 16390,
		"index t_pair": 16392, "constraint r.t_pair": 16393, "sequence s": 16395, "view v": 16396,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after rename and reopen: OIDs %v\nwant %v", got, want)
	}
	// AS OF sees the OID the table has.
	_, err := db.Insert(ctx, "r", []byte(`{"id": 1, "s": "a", "u": 1, "n": 1}`))
	mustExec(t, err)
	past, err := db.ViewAt(db.Seq())
	mustExec(t, err)
	if spec, err := past.Spec("r"); err != nil || spec.OID != 16384 {
		t.Fatalf("AS OF: %v %v", spec, err)
	}
}

func TestOIDsNeverGivenTwice(t *testing.T) {
	db, _, reopen := ddlDB(t)
	seen := map[uint32]bool{}
	note := func() {
		t.Helper()
		for what, o := range mustOIDs(t, db) {
			if strings.HasPrefix(what, "table ") {
				seen[o] = true
			}
		}
	}
	for i := range 5 {
		mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
		mustExec(t, db.CreateSequence("s", SequenceOptions{}))
		mustExec(t, db.CreateIndex("t", "f"))
		before := len(seen)
		note()
		if len(seen) != before+1 {
			t.Fatalf("round %d: the new table t has an OID given before", i)
		}
		mustExec(t, db.DropTable("t", false))
		mustExec(t, db.DropSequence("s", false))
		if i%2 == 0 {
			db = reopen()
		}
	}
	// The table with the highest OID is gone: the counter is not derived
	// from the objects there.
	db = reopen()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	spec, _ := db.View().Spec("t")
	for o := range seen {
		if spec.OID <= o {
			t.Fatalf("new table has OID %d, not above %d given before", spec.OID, o)
		}
	}
}

// oldOIDs is how the SQL layer gave OIDs before they were stored: each
// relation's from the FNV-1a hash of its name in [16384, 2^31), probing
// on a collision, in sorted order; then each constraint's from
// <table>.<name>, avoiding the relations'.
func oldOIDs(rels, cons []string) map[string]uint32 {
	out := map[string]uint32{}
	used := map[int64]bool{}
	assign := func(names []string, prefix string) {
		sorted := append([]string(nil), names...)
		sort.Strings(sorted)
		for _, n := range sorted {
			h := fnv.New32a()
			h.Write([]byte(n))
			o := 16384 + int64(h.Sum32())%(1<<31-16384)
			for used[o] {
				if o++; o >= 1<<31 {
					o = 16384
				}
			}
			used[o] = true
			out[prefix+n] = uint32(o)
		}
	}
	assign(rels, "")
	assign(cons, "")
	return out
}

// stripOIDs rewrites the files of the data directory dir as a version
// that stored no OIDs left them.
func stripOIDs(t *testing.T, fsys store.FS, dir string) {
	t.Helper()
	rewrite := func(path string, json bool, strip func(m map[string]any)) {
		b, err := vfs.ReadFile(fsys, path)
		mustExec(t, err)
		var m map[string]any
		if json {
			mustExec(t, jsonUnmarshal(b, &m))
		} else {
			mustExec(t, yaml.Unmarshal(b, &m))
		}
		strip(m)
		if json {
			b, err = jsonMarshal(m)
		} else {
			b, err = yaml.Marshal(m)
		}
		mustExec(t, err)
		mustExec(t, store.WriteFileAtomic(fsys, path, b))
	}
	dropOID := func(m map[string]any) { delete(m, "oid") }
	tables, err := fsys.ReadDir(filepath.Join(dir, "tables"))
	mustExec(t, err)
	for _, e := range tables {
		tdir := filepath.Join(dir, "tables", e.Name())
		rewrite(filepath.Join(tdir, "schema.yaml"), false, func(m map[string]any) {
			for _, k := range []string{"oid", "pk_index_oid", "pk_constraint_oid", "index_oids"} {
				delete(m, k)
			}
			for _, k := range []string{"index_defs", "checks", "columns"} {
				list, _ := m[k].([]any)
				for _, d := range list {
					delete(d.(map[string]any), "oid")
					delete(d.(map[string]any), "constraint_oid")
					delete(d.(map[string]any), "default_oid")
				}
			}
		})
		seqs, _ := fsys.ReadDir(filepath.Join(tdir, "sequences"))
		for _, s := range seqs {
			rewrite(filepath.Join(tdir, "sequences", s.Name()), true, dropOID)
		}
	}
	for _, sub := range []string{"sequences", "views"} {
		ents, _ := fsys.ReadDir(filepath.Join(dir, sub))
		for _, e := range ents {
			rewrite(filepath.Join(dir, sub, e.Name()), true, dropOID)
		}
	}
	mustExec(t, fsys.Remove(filepath.Join(dir, oidsFile)))
}

func jsonUnmarshal(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}
func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// legacyDir makes a data directory as a version that stored no OIDs left
// it, and returns the OIDs that version showed.
func legacyDir(t *testing.T, mem *vfs.MemFS) map[string]uint32 {
	t.Helper()
	opts := Options{Store: store.Options{FS: mem}, SnapshotEvents: -1, SnapshotBytes: -1}
	db := openDB(t, "/data", opts)
	oidObjects(t, db)
	mustExec(t, db.CreateTable(TableSpec{Name: "other", PK: "id",
		Columns: []ColumnSpec{{Name: "id", Type: TypeInt8}, {Name: "d", Type: TypeText, Default: "'x'"}}}))
	mustExec(t, db.CreateSequence("other_id_seq", SequenceOptions{OwnedBy: SequenceOwner{Table: "other", Column: "id"}}))
	mustExec(t, db.Close())
	stripOIDs(t, mem, "/data")
	old := oldOIDs(
		[]string{"t", "t_pkey", "t_u_key", "t_s_idx", "t_x_idx", "t_pair", "s", "v", "other", "other_pkey", "other_id_seq"},
		[]string{"t.t_pkey", "t.t_u_key", "t.t_n_check", "t.small", "other.other_pkey"})
	want := map[string]uint32{}
	for k, o := range old {
		switch {
		case k == "t" || k == "other":
			want["table "+k] = o
		case k == "s" || k == "other_id_seq":
			want["sequence "+k] = o
		case k == "v":
			want["view "+k] = o
		case strings.Contains(k, "."):
			want["constraint "+k] = o
		default:
			want["index "+k] = o
		}
	}
	return want
}

func TestOIDsOfAnOlderDirectory(t *testing.T) {
	mem := vfs.NewMem()
	want := legacyDir(t, mem)
	opts := Options{Store: store.Options{FS: mem}, SnapshotEvents: -1, SnapshotBytes: -1}

	// A read-only open derives them and writes nothing.
	ro := opts
	ro.ReadOnly = true
	db := openDB(t, "/data", ro)
	got := mustOIDs(t, db)
	// The unique index t_pair had no constraint OID: it gets a new one.
	pair := got["constraint t.t_pair"]
	delete(got, "constraint t.t_pair")
	if !reflect.DeepEqual(got, want) || pair != FirstOID {
		t.Fatalf("read-only: OIDs %v (t_pair %d)\nwant %v", got, pair, want)
	}
	mustExec(t, db.Close())
	if _, err := mem.Stat("/data/" + oidsFile); err == nil {
		t.Fatal("a read-only open wrote oids.json")
	}

	// The writer stores them; they stay after a rename (which changes
	// the name they were derived from) and a reopen.
	db = openDB(t, "/data", opts)
	mustExec(t, db.RenameTable("t", "r"))
	mustExec(t, db.Close())
	db = openDB(t, "/data", opts)
	defer db.Close()
	spec, err := db.View().Spec("r")
	mustExec(t, err)
	if spec.OID != want["table t"] || spec.PKIndexOID != want["index t_pkey"] || spec.PKConstraintOID != want["constraint t.t_pkey"] {
		t.Fatalf("after rename and reopen: %d %d %d, want %v", spec.OID, spec.PKIndexOID, spec.PKConstraintOID, want)
	}
	// A default's OID was the hash of <table>.<column> alone.
	h := fnv.New32a()
	h.Write([]byte("other.d"))
	if spec, _ := db.View().Spec("other"); int64(spec.Columns[1].DefaultOID) != 16384+int64(h.Sum32())%(1<<31-16384) {
		t.Fatalf("default's OID %d", spec.Columns[1].DefaultOID)
	}
	// New objects get OIDs from FirstOID on, past those taken.
	taken := map[uint32]bool{}
	for _, o := range mustOIDs(t, db) {
		taken[o] = true
	}
	mustExec(t, db.CreateTable(TableSpec{Name: "n", PK: "id"}))
	spec, _ = db.View().Spec("n")
	if spec.OID != FirstOID+1 || taken[spec.OID] {
		t.Fatalf("new table: OID %d", spec.OID)
	}
	mustOIDs(t, db)
}

// TestOIDsOfAnOlderDirectoryCrash opens an older data directory and
// crashes before every file operation the open makes while it stores the
// OIDs: each image opens with the same OIDs, which a later image keeps.
func TestOIDsOfAnOlderDirectoryCrash(t *testing.T) {
	mem := vfs.NewMem()
	want := legacyDir(t, mem)
	faults := vfs.NewFaultFS(mem)
	var pair uint32
	check := func(where string, fsys store.FS) error {
		db, err := Open("/data", Options{Store: store.Options{FS: fsys}, SnapshotEvents: -1, SnapshotBytes: -1})
		if err != nil {
			return fmt.Errorf("%s: open: %w", where, err)
		}
		defer db.Close()
		got, err := oidsOf(db)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		p := got["constraint t.t_pair"]
		delete(got, "constraint t.t_pair")
		if !reflect.DeepEqual(got, want) {
			return fmt.Errorf("%s: OIDs %v\nwant %v", where, got, want)
		}
		if pair != 0 && p < pair {
			return fmt.Errorf("%s: t_pair's constraint has OID %d, was %d", where, p, pair)
		}
		if err := db.CreateTable(TableSpec{Name: "probe", PK: "id"}); err != nil {
			return fmt.Errorf("%s: create: %w", where, err)
		}
		if _, err := oidsOf(db); err != nil {
			return fmt.Errorf("%s: after a create: %w", where, err)
		}
		return nil
	}
	crashes := 0
	var failed error
	faults.SetHook(func(o vfs.Op, path string) error {
		if o&vfs.OpChange == 0 || failed != nil {
			return failed
		}
		crashes++
		failed = check(fmt.Sprintf("crash %d before %v %s", crashes, o, path), mem.CrashClone())
		return failed
	})
	db, err := Open("/data", Options{Store: store.Options{FS: faults}, SnapshotEvents: -1, SnapshotBytes: -1})
	faults.SetHook(nil)
	if failed != nil {
		t.Fatal(failed)
	}
	mustExec(t, err)
	got := mustOIDs(t, db)
	pair = got["constraint t.t_pair"]
	mustExec(t, db.Close())
	if err := check("after the open, crashed", mem.CrashClone()); err != nil {
		t.Fatal(err)
	}
	if crashes < 5 {
		t.Fatalf("only %d crash points", crashes)
	}
	t.Logf("%d crash points", crashes)
}

// TestCreateOIDCrash crashes before every file operation of a statement
// that makes objects: the image has each object with its OIDs or not at
// all, the OIDs of the objects made before are unchanged, and an object
// made after the crash gets an OID past every one given before.
func TestCreateOIDCrash(t *testing.T) {
	for _, tc := range []struct {
		name string
		op   func(db *DB) error
		made string // an object op makes
	}{
		{"table", func(db *DB) error {
			return db.CreateTable(TableSpec{Name: "n", PK: "id", IndexDefs: []IndexSpec{{Fields: []string{"a"}, Unique: true}},
				Checks: []CheckSpec{{Name: "c", Expr: "a > 0"}}})
		}, "table n"},
		{"index", func(db *DB) error {
			return db.AddIndex("t", IndexSpec{Name: "t_id_key", Fields: []string{"id"}, Unique: true})
		}, "constraint t.t_id_key"},
		{"sequence", func(db *DB) error { return db.CreateSequence("s2", SequenceOptions{}) }, "sequence s2"},
		{"view", func(db *DB) error {
			return db.CreateView(ViewDef{Name: "v", SQL: "SELECT id FROM t", Columns: []string{"id"}, Tables: []string{"t"}}, false)
		}, "view v"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var given map[string]uint32
			before, after := crashDDL(t, func(db *DB) {
				ddlSetup(t)(db)
				mustExec(t, db.CreateSequence("s", SequenceOptions{}))
				given = mustOIDs(t, db)
			}, tc.op, func(db *DB, image bool) (bool, error) {
				have, err := oidsOf(db)
				if err != nil {
					return false, err
				}
				for what, o := range given {
					if have[what] != o {
						return false, fmt.Errorf("%s has OID %d, had %d", what, have[what], o)
					}
				}
				_, done := have[tc.made]
				if image {
					if err := db.CreateTable(TableSpec{Name: "m", PK: "id"}); err != nil {
						return done, err
					}
					now, err := oidsOf(db)
					if err != nil {
						return done, err
					}
					for what, o := range have {
						if now["table m"] <= o {
							return done, fmt.Errorf("new table's OID %d is not past %s's %d", now["table m"], what, o)
						}
					}
				}
				return done, nil
			}, "keep")
			if before == 0 || after == 0 {
				t.Fatalf("crash images: %d before the statement, %d after", before, after)
			}
		})
	}
}

func TestDefaultOIDs(t *testing.T) {
	db, _, reopen := ddlDB(t)
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Columns: []ColumnSpec{
		{Name: "id", Type: TypeInt8}, {Name: "a", Type: TypeText, Default: "'x'", DefaultOID: 3}, {Name: "b", Type: TypeInt8}}}))
	def := func(col int) uint32 {
		t.Helper()
		spec, err := db.View().Spec("t")
		mustExec(t, err)
		return spec.Columns[col].DefaultOID
	}
	first := def(1)
	if first < FirstOID || def(2) != 0 {
		t.Fatalf("default OIDs %d %d", first, def(2))
	}
	db = reopen()
	mustExec(t, db.SetColumnDefault("t", "a", "'x'"))
	mustExec(t, db.RenameColumn("t", "a", "c"))
	if def(1) != first {
		t.Fatalf("default OID %d after reopen, the same default and a rename; was %d", def(1), first)
	}
	mustExec(t, db.SetColumnDefault("t", "c", "'y'"))
	if def(1) <= first {
		t.Fatalf("a new default has OID %d, not past %d", def(1), first)
	}
	mustExec(t, db.SetColumnDefault("t", "c", ""))
	mustExec(t, db.SetColumnDefault("t", "b", "7"))
	if def(1) != 0 || def(2) <= first {
		t.Fatalf("dropped default's OID %d, new default's %d", def(1), def(2))
	}
}
