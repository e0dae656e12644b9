package engine

import (
	"bytes"
	"fmt"
)

// A Pred is a condition on a top-level field that a cursor checks on each
// row's stored document before it hands the row out (Cursor.Where), so
// that a scan with a selective condition does not decode the rows it
// would throw away.
//
// A predicate only ever drops a row for which the condition is certainly
// not true in SQL: the field is missing or null (a comparison with NULL
// is not true), unless KeepNull is set, or it holds a value of Value's
// kind (a string, a number or a boolean) that compares false. A row whose
// field holds a value of another kind is kept, and the caller's own filter
// decides: the predicate is a prefilter, never the filter itself.
type Pred struct {
	Field string
	Op    Op
	// Value is a string, a number (int64, float64, json.Number) or a
	// bool.
	Value any
	// KeepNull keeps the rows whose field is missing or null: a bound
	// (Cursor.Bound) of a sort that places NULLs before the values it
	// keeps.
	KeepNull bool

	str []byte // Value as bytes, for strings
	k   kind
	// i is Value when it is an int64 (isInt): stored integers compare
	// with it without being decoded into an interface.
	i     int64
	isInt bool
	// num is Value taken apart once when it is a number but not an
	// int64, for the decimals stored as their text (a numeric's), compared
	// with it where they lie. (An int64 moves with Tighten without an
	// allocation; a decimal stored is compared with it decoded.)
	num numText
	// bound: the predicate was added by Bound; lifted: it is not
	// checked (Lift).
	bound, lifted bool
}

// Where makes the cursor drop the rows that fail one of preds (see Pred).
// It is called before the first Next.
func (c *Cursor) Where(preds ...Pred) error {
	for _, p := range preds {
		if err := p.prepare(); err != nil {
			return err
		}
		c.where = append(c.where, p)
		c.live++
	}
	return nil
}

// Bound adds a predicate to the cursor at any time, before or after Next
// has started, and returns a handle to move its value with (Tighten). It
// is checked from the next chunk the cursor reads on: rows already read
// may still come. A bound is made for a top-N sort, which passes down the
// value its worst row holds, and lets the cursor drop the rows that could
// not take its place before they are copied or decoded.
func (c *Cursor) Bound(p Pred) (int, error) {
	if err := p.prepare(); err != nil {
		return 0, err
	}
	p.bound = true
	// A copy of the predicates: Tighten changes them in place, and a
	// cursor's copies (View.Split) must not see it.
	c.where = append(c.where[:len(c.where):len(c.where)], p)
	c.live++
	return len(c.where) - 1, nil
}

// Tighten sets the value of the bound h (Bound) to v, a value of the same
// kind, and checks it again if it was lifted (Lift); its field and
// operator stay. Moving an integer bound to another integer costs no
// allocation.
func (c *Cursor) Tighten(h int, v any) error {
	p, err := c.boundOf(h)
	if err != nil {
		return err
	}
	if i, ok := v.(int64); ok && p.isInt {
		p.Value, p.i = v, i
	} else {
		q := *p
		q.Value = v
		if err := q.prepare(); err != nil {
			return err
		}
		if q.k != p.k {
			return fmt.Errorf("engine: a bound on %s moves to a %T", kindName(p.k), v)
		}
		*p = q
	}
	if p.lifted {
		p.lifted = false
		c.live++
	}
	return nil
}

// Lift stops checking the bound h until the next Tighten: a caller that
// finds it drops too few rows to pay for the reading of their field.
func (c *Cursor) Lift(h int) error {
	p, err := c.boundOf(h)
	if err != nil {
		return err
	}
	if !p.lifted {
		p.lifted = true
		c.live--
	}
	return nil
}

// Dropped returns how many rows the cursor's predicates have dropped.
func (c *Cursor) Dropped() int64 { return c.dropped }

// boundOf returns the bound h.
func (c *Cursor) boundOf(h int) (*Pred, error) {
	if h < 0 || h >= len(c.where) || !c.where[h].bound {
		return nil, fmt.Errorf("engine: no bound %d", h)
	}
	return &c.where[h], nil
}

// prepare checks a predicate and works out what its checks use.
func (p *Pred) prepare() error {
	p.k = kindOf(p.Value)
	p.str, p.i, p.isInt, p.num = nil, 0, false, numText{}
	switch p.k {
	case kindString:
		p.str = []byte(p.Value.(string))
	case kindNumber:
		if p.i, p.isInt = p.Value.(int64); !p.isInt {
			p.num = numTextOf(p.Value, nil)
		}
	case kindBool:
	default:
		return fmt.Errorf("engine: a predicate compares with a string, a number or a boolean, not %T", p.Value)
	}
	if p.Op < OpEq || p.Op > OpGe {
		return fmt.Errorf("engine: unknown operator %d", p.Op)
	}
	return nil
}

// kindName names a kind of value in an error.
func kindName(k kind) string {
	switch k {
	case kindString:
		return "strings"
	case kindNumber:
		return "numbers"
	case kindBool:
		return "booleans"
	}
	return "nothing"
}

// pass reports whether a row may meet every predicate of the cursor,
// counting the rows that do not.
func (c *Cursor) pass(r *Row) bool {
	if c.live == 0 {
		return true
	}
	if r.dec != nil || r.doc == nil {
		for i := range c.where {
			if p := &c.where[i]; !p.lifted && !p.holdsFor(r.dec[p.Field]) {
				c.dropped++
				return false
			}
		}
		return true
	}
	return c.passDoc(r.doc)
}

// passDoc is pass for a row's encoded document.
func (c *Cursor) passDoc(doc []byte) bool {
	if c.live > 0 && !holdIn(c.where, doc) {
		c.dropped++
		return false
	}
	return true
}

// holdsFor checks a decoded value.
func (p *Pred) holdsFor(v any) bool {
	k := kindOf(v)
	if k == kindNull {
		return p.KeepNull
	}
	if k != p.k {
		return true // for the caller's filter to decide
	}
	cmp, _ := CompareValues(v, p.Value)
	return p.Op.holds(cmp)
}

// holdIn checks the predicates that are not lifted on an encoded
// document, reading strings without copying them. Each field is looked
// for once for the conditions on it that come side by side, as the two of
// a BETWEEN do.
func holdIn(preds []Pred, doc []byte) bool {
	at, last := -1, -1 // last: the predicate whose field at is of
	for i := range preds {
		p := &preds[i]
		if p.lifted {
			continue
		}
		if last < 0 || p.Field != preds[last].Field {
			at = valueAt(doc, p.Field)
		}
		last = i
		switch at {
		case -2:
			return true // a damaged document: let the reader report it
		case -1:
			// A field missing is NULL, which no comparison is true of.
			if !p.KeepNull {
				return false
			}
			continue
		}
		r := mpReader{b: doc, i: at, alias: true}
		if !p.holdsAt(&r) {
			return false
		}
	}
	return true
}

// holdsAt checks the value r is at.
func (p *Pred) holdsAt(r *mpReader) bool {
	start := r.i
	code, err := r.byte()
	if err != nil {
		return true // a damaged document: let the reader report it
	}
	if p.isInt {
		v, ok, err := r.int(code)
		if err != nil {
			return true
		}
		if ok {
			return p.Op.holds(cmpInt(v, p.i))
		}
	}
	if p.k == kindNumber && !p.isInt && isExtCode(code) {
		b, err := r.extBody(code)
		if err != nil {
			return true
		}
		// Taken apart where it lies (r aliases): its digits are only
		// compared here.
		t := numTextOfText(r.string(b))
		return p.Op.holds(compareNumText(&t, &p.num))
	}
	if p.k == kindString {
		if n, err := r.strLen(code); err == nil {
			b, err := r.next(n)
			if err != nil {
				return true
			}
			return p.Op.holds(bytes.Compare(b, p.str))
		}
	}
	r.i = start
	v, err := r.value(1)
	if err != nil {
		return true
	}
	return p.holdsFor(v)
}
