package engine

import (
	"fmt"
	"slices"
	"testing"
)

// modelRange is what IndexRange must return: the rows of a scan whose
// field is in the range, in value then key order.
func modelRange(t *testing.T, v *View, table, field string, lo, hi *Bound, desc bool) []seen {
	t.Helper()
	in := func(val any) bool {
		for i, b := range []*Bound{lo, hi} {
			if b == nil {
				continue
			}
			c, ok := CompareValues(val, b.Value)
			if !ok || c == 0 && !b.Incl || i == 0 && c < 0 || i == 1 && c > 0 {
				return false
			}
		}
		return true
	}
	var out []seen
	for _, r := range scanAll(t, v, table) {
		if val, ok := r.Doc[field]; ok && val != nil && in(val) {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b seen) int {
		c := SortCompare(a.Doc[field], b.Doc[field])
		if c == 0 {
			c = compareKeys(a.Key, b.Key)
		}
		if desc {
			return -c
		}
		return c
	})
	return out
}

// TestIndexRange: IndexRange returns exactly the rows in the range, in
// value order both ways, at the head and in the past of a table whose rows
// changed values (stale index entries must not show), over many chunks,
// and with a transaction's writes merged in.
func TestIndexRange(t *testing.T) {
	db, seqs := cursorDB(t, 3*cursorChunk+5, 21)
	b := func(v any, incl bool) *Bound { return &Bound{Value: v, Incl: incl} }
	ranges := []struct{ lo, hi *Bound }{
		{b(int64(100), true), b(int64(400), true)},
		{b(int64(100), false), b(int64(400), false)},
		{nil, b(int64(250), true)},
		{b(int64(990), false), nil},
		{b(1.5, true), b(2.0, false)}, // on grp: all of 1s... none of 2s
		{b(int64(5), true), b(int64(5), true)},
		{b(int64(7), true), b(int64(5), true)}, // empty
		{b(int64(-10), true), nil},
	}
	check := func(what string, v *View) {
		t.Helper()
		for _, field := range []string{"n", "grp"} {
			for _, r := range ranges {
				for _, desc := range []bool{false, true} {
					c, err := v.IndexRange("t", field, r.lo, r.hi, desc)
					mustExec(t, err)
					sameRows(t, fmt.Sprintf("%s: %s in [%v, %v] desc %v", what, field, r.lo, r.hi, desc),
						drainCursor(t, c), modelRange(t, v, "t", field, r.lo, r.hi, desc))
				}
			}
		}
	}
	for _, seq := range []uint64{db.Seq(), seqs[0], seqs[2]} {
		v, err := db.ViewAt(seq)
		mustExec(t, err)
		check(fmt.Sprintf("AS OF %d", seq), v)
	}
	tx := db.Begin()
	defer tx.Rollback()
	for _, doc := range []string{`{"id": -1, "n": 100, "grp": 1}`, `{"id": 3, "n": 400, "grp": 0}`, `{"id": 100001, "n": 5}`, `{"id": 7, "n": "x"}`} {
		_, err := tx.Insert("t", []byte(doc))
		mustExec(t, err)
	}
	n := 0
	mustExec(t, tx.View().Scan("t", func(r *Row) bool {
		n++
		switch {
		case r.Key.Int < 0 || r.Key.Int%2 != 0:
		case n%5 == 0:
			mustExec(t, tx.SoftDelete("t", r.Key.Int))
		case n%5 == 1:
			mustExec(t, tx.Patch("t", r.Key.Int, fmt.Appendf(nil, `{"n": %d}`, n%600)))
		}
		return n < 200
	}))
	check("in a transaction", tx.View())

	// After TRUNCATE in the transaction, only its own later rows are in
	// range.
	tt := db.Begin()
	defer tt.Rollback()
	mustExec(t, tt.Truncate("t"))
	_, err := tt.Insert("t", []byte(`{"id": 5, "n": 200}`))
	mustExec(t, err)
	c, err := tt.View().IndexRange("t", "n", b(int64(0), true), nil, false)
	mustExec(t, err)
	if got := drainCursor(t, c); len(got) != 1 || got[0].Key.Int != 5 {
		t.Fatalf("range after TRUNCATE in the transaction: %v", got)
	}
	check("after TRUNCATE in a transaction", tt.View())

	for _, bad := range []struct{ lo, hi *Bound }{{nil, nil}, {b("a", true), b(int64(1), true)}, {b([]any{}, true), nil}} {
		if _, err := db.View().IndexRange("t", "n", bad.lo, bad.hi, false); err == nil {
			t.Errorf("range [%v, %v] accepted", bad.lo, bad.hi)
		}
	}
}

// TestIndexRangeKinds: an index holding strings, numbers and booleans
// answers a range of one kind with values of that kind only.
func TestIndexRangeKinds(t *testing.T) {
	db := openDB(t, t.TempDir(), Options{})
	defer db.Close()
	mustExec(t, db.CreateTable(TableSpec{Name: "m", PK: "id", Indexes: []string{"v"}}))
	vals := []string{`"b"`, `"a"`, `""`, `"ab"`, `1`, `-2.5`, `true`, `false`, `null`, `[1]`, `{"x": 1}`, `"zz"`, `10`, `2`}
	for i, v := range vals {
		_, err := db.Insert(ctx, "m", fmt.Appendf(nil, `{"id": %d, "v": %s}`, i, v))
		mustExec(t, err)
	}
	b := func(v any, incl bool) *Bound { return &Bound{Value: v, Incl: incl} }
	v := db.View()
	for _, r := range []struct{ lo, hi *Bound }{
		{b("a", true), nil}, {nil, b("b", true)}, {b("", false), b("zz", false)},
		{b(int64(0), true), nil}, {nil, b(int64(2), true)}, {nil, b(false, true)}, {b(false, false), nil},
	} {
		for _, desc := range []bool{false, true} {
			c, err := v.IndexRange("m", "v", r.lo, r.hi, desc)
			mustExec(t, err)
			sameRows(t, fmt.Sprintf("[%v, %v] desc %v", r.lo, r.hi, desc), drainCursor(t, c), modelRange(t, v, "m", "v", r.lo, r.hi, desc))
		}
	}
}
