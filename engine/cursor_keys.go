package engine

// keyBounds limit a plain cursor to the keys between two bounds.
type keyBounds struct {
	lo, hi         *Key
	loIncl, hiIncl bool
}

// below reports whether k comes before the range; above, after it.
func (b *keyBounds) below(k Key) bool {
	if b.lo == nil {
		return false
	}
	c := compareKeys(k, *b.lo)
	return c < 0 || c == 0 && !b.loIncl
}

// span returns how many rows a chunk of a cursor limited to b holds at
// most: the keys between two integer bounds, or a whole chunk (also for
// a cursor not limited, b nil).
func (b *keyBounds) span() int {
	if b == nil || b.lo == nil || b.hi == nil || !b.lo.IsInt || !b.hi.IsInt {
		return cursorChunk
	}
	if n := uint64(b.hi.Int - b.lo.Int); n < cursorChunk {
		return int(n) + 1
	}
	return cursorChunk
}

func (b *keyBounds) above(k Key) bool {
	if b.hi == nil {
		return false
	}
	c := compareKeys(k, *b.hi)
	return c > 0 || c == 0 && !b.hiIncl
}

// KeyRange returns a cursor over the live rows of table whose primary key
// lies between lo and hi (either may be nil: unbounded), in key order: a
// range of the key read without touching the rows outside it. A bound
// must be of the key's kind (an integer for an integer key, a string for
// a text key); ok is false, and no cursor made, when one is not: the
// caller then scans and filters.
func (v *View) KeyRange(table string, lo, hi *Bound) (c *Cursor, ok bool, err error) {
	ts, err := v.table(table)
	if err != nil {
		return nil, false, err
	}
	var intKey bool
	switch ts.cols.cols[0].Type {
	case TypeInt8:
		intKey = true
	case TypeText:
	default:
		return nil, false, nil // keys of any kind: no order to range over
	}
	kb := &keyBounds{}
	for i, b := range []*Bound{lo, hi} {
		if b == nil {
			continue
		}
		k, err := KeyOf(b.Value)
		if err != nil || k.IsInt != intKey {
			return nil, false, nil
		}
		if i == 0 {
			kb.lo, kb.loIncl = &k, b.Incl
		} else {
			kb.hi, kb.hiIncl = &k, b.Incl
		}
	}
	c, err = v.Cursor(table)
	if err != nil {
		return nil, false, err
	}
	c.limit(kb)
	return c, true, nil
}

// limit makes a plain cursor read only the keys within kb.
func (c *Cursor) limit(kb *keyBounds) {
	c.keys0 = kb
	// The transaction's own writes outside the range are not the range's.
	in := c.pending[:0:0]
	for _, p := range c.pending {
		if !kb.below(p.k) && !kb.above(p.k) {
			in = append(in, p)
		}
	}
	c.pending = in
}
