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

func (e *encoder) bytes() []byte {
	out := append([]byte(nil), e.buf.Bytes()...)
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
func encodeDoc(doc map[string]any, order []string) []byte {
	e := getEncoder()
	if err := e.value(doc, order); err != nil {
		panic(err) // documents only ever hold the types value() knows
	}
	return e.bytes()
}

// encodeKeyed encodes {"k": key} or {"k": key, "p": patch}.
func encodeKeyed(key Key, patch map[string]any, order []string) []byte {
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
		if err := e.value(patch, order); err != nil {
			panic(err)
		}
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
	var v any
	found := false
	err := eachField(b, func(key []byte, r *mpReader) (bool, error) {
		if string(key) != name {
			return true, nil
		}
		var err error
		v, err = r.value(1)
		found = err == nil
		return false, err
	})
	return v, found, err
}

// docKeys returns the top-level keys of an encoded map in stored order.
func docKeys(b []byte) ([]string, error) {
	var keys []string
	err := eachField(b, func(key []byte, _ *mpReader) (bool, error) {
		keys = append(keys, string(key))
		return true, nil
	})
	return keys, err
}

// eachField calls fn with the name of every top-level field of an encoded
// document, in stored order, and a reader at the field's value. fn may read
// the value (what it leaves unread is skipped) and returns false to stop.
func eachField(b []byte, fn func(key []byte, r *mpReader) (bool, error)) error {
	r := mpReader{b: b}
	n, err := r.mapLen()
	if err != nil {
		return err
	}
	for range n {
		c, err := r.byte()
		if err != nil {
			return err
		}
		kn, err := r.strLen(c)
		if err != nil {
			return err
		}
		key, err := r.next(kn)
		if err != nil {
			return err
		}
		at := r.i
		more, err := fn(key, &r)
		if err != nil || !more {
			return err
		}
		if r.i == at {
			if err := r.skip(1); err != nil {
				return err
			}
		}
	}
	return nil
}
