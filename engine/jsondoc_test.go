package engine

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"
)

var documentSeeds = []string{
	`{}`,
	` { "a" : 1 , "b" : [ ] , "c" : { } } `,
	`{"id": 1, "email": "user1@example.com", "status": "s", "amount": 7, "note": "nnnn"}`,
	`{"n": -0, "m": 0.5, "e": 1e3, "E": -2.5E-3, "big": 123456789012345678901234567890, "i": 9223372036854775807, "j": -9223372036854775808, "k": 9223372036854775808}`,
	`{"s": "a\"b\\c\/d\b\f\n\r\t", "u": "\u00e9\u4e2d\u0000", "x": "é中😀"}`,
	`{"sur": "\ud83d\ude00", "lone": "\ud800", "bad": "\udc00x"}`,
	`{"a": 1, "a": 2, "b": {"c": [1, "2", null, true, false, {"d": []}]}}`,
	`{"a": [[[[[]]]]], "t": true, "f": false, "z": null}`,
	`{"a": 01}`, `{"a": 1.}`, `{"a": .5}`, `{"a": -}`, `{"a": 1e}`, `{"a": +1}`,
	`{"a": 1,}`, `{,}`, `{"a" 1}`, `{"a": tru}`, `{"a": nul}`, `{"a": "x`, `{"a": "\x"}`,
	`{"a": "\u12"}`, `{"a": "` + "\x01" + `"}`, `[1]`, `"x"`, `1`, ``, `  `, `{"a": 1} x`,
	`{"a": 1}{"b": 2}`, `{"a": 1}` + "\n\t ", "\ufeff{}", `{'a': 1}`, `{"a": NaN}`,
	`{"a": 1.0, "b": 0.1, "c": 1.5e300, "d": 1e-400, "e": 0.30000000000000004}`,
	`{"deep": ` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}`,
	`{"deep": ` + strings.Repeat(`{"a":`, 600) + `1` + strings.Repeat("}", 600) + `}`,
	`{"deep": ` + strings.Repeat("[", 511) + strings.Repeat("]", 511) + `}`,
}

// checkDocument compares parseDocument with the encoding/json path.
func checkDocument(t *testing.T, text []byte) {
	if !utf8.Valid(text) {
		return // refused before either path runs
	}
	doc, keys, ok := parseDocument(text)
	sdoc, skeys, err := decodeDocumentSlow(text)
	if !ok {
		// Refused texts go to the slow path; valid ones it takes are
		// only the rare kinds parseDocument leaves to it.
		if err == nil && !strings.Contains(string(text), `\u`) && !strings.Contains(string(text), strings.Repeat("[", 500)) && !strings.Contains(string(text), strings.Repeat(`{"a":`, 500)) {
			t.Fatalf("%q: refused, but encoding/json takes it", text)
		}
		return
	}
	if err != nil {
		t.Fatalf("%q: taken, but encoding/json refuses it: %v", text, err)
	}
	if !reflect.DeepEqual(doc, sdoc) || !reflect.DeepEqual(keys, skeys) {
		t.Fatalf("%q:\n got %#v %q\nwant %#v %q", text, doc, keys, sdoc, skeys)
	}
}

func TestParseDocument(t *testing.T) {
	for _, s := range documentSeeds {
		checkDocument(t, []byte(s))
	}
	// The common documents are taken by the fast path.
	for _, s := range documentSeeds[:8] {
		if _, _, ok := parseDocument([]byte(s)); !ok && !strings.Contains(s, `\ud`) {
			t.Errorf("%q: not taken", s)
		}
	}
	if _, _, ok := parseDocument([]byte(documentSeeds[len(documentSeeds)-1])); ok {
		t.Error("nesting near the limit was taken")
	}
}

func FuzzParseDocument(f *testing.F) {
	for _, s := range documentSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkDocument)
}

func BenchmarkDecodeDocument(b *testing.B) {
	text := []byte(`{"id": 12345, "email": "user12345@example.com", "status": "status-7919", "amount": 7, "price": 12.5, "note": "` + strings.Repeat("n", 100) + `"}`)
	for _, path := range []string{"fast", "encoding-json"} {
		b.Run(path, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				var err error
				if path == "fast" {
					_, _, err = decodeDocument(text)
				} else {
					_, _, err = decodeDocumentSlow(text)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func ExampleDecodeDocument() {
	doc, keys, err := DecodeDocument([]byte(`{"b": 1, "a": 2.5, "b": "x"}`))
	fmt.Println(doc, keys, err)
	// Output: map[a:2.5 b:x] [b a] <nil>
}

// TestKeysShared: documents that repeat a key share one string for it, and
// keys that meet in a slot of the cache each still read back as written.
func TestKeysShared(t *testing.T) {
	_, k1, err := decodeDocument([]byte(`{"shared_key": 1}`))
	mustExec(t, err)
	_, k2, err := decodeDocument([]byte(`{"shared_key": "two"}`))
	mustExec(t, err)
	if unsafe.StringData(k1[0]) != unsafe.StringData(k2[0]) {
		t.Fatal("a repeated key was allocated again")
	}
	for i := range 5000 { // more keys than slots
		key := fmt.Sprintf("k%d", i%3000)
		_, keys, err := decodeDocument(fmt.Appendf(nil, `{%q: %d}`, key, i))
		mustExec(t, err)
		if len(keys) != 1 || keys[0] != key {
			t.Fatalf("keys %q, want [%s]", keys, key)
		}
	}
}
