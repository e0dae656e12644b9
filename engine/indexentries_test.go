package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestIndexEntriesInVersionIndex follows the entries of a table's indexes
// into the version index: put by the snapshots up to each index's mark,
// an index made after the table's mark at the next snapshot, kept across
// a reopen, put again at a fold's horizon, and removed with the table.
func TestIndexEntriesInVersionIndex(t *testing.T) {
	for _, leave := range []bool{false, true} {
		t.Run(fmt.Sprintf("NewestInIndex=%v", leave), func(t *testing.T) { testIndexEntriesInVersionIndex(t, leave) })
	}
}

func testIndexEntriesInVersionIndex(t *testing.T, leave bool) {
	const rows = 40
	dir := t.TempDir()
	opts := Options{VersionIndex: true, NewestInIndex: leave, SnapshotEvents: -1, SnapshotBytes: -1}
	db := openDB(t, dir, opts)
	defer func() { db.Close() }()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"n"}}))
	vals := make([]int, rows) // n of each row
	made := rows              // entries made of n
	for i := range rows {
		vals[i] = i % 3
		_, err := db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d, "n": %d, "s": "s%d"}`, i, vals[i], i%5))
		mustExec(t, err)
	}
	// Each round changes n of every other row, and writes s without
	// changing it: a version that keeps a value makes no entry.
	round := func(r int) {
		for i := range rows {
			doc := fmt.Appendf(nil, `{"s": "s%d"}`, i%5)
			if i%2 == r%2 {
				doc = fmt.Appendf(nil, `{"n": %d, "s": "s%d"}`, (i+r)%7, i%5)
				if (i+r)%7 != vals[i] {
					vals[i] = (i + r) % 7
					made++
				}
			}
			_, err := db.Patch(ctx, "t", int64(i), doc)
			mustExec(t, err)
		}
	}
	snapshot := func() uint64 {
		seq, err := db.SnapshotTable("t")
		mustExec(t, err)
		return seq
	}
	oid := func() uint32 {
		ts, _ := db.View().lookupTable("t")
		return ts.spec.OID
	}
	// entries returns the number of entries the version index holds of
	// the index on field, and its mark (0: none).
	entries := func(field string) (int, uint64) {
		t.Helper()
		r, err := db.vx.NewEntries()
		mustExec(t, err)
		defer r.Close()
		n := 0
		for ok := r.Seek(oid(), field, nil); ok; ok = r.Next() {
			n++
		}
		mustExec(t, r.Err())
		m, _, err := db.vx.EntriesMark(oid(), field)
		mustExec(t, err)
		return n, m.Seq
	}
	// treeEntries returns the number of entries of the index on field in
	// memory up to seq.
	treeEntries := func(field string, seq uint64) int {
		ts, _ := db.View().lookupTable("t")
		n := 0
		ts.indexes[field].Ascend(func(e indexEntry) bool {
			if e.seq <= seq {
				n++
			}
			return true
		})
		return n
	}
	check := func(field string, seq uint64, want int) {
		t.Helper()
		if p := db.CheckVersionIndex(); len(p) != 0 {
			t.Fatal(p)
		}
		if n, m := entries(field); n != want || m != seq {
			t.Fatalf("index on %s: %d entries up to seq %d, want %d up to %d", field, n, m, want, seq)
		}
	}

	if n, m := entries("n"); n != 0 || m != 0 {
		t.Fatalf("%d entries up to %d before a snapshot", n, m)
	}
	seq := snapshot()
	check("n", seq, rows)
	for r := range 5 {
		round(r)
		if r == 2 {
			seq = snapshot()
			check("n", seq, treeEntries("n", seq))
		}
	}
	seq = snapshot()
	want := treeEntries("n", seq)
	if want != made {
		t.Fatalf("%d entries in memory after 5 rounds, want %d", want, made)
	}
	check("n", seq, want)

	// An index made after the table's mark: the next snapshot puts its
	// entries, with no write in between.
	mustExec(t, db.CreateIndex("t", "s"))
	if n, _ := entries("s"); n != 0 {
		t.Fatalf("%d entries of a new index before a snapshot", n)
	}
	if got := snapshot(); got != seq {
		t.Fatalf("snapshot at seq %d, want %d", got, seq)
	}
	check("s", seq, rows)
	check("n", seq, want)

	// Kept across a reopen, and not put again.
	mustExec(t, db.Close())
	db = openDB(t, dir, opts)
	check("n", seq, want)
	check("s", seq, rows)
	round(5)
	seq = snapshot()
	check("n", seq, treeEntries("n", seq))

	// A fold: the entries are put again at the new horizon, the old ones
	// stay.
	h, err := db.CompactBefore("t", seq-rows/2)
	mustExec(t, err)
	before, _ := entries("n")
	seq = snapshot()
	if p := db.CheckVersionIndex(); len(p) != 0 {
		t.Fatal(p)
	}
	after, m := entries("n")
	if m != seq || after < before {
		t.Fatalf("after a fold at %d: %d entries up to %d, %d before; want up to %d", h, after, m, before, seq)
	}

	// An entry that is not a value and a key is damage.
	b := db.vx.NewBatch()
	mustExec(t, b.PutEntry(oid(), "n", []byte{pfxString, 'x'}, 1))
	mustExec(t, b.Apply())
	if p := db.CheckVersionIndex(); len(p) != 1 || !strings.Contains(p[0], "does not decode") {
		t.Fatalf("problems %q, want one entry that does not decode", p)
	}

	// Dropped with the table.
	o := oid()
	mustExec(t, db.DropTable("t", false))
	for _, field := range []string{"n", "s"} {
		r, err := db.vx.NewEntries()
		mustExec(t, err)
		if r.Seek(o, field, nil) {
			t.Fatalf("an entry of %s after the table was dropped", field)
		}
		r.Close()
		if _, ok, _ := db.vx.EntriesMark(o, field); ok {
			t.Fatalf("a mark of %s after the table was dropped", field)
		}
	}
}

// TestDeltaEntriesAsCommitted loads a table from a whole snapshot and a
// delta, and finds in its index the entries its commits made: a version
// in the delta that kept the value its row had at the base makes none.
func TestDeltaEntriesAsCommitted(t *testing.T) {
	for _, vi := range []bool{false, true} {
		t.Run(fmt.Sprintf("VersionIndex=%v", vi), func(t *testing.T) {
			const rows = 100
			dir := t.TempDir()
			opts := Options{VersionIndex: vi, NewestInIndex: vi, SnapshotEvents: -1, SnapshotBytes: -1}
			db := openDB(t, dir, opts)
			defer func() { db.Close() }()
			mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"n"}}))
			for i := range rows {
				_, err := db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d, "n": %d, "s": 0}`, i, i%4))
				mustExec(t, err)
			}
			_, err := db.SnapshotTable("t")
			mustExec(t, err)
			for i := 0; i < rows; i += 5 { // a delta: few versions
				doc := fmt.Appendf(nil, `{"s": %d}`, i) // n kept
				if i%10 == 0 {
					doc = fmt.Appendf(nil, `{"n": %d}`, 10+i)
				}
				_, err := db.Patch(ctx, "t", int64(i), doc)
				mustExec(t, err)
			}
			_, err = db.SnapshotTable("t")
			mustExec(t, err)
			entries := func() []string {
				ts, _ := db.View().lookupTable("t")
				var es []string
				ts.indexes["n"].Ascend(func(e indexEntry) bool {
					es = append(es, fmt.Sprintf("%v/%s@%d", e.val, e.key, e.seq))
					return true
				})
				return es
			}
			before := entries()
			if len(before) != rows+rows/10 {
				t.Fatalf("%d entries, want %d", len(before), rows+rows/10)
			}
			mustExec(t, db.Close())
			db = openDB(t, dir, opts)
			db.locked(func() {
				if d := db.work["t"].snaps.deltas; d != 1 {
					t.Fatalf("loaded with %d deltas, want 1", d)
				}
			})
			if after := entries(); !slices.Equal(after, before) {
				t.Fatalf("entries after a load from the delta:\n%v\nbefore:\n%v", after, before)
			}
		})
	}
}

// TestIndexedEntriesWalk walks the entries of an index read back from the
// version index (indexedEntries) from pivots of every kind, both ways, and
// finds the tree's entries in the tree's order.
func TestIndexedEntriesWalk(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir, Options{VersionIndex: true, SnapshotEvents: -1, SnapshotBytes: -1})
	defer db.Close()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"v"}}))
	vals := []string{`"a"`, `"a\u0000b"`, `""`, `"b"`, `0`, `-1`, `2.5`, `-2.5`, `10`, `1e30`, `123456789012345678901234567890`,
		`true`, `false`, `[1, "x"]`, `{"k": 1}`, `-0.001`}
	for i := range 60 {
		_, err := db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": "k%02d", "v": %s}`, i, vals[i%len(vals)]))
		mustExec(t, err)
	}
	for round := range 3 {
		for i := 0; i < 60; i += 2 + round {
			_, err := db.Patch(ctx, "t", fmt.Sprintf("k%02d", i), fmt.Appendf(nil, `{"v": %s}`, vals[(i+round+1)%len(vals)]))
			mustExec(t, err)
		}
	}
	_, err := db.SnapshotTable("t")
	mustExec(t, err)
	if p := db.CheckVersionIndex(); len(p) != 0 {
		t.Fatal(p)
	}
	ts, _ := db.View().lookupTable("t")
	tree := ts.indexes["v"]
	src := &indexedEntries{x: db.vx, oid: ts.spec.OID, field: "v"}
	var pivots []indexEntry
	tree.Ascend(func(e indexEntry) bool {
		pivots = append(pivots, e, newEntry(e.val, e.key, e.seq+1), newEntry(e.val, minKey, 0), newEntry(e.val, maxKey, ^uint64(0)))
		return true
	})
	if len(pivots) < 4*100 {
		t.Fatalf("%d entries, want at least 100", len(pivots)/4)
	}
	collect := func(ascend bool, w interface {
		AscendGreaterOrEqual(indexEntry, func(indexEntry) bool)
		DescendLessOrEqual(indexEntry, func(indexEntry) bool)
	}, pivot indexEntry) []string {
		var out []string
		fn := func(e indexEntry) bool {
			// The value as it orders: a number read back from the index
			// may take another form than the document's (1e30, an int).
			out = append(out, fmt.Sprintf("%x/%s@%d", appendOrderedValue(nil, e.val), e.key, e.seq))
			return len(out) < 7
		}
		if ascend {
			w.AscendGreaterOrEqual(pivot, fn)
		} else {
			w.DescendLessOrEqual(pivot, fn)
		}
		return out
	}
	for _, p := range pivots {
		for _, ascend := range []bool{true, false} {
			want, got := collect(ascend, tree, p), collect(ascend, src, p)
			if src.err != nil {
				t.Fatal(src.err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("from %s/%s@%d (ascending %v): the index gives\n%v\nthe tree\n%v", ToJSON(p.val), p.key, p.seq, ascend, got, want)
			}
		}
	}
}

// TestReadsBelowEntryTrim reads a table's indexes at seqs all along its
// history twice: from the trees, and with every read before a seq T sent
// to the version index (the trees' trim, as a trim of the trees will set
// it), T the mark of the snapshot that put the entries there.
// Lookups, equality and range cursors both ways and from an open bound,
// the unique checks and the check of the indexes find the same rows at
// the same versions either way.
func TestReadsBelowEntryTrim(t *testing.T) {
	for _, leave := range []bool{false, true} {
		t.Run(fmt.Sprintf("NewestInIndex=%v", leave), func(t *testing.T) { testReadsBelowEntryTrim(t, leave) })
	}
}

func testReadsBelowEntryTrim(t *testing.T, leave bool) {
	dir := t.TempDir()
	db := openDB(t, dir, Options{VersionIndex: true, NewestInIndex: leave, SnapshotEvents: -1, SnapshotBytes: -1})
	defer func() { db.Close() }()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"s", "n"},
		IndexDefs: []IndexSpec{{Name: "t_u", Fields: []string{"u"}, Unique: true}}}))
	rng := rand.New(rand.NewPCG(5, 6))
	strs := []string{"a", "b", "bb", "c"}
	nums := []string{"-3", "-1", "0", "1", "2.5", "3", "null"}
	next := 0 // the next id
	live := map[int]bool{}
	round := func(r int) {
		tx := db.Begin()
		for range 40 {
			id := rng.IntN(next + 10)
			if id >= next {
				id = next
			}
			doc := fmt.Sprintf(`"s": %q, "n": %s, "u": %d`, strs[rng.IntN(len(strs))], nums[rng.IntN(len(nums))], 1000*r+id)
			var err error
			switch {
			case id == next:
				next++
				live[id] = true
				_, err = tx.Insert("t", fmt.Appendf(nil, `{"id": %d, %s}`, id, doc))
			case !live[id]:
				continue
			case rng.IntN(8) == 0:
				delete(live, id)
				err = tx.SoftDelete("t", int64(id))
			default:
				err = tx.Patch("t", int64(id), fmt.Appendf(nil, `{%s}`, doc))
			}
			mustExec(t, err)
		}
		_, err := tx.Commit(ctx)
		mustExec(t, err)
	}
	for r := range 12 {
		round(r)
	}
	mark, err := db.SnapshotTable("t")
	mustExec(t, err)
	for r := 12; r < 16; r++ {
		round(r) // read from the trees, whatever T
	}
	latest := db.Seq()

	setTrim := func(at uint64) { setTrims(db, "t", at) }
	// reads returns what every kind of read of the indexes finds at seq.
	reads := func(seq uint64) []string {
		t.Helper()
		v, err := db.ViewAt(seq)
		mustExec(t, err)
		var out []string
		add := func(what string, r *Row) { out = append(out, fmt.Sprintf("%s: %s@%d", what, r.Key, r.Seq)) }
		lookup := func(field string, op Op, val any) {
			mustExec(t, v.IndexLookup("t", field, op, val, func(r *Row) bool { add(fmt.Sprint("lookup ", field, op, val), r); return true }))
		}
		drain := func(what string, c *Cursor, err error) {
			mustExec(t, err)
			for {
				r, err := c.Next(ctx)
				mustExec(t, err)
				if r == nil {
					return
				}
				add(what, r)
			}
		}
		for _, s := range strs {
			lookup("s", OpEq, s)
			c, err := v.IndexCursor("t", "s", OpEq, s)
			drain("cursor s = "+s, c, err)
		}
		for _, op := range []Op{OpEq, OpGt, OpGe, OpLt, OpLe} {
			lookup("n", op, int64(1))
			c, err := v.IndexCursor("t", "n", op, int64(0))
			drain(fmt.Sprint("cursor n ", op), c, err)
		}
		lookup("u", OpEq, int64(1000*11+3))
		lookup("u", OpGe, int64(1000*14))
		for _, desc := range []bool{false, true} {
			bounds := [][2]*Bound{
				{{Value: int64(-1), Incl: true}, {Value: 2.5}},
				{{Value: int64(0)}, nil},
				{nil, {Value: int64(1), Incl: true}},
				{{Value: "b", Incl: true}, {Value: "c"}},
			}
			for _, b := range bounds {
				field := "n"
				if b[0] != nil && kindOf(b[0].Value) == kindString {
					field = "s"
				}
				c, err := v.IndexRange("t", field, b[0], b[1], desc)
				drain(fmt.Sprintf("range %s %v %v desc %v", field, b[0], b[1], desc), c, err)
			}
		}
		return out
	}

	found, below := 0, 0
	for seq := uint64(1); seq <= latest; seq += 3 {
		setTrim(0)
		want := reads(seq)
		setTrim(mark)
		ts, _ := db.View().lookupTable("t")
		_, fromIndex := ts.entries("n", seq).(*indexedEntries)
		if fromIndex != (seq < mark) {
			t.Fatalf("seq %d, T %d: read from the version index %v", seq, mark, fromIndex)
		}
		got := reads(seq)
		if !slices.Equal(got, want) {
			t.Fatalf("seq %d, T %d (from the version index %v): the reads differ from the trees':\n got %d: %.600q\nwant %d: %.600q",
				seq, mark, fromIndex, len(got), got, len(want), want)
		}
		found += len(got)
		if fromIndex {
			below++
		}
	}
	if found < 1000 || below < 50 {
		t.Fatalf("the reads found %d rows, %d seqs below T: too few to tell", found, below)
	}

	// Every read before T from the version index: the check of the
	// indexes, and the unique checks of a transaction that began there.
	_, err = db.SnapshotTable("t")
	mustExec(t, err)
	setTrim(db.Seq() + 1)
	if p := db.CheckIndexes(); len(p) > 0 {
		t.Fatalf("CheckIndexes with the reads from the version index: %q", p)
	}
	var taken, gone int // a live row's u, and one a deleted row had
	for id := range next {
		if r, ok, _ := db.View().Get("t", int64(id)); ok && live[id] {
			d, err := r.Doc()
			mustExec(t, err)
			taken = int(d["u"].(int64))
		}
	}
	gone = -1
	for id := range next {
		if !live[id] {
			gone = id
		}
	}
	// The statement fails, as its check reads the transaction's snapshot
	// (the commit checks again, in the trees).
	tx := db.Begin()
	_, err = tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "u": %d}`, next, taken))
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeUniqueViolation {
		t.Fatalf("an insert of u = %d, a live row's: %v, want 23505", taken, err)
	}
	tx.Rollback()
	if gone >= 0 {
		tx = db.Begin()
		_, err = tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "u": %d}`, next, 1000*15+gone))
		mustExec(t, err)
		_, err = tx.Commit(ctx)
		mustExec(t, err)
	}
}

// setTrims sets the trim of every index tree of table, in the writer's
// state and the published one, as a trim of the trees would.
func setTrims(db *DB, table string, at uint64) {
	db.locked(func() {
		for _, ts := range []*tableState{db.work[table], db.pub.Load().tables[table]} {
			for f, idx := range ts.indexes {
				idx = idx.Clone()
				idx.trim = at
				ts.indexes[f] = idx
			}
		}
	})
}

// TestIndexFileTrim follows a tree's trim through its index file: kept by
// a whole snapshot and taken back at an open when the version index holds
// the index's entries up to it; a file whose trim is past what the
// version index holds is not taken, and the index is built from the rows,
// whole. A file of version 1, which has no trim, reads as of trim 0.
func TestIndexFileTrim(t *testing.T) {
	dir := t.TempDir()
	opts := Options{VersionIndex: true, SnapshotEvents: -1, SnapshotBytes: -1}
	db := openDB(t, dir, opts)
	defer func() { db.Close() }()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"n"}}))
	for i := range 50 {
		_, err := db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d, "n": %d}`, i, i%4))
		mustExec(t, err)
	}
	for i := range 50 {
		_, err := db.Patch(ctx, "t", int64(i), fmt.Appendf(nil, `{"n": %d}`, i%3))
		mustExec(t, err)
	}
	mark, err := db.SnapshotTable("t") // the pass puts the entries up to mark
	mustExec(t, err)
	whole := func(trim uint64) {
		t.Helper()
		setTrims(db, "t", trim)
		db.snapMu.Lock()
		_, err := db.snapshotLocked("t", true)
		db.snapMu.Unlock()
		mustExec(t, err)
	}
	tree := func() *indexTree {
		ts, _ := db.View().lookupTable("t")
		return ts.indexes["n"]
	}
	// ones counts the rows whose n is 1 now, as a lookup finds them.
	ones := func() int {
		t.Helper()
		n := 0
		mustExec(t, db.View().IndexLookup("t", "n", OpEq, int64(1), func(*Row) bool { n++; return true }))
		return n
	}
	reopen := func() {
		t.Helper()
		db.Close()
		db = openDB(t, dir, opts)
	}
	whole(mark)
	entries := tree().Len()
	reopen()
	if got := tree().trim; got != mark {
		t.Fatalf("after a reopen, the tree's trim is %d, want %d", got, mark)
	}
	if got := tree().Len(); got != entries {
		t.Fatalf("after a reopen, the tree holds %d entries, want the file's %d", got, entries)
	}
	if got := ones(); got != 17 {
		t.Fatalf("%d rows with n = 1, want 17", got)
	}

	whole(db.Seq() + 1) // past the mark of the pass at this snapshot
	reopen()
	if got := tree().trim; got != 0 {
		t.Fatalf("a file trimmed past the version index's reach was taken: trim %d", got)
	}
	if got, want := tree().Len(), 50+50*2/3; got < want {
		t.Fatalf("the index built from the rows holds %d entries, want at least %d", got, want)
	}
	if got := ones(); got != 17 {
		t.Fatalf("%d rows with n = 1, want 17", got)
	}

	// Version 1: the same file with the version of before.
	whole(0)
	db.Close()
	path := idxPath(db.st.StreamDir("t"), "n")
	b, err := os.ReadFile(path)
	mustExec(t, err)
	binary.LittleEndian.PutUint32(b[8:], 1)
	mustExec(t, os.WriteFile(path, b, 0o644))
	var logged strings.Builder
	o := opts
	o.Logger = slog.New(slog.NewTextHandler(&logged, nil))
	db = openDB(t, dir, o)
	if strings.Contains(logged.String(), "rebuilding an index") {
		t.Fatalf("a version 1 file was not taken: %s", logged.String())
	}
	if got := ones(); got != 17 {
		t.Fatalf("%d rows with n = 1, want 17", got)
	}
}
