package engine

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unsafe"
)

// mpReader reads the msgpack the payload encoder writes (see payload.go)
// straight from a byte slice: the read path of every row a query touches,
// where a general decoder's per-value indirections cost more than the
// values themselves. Anything outside that subset is an error.
type mpReader struct {
	b []byte
	i int
	// alias makes strings point into b instead of copying: only for
	// buffers that never change (a version's document), whose strings then
	// keep them alive.
	alias bool
}

var errShortPayload = errors.New("engine: payload ends early")

func (r *mpReader) byte() (byte, error) {
	if r.i >= len(r.b) {
		return 0, errShortPayload
	}
	c := r.b[r.i]
	r.i++
	return c, nil
}

func (r *mpReader) next(n int) ([]byte, error) {
	if n < 0 || n > len(r.b)-r.i {
		return nil, errShortPayload
	}
	p := r.b[r.i : r.i+n]
	r.i += n
	return p, nil
}

// uint reads an n-byte big-endian unsigned integer.
func (r *mpReader) uint(n int) (uint64, error) {
	p, err := r.next(n)
	if err != nil {
		return 0, err
	}
	switch n {
	case 1:
		return uint64(p[0]), nil
	case 2:
		return uint64(binary.BigEndian.Uint16(p)), nil
	case 4:
		return uint64(binary.BigEndian.Uint32(p)), nil
	}
	return binary.BigEndian.Uint64(p), nil
}

// length reads the length that follows a str, array, map or ext code of
// the given width.
func (r *mpReader) length(width int) (int, error) {
	n, err := r.uint(width)
	if err != nil {
		return 0, err
	}
	if n > uint64(len(r.b)-r.i) {
		return 0, errShortPayload // every element takes at least a byte
	}
	return int(n), nil
}

// mapLen reads a map header.
func (r *mpReader) mapLen() (int, error) {
	c, err := r.byte()
	if err != nil {
		return 0, err
	}
	switch {
	case c >= 0x80 && c <= 0x8f:
		return int(c & 0x0f), nil
	case c == 0xde:
		return r.length(2)
	case c == 0xdf:
		return r.length(4)
	}
	return 0, fmt.Errorf("engine: msgpack code %#x is not a map", c)
}

// string returns p, a slice of r.b, as a string.
func (r *mpReader) string(p []byte) string {
	if r.alias && len(p) > 0 {
		return unsafe.String(&p[0], len(p))
	}
	return string(p)
}

// isExtCode reports whether c is the code of an ext: a decimal's text
// (extLen checks its type).
func isExtCode(c byte) bool { return c >= 0xc7 && c <= 0xc9 || c >= 0xd4 && c <= 0xd8 }

// isStrCode reports whether c is the code of a string.
func isStrCode(c byte) bool { return c >= 0xa0 && c <= 0xbf || c >= 0xd9 && c <= 0xdb }

// strBody reads the rest of a string whose code c was read.
func (r *mpReader) strBody(c byte) (string, error) {
	n, err := r.strLen(c)
	if err != nil {
		return "", err
	}
	p, err := r.next(n)
	if err != nil {
		return "", err
	}
	return r.string(p), nil
}

// str reads a string.
func (r *mpReader) str() (string, error) {
	c, err := r.byte()
	if err != nil {
		return "", err
	}
	n, err := r.strLen(c)
	if err != nil {
		return "", err
	}
	p, err := r.next(n)
	return string(p), err
}

func (r *mpReader) strLen(c byte) (int, error) {
	switch {
	case c >= 0xa0 && c <= 0xbf:
		return int(c & 0x1f), nil
	case c == 0xd9:
		return r.length(1)
	case c == 0xda:
		return r.length(2)
	case c == 0xdb:
		return r.length(4)
	}
	return 0, fmt.Errorf("engine: msgpack code %#x is not a string", c)
}

// int reads an integer whose code c was read, without boxing it. ok is
// false when c is not the code of an integer that fits int64 (the reader
// has then read nothing more).
func (r *mpReader) int(c byte) (v int64, ok bool, err error) {
	switch {
	case c <= 0x7f:
		return int64(c), true, nil
	case c >= 0xe0:
		return int64(int8(c)), true, nil
	case c >= 0xcc && c <= 0xcf:
		u, err := r.uint(1 << (c - 0xcc))
		if err != nil || u > math.MaxInt64 {
			r.i -= 1 << (c - 0xcc) // a big uint64: the caller decodes it
			return 0, false, err
		}
		return int64(u), true, nil
	case c >= 0xd0 && c <= 0xd3:
		u, err := r.uint(1 << (c - 0xd0))
		if err != nil {
			return 0, false, err
		}
		switch c {
		case 0xd0:
			return int64(int8(u)), true, nil
		case 0xd1:
			return int64(int16(u)), true, nil
		case 0xd2:
			return int64(int32(u)), true, nil
		}
		return int64(u), true, nil
	}
	return 0, false, nil
}

// value reads one value: nil, bool, int64, float64, string, json.Number,
// []any or map[string]any.
func (r *mpReader) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("engine: payload nested deeper than %d", maxDepth)
	}
	c, err := r.byte()
	if err != nil {
		return nil, err
	}
	switch {
	case c <= 0x7f:
		return int64(c), nil
	case c >= 0xe0:
		return int64(int8(c)), nil
	case c >= 0x80 && c <= 0x8f, c == 0xde, c == 0xdf:
		r.i--
		n, err := r.mapLen()
		if err != nil {
			return nil, err
		}
		m := make(map[string]any, n)
		for range n {
			k, err := r.str()
			if err != nil {
				return nil, err
			}
			v, err := r.value(depth + 1)
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		return m, nil
	case c >= 0x90 && c <= 0x9f, c == 0xdc, c == 0xdd:
		var n int
		switch c {
		case 0xdc:
			n, err = r.length(2)
		case 0xdd:
			n, err = r.length(4)
		default:
			n = int(c & 0x0f)
		}
		if err != nil {
			return nil, err
		}
		arr := make([]any, 0, n)
		for range n {
			v, err := r.value(depth + 1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		return arr, nil
	case isStrCode(c):
		return r.strBody(c)
	case isExtCode(c):
		p, err := r.extBody(c)
		return json.Number(p), err
	}
	switch c {
	case 0xc0:
		return nil, nil
	case 0xc2:
		return false, nil
	case 0xc3:
		return true, nil
	case 0xca:
		u, err := r.uint(4)
		return float64(math.Float32frombits(uint32(u))), err
	case 0xcb:
		u, err := r.uint(8)
		return math.Float64frombits(u), err
	case 0xcc, 0xcd, 0xce, 0xcf:
		u, err := r.uint(1 << (c - 0xcc))
		if err != nil {
			return nil, err
		}
		if u > math.MaxInt64 {
			return json.Number(strconv.FormatUint(u, 10)), nil
		}
		return int64(u), nil
	case 0xd0:
		u, err := r.uint(1)
		return int64(int8(u)), err
	case 0xd1:
		u, err := r.uint(2)
		return int64(int16(u)), err
	case 0xd2:
		u, err := r.uint(4)
		return int64(int32(u)), err
	case 0xd3:
		u, err := r.uint(8)
		return int64(u), err
	}
	return nil, fmt.Errorf("engine: unexpected msgpack code %#x", c)
}

// extLen reads the rest of an ext header whose code c was read, checks
// that the ext is one documents hold (a number's text), and returns the
// length of its data.
func (r *mpReader) extLen(c byte) (int, error) {
	var n int
	var err error
	switch c {
	case 0xc7:
		n, err = r.length(1)
	case 0xc8:
		n, err = r.length(2)
	case 0xc9:
		n, err = r.length(4)
	default:
		n = 1 << (c - 0xd4)
	}
	if err != nil {
		return 0, err
	}
	typ, err := r.byte()
	if err != nil {
		return 0, err
	}
	if int8(typ) != extNumber {
		return 0, fmt.Errorf("engine: unknown msgpack ext %d", int8(typ))
	}
	return n, nil
}

// extBody reads the rest of an ext whose code c was read: its data, a
// number's text (extLen).
func (r *mpReader) extBody(c byte) ([]byte, error) {
	n, err := r.extLen(c)
	if err != nil {
		return nil, err
	}
	return r.next(n)
}

// skip passes over one value.
func (r *mpReader) skip(depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("engine: payload nested deeper than %d", maxDepth)
	}
	c, err := r.byte()
	if err != nil {
		return err
	}
	var n int // bytes to pass, or elements for arrays and maps
	switch {
	case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
		return nil
	case c >= 0xa0 && c <= 0xbf, c >= 0xd9 && c <= 0xdb:
		if n, err = r.strLen(c); err != nil {
			return err
		}
		_, err = r.next(n)
		return err
	case c >= 0x80 && c <= 0x8f, c == 0xde, c == 0xdf:
		r.i--
		if n, err = r.mapLen(); err != nil {
			return err
		}
		n *= 2
	case c >= 0x90 && c <= 0x9f:
		n = int(c & 0x0f)
	case c == 0xdc:
		n, err = r.length(2)
	case c == 0xdd:
		n, err = r.length(4)
	case c == 0xca:
		_, err = r.next(4)
		return err
	case c == 0xcb:
		_, err = r.next(8)
		return err
	case c >= 0xcc && c <= 0xcf:
		_, err = r.next(1 << (c - 0xcc))
		return err
	case c >= 0xd0 && c <= 0xd3:
		_, err = r.next(1 << (c - 0xd0))
		return err
	case isExtCode(c):
		_, err = r.extBody(c)
		return err
	default:
		r.i--
		_, err = r.value(depth) // ext or an unknown code: value checks it
		return err
	}
	if err != nil {
		return err
	}
	for range n {
		if err := r.skip(depth + 1); err != nil {
			return err
		}
	}
	return nil
}
