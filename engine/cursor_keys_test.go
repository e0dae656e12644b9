package engine

import (
	"fmt"
	"testing"

	"github.com/driftdb/driftdb/store"
)

// TestKeyRange: a key range cursor returns exactly the live rows a scan
// finds between the bounds, over chunks, with deleted rows and a
// transaction's own writes inside and outside the range; bounds of the
// wrong kind make no cursor.
func TestKeyRange(t *testing.T) {
	db := openDB(t, t.TempDir(), Options{Store: store.Options{NoSync: true}, SnapshotEvents: -1, SnapshotBytes: -1})
	defer db.Close()
	mustExec(t, db.CreateTable(TableSpec{Name: "k", PK: "id", Columns: []ColumnSpec{{Name: "id", Type: TypeInt8}}}))
	tx := db.Begin()
	for i := range 2000 {
		_, err := tx.Insert("k", fmt.Appendf(nil, `{"id": %d, "v": %d}`, i*3, i))
		mustExec(t, err)
	}
	_, err := tx.Commit(ctx)
	mustExec(t, err)
	tx = db.Begin()
	for i := 0; i < 2000; i += 7 {
		mustExec(t, tx.SoftDelete("k", int64(i*3)))
	}
	_, err = tx.Commit(ctx)
	mustExec(t, err)

	own := db.Begin() // writes of its own: 301 and 5000 new, 300 deleted
	_, err = own.Insert("k", []byte(`{"id": 301}`))
	mustExec(t, err)
	_, err = own.Insert("k", []byte(`{"id": 5000}`))
	mustExec(t, err)
	mustExec(t, own.SoftDelete("k", int64(300)))

	for _, v := range []*View{db.View(), own.View()} {
		for _, c := range []struct {
			lo, hi *Bound
		}{
			{&Bound{Value: int64(0), Incl: true}, &Bound{Value: int64(6000), Incl: true}},
			{&Bound{Value: int64(299), Incl: false}, &Bound{Value: int64(1500), Incl: false}},
			{&Bound{Value: int64(300), Incl: true}, &Bound{Value: int64(303), Incl: true}},
			{&Bound{Value: int64(300), Incl: false}, nil},
			{nil, &Bound{Value: int64(900), Incl: true}},
			{&Bound{Value: int64(7000), Incl: true}, nil},
		} {
			var want []Key
			mustExec(t, v.Scan("k", func(r *Row) bool {
				kb := keyBounds{}
				if c.lo != nil {
					k, _ := KeyOf(c.lo.Value)
					kb.lo, kb.loIncl = &k, c.lo.Incl
				}
				if c.hi != nil {
					k, _ := KeyOf(c.hi.Value)
					kb.hi, kb.hiIncl = &k, c.hi.Incl
				}
				if !kb.below(r.Key) && !kb.above(r.Key) {
					want = append(want, r.Key)
				}
				return true
			}))
			cur, ok, err := v.KeyRange("k", c.lo, c.hi)
			if err != nil || !ok {
				t.Fatalf("KeyRange: %v %v", ok, err)
			}
			var got []Key
			for {
				r, err := cur.Next(ctx)
				mustExec(t, err)
				if r == nil {
					break
				}
				got = append(got, r.Key)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("range %+v..%+v: %d keys, want %d", c.lo, c.hi, len(got), len(want))
			}
		}
	}
	if _, ok, err := db.View().KeyRange("k", &Bound{Value: "a", Incl: true}, nil); ok || err != nil {
		t.Errorf("a text bound on an integer key: %v %v", ok, err)
	}
}
