package types

import (
	"encoding/binary"
	"hash/maphash"
)

// DRecord is a row value (type record): an anonymous composite whose
// fields' names and types travel with it, as a whole-row reference to a
// FROM item (SELECT to_jsonb(t) FROM t) makes one.
type DRecord struct {
	Names []string
	Types []*T
	Vals  []Datum
}

// appendRecord writes a row value as record_out: (1,x,) with a NULL
// field empty, a field quoted when it is empty or holds a quote, a
// backslash, a parenthesis, a comma or white space, quotes and
// backslashes inside doubled.
func appendRecord(dst []byte, r *DRecord, c *Context) []byte {
	dst = append(dst, '(')
	var buf []byte
	for i, v := range r.Vals {
		if i > 0 {
			dst = append(dst, ',')
		}
		if v == nil {
			continue
		}
		buf = AppendText(buf[:0], v, r.Types[i], c)
		if !recordNeedsQuotes(buf) {
			dst = append(dst, buf...)
			continue
		}
		dst = append(dst, '"')
		for _, ch := range buf {
			if ch == '"' || ch == '\\' {
				dst = append(dst, ch)
			}
			dst = append(dst, ch)
		}
		dst = append(dst, '"')
	}
	return append(dst, ')')
}

func recordNeedsQuotes(s []byte) bool {
	if len(s) == 0 {
		return true
	}
	for _, ch := range s {
		switch ch {
		case '"', '\\', '(', ')', ',', ' ', '\t', '\n', '\r', '\v', '\f':
			return true
		}
	}
	return false
}

// compareRecord orders row values field by field, a NULL field after
// every value, as record_cmp does; a shorter row first when one is a
// prefix of the other.
func compareRecord(a, b *DRecord) int {
	for i := 0; i < len(a.Vals) && i < len(b.Vals); i++ {
		x, y := a.Vals[i], b.Vals[i]
		switch {
		case x == nil && y == nil:
			continue
		case x == nil:
			return 1
		case y == nil:
			return -1
		}
		if c := Compare(x, y, a.Types[i]); c != 0 {
			return c
		}
	}
	return cmp64(int64(len(a.Vals)), int64(len(b.Vals)))
}

// hashRecord hashes a row value field by field.
func hashRecord(r *DRecord, h *maphash.Hash) {
	var buf [8]byte
	h.Write(binary.LittleEndian.AppendUint64(buf[:0], uint64(len(r.Vals))))
	for i, v := range r.Vals {
		if v == nil {
			h.WriteByte(0)
			continue
		}
		h.WriteByte(1)
		hashElem(v, r.Types[i], h)
	}
}

// appendRecordBinary is record_send: the number of fields, then each
// field's type OID and its value as a length (-1 for NULL) and bytes.
func appendRecordBinary(dst []byte, r *DRecord) ([]byte, error) {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(r.Vals)))
	for i, v := range r.Vals {
		dst = binary.BigEndian.AppendUint32(dst, r.Types[i].Oid)
		if v == nil {
			dst = binary.BigEndian.AppendUint32(dst, 0xFFFFFFFF)
			continue
		}
		at := len(dst)
		dst = append(dst, 0, 0, 0, 0)
		var err error
		if dst, err = AppendBinary(dst, v, r.Types[i]); err != nil {
			return nil, err
		}
		binary.BigEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	}
	return dst, nil
}
