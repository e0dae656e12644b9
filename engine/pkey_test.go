package engine

import (
	"fmt"
	"math"
	"sort"
	"testing"
)

func TestEncodeKeyOrder(t *testing.T) {
	tuples := [][]any{
		{int64(math.MinInt64), ""}, {int64(-10), "b"}, {int64(-1), "z"}, {int64(0), ""}, {int64(0), "\x00"},
		{int64(0), "\x01"}, {int64(0), "\x01\x01"}, {int64(0), "\x02"}, {int64(0), "a"}, {int64(0), "a\x00"},
		{int64(0), "a\x01"}, {int64(0), "ab"}, {int64(0), "b"}, {int64(1), "a"}, {int64(9), "a"},
		{int64(10), "a"}, {int64(math.MaxInt64), ""},
	}
	var keys []string
	for _, tu := range tuples {
		k, err := EncodeKey(tu)
		mustExec(t, err)
		keys = append(keys, k)
	}
	if !sort.StringsAreSorted(keys) {
		t.Fatalf("keys out of order: %q", keys)
	}
	for i := 1; i < len(keys); i++ {
		if keys[i] == keys[i-1] {
			t.Fatalf("tuples %v and %v share a key", tuples[i-1], tuples[i])
		}
	}
	a, _ := EncodeKey([]any{"a\x01", "b"})
	b, _ := EncodeKey([]any{"a", "\x01b"})
	if a == b {
		t.Fatal("strings that differ in where they split share a key")
	}
}

func TestCompositeKeyTable(t *testing.T) {
	db, _, reopen := ddlDB(t)
	spec := TableSpec{Name: "t", PKColumns: []string{"a", "b"}, Columns: []ColumnSpec{
		{Name: "a", Type: TypeInt8}, {Name: "b", Type: TypeText}, {Name: "v", Type: TypeText}}}
	mustExec(t, db.CreateTable(spec))
	insertN := func(docs ...string) {
		tx := db.Begin()
		for _, d := range docs {
			_, err := tx.Insert("t", []byte(d))
			mustExec(t, err)
		}
		_, err := tx.Commit(ctx)
		mustExec(t, err)
	}
	insertN(`{"a": 2, "b": "x", "v": "1"}`, `{"a": 1, "b": "y", "v": "2"}`, `{"a": 1, "b": "x", "v": "3"}`, `{"a": -5, "b": "z"}`)
	_, err := db.Insert(ctx, "t", []byte(`{"a": 1, "b": "x"}`))
	wantErr(t, err, CodeUniqueViolation, `duplicate key value violates unique constraint "t_pkey"`)
	if e := err.(*Error); e.Detail != "Key (a, b)=(1, x) already exists." {
		t.Fatalf("detail %q", e.Detail)
	}
	_, err = db.Insert(ctx, "t", []byte(`{"a": 1}`))
	wantErr(t, err, CodeNotNullViolation, `null value in column "b" of relation "t" violates not-null constraint`)
	k, _ := EncodeKey([]any{int64(1), "x"})
	_, err = db.Patch(ctx, "t", k, []byte(`{"b": "q"}`))
	if Code(err) != CodeInvalidParameter {
		t.Fatalf("patch of a key column: %v", err)
	}
	_, err = db.Patch(ctx, "t", k, []byte(`{"v": "33"}`))
	mustExec(t, err)
	db = reopen()
	var got []string
	mustExec(t, db.View().Scan("t", func(r *Row) bool {
		d, _ := r.Doc()
		got = append(got, fmt.Sprintf("%v/%v/%v", d["a"], d["b"], d["v"]))
		return true
	}))
	if fmt.Sprint(got) != "[-5/z/<nil> 1/x/33 1/y/2 2/x/1]" {
		t.Fatalf("rows in key order: %v", got)
	}
	mustExec(t, db.DropColumn("t", "v"))
	if err := db.DropColumn("t", "b"); Code(err) != CodeDependentObjects {
		t.Fatalf("drop of a key column: %v", err)
	}
}
