package engine

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// randomValue builds a document value of every kind the payload encoder
// writes, with sizes that cross each msgpack width.
func randomValue(rng *rand.Rand, depth int) any {
	k := rng.IntN(10)
	if depth > 2 && k >= 8 {
		k = rng.IntN(8)
	}
	switch k {
	case 0:
		return nil
	case 1:
		return rng.IntN(2) == 0
	case 2:
		ints := []int64{0, 1, 127, 128, 255, 256, 65535, 65536, 1<<32 - 1, 1 << 32, math.MaxInt64, -1, -32, -33, -128, -129, -32768, -32769, math.MinInt64}
		return ints[rng.IntN(len(ints))]
	case 3:
		return rng.Int64() - rng.Int64()
	case 4:
		return rng.NormFloat64() * 1e6
	case 5:
		return json.Number("123456789012345678901234567890.000000000001")
	case 6:
		sizes := []int{0, 1, 31, 32, 255, 256, 65535, 65536}
		return strings.Repeat("é", sizes[rng.IntN(len(sizes))]/2) + "x"
	case 7:
		return "short"
	case 8:
		if depth == 0 && rng.IntN(20) == 0 {
			return make([]any, 70000) // array32 of nulls
		}
		arr := make([]any, rng.IntN(20))
		for i := range arr {
			arr[i] = randomValue(rng, depth+1)
		}
		return arr
	default:
		n := rng.IntN(20)
		m := make(map[string]any, n)
		for i := range n {
			m[strings.Repeat("k", i+1)] = randomValue(rng, depth+1)
		}
		return m
	}
}

// TestReaderMatchesLibrary encodes random values with the payload encoder
// and checks that the fast reader and the library decoder read the same
// values, skip the same bytes, and find the same fields.
func TestReaderMatchesLibrary(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		doc := map[string]any{"id": int64(i), "v": randomValue(rng, 0), "w": randomValue(rng, 0)}
		b := encodeDoc(doc, []string{"id", "v", "w"})
		d := decPool.Get().(*decoder)
		d.r.Reset(b)
		d.dec.Reset(d.r)
		want, err := d.value(0)
		decPool.Put(d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeMsgpack(b)
		if err != nil {
			t.Fatalf("doc %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("doc %d:\n got %#v\nwant %#v", i, got, want)
		}
		w, ok, err := docField(b, "w")
		if err != nil || !ok || !reflect.DeepEqual(w, want.(map[string]any)["w"]) {
			t.Fatalf("doc %d: field w: %v %v %#v", i, ok, err, w)
		}
		keys, err := docKeys(b)
		if err != nil || !reflect.DeepEqual(keys, []string{"id", "v", "w"}) {
			t.Fatalf("doc %d: keys %v %v", i, keys, err)
		}
		// Every cut of the bytes is an error, never a panic or a value.
		if len(b) < 4096 {
			for cut := range len(b) {
				if _, err := decodeMsgpack(b[:cut]); err == nil {
					t.Fatalf("doc %d cut at %d decoded", i, cut)
				}
			}
		}
	}
}

func BenchmarkDecodeDoc(b *testing.B) {
	doc := encodeDoc(map[string]any{"id": int64(42), "email": "user42@example.com", "status": "status-42", "amount": int64(294)},
		[]string{"id", "email", "status", "amount"})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeDocBytes(doc); err != nil {
			b.Fatal(err)
		}
	}
}
