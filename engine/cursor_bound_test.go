package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// boundDB is cursorDB's table with some values of n made NULL (the field
// missing, or null), some made strings, and a transaction that inserts,
// patches and deletes rows on top, left open for the caller.
func boundDB(t *testing.T, rows int) (*DB, *Txn) {
	t.Helper()
	db, _ := cursorDB(t, rows, 3)
	rng := rand.New(rand.NewPCG(3, 3))
	tx := db.Begin()
	mustExec(t, tx.View().Scan("t", func(r *Row) bool {
		var patch string
		switch rng.IntN(10) {
		case 0:
			patch = `{"n": null}`
		case 1:
			patch = `{"n": "x"}`
		default:
			return true
		}
		mustExec(t, tx.Patch("t", r.Key.Int, []byte(patch)))
		return true
	}))
	_, err := tx.Commit(ctx)
	mustExec(t, err)
	// Rows whose n is stored as null.
	tx = db.Begin()
	for i := range 40 {
		_, err := tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "n": null}`, 100001+2*i))
		mustExec(t, err)
	}
	_, err = tx.Commit(ctx)
	mustExec(t, err)

	// The transaction's own writes, all through the table: new rows
	// between the old ones and past them, rows patched to other values
	// or to NULL, rows deleted.
	tx = db.Begin()
	t.Cleanup(func() { tx.Rollback() })
	for i := range 60 {
		var doc string
		switch i % 4 {
		case 0:
			doc = fmt.Sprintf(`{"id": %d, "n": %d}`, 2*rng.IntN(rows)+1, rng.IntN(1200))
		case 1:
			doc = fmt.Sprintf(`{"id": %d}`, 2*rng.IntN(rows)+1)
		case 2:
			doc = fmt.Sprintf(`{"id": %d, "n": null}`, 200001+i)
		default:
			doc = fmt.Sprintf(`{"id": %d, "n": %d}`, 200001+i, rng.IntN(1200))
		}
		if _, err := tx.Insert("t", []byte(doc)); err != nil && Code(err) != CodeUniqueViolation {
			t.Fatal(err)
		}
	}
	mustExec(t, tx.View().Scan("t", func(r *Row) bool {
		switch rng.IntN(8) {
		case 0:
			mustExec(t, tx.Patch("t", r.Key.Int, fmt.Appendf(nil, `{"n": %d}`, rng.IntN(1200))))
		case 1:
			mustExec(t, tx.Patch("t", r.Key.Int, []byte(`{"n": null}`)))
		case 2:
			mustExec(t, tx.SoftDelete("t", r.Key.Int))
		}
		return true
	}))
	return db, tx
}

// boundKeeps is what a bound must keep of a field's value.
func boundKeeps(v any, p Pred) bool {
	if v == nil {
		return p.KeepNull
	}
	return modelKeeps(v, p)
}

// TestCursorBound: a bound added after Next has started, and tightened
// later, drops from the chunks read after it exactly the rows it does not
// keep; the rows of the chunk being read when it changed may still come.
// Checked at the head and in a transaction whose own writes are merged
// in, for both directions, with NULLs kept and dropped.
func TestCursorBound(t *testing.T) {
	db, tx := boundDB(t, 6*cursorChunk+9)
	// slack bounds how many rows past the point where a bound changed
	// may come unchecked: the rest of the chunk, which may hold the
	// transaction's writes besides its cursorChunk rows of the table.
	slack := cursorChunk + 100
	for _, v := range []*View{db.View(), tx.View()} {
		all := scanAll(t, v, "t")
		for _, c := range []struct {
			op          Op
			loose, firm int64
		}{{OpGe, 400, 900}, {OpLe, 700, 150}, {OpGt, 100, 500}, {OpLt, 1000, 300}} {
			for _, keepNull := range []bool{false, true} {
				what := fmt.Sprintf("txn %v, n %v %d then %d, KeepNull %v", v.txn != nil, c.op, c.loose, c.firm, keepNull)
				cur, err := v.Cursor("t")
				mustExec(t, err)
				var got []seen
				read := func(n int) { got = append(got, readCursor(t, cur, n)...) }
				read(100)
				p := Pred{Field: "n", Op: c.op, Value: c.loose, KeepNull: keepNull}
				h, err := cur.Bound(p)
				mustExec(t, err)
				read(2 * cursorChunk)
				mustExec(t, cur.Tighten(h, c.firm))
				firm := p
				firm.Value = c.firm
				at := len(got) // rows read before the bound tightened
				read(len(all))

				// got must be all[:100], then a subsequence of the rest
				// that holds every row the firm bound keeps; of the rows
				// past a change of the bound, only those left in the
				// chunk being read (slack) may fail it; and every row
				// left out is one the cursor counts as dropped.
				sameRows(t, what+", before the bound", got[:min(100, len(got))], all[:100])
				i := 100
				for j, r := range all[100:] {
					pos := 100 + j
					if i < len(got) && got[i].Key == r.Key {
						sameRows(t, what, got[i:i+1], all[pos:pos+1])
						i++
						continue
					}
					if boundKeeps(r.Doc["n"], firm) {
						t.Fatalf("%s: row %v (n %v) was dropped", what, r.Key, r.Doc["n"])
					}
				}
				if i != len(got) {
					t.Fatalf("%s: %d rows, %d of them in order", what, len(got), i)
				}
				failing := func(rows []seen, p Pred) (n int) {
					for _, r := range rows {
						if !boundKeeps(r.Doc["n"], p) {
							n++
						}
					}
					return n
				}
				if n := failing(got[100:], p); n > slack {
					t.Fatalf("%s: %d rows past the bound fail it", what, n)
				}
				if n := failing(got[at:], firm); n > slack {
					t.Fatalf("%s: %d rows past the tightened bound fail it", what, n)
				}
				if d := cur.Dropped(); d != int64(len(all)-len(got)) {
					t.Fatalf("%s: %d rows dropped, %d left out", what, d, len(all)-len(got))
				}
				if len(got) >= len(all)*9/10 {
					t.Fatalf("%s: %d rows of %d: the bound dropped few", what, len(got), len(all))
				}
			}
		}
	}

	// A bound moves only to values of its kind, and only bounds exist.
	cur, err := db.View().Cursor("t")
	mustExec(t, err)
	h, err := cur.Bound(Pred{Field: "n", Op: OpGe, Value: int64(1)})
	mustExec(t, err)
	if err := cur.Tighten(h, "x"); err == nil {
		t.Error("an integer bound moved to a string")
	}
	if err := cur.Tighten(h, 2.5); err != nil {
		t.Error(err)
	}
	if err := cur.Tighten(h+1, int64(3)); err == nil {
		t.Error("Tighten of no bound")
	}
	if _, err := cur.Bound(Pred{Field: "n", Op: OpGe, Value: []any{}}); err == nil {
		t.Error("a bound on an array was accepted")
	}
}

// TestCursorBoundLift: a lifted bound keeps every row from the next chunk
// on until Tighten checks it again; Dropped counts the rows the bound
// dropped.
func TestCursorBoundLift(t *testing.T) {
	// Rows enough for chunks that end at cursorVisits rows visited.
	db, tx := boundDB(t, 4*cursorVisits)
	slack := cursorChunk + 100
	for _, v := range []*View{db.View(), tx.View()} {
		all := scanAll(t, v, "t")
		pos := func(k Key) int { return slices.IndexFunc(all, func(r seen) bool { return r.Key == k }) }
		cur, err := v.Cursor("t")
		mustExec(t, err)
		p := Pred{Field: "n", Op: OpGe, Value: int64(900)}
		h, err := cur.Bound(p)
		mustExec(t, err)
		var got []seen
		read := func(n int) { got = append(got, readCursor(t, cur, n)...) }
		read(30)
		for _, r := range got {
			if !boundKeeps(r.Doc["n"], p) {
				t.Fatalf("txn %v: row %v (n %v) came with the bound on", v.txn != nil, r.Key, r.Doc["n"])
			}
		}
		// A lifted bound drops no more rows: those left out are the ones
		// dropped before (in the chunks read so far).
		dropped := cur.Dropped()
		if dropped == 0 {
			t.Fatalf("txn %v: no rows dropped", v.txn != nil)
		}
		mustExec(t, cur.Lift(h))
		mustExec(t, cur.Lift(h))
		read(len(all) / 2)
		last := pos(got[len(got)-1].Key)
		if d := cur.Dropped(); d != dropped || int64(last+1-len(got)) != d {
			t.Fatalf("txn %v: lifted: %d rows dropped, was %d; %d of %d rows came", v.txn != nil, d, dropped, len(got), last+1)
		}
		sameRows(t, "lifted", got[len(got)-cursorChunk:], all[last+1-cursorChunk:last+1])
		// Tightened again, the bound drops rows again.
		mustExec(t, cur.Tighten(h, int64(900)))
		at := len(got)
		read(len(all))
		if d := cur.Dropped(); d == dropped || d != int64(len(all)-len(got)) {
			t.Fatalf("txn %v: tightened again: %d rows dropped, was %d; %d of %d rows came", v.txn != nil, d, dropped, len(got), len(all))
		}
		n := 0
		for _, r := range got[at:] {
			if !boundKeeps(r.Doc["n"], p) {
				n++
			}
		}
		if n > slack {
			t.Fatalf("txn %v: %d rows fail the bound on again", v.txn != nil, n)
		}
	}
	cur, err := db.View().Cursor("t")
	mustExec(t, err)
	mustExec(t, cur.Where(Pred{Field: "n", Op: OpGe, Value: int64(1)}))
	if err := cur.Lift(0); err == nil {
		t.Error("a predicate of Where was lifted")
	}
	if err := cur.Tighten(0, int64(5)); err == nil {
		t.Error("a predicate of Where was tightened")
	}
}

// TestCursorBoundTopN: a top-N that tightens its cursor's bound each time
// its worst row changes keeps exactly the rows a sort of all of them
// gives first, reading far fewer: NULLs first and last, ascending and
// descending, ties on n decided by the key, at the head and in a
// transaction.
func TestCursorBoundTopN(t *testing.T) {
	db, tx := boundDB(t, 6*cursorChunk+9)
	type entry struct {
		key  Key
		n    any // int64, or nil
		null bool
	}
	for _, v := range []*View{db.View(), tx.View()} {
		all := scanAll(t, v, "t")
		for _, desc := range []bool{false, true} {
			for _, nullsFirst := range []bool{false, true} {
				for _, limit := range []int{1, 10, 300} {
					what := fmt.Sprintf("txn %v, desc %v, nulls first %v, limit %d", v.txn != nil, desc, nullsFirst, limit)
					// order is the sort: n (strings are left out, as
					// a filter would), then the key.
					order := func(a, b entry) int {
						switch {
						case a.null && b.null:
						case a.null != b.null:
							if a.null == nullsFirst {
								return -1
							}
							return 1
						default:
							c, _ := CompareValues(a.n, b.n)
							if desc {
								c = -c
							}
							if c != 0 {
								return c
							}
						}
						return compareKeys(a.key, b.key)
					}
					entryOf := func(doc map[string]any, k Key) (entry, bool) {
						switch n := doc["n"].(type) {
						case nil:
							return entry{key: k, null: true}, true
						case int64:
							return entry{key: k, n: n}, true
						}
						return entry{}, false
					}
					var want []entry
					for _, r := range all {
						if e, ok := entryOf(r.Doc, r.Key); ok {
							want = append(want, e)
						}
					}
					slices.SortFunc(want, order)
					want = want[:min(limit, len(want))]

					cur, err := v.Cursor("t")
					mustExec(t, err)
					op := OpLe
					if desc {
						op = OpGe
					}
					h, bound := -1, Pred{Field: "n", Op: op, KeepNull: nullsFirst}
					var top []entry
					read := 0
					for {
						r, err := cur.Next(ctx)
						mustExec(t, err)
						if r == nil {
							break
						}
						read++
						doc, err := r.Doc()
						mustExec(t, err)
						e, ok := entryOf(doc, r.Key)
						if !ok {
							continue
						}
						i, _ := slices.BinarySearchFunc(top, e, order)
						if i >= limit {
							continue
						}
						top = slices.Insert(top, i, e)
						if len(top) > limit {
							top = top[:limit]
						}
						if worst := top[len(top)-1]; len(top) == limit && !worst.null {
							if h < 0 {
								bound.Value = worst.n
								h, err = cur.Bound(bound)
							} else {
								err = cur.Tighten(h, worst.n)
							}
							mustExec(t, err)
						}
					}
					if len(top) != len(want) {
						t.Fatalf("%s: %d rows, want %d", what, len(top), len(want))
					}
					for i := range want {
						if order(top[i], want[i]) != 0 {
							t.Fatalf("%s: row %d is %v, want %v", what, i, top[i], want[i])
						}
					}
					if limit < 100 && !want[len(want)-1].null && read > len(all)/2 {
						t.Errorf("%s: read %d rows of %d", what, read, len(all))
					}
				}
			}
		}
	}
}
