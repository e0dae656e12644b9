package engine

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/driftdb/driftdb/vindex"
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
	opts := Options{VersionIndex: true, NewestInIndex: leave}
	db, dir := openTableT(t, &opts, TableSpec{Indexes: []string{"n"}})
	defer func() { db.Close() }()
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
			check("n", seq, made)
		}
	}
	seq = snapshot()
	want := made
	check("n", seq, want)
	// The tree let go of every entry up to the trim: a row's newest is
	// the version index's current entry.
	if got := treeEntries("n", seq); got != 0 {
		t.Fatalf("%d entries in memory up to the trim after 5 rounds and their trims, want none", got)
	}
	if n, m := currentEntries(t, db, "t", "n"); n != rows || m != seq {
		t.Fatalf("%d current entries at seq %d, want one a row, %d, at %d", n, m, rows, seq)
	}

	// An index made on a table the version index holds is built there
	// (buildIndexed): its entries are in place when the statement returns,
	// and the next snapshot, with no write in between, has none to put.
	mustExec(t, db.CreateIndex("t", "s"))
	check("s", seq, rows)
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
	check("n", seq, made)

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
			opts := Options{VersionIndex: vi, NewestInIndex: vi}
			db, dir := openTableT(t, &opts, TableSpec{Indexes: []string{"n"}})
			defer func() { db.Close() }()
			for i := range rows {
				_, err := db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d, "n": %d, "s": 0}`, i, i%4))
				mustExec(t, err)
			}
			base, err := db.SnapshotTable("t")
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
			// The entries made since the base (the entries up to it that
			// those passed go at a trim, with the version index).
			entries := func() []string {
				var es []string
				for _, e := range sourceEntries(t, db.View(), "t", "n") {
					if e.seq > base {
						es = append(es, fmt.Sprintf("%v/%s@%d", e.val, e.key, e.seq))
					}
				}
				return es
			}
			before := entries()
			if len(before) != rows/10 {
				t.Fatalf("%d entries since the base, want %d", len(before), rows/10)
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
	db, _ := openTableT(t, &Options{VersionIndex: true}, TableSpec{Indexes: []string{"v"}})
	defer db.Close()
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
	// The tree as the commits left it: the snapshot's trim lets go of the
	// entries later ones passed, in a tree of its own.
	v := db.View()
	ts, _ := v.lookupTable("t")
	tree := v.trees("t", ts).indexes["v"].Clone()
	_, err := db.SnapshotTable("t")
	mustExec(t, err)
	if p := db.CheckVersionIndex(); len(p) != 0 {
		t.Fatal(p)
	}
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

// TestReadsBelowEntryTrim reads a table's indexes at seqs all along a
// history of changing values, deletions and new rows, written across
// snapshots whose trims let the trees go of the entries later ones
// passed, and checks every read against a scan of the rows at that seq:
// lookups, equality cursors, and ranges both ways and from an open bound
// find the rows whose values match, at their versions, in their order.
// Reads before a tree's trim read the version index: at the end every
// read is sent there (the trims set past the last seq), and the reads, the
// check of the indexes and the unique check of a statement hold.
func TestReadsBelowEntryTrim(t *testing.T) {
	for _, leave := range []bool{false, true} {
		t.Run(fmt.Sprintf("NewestInIndex=%v", leave), func(t *testing.T) { testReadsBelowEntryTrim(t, leave) })
	}
}

// indexQuery is a read of an index and what it must find: the rows match
// passes, in key order, or with byValue in the order of their values (and
// keys), descending with desc.
type indexQuery struct {
	what    string
	run     func(v *View, add func(*Row)) error
	match   func(r *Row) bool
	byValue string
	desc    bool
}

func indexQueries(strs []string) []indexQuery {
	var qs []indexQuery
	lookup := func(field string, op Op, val any) {
		qs = append(qs, indexQuery{
			what: fmt.Sprintf("lookup %s %d %v", field, op, val),
			run: func(v *View, add func(*Row)) error {
				return v.IndexLookup("t", field, op, val, func(r *Row) bool { add(r); return true })
			},
			match: func(r *Row) bool { return matchField(r, field, op, val) },
		})
	}
	drain := func(c *Cursor, err error, add func(*Row)) error {
		if err != nil {
			return err
		}
		for {
			r, err := c.Next(ctx)
			if err != nil || r == nil {
				return err
			}
			add(r)
		}
	}
	cursor := func(field string, op Op, val any) {
		qs = append(qs, indexQuery{
			what: fmt.Sprintf("cursor %s %d %v", field, op, val),
			run: func(v *View, add func(*Row)) error {
				c, err := v.IndexCursor("t", field, op, val)
				return drain(c, err, add)
			},
			match: func(r *Row) bool { return matchField(r, field, op, val) },
		})
	}
	rng := func(field string, lo, hi *Bound, desc bool) {
		kind := kindNumber
		if b := cmp.Or(lo, hi); kindOf(b.Value) == kindString {
			kind = kindString
		}
		qs = append(qs, indexQuery{
			what: fmt.Sprintf("range %s %v %v desc %v", field, lo, hi, desc),
			run: func(v *View, add func(*Row)) error {
				c, err := v.IndexRange("t", field, lo, hi, desc)
				return drain(c, err, add)
			},
			match: func(r *Row) bool {
				d, err := r.Doc()
				if err != nil {
					return false
				}
				x, ok := d[field]
				if !ok || x == nil || kindOf(x) != kind {
					return false
				}
				if lo != nil {
					if c, _ := CompareValues(x, lo.Value); c < 0 || c == 0 && !lo.Incl {
						return false
					}
				}
				if hi != nil {
					if c, _ := CompareValues(x, hi.Value); c > 0 || c == 0 && !hi.Incl {
						return false
					}
				}
				return true
			},
			byValue: field,
			desc:    desc,
		})
	}
	for _, s := range strs {
		lookup("s", OpEq, s)
		cursor("s", OpEq, s)
	}
	for _, op := range []Op{OpEq, OpGt, OpGe, OpLt, OpLe} {
		lookup("n", op, int64(1))
		cursor("n", op, int64(0))
	}
	lookup("u", OpEq, int64(1000*11+3))
	lookup("u", OpGe, int64(1000*14))
	for _, desc := range []bool{false, true} {
		rng("n", &Bound{Value: int64(-1), Incl: true}, &Bound{Value: 2.5}, desc)
		rng("n", &Bound{Value: int64(0)}, nil, desc)
		rng("n", nil, &Bound{Value: int64(1), Incl: true}, desc)
		rng("s", &Bound{Value: "b", Incl: true}, &Bound{Value: "c"}, desc)
	}
	return qs
}

// check runs q at view v and compares what it finds with the rows of
// all, v's rows as a scan finds them (scanRows).
func (q *indexQuery) check(t *testing.T, v *View, all []Row) int {
	t.Helper()
	type found struct {
		key Key
		seq uint64
		val any
	}
	var got, want []found
	mustExec(t, q.run(v, func(r *Row) { got = append(got, found{r.Key, r.Seq, nil}) }))
	for i := range all {
		if r := &all[i]; q.match(r) {
			want = append(want, found{r.Key, r.Seq, r.dec[q.byValue]})
		}
	}
	if q.byValue != "" {
		slices.SortStableFunc(want, func(a, b found) int {
			c := cmp.Or(SortCompare(a.val, b.val), compareKeys(a.key, b.key))
			if q.desc {
				return -c
			}
			return c
		})
	}
	same := len(got) == len(want)
	for i := 0; same && i < len(got); i++ {
		same = got[i].key == want[i].key && got[i].seq == want[i].seq
	}
	if !same {
		t.Fatalf("seq %d: %s found %v, want %v", v.Seq(), q.what, got, want)
	}
	return len(got)
}

// scanRows returns the rows of table t a scan of v finds, decoded.
func scanRows(t *testing.T, v *View) []Row {
	t.Helper()
	var all []Row
	mustExec(t, v.Scan("t", func(r *Row) bool {
		d, err := r.Doc()
		mustExec(t, err)
		all = append(all, Row{Key: r.Key, Seq: r.Seq, UnixMs: r.UnixMs, dec: d})
		return true
	}))
	return all
}

func testReadsBelowEntryTrim(t *testing.T, leave bool) {
	db, _ := openTableT(t, &Options{VersionIndex: true, NewestInIndex: leave}, TableSpec{Indexes: []string{"s", "n"},
		IndexDefs: []IndexSpec{{Name: "t_u", Fields: []string{"u"}, Unique: true}}})
	defer db.Close()
	if leave {
		db.testCurrentBatch = 5 // the current entries change in many batches
	}
	w := newRoundWriter(db)
	strs, live := roundStrs, w.live
	var marks []uint64
	for r := range 16 {
		w.round(t, r)
		if r%5 == 4 {
			mark, err := db.SnapshotTable("t")
			mustExec(t, err)
			marks = append(marks, mark)
		}
	}
	latest := db.Seq()
	ts, _ := db.View().lookupTable("t")
	if trim := ts.indexes["n"].trim; trim != marks[len(marks)-1] {
		t.Fatalf("the index's trim is %d, want the last snapshot's mark %d", trim, marks[len(marks)-1])
	}
	// Memory: the trees hold fewer entries than the version index.
	inIndex := 0
	(&indexedEntries{x: db.vx, oid: ts.spec.OID, field: "n"}).Ascend(func(indexEntry) bool { inIndex++; return true })
	if inTree := ts.indexes["n"].Len(); inTree >= inIndex*2/3 {
		t.Fatalf("the tree holds %d entries of n, the version index %d: the trims let few go", inTree, inIndex)
	}

	qs := indexQueries(strs)
	step := uint64(3)
	if testing.Short() {
		step = 29
	}
	readAll := func() (found, seqs int) {
		for seq := uint64(1); seq <= latest; seq += step {
			v, err := db.ViewAt(seq)
			mustExec(t, err)
			all := scanRows(t, v)
			for i := range qs {
				found += qs[i].check(t, v, all)
			}
			seqs++
		}
		return found, seqs
	}
	if p := db.CheckIndexes(); len(p) > 0 {
		t.Fatalf("CheckIndexes: %q", p)
	}
	if found, _ := readAll(); found < 300 {
		t.Fatalf("the reads found %d rows: too few to tell", found)
	}
	// With no current entries to take (a trim changing them), the reads
	// of the lean trees from their trims on take every entry up to them.
	for _, f := range []string{"s", "n", "u"} {
		ts.log.setCurrentMark(f, 0)
	}
	readAll()
	for _, f := range []string{"s", "n", "u"} {
		_, m := currentEntries(t, db, "t", f)
		ts.log.setCurrentMark(f, m)
	}

	// Every read from the version index: the reads, the check of the
	// indexes, and the unique checks of a transaction that began there.
	_, err := db.SnapshotTable("t")
	mustExec(t, err)
	// Every row has a u: the version index's current entries are those of
	// the live rows, the tree holds none.
	ts, _ = db.View().lookupTable("t")
	if got := ts.indexes["u"].Len(); got != 0 {
		t.Fatalf("the tree of u holds %d entries once trimmed to the last seq, want none", got)
	}
	if got, _ := currentEntries(t, db, "t", "u"); got != len(live) {
		t.Fatalf("%d current entries of u, want one for each of the %d live rows", got, len(live))
	}
	setTrims(db, "t", db.Seq()+1)
	if _, ok := db.View().state.tables["t"].entries("n", latest).(*indexedEntries); !ok {
		t.Fatal("a read below the trim does not read the version index")
	}
	readAll()
	if p := db.CheckIndexes(); len(p) > 0 {
		t.Fatalf("CheckIndexes with the reads from the version index: %q", p)
	}
	var taken, gone int // a live row's u, and one a deleted row had
	for id := range w.next {
		if r, ok, _ := db.View().Get("t", int64(id)); ok && live[id] {
			d, err := r.Doc()
			mustExec(t, err)
			taken = int(d["u"].(int64))
		}
	}
	gone = -1
	for id := range w.next {
		if !live[id] {
			gone = id
		}
	}
	// The statement fails, as its check reads the transaction's snapshot
	// (the commit checks again, in the trees).
	tx := db.Begin()
	_, err = tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "u": %d}`, w.next, taken))
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeUniqueViolation {
		t.Fatalf("an insert of u = %d, a live row's: %v, want 23505", taken, err)
	}
	tx.Rollback()
	if gone >= 0 {
		tx = db.Begin()
		_, err = tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "u": %d}`, w.next, 1000*15+gone))
		mustExec(t, err)
		_, err = tx.Commit(ctx)
		mustExec(t, err)
	}
}

// roundStrs are the values of the field s a roundWriter writes.
var roundStrs = []string{"a", "b", "bb", "c"}

// A roundWriter writes rounds of random changes to table t: 40 writes a
// round, each an insert of a new row, a patch or a delete of a live one,
// of the fields s (text), n (a number or null) and u (unique over the
// rounds).
type roundWriter struct {
	db   *DB
	rng  *rand.Rand
	next int // the next id
	live map[int]bool
}

func newRoundWriter(db *DB) *roundWriter {
	return &roundWriter{db: db, rng: rand.New(rand.NewPCG(5, 6)), live: map[int]bool{}}
}

// round writes round r in one transaction.
func (w *roundWriter) round(t *testing.T, r int) {
	t.Helper()
	nums := []string{"-3", "-1", "0", "1", "2.5", "3", "null"}
	tx := w.db.Begin()
	for range 40 {
		id := w.rng.IntN(w.next + 10)
		if id >= w.next {
			id = w.next
		}
		doc := fmt.Sprintf(`"s": %q, "n": %s, "u": %d`, roundStrs[w.rng.IntN(len(roundStrs))], nums[w.rng.IntN(len(nums))], 1000*r+id)
		var err error
		switch {
		case id == w.next:
			w.next++
			w.live[id] = true
			_, err = tx.Insert("t", fmt.Appendf(nil, `{"id": %d, %s}`, id, doc))
		case !w.live[id]:
			continue
		case w.rng.IntN(8) == 0:
			delete(w.live, id)
			err = tx.SoftDelete("t", int64(id))
		default:
			err = tx.Patch("t", int64(id), fmt.Appendf(nil, `{%s}`, doc))
		}
		mustExec(t, err)
	}
	_, err := tx.Commit(ctx)
	mustExec(t, err)
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

// TestIndexFileTrim follows a tree's trim through its index file: set by
// a snapshot's trim, kept by a whole snapshot and taken back at an open
// when the version index holds the index's entries up to it; with the
// version index removed (made again from the log at the open, its entries
// by the next snapshot), the file is not taken, and the index is built
// from the rows, whole. A file of version 1, which has no trim, reads as
// of trim 0.
func TestIndexFileTrim(t *testing.T) {
	opts := Options{VersionIndex: true}
	db, dir := openTableT(t, &opts, TableSpec{Indexes: []string{"n"}})
	defer func() { db.Close() }()
	for i := range 50 {
		_, err := db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d, "n": %d}`, i, i%4))
		mustExec(t, err)
	}
	for i := range 50 {
		_, err := db.Patch(ctx, "t", int64(i), fmt.Appendf(nil, `{"n": %d}`, i%3))
		mustExec(t, err)
	}
	mark, err := db.SnapshotTable("t") // the pass puts the entries up to mark, the trim follows
	mustExec(t, err)
	whole := func() uint64 { return wholeSnapshot(t, db, "t") }
	tree := func() *indexTree {
		ts, _ := db.View().lookupTable("t")
		return ts.indexes["n"]
	}
	if got := tree().trim; got != mark {
		t.Fatalf("after the snapshot, the tree's trim is %d, want its mark %d", got, mark)
	}
	// The snapshot's file is the trimmed tree at the mark, lean and
	// empty, not the tree the snapshot was written from: an open does
	// not read every entry back.
	f, err := readIndexFile(db.st.FS(), db.st.StreamDir("t"), "n", mark)
	mustExec(t, err)
	if f.Len() != 0 || !f.lean || f.trim != mark {
		t.Fatalf("the snapshot's index file: %d entries, lean %v, trim %d; want none, lean at %d", f.Len(), f.lean, f.trim, mark)
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
	whole()
	entries := tree().Len()
	if entries != 0 || !tree().lean {
		t.Fatalf("the trimmed tree holds %d entries (lean %v), want none", entries, tree().lean)
	}
	if n, m := currentEntries(t, db, "t", "n"); n != 50 || m != mark {
		t.Fatalf("%d current entries at seq %d, want one a row at %d", n, m, mark)
	}
	// A row written after the trim, with a value, then a deletion: read
	// through the tree and the current entries, before and after a reopen.
	_, err = db.Insert(ctx, "t", []byte(`{"id": 50, "n": 1}`))
	mustExec(t, err)
	_, err = db.SoftDelete(ctx, "t", int64(1))
	mustExec(t, err)
	mark = whole() // the new rows' entries are current ones at it
	if got := ones(); got != 17 {
		t.Fatalf("%d rows with n = 1, want 17", got)
	}
	reopen()
	if got := tree().trim; got != mark || !tree().lean {
		t.Fatalf("after a reopen, the tree's trim is %d (lean %v), want %d", got, tree().lean, mark)
	}
	if got := tree().Len(); got != 0 {
		t.Fatalf("after a reopen, the tree holds %d entries, want the file's none", got)
	}
	// The tree's entry up to the current mark is a current one too: a read
	// takes it once.
	if es := sourceEntries(t, db.View(), "t", "n"); len(es) != 50 {
		t.Fatalf("a read finds %d entries, want the 50 current ones", len(es))
	}
	if got := ones(); got != 17 {
		t.Fatalf("%d rows with n = 1, want 17", got)
	}
	// Without the current entries in the version index, the lean file is
	// not taken: the index is built again, into the version index, at the
	// snapshot's seq.
	db.Close()
	func() {
		x, err := vindex.Open(filepath.Join(dir, versionIndexDir), vindex.Options{})
		mustExec(t, err)
		defer x.Close()
		b := x.NewBatch()
		mustExec(t, b.ClearCurrent(db.View().state.tables["t"].spec.OID, "n"))
		mustExec(t, b.Apply())
		mustExec(t, x.Flush())
	}()
	var logged strings.Builder
	o := opts
	o.Logger = slog.New(slog.NewTextHandler(&logged, nil))
	db = openDB(t, dir, o)
	if !strings.Contains(logged.String(), "rebuilding an index") {
		t.Fatalf("a lean file was taken with no current entries: %s", logged.String())
	}
	if !tree().lean || tree().trim != mark || tree().Len() != 0 {
		t.Fatalf("the index built again: lean %v, trimmed at %d, %d entries; want lean and empty at %d", tree().lean, tree().trim, tree().Len(), mark)
	}
	if n, m := currentEntries(t, db, "t", "n"); n != 50 || m != mark {
		t.Fatalf("%d current entries at seq %d, want one a row at %d", n, m, mark)
	}
	if got := ones(); got != 17 {
		t.Fatalf("%d rows with n = 1, want 17", got)
	}
	reopen()

	// With the version index gone, the lean file is not taken either: the
	// open makes the version index again from the log, and the index is
	// built into it.
	db.Close()
	mustExec(t, os.RemoveAll(filepath.Join(dir, versionIndexDir)))
	logged.Reset()
	db = openDB(t, dir, o)
	if !strings.Contains(logged.String(), "rebuilding an index") {
		t.Fatalf("a trimmed file was taken with no version index to read its entries from: %s", logged.String())
	}
	if n, m := currentEntries(t, db, "t", "n"); n != 50 || m != mark || tree().trim != mark {
		t.Fatalf("%d current entries at seq %d, the tree trimmed at %d; want one a row at %d", n, m, tree().trim, mark)
	}
	if got := ones(); got != 17 {
		t.Fatalf("%d rows with n = 1, want 17", got)
	}

	// Version 1: the same file with the version of before. The tree
	// built from the rows has trim 0 until the next snapshot's trim.
	whole()
	db.Close()
	path := idxPath(db.st.StreamDir("t"), "n")
	b, err := os.ReadFile(path)
	mustExec(t, err)
	binary.LittleEndian.PutUint32(b[8:], 1)
	mustExec(t, os.WriteFile(path, b, 0o644))
	logged.Reset()
	db = openDB(t, dir, o)
	if strings.Contains(logged.String(), "rebuilding an index") {
		t.Fatalf("a version 1 file was not taken: %s", logged.String())
	}
	if got := ones(); got != 17 {
		t.Fatalf("%d rows with n = 1, want 17", got)
	}
}

// TestTrimBesideWriters trims the index trees at snapshots taken while
// a writer changes the indexed values and readers look them up, now and
// at past seqs: every lookup finds the rows a scan of the same view finds.
func TestTrimBesideWriters(t *testing.T) {
	db, _ := openTableT(t, &Options{VersionIndex: true}, TableSpec{Indexes: []string{"g"}})
	defer db.Close()
	// The current entries change in many batches, the readers reading
	// every entry up to the trims meanwhile.
	db.testCurrentBatch = 8
	const rows = 300
	for i := range rows {
		_, err := db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d, "g": %d}`, i, i%10))
		mustExec(t, err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	wg.Go(func() { // the writer
		rng := rand.New(rand.NewPCG(1, 2))
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			id := rng.IntN(rows)
			var err error
			if i%50 == 49 {
				_, err = db.SoftDelete(ctx, "t", int64(id))
				if err == nil {
					_, err = db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d, "g": %d}`, id, rng.IntN(10)))
				}
			} else {
				_, err = db.Patch(ctx, "t", int64(id), fmt.Appendf(nil, `{"g": %d}`, rng.IntN(10)))
			}
			if err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Go(func() { // the snapshots, each with its trim
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			if _, err := db.SnapshotTable("t"); err != nil {
				errs <- err
				return
			}
		}
	})
	rng := rand.New(rand.NewPCG(3, 4))
	checked := 0
	for deadline := time.Now().Add(1500 * time.Millisecond); time.Now().Before(deadline); {
		v := db.View()
		if rng.IntN(2) == 0 && v.Seq() > 1 {
			var err error
			v, err = db.ViewAt(1 + rng.Uint64N(v.Seq()))
			mustExec(t, err)
		}
		g := int64(rng.IntN(10))
		var got, want []Key
		mustExec(t, v.IndexLookup("t", "g", OpEq, g, func(r *Row) bool { got = append(got, r.Key); return true }))
		mustExec(t, v.Scan("t", func(r *Row) bool {
			if matchField(r, "g", OpEq, g) {
				want = append(want, r.Key)
			}
			return true
		}))
		if !slices.Equal(got, want) {
			close(stop)
			wg.Wait()
			t.Fatalf("seq %d: g = %d finds %v, a scan %v", v.Seq(), g, got, want)
		}
		checked++
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	ts, _ := db.View().lookupTable("t")
	if ts.indexes["g"].trim == 0 || checked < 20 {
		t.Fatalf("trim %d after the snapshots, %d lookups checked: nothing to tell", ts.indexes["g"].trim, checked)
	}
}

// openTableT opens a database in a new directory with opts, its automatic
// snapshots turned off there (a test takes its own), and makes table t
// keyed by id with spec's indexes. It returns the database and its
// directory, for a test that opens it again with opts.
func openTableT(t *testing.T, opts *Options, spec TableSpec) (*DB, string) {
	t.Helper()
	dir := t.TempDir()
	opts.SnapshotEvents, opts.SnapshotBytes = -1, -1
	db := openDB(t, dir, *opts)
	spec.Name, spec.PK = "t", "id"
	mustExec(t, db.CreateTable(spec))
	return db, dir
}

// currentEntries returns the number of current entries of table's index
// on field in the version index, and their mark.
func currentEntries(t testing.TB, db *DB, table, field string) (int, uint64) {
	t.Helper()
	oid := db.View().state.tables[table].spec.OID
	r, err := db.vx.NewCurrent()
	mustExec(t, err)
	defer r.Close()
	n := 0
	for ok := r.Seek(oid, field, nil); ok; ok = r.Next() {
		n++
	}
	mustExec(t, r.Err())
	m, _, err := db.vx.CurrentMark(oid, field)
	mustExec(t, err)
	return n, m.Seq
}

// sourceEntries returns the entries a read of view v finds of table's
// index on field, in order.
func sourceEntries(t *testing.T, v *View, table, field string) []indexEntry {
	t.Helper()
	src := v.state.tables[table].entries(field, v.seq)
	var es []indexEntry
	src.Descend(func(e indexEntry) bool {
		es = append(es, e)
		return true
	})
	mustExec(t, src.Err())
	slices.Reverse(es)
	return es
}

// TestEntryDecoder: a walk's decoder gives each entry what decodeEntry
// gives it, taking the value of the entry before when the bytes are the
// same, and never sharing an array or an object between entries.
func TestEntryDecoder(t *testing.T) {
	vals := []any{"open", "open", "open", "opened", "paid", int64(5), int64(5), 5.5, 5.5, true, true,
		[]any{"a", int64(1)}, []any{"a", int64(1)}, map[string]any{"x": "y"}, map[string]any{"x": "y"}, "z", "z"}
	var d entryDecoder
	var prev indexEntry
	for i, v := range vals {
		e := newEntry(v, Key{Int: int64(i), IsInt: true}, uint64(100+i))
		b := appendEntry(nil, &e)
		got, err := d.decode(b, e.seq)
		if err != nil {
			t.Fatal(err)
		}
		want, err := decodeEntry(b, e.seq)
		if err != nil {
			t.Fatal(err)
		}
		if compareEntries(&got, &want) != 0 || got.seq != want.seq || got.pfx != want.pfx || fmt.Sprintf("%T", got.val) != fmt.Sprintf("%T", want.val) {
			t.Fatalf("%d (%v): %+v, want %+v", i, v, got, want)
		}
		switch got.val.(type) {
		case []any, map[string]any:
			if i > 0 && fmt.Sprintf("%p", got.val) == fmt.Sprintf("%p", prev.val) {
				t.Fatalf("%d (%v): the value of the entry before, shared", i, v)
			}
		}
		prev = got
	}
	// A value that begins as the one before but is another.
	e1, e2 := newEntry("ab", Key{Str: "k"}, 1), newEntry("abc", Key{Str: "k"}, 2)
	var d2 entryDecoder
	for _, e := range []indexEntry{e1, e2} {
		got, err := d2.decode(appendEntry(nil, &e), e.seq)
		if err != nil || got.val != e.val {
			t.Fatalf("%v: %v, %v", e.val, got.val, err)
		}
	}
}
