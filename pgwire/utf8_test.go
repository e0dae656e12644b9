package pgwire

import (
	"testing"

	"github.com/driftdb/driftdb/sql/types"
)

// TestCheckUTF8: valid text passes; the first invalid sequence is named
// as PostgreSQL names it (as many bytes as its first byte announces, as
// far as the text goes), and a NUL byte is refused.
func TestCheckUTF8(t *testing.T) {
	for _, ok := range []string{"", "plain", "café ☕ 𝄞", "x\u00ff"} {
		if err := checkUTF8(ok); err != nil {
			t.Fatalf("%q: %v", ok, err)
		}
	}
	for in, want := range map[string]string{
		"x\xc3(y":           "0xc3 0x28",
		"\x80abc":           "0x80",
		"ab\xe2\x82":        "0xe2 0x82",
		"\xe2\x28\xa1z":     "0xe2 0x28 0xa1",
		"\xf0\x9f\x98":      "0xf0 0x9f 0x98",
		"\xed\xa0\x80":      "0xed 0xa0 0x80", // a surrogate
		"\xc0\xaf":          "0xc0 0xaf",      // overlong
		"\xf4\x90\x80\x80":  "0xf4 0x90 0x80 0x80",
		"ok\x00then":        "0x00",
		"\xff":              "0xff",
		"valid é then \xc3": "0xc3",
	} {
		err := checkUTF8(in)
		if err == nil || err.Error() != `invalid byte sequence for encoding "UTF8": `+want || ErrorCode(err) != "22021" {
			t.Fatalf("%q: %v, want %s", in, err, want)
		}
	}
	if err := checkUTF8Param([]byte("\xff"), types.Bytea, true); err != nil {
		t.Fatalf("binary bytea: %v", err)
	}
	if err := checkUTF8Param([]byte("\xff"), types.Bytea, false); err == nil {
		t.Fatal("text-format parameter with a bad byte accepted")
	}
	if err := checkUTF8Param([]byte("\x01\"\xff\""), types.JSONB, true); err == nil {
		t.Fatal("binary jsonb with a bad byte accepted")
	}
	if err := checkUTF8Param([]byte{0, 0, 0, 1}, types.Int4, true); err != nil {
		t.Fatalf("binary int4: %v", err)
	}
}
