package engine

import (
	"encoding/binary"
	"strings"
)

// splitMinRows is the smallest table Split divides: below it, reading the
// parts side by side costs more than it saves.
const splitMinRows = 32768

// Split returns cursors over consecutive ranges of table's keys that
// together read exactly the rows one Cursor would: the first range's rows
// come first in key order, then the second's, and so on. Each cursor may be
// read by a goroutine of its own, which is what the parts are for.
//
// The ranges are cut at keys spread evenly between the table's first and
// last keys (by their integer value, or by the first bytes of text keys),
// so they hold about as many rows each when keys are spread evenly; they
// are never wrong, only uneven, when keys are not. A table of fewer than
// splitMinRows rows, or with keys of both kinds, is not split: Split then
// returns no cursors, and the caller reads the table with Cursor.
func (v *View) Split(table string, parts int) ([]*Cursor, error) {
	ts, err := v.table(table)
	if err != nil {
		return nil, err
	}
	ts = v.trees(table, ts)
	if parts < 2 || ts.rows.Len() < splitMinRows {
		return nil, nil
	}
	first, _ := ts.rows.Min()
	last, _ := ts.rows.Max()
	cuts := splitKeys(first.key, last.key, parts)
	if len(cuts) == 0 {
		return nil, nil
	}
	// One cursor made, the parts its copies: the transaction's writes are
	// gathered once.
	whole, err := v.Cursor(table)
	if err != nil {
		return nil, err
	}
	out := make([]*Cursor, 0, len(cuts)+1)
	for i := 0; i <= len(cuts); i++ {
		kb := &keyBounds{loIncl: true}
		if i > 0 {
			kb.lo = &cuts[i-1]
		}
		if i < len(cuts) {
			kb.hi = &cuts[i]
		}
		c := new(Cursor)
		*c = *whole
		c.limit(kb)
		out = append(out, c)
	}
	return out, nil
}

// ApproxRows returns about how many rows table has: the rows it keeps,
// live or deleted, as of the newest state the view can see without
// reading them (for plans to weigh one way of reading against another).
func (v *View) ApproxRows(table string) (int64, error) {
	ts, err := v.table(table)
	if err != nil {
		return 0, err
	}
	return int64(v.trees(table, ts).rows.Len()), nil
}

// splitKeys returns up to parts-1 increasing keys strictly between lo and
// hi that cut [lo, hi] into about equal spans; none when the keys are of
// different kinds or too close together.
func splitKeys(lo, hi Key, parts int) []Key {
	if lo.IsInt != hi.IsInt {
		return nil
	}
	var a, b uint64
	if lo.IsInt {
		// Offsetting by 2^63 maps int64 order onto uint64 order.
		a, b = uint64(lo.Int)^1<<63, uint64(hi.Int)^1<<63
	} else {
		a, b = prefix64(lo.Str), prefix64(hi.Str)
	}
	if b <= a {
		return nil
	}
	step := (b - a) / uint64(parts)
	if step == 0 {
		return nil
	}
	var cuts []Key
	for i := 1; i < parts; i++ {
		m := a + step*uint64(i)
		var k Key
		if lo.IsInt {
			k = Key{Int: int64(m ^ 1<<63), IsInt: true}
		} else {
			var buf [8]byte
			binary.BigEndian.PutUint64(buf[:], m)
			k = Key{Str: strings.TrimRight(string(buf[:]), "\x00")}
		}
		if compareKeys(k, lo) > 0 && compareKeys(k, hi) < 0 && (len(cuts) == 0 || compareKeys(k, cuts[len(cuts)-1]) > 0) {
			cuts = append(cuts, k)
		}
	}
	return cuts
}

// prefix64 is a string's first 8 bytes as a big-endian number (shorter
// strings padded with zeros), which orders as the strings do.
func prefix64(s string) uint64 {
	var buf [8]byte
	copy(buf[:], s)
	return binary.BigEndian.Uint64(buf[:])
}
