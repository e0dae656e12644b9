package engine

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"
)

// orderedValues is a set of values that exercises every branch of the
// ordered encoding: each kind, equal numbers in different forms, numbers
// whose digits begin each other's, exponents at and past the two-byte
// range, texts with zero bytes and texts that begin each other.
func orderedValues() []any {
	dec := func(s string) any {
		d, _, err := apd.NewFromString(s)
		if err != nil {
			panic(err)
		}
		return d
	}
	vals := []any{
		nil, true, false, "", "a", "a\x00", "a\x00\x00", "a\x00b", "a\x01", "ab", "b",
		"\xff", "\x00", "\x00\xff", strings.Repeat("x", 40),
		int64(0), int64(1), int64(-1), int64(12), int64(123), int64(-12), int64(-123),
		int64(10), int64(100), int64(-10), int64(math.MaxInt64), int64(math.MinInt64),
		int64(math.MaxInt64 - 1), int64(math.MinInt64 + 1), int64(999999999999),
		0.5, -0.5, 0.1, 1.5, -1.5, 1e300, -1e300, 5e-324, -5e-324, 1e-20, 12.3, 1.23,
		math.Inf(1), math.Inf(-1), math.NaN(), math.Copysign(0, -1),
		json.Number("1.0"), json.Number("1.00000000000000000000000000001"),
		json.Number("123456789012345678901234567890"), json.Number("-123456789012345678901234567890"),
		json.Number("1e40000"), json.Number("-1e40000"), json.Number("1e-40000"),
		json.Number("-1e-40000"), json.Number("2e40000"), json.Number("1e32766"),
		json.Number("1e32767"), json.Number("1e-32767"), json.Number("1e-32768"),
		json.Number("9e-32769"), json.Number("0.000"), json.Number("1e1000000000"),
		dec("12.30"), dec("-0.001"), dec("NaN"), dec("Infinity"), dec("-Infinity"), dec("1"),
		[]any{}, []any{int64(1)}, []any{int64(1), "a"}, []any{"a\x00"},
		map[string]any{}, map[string]any{"a": int64(1)}, map[string]any{"a": int64(2)},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		switch r.IntN(4) {
		case 0:
			vals = append(vals, r.Int64()>>r.IntN(64))
		case 1:
			vals = append(vals, (r.Float64()-0.5)*math.Pow(10, float64(r.IntN(40)-20)))
		case 2:
			b := make([]byte, r.IntN(5))
			for i := range b {
				b[i] = []byte{0, 1, 'a', 0xff}[r.IntN(4)]
			}
			vals = append(vals, string(b))
		case 3:
			var sb strings.Builder
			if r.IntN(2) == 0 {
				sb.WriteByte('-')
			}
			for range 1 + r.IntN(30) {
				sb.WriteByte(byte('0' + r.IntN(10)))
			}
			sb.WriteString("e")
			sb.WriteString([]string{"0", "-5", "7", "-40000", "32760"}[r.IntN(5)])
			vals = append(vals, json.Number(sb.String()))
		}
	}
	return vals
}

func orderedKeys() []Key {
	keys := []Key{
		{IsInt: true}, {Int: 1, IsInt: true}, {Int: -1, IsInt: true},
		{Int: math.MaxInt64, IsInt: true}, {Int: math.MinInt64, IsInt: true},
		{}, {Str: "a"}, {Str: "a\x00"}, {Str: "a\x00b"}, {Str: "a\x01"}, {Str: "ab"},
		{Str: "\xff\x00"}, {Str: "\x00"},
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		keys = append(keys, Key{Int: r.Int64() >> r.IntN(64), IsInt: true})
	}
	return keys
}

// TestOrderedValuesOrder checks that the encoded values order as
// SortCompare orders them, equal ones included, and that each decodes to
// its own length.
func TestOrderedValuesOrder(t *testing.T) {
	vals := orderedValues()
	enc := make([][]byte, len(vals))
	for i, v := range vals {
		enc[i] = appendOrderedValue([]byte{0xaa}, v)[1:]
		rest, err := skipOrderedValue(append(enc[i][:len(enc[i]):len(enc[i])], 0x07, 0x00))
		if err != nil || !bytes.Equal(rest, []byte{0x07, 0x00}) {
			t.Fatalf("skip %#v (% x): rest % x, %v", v, enc[i], rest, err)
		}
		if p := entryPrefix(v); byte(p[0]>>56) != enc[i][0] {
			t.Fatalf("%#v: prefix leads with %#x, encoding with %#x", v, p[0]>>56, enc[i][0])
		}
	}
	for i, a := range vals {
		for j, b := range vals {
			want := sign(SortCompare(a, b))
			if got := sign(bytes.Compare(enc[i], enc[j])); got != want {
				t.Fatalf("%#v vs %#v: encodings compare %d, values %d\n% x\n% x", a, b, got, want, enc[i], enc[j])
			}
		}
	}
}

// TestOrderedEntriesOrder checks tuples: (value, key, seq) written one
// after another order as compareEntries orders the entries, and the key
// decodes back from the bytes after the value.
func TestOrderedEntriesOrder(t *testing.T) {
	vals, keys := orderedValues(), orderedKeys()
	r := rand.New(rand.NewPCG(5, 6))
	type pair struct {
		e   indexEntry
		enc []byte
	}
	var ps []pair
	for range 3000 {
		v, k, seq := vals[r.IntN(len(vals))], keys[r.IntN(len(keys))], uint64(r.IntN(4))
		b := appendOrderedValue(nil, v)
		b = appendOrderedKey(b, k)
		b = binary.BigEndian.AppendUint64(b, seq)
		rest, err := skipOrderedValue(b)
		if err != nil {
			t.Fatal(err)
		}
		got, rest, err := readOrderedKey(rest)
		if err != nil || got != k || len(rest) != 8 {
			t.Fatalf("key %v read back as %v (%v), %d bytes left", k, got, err, len(rest))
		}
		ps = append(ps, pair{newEntry(v, k, seq), b})
	}
	for i := range ps {
		for j := i; j < len(ps) && j < i+300; j++ {
			want := sign(compareEntries(&ps[i].e, &ps[j].e))
			if got := sign(bytes.Compare(ps[i].enc, ps[j].enc)); got != want {
				t.Fatalf("%v vs %v: encodings compare %d, entries %d", ps[i].e, ps[j].e, got, want)
			}
		}
	}
}

func TestOrderedKeysOrder(t *testing.T) {
	keys := orderedKeys()
	for _, a := range keys {
		ea := appendOrderedKey(nil, a)
		for _, b := range keys {
			eb := appendOrderedKey(nil, b)
			if got, want := sign(bytes.Compare(ea, eb)), sign(compareKeys(a, b)); got != want {
				t.Fatalf("%v vs %v: encodings compare %d, keys %d", a, b, got, want)
			}
		}
	}
}

func TestOrderedRefusesDamage(t *testing.T) {
	for _, b := range [][]byte{
		nil, {0x77}, {ordKeyInt, 1, 2}, {ordKeyString, 'a'}, {ordKeyString, 'a', 0, 2},
	} {
		if _, _, err := readOrderedKey(b); err == nil {
			t.Errorf("readOrderedKey(% x) took it", b)
		}
	}
	for _, b := range [][]byte{
		nil, {0x77}, {pfxString, 'a', 0}, {pfxPos, 0x80}, {pfxPos, 0x80, 0x00, 0x23},
		{pfxNeg, 0x7f, 0xff, 0xdc}, {pfxPos, 0, 0, 1, 2, 3},
	} {
		if _, err := skipOrderedValue(b); err == nil {
			t.Errorf("skipOrderedValue(% x) took it", b)
		}
	}
}

func FuzzOrderedText(f *testing.F) {
	f.Add("a\x00b", "a")
	f.Add("", "\x00")
	f.Fuzz(func(t *testing.T, a, b string) {
		ea := appendOrderedKey(nil, Key{Str: a})
		eb := appendOrderedKey(nil, Key{Str: b})
		if got, want := sign(bytes.Compare(ea, eb)), strings.Compare(a, b); got != want {
			t.Fatalf("%q vs %q: %d, want %d", a, b, got, want)
		}
		k, rest, err := readOrderedKey(ea)
		if err != nil || k.Str != a || len(rest) != 0 {
			t.Fatalf("%q read back as %q, %v", a, k.Str, err)
		}
	})
}

// TestOrderedValuesRead reads back every value of orderedValues from its
// ordered encoding, followed by a key: a value of the same kind that
// compares equal and encodes the same, and the key after it.
func TestOrderedValuesRead(t *testing.T) {
	tail := appendOrderedKey(nil, Key{Str: "k\x00"})
	for _, v := range orderedValues() {
		enc := appendOrderedValue(nil, v)
		got, rest, err := readOrderedValue(append(slices.Clip(enc), tail...))
		if err != nil {
			t.Fatalf("%#v (%x): %v", v, enc, err)
		}
		if !bytes.Equal(rest, tail) {
			t.Fatalf("%#v (%x): %x after the value, want %x", v, enc, rest, tail)
		}
		if kindOf(got) != kindOf(v) || SortCompare(got, v) != 0 {
			t.Fatalf("%#v (%x) reads back as %#v", v, enc, got)
		}
		if again := appendOrderedValue(nil, got); !bytes.Equal(again, enc) {
			t.Fatalf("%#v (%x) reads back as %#v, which encodes as %x", v, enc, got, again)
		}
	}
	// Damage: every encoding cut short, and a tag no value has.
	for _, v := range orderedValues() {
		enc := appendOrderedValue(nil, v)
		for n := range len(enc) {
			if got, _, err := readOrderedValue(enc[:n]); err == nil {
				t.Fatalf("%#v: %x, cut from %x, reads as %#v", v, enc[:n], enc, got)
			}
		}
	}
	if _, _, err := readOrderedValue([]byte{0x99}); err == nil {
		t.Fatal("a value of an unknown tag read")
	}
}
