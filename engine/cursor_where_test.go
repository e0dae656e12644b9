package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestCursorWhere: a cursor with predicates returns exactly the rows of a
// scan that the predicates do not certainly fail: a missing or null field
// fails, a value of the predicate's kind is compared, a value of another
// kind is kept for the caller's filter. Checked at the head, in the past,
// through an index cursor, and with a transaction's own writes merged in.
func TestCursorWhere(t *testing.T) {
	db, seqs := cursorDB(t, 3*cursorChunk+5, 11)
	// Give some rows a field "s" of mixed kinds: strings, numbers, null,
	// and none.
	rng := rand.New(rand.NewPCG(5, 5))
	tx := db.Begin()
	mustExec(t, tx.View().Scan("t", func(r *Row) bool {
		var patch string
		switch rng.IntN(5) {
		case 0:
			patch = fmt.Sprintf(`{"s": "v%d"}`, rng.IntN(20))
		case 1:
			// Integers of every stored width, and one past int64.
			patch = fmt.Sprintf(`{"s": %s}`, []string{"0", "7", "19", "-5", "-200", "200", "-40000", "70000",
				"5000000000", "-5000000000", "9223372036854775807", "18446744073709551615", "7.0"}[rng.IntN(13)])
		case 2:
			patch = `{"s": null}`
		case 3:
			patch = fmt.Sprintf(`{"s": "%s"}`, []string{"", "ä", "v1", "v10"}[rng.IntN(4)])
		default:
			return true
		}
		mustExec(t, tx.Patch("t", r.Key.Int, []byte(patch)))
		return true
	}))
	_, err := tx.Commit(ctx)
	mustExec(t, err)

	preds := [][]Pred{
		{{Field: "s", Op: OpEq, Value: "v1"}},
		{{Field: "s", Op: OpGe, Value: "v10"}},
		{{Field: "s", Op: OpLt, Value: "v"}},
		{{Field: "s", Op: OpEq, Value: int64(7)}},
		{{Field: "s", Op: OpGt, Value: 3.5}},
		{{Field: "s", Op: OpGe, Value: int64(-200)}, {Field: "s", Op: OpLt, Value: int64(70000)}},
		{{Field: "s", Op: OpGt, Value: int64(5000000000)}},
		{{Field: "s", Op: OpLe, Value: int64(-5)}},
		{{Field: "n", Op: OpLe, Value: int64(300)}, {Field: "grp", Op: OpEq, Value: int64(1)}},
		{{Field: "n", Op: OpGt, Value: 2.5}},
		{{Field: "again", Op: OpEq, Value: true}},
		{{Field: "nope", Op: OpEq, Value: "x"}},
	}
	check := func(what string, v *View, c *Cursor, ps []Pred) {
		t.Helper()
		mustExec(t, c.Where(ps...))
		var want []seen
		for _, r := range scanAll(t, v, "t") {
			keep := true
			for _, p := range ps {
				keep = keep && modelKeeps(r.Doc[p.Field], p)
			}
			if keep {
				want = append(want, r)
			}
		}
		sameRows(t, what, drainCursor(t, c), want)
	}
	for _, seq := range []uint64{db.Seq(), seqs[1]} {
		v, err := db.ViewAt(seq)
		mustExec(t, err)
		for _, ps := range preds {
			c, err := v.Cursor("t")
			mustExec(t, err)
			check(fmt.Sprintf("%v AS OF %d", ps, seq), v, c, ps)
		}
	}
	// Through an index: only rows of grp 2 come, the predicates thin them.
	v := db.View()
	for _, ps := range preds {
		c, err := v.IndexCursor("t", "grp", OpEq, int64(2))
		mustExec(t, err)
		mustExec(t, c.Where(ps...))
		var want []seen
		for _, r := range lookupAll(t, v, "t", "grp", OpEq, int64(2)) {
			keep := true
			for _, p := range ps {
				keep = keep && modelKeeps(r.Doc[p.Field], p)
			}
			if keep {
				want = append(want, r)
			}
		}
		sameRows(t, fmt.Sprintf("index grp = 2, %v", ps), drainCursor(t, c), want)
	}
	// A transaction's own writes are checked as decoded documents.
	tx = db.Begin()
	defer tx.Rollback()
	for i, doc := range []string{`{"id": -1, "s": "v1"}`, `{"id": 3, "s": 1}`, `{"id": 100001, "s": null, "n": 1}`} {
		_, err := tx.Insert("t", []byte(doc))
		if err != nil {
			t.Fatal(i, err)
		}
	}
	mustExec(t, tx.Patch("t", int64(0), []byte(`{"s": "v1"}`)))
	v = tx.View()
	for _, ps := range preds {
		c, err := v.Cursor("t")
		mustExec(t, err)
		check(fmt.Sprintf("in a transaction, %v", ps), v, c, ps)
	}

	c, err := v.Cursor("t")
	mustExec(t, err)
	if err := c.Where(Pred{Field: "s", Op: OpEq, Value: []any{1}}); err == nil {
		t.Fatal("a predicate on an array was accepted")
	}
}

// modelKeeps is what a predicate must keep of a field's value.
func modelKeeps(v any, p Pred) bool {
	if v == nil {
		return false
	}
	if kindOf(v) != kindOf(p.Value) {
		return true
	}
	c, _ := CompareValues(v, p.Value)
	return p.Op.holds(c)
}

// TestPredNumbers: a condition on a number gives on the stored document
// what it gives on the decoded value, for integers, floats and decimals
// stored as their text (a numeric's), against integers, floats and
// decimals, at and around equality, with NaN and the infinities.
func TestPredNumbers(t *testing.T) {
	stored := []any{int64(0), int64(-7), int64(5000), int64(math.MaxInt64), 1.5, -0.25, math.Inf(1),
		json.Number("0"), json.Number("-0"), json.Number("1.50"), json.Number("1.5"), json.Number("5000.000"),
		json.Number("4999.9999999999999999999"), json.Number("1e3"), json.Number("0.001"), json.Number("-12.5"),
		json.Number("123456789012345678901234567890"), json.Number("NaN"), json.Number("Infinity"), json.Number("-Infinity")}
	values := []any{int64(0), int64(5000), int64(-12), 1.5, 1000.0, math.Copysign(0, -1), json.Number("1.5"), json.Number("5000"),
		json.Number("0.0010"), json.Number("-12.50"), json.Number("123456789012345678901234567890"),
		json.Number("NaN"), json.Number("Infinity")}
	for _, sv := range stored {
		doc := encodeDoc(map[string]any{"a": "x", "n": sv}, []string{"a", "n"})
		for _, v := range values {
			for op := OpEq; op <= OpGe; op++ {
				p := Pred{Field: "n", Op: op, Value: v}
				mustExec(t, p.prepare())
				if got, want := holdIn([]Pred{p}, doc), p.holdsFor(sv); got != want {
					t.Fatalf("%v (%T) op %d %v (%T): %v on the document, %v on the value", sv, sv, op, v, v, got, want)
				}
			}
		}
	}
}

// TestBoundNumbers: a bound moved to another integer (Tighten) compares
// decimals stored as their text with its new value, as it does integers.
func TestBoundNumbers(t *testing.T) {
	c := &Cursor{}
	h, err := c.Bound(Pred{Field: "n", Op: OpLt, Value: int64(5000)})
	mustExec(t, err)
	for _, to := range []int64{100, 3, -20} {
		mustExec(t, c.Tighten(h, to))
		for _, sv := range []any{int64(2), json.Number("2.5"), json.Number("99.99"), json.Number("-21")} {
			doc := encodeDoc(map[string]any{"n": sv}, []string{"n"})
			if got, want := holdIn(c.where, doc), c.where[h].holdsFor(sv); got != want {
				t.Fatalf("bound n < %d, stored %v: %v on the document, %v on the value", to, sv, got, want)
			}
		}
	}
}
