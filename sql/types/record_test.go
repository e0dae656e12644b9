package types

import (
	"encoding/hex"
	"testing"
)

// TestRecordForms checks a row value's binary and text forms against
// what PostgreSQL's record_send and record_out give for the same rows.
func TestRecordForms(t *testing.T) {
	r := &DRecord{Names: []string{"a", "b", "c"}, Types: []*T{Int8, Text, Text}, Vals: []Datum{int64(1), nil, "x"}}
	b, err := AppendBinary(nil, r, Record)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hex.EncodeToString(b), "000000030000001400000008000000000000000100000019ffffffff000000190000000178"; got != want {
		t.Errorf("record_send: got %s, want %s", got, want)
	}
	r = &DRecord{Names: []string{"a", "b", "c", "d", "e"}, Types: []*T{Int8, Text, Text, Text, Text},
		Vals: []Datum{int64(1), nil, "a b", "", `q"`}}
	if got, want := FormatText(r, Record, nil), `(1,,"a b","","q""")`; got != want {
		t.Errorf("record_out: got %s, want %s", got, want)
	}
}
