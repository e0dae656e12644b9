package engine

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/driftdb/driftdb/store"
)

// histItem is what a reader saw of one version.
type histItem struct {
	Key  Key
	Seq  uint64
	Type store.EventType
	Doc  map[string]any
}

func drainHistory(t *testing.T, c *HistoryCursor) []histItem {
	t.Helper()
	var out []histItem
	for {
		r, err := c.Next(ctx)
		mustExec(t, err)
		if r == nil {
			return out
		}
		d, err := r.Doc()
		mustExec(t, err)
		if (d == nil) != (r.Type != store.EventInsert && r.Type != store.EventPatch) || (d == nil) != r.Deleted() {
			t.Fatalf("%v seq %d: %s with document %v", r.Key, r.Seq, r.Type, d)
		}
		out = append(out, histItem{r.Key, r.Seq, r.Type, d})
	}
}

// historyByKey is the history the cursor must return, built from
// View.History of every key the table has (a scan at the head finds the
// live ones; keys lists them all).
func historyByKey(t *testing.T, v *View, table string, keys []Key, from, to uint64) []histItem {
	t.Helper()
	var out []histItem
	for _, k := range keys {
		evs, err := v.History(table, k.Value())
		mustExec(t, err)
		for _, ev := range evs {
			if ev.Seq > from && ev.Seq <= to {
				out = append(out, histItem{k, ev.Seq, ev.Type, ev.Doc})
			}
		}
	}
	return out
}

func tableKeys(ts *tableState) []Key {
	var keys []Key
	ts.rows.Ascend(func(r row) bool {
		keys = append(keys, r.key)
		return true
	})
	return keys
}

// TestHistoryCursorMatchesHistory: the history cursor returns exactly the
// events View.History lists for each row, in key order and oldest first
// within a row, for spans over tables of many chunks, at the head and AS
// OF earlier seqs.
func TestHistoryCursorMatchesHistory(t *testing.T) {
	for _, n := range []int{0, 1, cursorChunk - 1, 3*cursorChunk + 5} {
		t.Run(fmt.Sprint("rows=", n), func(t *testing.T) {
			db, seqs := cursorDB(t, n, uint64(n)+11)
			hv := db.View()
			keys := tableKeys(hv.trees("t", hv.state.tables["t"]))
			head := db.Seq()
			spans := [][2]uint64{{0, head}, {0, ^uint64(0)}, {head / 2, head}, {head / 3, 2 * head / 3}, {head, head}, {head - head/4, head + 10}}
			for _, seq := range append([]uint64{head}, seqs...) {
				v, err := db.ViewAt(seq)
				mustExec(t, err)
				for _, sp := range spans {
					c, err := v.HistoryCursor("t", sp[0], sp[1])
					mustExec(t, err)
					got := drainHistory(t, c)
					want := historyByKey(t, v, "t", keys, sp[0], min(sp[1], seq))
					if !reflect.DeepEqual(got, want) && (len(got) > 0 || len(want) > 0) {
						i := 0
						for i < min(len(got), len(want)) && reflect.DeepEqual(got[i], want[i]) {
							i++
						}
						t.Fatalf("AS OF %d, span (%d, %d]: %d versions, want %d; they differ at %d", seq, sp[0], sp[1], len(got), len(want), i)
					}
					if r, err := c.Next(ctx); r != nil || err != nil {
						t.Fatalf("Next after the end: %v %v", r, err)
					}
				}
			}
		})
	}
}

// TestHistoryCursorLongRow: a row with more versions than a chunk holds,
// between rows with few, comes out whole and in order, and a cursor stops
// with its context.
func TestHistoryCursorLongRow(t *testing.T) {
	db := openDB(t, t.TempDir(), Options{Store: store.Options{NoSync: true}})
	defer db.Close()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	for _, k := range []string{"a", "m", "z"} {
		_, err := db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %q, "n": 0}`, k))
		mustExec(t, err)
	}
	const edits = 3*cursorChunk + 7
	tx := db.Begin()
	for i := range edits {
		mustExec(t, tx.Patch("t", "m", fmt.Appendf(nil, `{"n": %d}`, i+1)))
	}
	_, err := tx.Commit(ctx)
	mustExec(t, err)
	c, err := db.View().HistoryCursor("t", 0, db.Seq())
	mustExec(t, err)
	got := drainHistory(t, c)
	if len(got) != 3+edits {
		t.Fatalf("%d versions, want %d", len(got), 3+edits)
	}
	if got[0].Key.Str != "a" || got[len(got)-1].Key.Str != "z" {
		t.Fatalf("first %v, last %v", got[0], got[len(got)-1])
	}
	for i, h := range got[1 : 2+edits] {
		if h.Key.Str != "m" || h.Doc["n"] != int64(i) {
			t.Fatalf("version %d of m: %v", i, h)
		}
		if i > 0 && (h.Type != store.EventPatch || h.Seq <= got[i].Seq) {
			t.Fatalf("version %d of m: %v after %v", i, h, got[i])
		}
	}

	c, err = db.View().HistoryCursor("t", 0, db.Seq())
	mustExec(t, err)
	cctx, cancel := context.WithCancel(ctx)
	for range cursorChunk {
		r, err := c.Next(cctx)
		mustExec(t, err)
		if r == nil {
			t.Fatal("cursor ended early")
		}
	}
	cancel()
	if _, err := c.Next(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next after cancel: %v", err)
	}
	c.Close()
	if r, err := c.Next(ctx); r != nil || err != nil {
		t.Fatalf("Next after Close: %v %v", r, err)
	}
}

// TestHistoryCursorEvents: each version has its event's type, seq, time
// and document (none after a delete), and Change returns what the event
// wrote; the transaction's own writes are left out; a span past the view
// is cut at the view; writes after the cursor was made are not seen.
func TestHistoryCursorEvents(t *testing.T) {
	db := openDB(t, t.TempDir(), Options{Store: store.Options{NoSync: true}})
	defer db.Close()
	mustExec(t, db.CreateTable(TableSpec{Name: "orders", PK: "id"}))
	s1, err := db.Insert(ctx, "orders", []byte(`{"id": "o1", "status": "pending"}`))
	mustExec(t, err)
	s2, err := db.Patch(ctx, "orders", "o1", []byte(`{"status": "paid"}`))
	mustExec(t, err)
	s3, err := db.SoftDelete(ctx, "orders", "o1")
	mustExec(t, err)

	tx := db.Begin()
	_, err = tx.Insert("orders", []byte(`{"id": "o2"}`))
	mustExec(t, err)
	c, err := tx.View().HistoryCursor("orders", 0, ^uint64(0))
	mustExec(t, err)
	var got []*HistoryRow
	for {
		r, err := c.Next(ctx)
		mustExec(t, err)
		if r == nil {
			break
		}
		cp := *r
		got = append(got, &cp)
	}
	if len(got) != 3 {
		t.Fatalf("%d versions, want 3 (the transaction's insert is not history)", len(got))
	}
	wantTypes := []store.EventType{store.EventInsert, store.EventPatch, store.EventSoftDelete}
	wantSeqs := []uint64{s1, s2, s3}
	for i, h := range got {
		if h.Type != wantTypes[i] || h.Seq != wantSeqs[i] || h.UnixMs == 0 || h.Key.Str != "o1" {
			t.Fatalf("version %d: %+v", i, h)
		}
	}
	if d, _ := got[1].Doc(); d["status"] != "paid" {
		t.Fatalf("document after the patch: %v", d)
	}
	if ch, _ := got[1].Change(); !reflect.DeepEqual(ch, map[string]any{"status": "paid"}) {
		t.Fatalf("change of the patch: %v", ch)
	}
	if ch, _ := got[0].Change(); ch["status"] != "pending" {
		t.Fatalf("change of the insert: %v", ch)
	}
	if d, _ := got[2].Doc(); d != nil || !got[2].Deleted() {
		t.Fatalf("document after the delete: %v", d)
	}
	out := make([]any, 1)
	mustExec(t, got[2].Fields([]string{"status"}, out, nil))
	if out[0] != nil {
		t.Fatalf("field of a deleted version: %v", out[0])
	}
	tx.Rollback()

	// A view AS OF s2 ends its history there, whatever the span asks for.
	v, err := db.ViewAt(s2)
	mustExec(t, err)
	c, err = v.HistoryCursor("orders", s1, ^uint64(0))
	mustExec(t, err)
	if h := drainHistory(t, c); len(h) != 1 || h[0].Seq != s2 {
		t.Fatalf("AS OF %d from %d: %v", s2, s1, h)
	}
	// Writes after the cursor was made change nothing it returns.
	c, err = db.View().HistoryCursor("orders", 0, ^uint64(0))
	mustExec(t, err)
	for i := range 300 {
		_, err := db.Insert(ctx, "orders", fmt.Appendf(nil, `{"id": "n%03d"}`, i))
		mustExec(t, err)
	}
	if h := drainHistory(t, c); len(h) != 3 {
		t.Fatalf("cursor made before 300 inserts: %d versions", len(h))
	}
	if _, err := db.View().HistoryCursor("nope", 0, 1); Code(err) != CodeUndefinedTable {
		t.Fatalf("unknown table: %v", err)
	}
}

// TestHistoryCursorHorizon: after COMPACT BEFORE h, a span that starts
// before h fails naming it; one that starts at h returns every version
// after it, across a reopen.
func TestHistoryCursorHorizon(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir, Options{Store: store.Options{NoSync: true}})
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	for i := range 10 {
		_, err := db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d}`, i))
		mustExec(t, err)
		_, err = db.Patch(ctx, "t", int64(i), []byte(`{"x": 1}`))
		mustExec(t, err)
	}
	h, err := db.CompactBefore("t", 10)
	mustExec(t, err)
	for round := range 2 {
		_, err := db.View().HistoryCursor("t", h-1, db.Seq())
		if Code(err) != CodeSnapshotTooOld || !errors.Is(err, ErrHorizon) || !strings.Contains(err.Error(), fmt.Sprint(h)) {
			t.Fatalf("round %d: span before the horizon: %v", round, err)
		}
		c, err := db.View().HistoryCursor("t", h, db.Seq())
		mustExec(t, err)
		if got := drainHistory(t, c); len(got) != int(db.Seq()-h) {
			t.Fatalf("round %d: %d versions after the horizon, want %d", round, len(got), db.Seq()-h)
		}
		mustExec(t, db.Close())
		db = openDB(t, dir, Options{Store: store.Options{NoSync: true}})
	}
	db.Close()
}
