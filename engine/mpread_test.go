package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
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
	docs := 2000
	if testing.Short() {
		docs = 300
	}
	for i := range docs {
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

var decPool = sync.Pool{New: func() any {
	r := bytes.NewReader(nil)
	return &decoder{r: r, dec: msgpack.NewDecoder(r)}
}}

// decoder reads payloads through the msgpack library: the oracle the
// slice reader is checked against.
type decoder struct {
	r   *bytes.Reader
	dec *msgpack.Decoder
}

func (d *decoder) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("engine: payload nested deeper than %d", maxDepth)
	}
	c, err := d.dec.PeekCode()
	if err != nil {
		return nil, err
	}
	switch {
	case c == msgpcode.Nil:
		return nil, d.dec.DecodeNil()
	case c == msgpcode.True || c == msgpcode.False:
		return d.dec.DecodeBool()
	case c == msgpcode.Float || c == msgpcode.Double:
		return d.dec.DecodeFloat64()
	case msgpcode.IsFixedNum(c) || (c >= msgpcode.Uint8 && c <= msgpcode.Int64):
		if c == msgpcode.Uint64 {
			u, err := d.dec.DecodeUint64()
			if err != nil {
				return nil, err
			}
			if u > 1<<63-1 {
				return json.Number(fmt.Sprint(u)), nil
			}
			return int64(u), nil
		}
		return d.dec.DecodeInt64()
	case msgpcode.IsString(c):
		return d.dec.DecodeString()
	case msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32:
		n, err := d.dec.DecodeArrayLen()
		if err != nil {
			return nil, err
		}
		if n > d.r.Len() {
			return nil, fmt.Errorf("engine: array of %d elements in %d bytes", n, d.r.Len())
		}
		arr := make([]any, 0, n)
		for range n {
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		return arr, nil
	case msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32:
		n, err := d.dec.DecodeMapLen()
		if err != nil {
			return nil, err
		}
		if n > d.r.Len() {
			return nil, fmt.Errorf("engine: map of %d entries in %d bytes", n, d.r.Len())
		}
		m := make(map[string]any, n)
		for range n {
			k, err := d.dec.DecodeString()
			if err != nil {
				return nil, err
			}
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		return m, nil
	case c >= msgpcode.FixExt1 && c <= msgpcode.FixExt16 || c >= msgpcode.Ext8 && c <= msgpcode.Ext32:
		id, n, err := d.dec.DecodeExtHeader()
		if err != nil {
			return nil, err
		}
		if id != extNumber || n > d.r.Len() {
			return nil, fmt.Errorf("engine: unknown msgpack ext %d", id)
		}
		buf := make([]byte, n)
		if err := d.dec.ReadFull(buf); err != nil {
			return nil, err
		}
		return json.Number(buf), nil
	}
	return nil, fmt.Errorf("engine: unexpected msgpack code %#x", c)
}

// TestRowFields: Fields reads the named fields as a whole decode gives
// them, one name or several (twice the same, missing ones), from small
// and large maps, with long names; a damaged document fails; a row whose
// document is lent gives strings that do not change with its bytes.
func TestRowFields(t *testing.T) {
	wide := map[string]any{}
	var order []string
	for i := range 20 {
		k := fmt.Sprintf("f%02d", i)
		wide[k], order = int64(i*1000), append(order, k)
	}
	long := strings.Repeat("x", 40)
	wide[long], order = "far", append(order, long)
	docs := []map[string]any{
		{"id": int64(42), "email": "user42@example.com", "status": "status-42", "amount": int64(294), "price": json.Number("12.50")},
		wide,
	}
	orders := [][]string{{"id", "email", "status", "amount", "price"}, order}
	asks := [][]string{{"amount"}, {"email"}, {"nope"}, {"status", "id"}, {"amount", "amount"}, {"nope", "email"},
		{"f19"}, {long}, {"f03", long, "f00"}, {"price"}, {"price", "email"}}
	for i, d := range docs {
		b := encodeDoc(d, orders[i])
		for _, names := range asks {
			out := make([]any, len(names))
			for _, borrowed := range []bool{false, true} {
				for _, bx := range []*Boxes{nil, new(Boxes)} {
					r := Row{doc: b, borrowed: borrowed}
					if err := r.Fields(names, out, bx); err != nil {
						t.Fatalf("doc %d %v: %v", i, names, err)
					}
					for j, n := range names {
						if want := d[n]; out[j] != want {
							t.Fatalf("doc %d %v lent %v boxed %v: %s = %v (%T), want %v", i, names, borrowed, bx != nil, n, out[j], out[j], want)
						}
					}
				}
			}
		}
		for cut := 1; cut < len(b); cut++ {
			r := Row{doc: b[:cut]}
			out := make([]any, 1)
			// A cut that leaves the field whole may read it; any other fails.
			if err := r.Fields([]string{orders[i][len(orders[i])-1]}, out, nil); err == nil && out[0] == nil {
				t.Fatalf("doc %d cut at %d: no error and no value", i, cut)
			}
		}
	}
	b := encodeDoc(docs[0], orders[0])
	lent := bytes.Clone(b)
	r := Row{doc: lent, borrowed: true}
	out := make([]any, 2)
	mustExec(t, r.Fields([]string{"email", "price"}, out, new(Boxes)))
	clear(lent)
	if out[0] != "user42@example.com" || out[1] != json.Number("12.50") {
		t.Fatalf("a lent document's values changed with its bytes: %q %q", out[0], out[1])
	}
}
