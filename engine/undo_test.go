package engine

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// tableImage is everything a table's B-trees say at a view: each row's
// key, seq and document by a scan, and the keys each index lookup finds.
func tableImage(t *testing.T, v *View, table string, groups int) string {
	t.Helper()
	var out strings.Builder
	mustExec(t, v.Scan(table, func(r *Row) bool {
		d, err := r.Doc()
		mustExec(t, err)
		fmt.Fprintf(&out, "%v@%d %v\n", r.Key, r.Seq, d)
		return true
	}))
	for g := range groups {
		fmt.Fprintf(&out, "g=%d:", g)
		mustExec(t, v.IndexLookup(table, "g", OpEq, int64(g), func(r *Row) bool {
			fmt.Fprintf(&out, " %v", r.Key)
			return true
		}))
		out.WriteString("\n")
	}
	// Lookups check each entry against the row, so a stray entry would
	// not show in them: count the entries too.
	ts, ok := v.lookupTable(table)
	if !ok {
		t.Fatalf("no table %s", table)
	}
	indexes := v.trees(table, ts).indexes
	for _, f := range slices.Sorted(maps.Keys(indexes)) {
		fmt.Fprintf(&out, "%s: %d entries\n", f, indexes[f].Len())
	}
	return out.String()
}

// rowsImage is tableImage at seq, less its counts of index entries, which
// differ with the state a view gets (a fold leaves fewer, a later state
// more): the rows and what the lookups find.
func rowsImage(t *testing.T, db *DB, seq uint64, table string, groups int) string {
	t.Helper()
	v, err := db.ViewAt(seq)
	mustExec(t, err)
	var out strings.Builder
	fmt.Fprintf(&out, "@%d\n", seq)
	for _, line := range strings.Split(tableImage(t, v, table, groups), "\n") {
		if !strings.Contains(line, "entries") {
			out.WriteString(line + "\n")
		}
	}
	return out.String()
}

// historyImage is rowsImage at each of seqs, with the history of each of
// keys from seq since on.
func historyImage(t *testing.T, db *DB, seqs []uint64, keys []int64, since uint64) string {
	t.Helper()
	var out strings.Builder
	for _, seq := range seqs {
		out.WriteString(rowsImage(t, db, seq, "u", 5))
		v, err := db.ViewAt(seq)
		mustExec(t, err)
		for _, k := range keys {
			hist, err := v.History("u", k)
			mustExec(t, err)
			for _, ev := range hist {
				if ev.Seq >= since {
					fmt.Fprintf(&out, "%d@%d %v %v %v\n", k, ev.Seq, ev.Type, ev.Doc, ev.Change)
				}
			}
		}
	}
	return out.String()
}

// TestCommitUndo: a commit that fails at its last event takes back every
// change its earlier events made to the row tree and the index, whatever
// their mix: rows added, a row added and then patched, a row patched
// twice, a row deleted, and a truncate followed by inserts; "late" fails
// once every event is applied and the index entries it held back are in
// their tree.
func TestCommitUndo(t *testing.T) {
	for _, mix := range []string{"changes", "truncate", "late"} {
		t.Run(mix, func(t *testing.T) {
			db := openDB(t, t.TempDir(), Options{})
			defer db.Close()
			mustExec(t, db.CreateTable(TableSpec{Name: "u", PK: "id", Indexes: []string{"g"}}))
			mustExec(t, db.CreateTable(TableSpec{Name: "o", PK: "id"}))
			tx := db.Begin()
			for i := range 300 {
				_, err := tx.Insert("u", fmt.Appendf(nil, `{"id": %d, "g": %d}`, i*2, i%4))
				mustExec(t, err)
			}
			_, err := tx.Commit(ctx)
			mustExec(t, err)
			before := tableImage(t, db.View(), "u", 5)

			tx = db.Begin()
			if mix == "truncate" {
				mustExec(t, tx.Truncate("u"))
			}
			for i := range 300 { // new keys between the old ones, and past them
				_, err := tx.Insert("u", fmt.Appendf(nil, `{"id": %d, "g": %d}`, i*4+1, i%5))
				mustExec(t, err)
			}
			if mix != "truncate" {
				mustExec(t, tx.Patch("u", int64(1), []byte(`{"g": 4}`))) // added, then patched
				mustExec(t, tx.Patch("u", int64(10), []byte(`{"g": 4}`)))
				mustExec(t, tx.Patch("u", int64(10), []byte(`{"g": 3}`))) // patched twice
				mustExec(t, tx.SoftDelete("u", int64(20)))
			}
			if len(tx.ops) < holdMin {
				t.Fatalf("%d events: the commit would not hold its index entries", len(tx.ops))
			}
			if mix == "late" {
				db.testPlaced = func() { panic("injected") }
				commitPanicking(t, db, tx, 0)
				db.testPlaced = nil
			} else {
				commitPanicking(t, db, tx, len(tx.ops))
			}

			// A view after the next commit, to another table, reads the
			// writer's state of u, which the failed commit changed and
			// took back.
			_, err = db.Insert(ctx, "o", []byte(`{"id": 1}`))
			mustExec(t, err)
			v := db.View()
			if ts, _ := v.lookupTable("u"); ts.upTo >= v.Seq() {
				t.Fatal("the view would not read the writer's state")
			}
			if got := tableImage(t, v, "u", 5); got != before {
				t.Fatalf("after the failed commit:\n%s\nwant\n%s", got, before)
			}
		})
	}
}
