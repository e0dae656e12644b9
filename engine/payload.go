package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// Event payloads (msgpack; see docs/FORMAT.md):
//
//	INSERT       the document: a map, top-level keys in the order written
//	PATCH        map {"k": key, "p": merge patch (a map)}
//	SOFT_DELETE  map {"k": key}
//	TRUNCATE     an empty map {}
//
// Values map to msgpack as: nil -> nil, bool -> bool, int64 -> int, float64
// -> float64, string -> str, []any -> array, map -> map, and json.Number (a
// number kept exactly) -> ext type 1 holding its decimal text.

// extNumber is the msgpack ext type of an exact decimal number.
const extNumber = 1

var encPool = sync.Pool{New: func() any {
	buf := new(bytes.Buffer)
	return &encoder{buf: buf, enc: msgpack.NewEncoder(buf)}
}}

type encoder struct {
	buf *bytes.Buffer
	enc *msgpack.Encoder
}

func getEncoder() *encoder {
	e := encPool.Get().(*encoder)
	e.buf.Reset()
	return e
}

func (e *encoder) bytes() []byte { return e.bytesAfter(nil) }

// bytesAfter returns prefix and then what e encoded, in one allocation of
// their size (nil when both are empty), and gives e back to the pool.
func (e *encoder) bytesAfter(prefix []byte) []byte {
	var out []byte
	if n := len(prefix) + e.buf.Len(); n > 0 {
		out = make([]byte, n)
		copy(out[copy(out, prefix):], e.buf.Bytes())
	}
	encPool.Put(e)
	return out
}

// encodeValue writes v; keys of the top-level map go in order when given.
func (e *encoder) value(v any, order []string) error {
	enc := e.enc
	switch x := v.(type) {
	case nil:
		return enc.EncodeNil()
	case bool:
		return enc.EncodeBool(x)
	case int64:
		return enc.EncodeInt(x)
	case int:
		return enc.EncodeInt(int64(x))
	case float64:
		return enc.EncodeFloat64(x)
	case json.Number:
		if err := enc.EncodeExtHeader(extNumber, len(x)); err != nil {
			return err
		}
		_, err := e.buf.WriteString(string(x))
		return err
	case string:
		return enc.EncodeString(x)
	case []any:
		if err := enc.EncodeArrayLen(len(x)); err != nil {
			return err
		}
		for _, el := range x {
			if err := e.value(el, nil); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		if err := enc.EncodeMapLen(len(x)); err != nil {
			return err
		}
		keys := order
		if len(keys) != len(x) {
			keys = sortedKeys(x)
		}
		for _, k := range keys {
			if err := enc.EncodeString(k); err != nil {
				return err
			}
			if err := e.value(x[k], nil); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("engine: cannot encode %T", v)
}

// encodeDoc encodes a document, top-level keys in the given order (or
// jsonb order when order does not list them all).
func encodeDoc(doc map[string]any, order []string) []byte { return encodeAfter(nil, doc, order) }

// encodeAfter returns prefix and then the encoding of doc, in one
// allocation of their size.
func encodeAfter(prefix []byte, doc map[string]any, order []string) []byte {
	e := getEncoder()
	if err := e.value(doc, order); err != nil {
		panic(err) // documents only ever hold the types value() knows
	}
	return e.bytesAfter(prefix)
}

// encodeKeyed encodes {"k": key}, or {"k": key, "p": patch} given the
// patch already encoded.
func encodeKeyed(key Key, patch []byte) []byte {
	e := getEncoder()
	n := 1
	if patch != nil {
		n = 2
	}
	e.enc.EncodeMapLen(n)
	e.enc.EncodeString("k")
	e.value(key.Value(), nil)
	if patch != nil {
		e.enc.EncodeString("p")
		e.buf.Write(patch)
	}
	return e.bytes()
}

// decodeMsgpack decodes one msgpack value of a payload.
func decodeMsgpack(b []byte) (any, error) {
	r := mpReader{b: b}
	return r.value(0)
}

// decodeDocBytes decodes an encoded document.
func decodeDocBytes(b []byte) (map[string]any, error) {
	v, err := decodeMsgpack(b)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("engine: payload is %s, not an object", jsonKind(v))
	}
	return m, nil
}

// docField finds one top-level field of an encoded document without
// decoding the rest.
func docField(b []byte, name string) (any, bool, error) {
	it := fieldsOf(b, false)
	for it.next() {
		if string(it.key) == name {
			v, err := it.r.value(1)
			return v, err == nil, err
		}
	}
	return nil, false, it.err
}

// docKeys returns the top-level keys of an encoded map in stored order.
func docKeys(b []byte) ([]string, error) {
	var keys []string
	it := fieldsOf(b, false)
	for it.next() {
		keys = append(keys, string(it.key))
	}
	return keys, it.err
}

// fieldIter walks the top-level fields of an encoded document in stored
// order: after next, key is the field's name and r is at its value, which
// the caller may read (what it leaves unread is skipped). It is a value on
// the caller's stack: reading a row's fields allocates nothing for it.
type fieldIter struct {
	r    mpReader
	key  []byte
	err  error
	left int // fields not yet visited
	at   int // where the current field's value starts
	kat  int // where the current field's name starts
}

// fieldsOf starts a walk over b's fields. With alias, the strings read
// point into b (see mpReader).
func fieldsOf(b []byte, alias bool) fieldIter {
	it := fieldIter{r: mpReader{b: b, alias: alias}, at: -1}
	it.left, it.err = it.r.mapLen()
	return it
}

// next moves to the next field; false at the end or on an error (err).
func (it *fieldIter) next() bool {
	if it.err != nil {
		return false
	}
	r := &it.r
	if it.at >= 0 && r.i == it.at {
		if j := skipScalar(r.b, r.i); j >= 0 {
			r.i = j
		} else if it.err = r.skip(1); it.err != nil {
			return false
		}
	}
	if it.left == 0 {
		return false
	}
	it.left--
	it.kat = r.i
	if i := r.i; i < len(r.b) && r.b[i] >= 0xa0 && r.b[i] <= 0xbf {
		// A name of up to 31 bytes, as nearly every field's is.
		if n := int(r.b[i] & 0x1f); n < len(r.b)-i {
			it.key = r.b[i+1 : i+1+n]
			r.i += 1 + n
			it.at = r.i
			return true
		}
	}
	c, err := r.byte()
	if err != nil {
		it.err = err
		return false
	}
	kn, err := r.strLen(c)
	if err != nil {
		it.err = err
		return false
	}
	if it.key, it.err = r.next(kn); it.err != nil {
		return false
	}
	it.at = r.i
	return true
}

// field returns the current field's name and value as stored: the
// msgpack bytes of each, header included. The value counts as read.
func (it *fieldIter) field() (name, val []byte, err error) {
	r := &it.r
	if r.i != it.at {
		return nil, nil, fmt.Errorf("engine: field value already read")
	}
	if j := skipScalar(r.b, r.i); j >= 0 {
		r.i = j
	} else if err := r.skip(1); err != nil {
		return nil, nil, err
	}
	return r.b[it.kat:it.at], r.b[it.at:r.i], nil
}

// skipScalar returns where the value at b[i] ends when it is a number, a
// boolean, null or a string, the values most fields hold; -1 for any
// other value, or one that b does not hold whole (mpReader.skip decides).
func skipScalar(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	c := b[i]
	var end int
	switch {
	case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
		end = i + 1
	case c >= 0xa0 && c <= 0xbf:
		end = i + 1 + int(c&0x1f)
	case c == 0xcc || c == 0xd0:
		end = i + 2
	case c == 0xcd || c == 0xd1:
		end = i + 3
	case c == 0xce || c == 0xd2 || c == 0xca:
		end = i + 5
	case c == 0xcf || c == 0xd3 || c == 0xcb:
		end = i + 9
	case c == 0xd9 && i+1 < len(b):
		end = i + 2 + int(b[i+1])
	default:
		return -1
	}
	if end > len(b) {
		return -1
	}
	return end
}

// valueAt returns where the value of doc's top-level field name starts:
// -1 when doc has no such field, -2 when doc is damaged. It is the walk of
// fieldIter in one loop, for the hot path of a scan's conditions.
func valueAt(doc []byte, name string) int {
	if len(doc) == 0 {
		return -2
	}
	var n, i int
	switch c := doc[0]; {
	case c >= 0x80 && c <= 0x8f:
		n, i = int(c&0x0f), 1
	default:
		r := mpReader{b: doc}
		m, err := r.mapLen()
		if err != nil {
			return -2
		}
		n, i = m, r.i
	}
	for ; n > 0; n-- {
		if i >= len(doc) {
			return -2
		}
		var kl int
		if c := doc[i]; c >= 0xa0 && c <= 0xbf {
			kl, i = int(c&0x1f), i+1
		} else {
			r := mpReader{b: doc, i: i + 1}
			l, err := r.strLen(c)
			if err != nil {
				return -2
			}
			kl, i = l, r.i
		}
		if kl > len(doc)-i {
			return -2
		}
		if kl == len(name) && string(doc[i:i+kl]) == name {
			return i + kl
		}
		j := skipScalar(doc, i+kl)
		if j < 0 {
			r := mpReader{b: doc, i: i + kl}
			if r.skip(1) != nil {
				return -2
			}
			j = r.i
		}
		i = j
	}
	return -1
}
