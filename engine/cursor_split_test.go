package engine

import (
	"fmt"
	"testing"

	"github.com/driftdb/driftdb/store"
)

// TestSplit: the parts of a split table, read one after the other, give
// exactly the rows of one cursor, for integer keys (negative ones too),
// text keys, with a transaction's own writes inside every part; a small
// table, or one with keys of both kinds, is not split.
func TestSplit(t *testing.T) {
	db := openDB(t, t.TempDir(), Options{Store: store.Options{NoSync: true}, SnapshotEvents: -1, SnapshotBytes: -1})
	defer db.Close()
	mustExec(t, db.CreateTable(TableSpec{Name: "i", PK: "id", Columns: []ColumnSpec{{Name: "id", Type: TypeInt8}}}))
	mustExec(t, db.CreateTable(TableSpec{Name: "s", PK: "id", Columns: []ColumnSpec{{Name: "id", Type: TypeText}}}))
	mustExec(t, db.CreateTable(TableSpec{Name: "m", PK: "id"}))
	mustExec(t, db.CreateTable(TableSpec{Name: "small", PK: "id", Columns: []ColumnSpec{{Name: "id", Type: TypeInt8}}}))
	tx := db.Begin()
	n := splitMinRows + 1000
	for i := range n {
		_, err := tx.Insert("i", fmt.Appendf(nil, `{"id": %d}`, i*7-n))
		mustExec(t, err)
		_, err = tx.Insert("s", fmt.Appendf(nil, `{"id": "k%06d"}`, i*13))
		mustExec(t, err)
		doc := fmt.Sprintf(`{"id": %d}`, i)
		if i%2 == 1 {
			doc = fmt.Sprintf(`{"id": "%d"}`, i)
		}
		_, err = tx.Insert("m", []byte(doc))
		mustExec(t, err)
	}
	for i := range 100 {
		_, err := tx.Insert("small", fmt.Appendf(nil, `{"id": %d}`, i))
		mustExec(t, err)
	}
	_, err := tx.Commit(ctx)
	mustExec(t, err)

	own := db.Begin()
	for _, j := range []int{-1, 0, 1000, n / 2, n + 5} { // keys no row has
		k := j*7 - n + 3
		_, err := own.Insert("i", fmt.Appendf(nil, `{"id": %d}`, k))
		mustExec(t, err)
		_, err = own.Insert("s", fmt.Appendf(nil, `{"id": "k%06d!"}`, k))
		mustExec(t, err)
	}
	mustExec(t, own.SoftDelete("i", int64(7-n)))

	for _, c := range []struct {
		table string
		parts int // how many parts Split should make of 4 (0: none)
	}{{"i", 4}, {"s", 4}, {"m", 0}, {"small", 0}} {
		for _, v := range []*View{db.View(), own.View()} {
			var want []Key
			mustExec(t, v.Scan(c.table, func(r *Row) bool { want = append(want, r.Key); return true }))
			parts, err := v.Split(c.table, 4)
			mustExec(t, err)
			if len(parts) != c.parts {
				t.Errorf("%s: %d parts, want %d", c.table, len(parts), c.parts)
			}
			if len(parts) == 0 {
				whole, err := v.Cursor(c.table)
				mustExec(t, err)
				parts = []*Cursor{whole}
			}
			var got []Key
			for i, cur := range parts {
				rows := 0
				for {
					r, err := cur.Next(ctx)
					mustExec(t, err)
					if r == nil {
						break
					}
					got = append(got, r.Key)
					rows++
				}
				if c.parts > 1 && rows < len(want)/(2*c.parts) {
					t.Errorf("%s part %d: %d of %d rows", c.table, i, rows, len(want))
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: the parts hold %d keys, want %d", c.table, len(got), len(want))
			}
		}
	}
}
