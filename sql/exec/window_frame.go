package exec

import (
	"sort"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
)

// bounds works out every row's peer group and frame.
func (p *partition) bounds(so *sortOp) error {
	n := len(p.rows)
	p.peerS, p.peerE, p.frS, p.frE = make([]int, n), make([]int, n), make([]int, n), make([]int, n)
	var groups []int // the first row of each peer group
	for i := 0; i < n; {
		j := i + 1
		for j < n && len(p.w.c.OrderBy) > 0 && !so.less(&sortRow{keys: p.keys(i)}, &sortRow{keys: p.keys(j)}) {
			j++
		}
		if len(p.w.c.OrderBy) == 0 {
			j = n // without ORDER BY every row is a peer of every other
		}
		for k := i; k < j; k++ {
			p.peerS[k], p.peerE[k] = i, j
		}
		groups = append(groups, i)
		i = j
	}
	fr := p.w.c.Frame
	if fr == nil {
		for i := 0; i < n; i++ {
			p.frS[i], p.frE[i] = 0, p.peerE[i]
		}
		return nil
	}
	fb := &frameBounds{p: p, fr: fr, groups: groups}
	for i := 0; i < n; i++ {
		s, err := fb.bound(fr.Start, i, true)
		if err != nil {
			return err
		}
		e, err := fb.bound(fr.End, i, false)
		if err != nil {
			return err
		}
		p.frS[i], p.frE[i] = max(0, min(s, n)), max(0, min(e, n))
	}
	return nil
}

// Excluded reports whether row i is left out of row's frame by the
// frame's EXCLUDE clause.
func (p *partition) Excluded(row, i int) bool {
	fr := p.w.c.Frame
	if fr == nil {
		return false
	}
	switch fr.Exclude {
	case plan.ExcludeCurrentRow:
		return i == row
	case plan.ExcludeGroup:
		return i >= p.peerS[row] && i < p.peerE[row]
	case plan.ExcludeTies:
		return i != row && i >= p.peerS[row] && i < p.peerE[row]
	}
	return false
}

// excludingValues computes an aggregate over frames with holes (EXCLUDE
// CURRENT ROW, GROUP or TIES): each row's frame on its own.
func (p *partition) excludingValues(args []*types.T) ([]types.Datum, error) {
	fn, c := p.w.c.Fn, p.w.env.Fn
	out := make([]types.Datum, len(p.rows))
	for i := range out {
		acc := fn.Agg(args)
		for j := p.frS[i]; j < p.frE[i]; j++ {
			a := p.Args(j)
			if p.Excluded(i, j) || a == nil || fn.Strict && hasNull(a) {
				continue
			}
			if err := acc.Add(c, a); err != nil {
				return nil, err
			}
		}
		v, err := acc.Result(c)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// frameBounds works out the ends of a partition's rows' frames.
type frameBounds struct {
	p      *partition
	fr     *plan.WindowFrame
	groups []int // the first row of each peer group, in order
	// The offsets evaluated and the RANGE expressions compiled, once.
	offsets map[plan.Expr]types.Datum
	fns     map[plan.Expr]evalFn
}

// bound is one end of row i's frame: an index for the start, one past it
// for the end.
func (fb *frameBounds) bound(b plan.FrameBound, i int, start bool) (int, error) {
	p := fb.p
	n := len(p.rows)
	switch b.Kind {
	case plan.BoundUnboundedPreceding:
		return 0, nil
	case plan.BoundUnboundedFollowing:
		return n, nil
	case plan.BoundCurrentRow:
		if fb.fr.Rows {
			if start {
				return i, nil
			}
			return i + 1, nil
		}
		if start {
			return p.peerS[i], nil
		}
		return p.peerE[i], nil
	}
	off, err := fb.offset(b, start)
	if err != nil {
		return 0, err
	}
	switch {
	case fb.fr.Rows:
		pos := int64(i)
		if b.Kind == plan.BoundPreceding {
			pos -= off.(int64)
		} else {
			pos += off.(int64)
		}
		if !start {
			pos++
		}
		return int(max(min(pos, int64(n)), 0)), nil
	case fb.fr.Groups:
		return fb.groupBound(b, off.(int64), i, start), nil
	}
	return fb.rangeBound(b, i, start)
}

// offset evaluates a bound's offset (a constant of the statement).
func (fb *frameBounds) offset(b plan.FrameBound, start bool) (types.Datum, error) {
	if v, ok := fb.offsets[b.Offset]; ok {
		return v, nil
	}
	f, err := fb.compile(b.Offset)
	if err != nil {
		return nil, err
	}
	off, err := f(nil)
	if err != nil {
		return nil, err
	}
	which := "starting"
	if !start {
		which = "ending"
	}
	if off == nil {
		return nil, pgcode.Newf(pgcode.NullValueNotAllowed, "frame %s offset must not be null", which)
	}
	if negative(off) {
		if fb.fr.Rows || fb.fr.Groups {
			return nil, pgcode.Newf(pgcode.InvalidPrecedingFollowingSize, "frame %s offset must not be negative", which)
		}
		return nil, pgcode.New(pgcode.InvalidPrecedingFollowingSize, "invalid preceding or following size in window function")
	}
	if fb.offsets == nil {
		fb.offsets = map[plan.Expr]types.Datum{}
	}
	fb.offsets[b.Offset] = off
	return off, nil
}

// negative reports whether a frame offset is below zero.
func negative(v types.Datum) bool {
	switch x := v.(type) {
	case int64:
		return x < 0
	case float64:
		return x < 0
	case *apd.Decimal:
		return x.Sign() < 0
	case types.DInterval:
		return x.Months < 0 || x.Days < 0 || x.Micros < 0
	}
	return false
}

// groupBound is a GROUPS frame's end: k peer groups before or after row
// i's.
func (fb *frameBounds) groupBound(b plan.FrameBound, k int64, i int, start bool) int {
	g := int64(sort.SearchInts(fb.groups, fb.p.peerS[i]))
	if b.Kind == plan.BoundPreceding {
		g -= k
	} else {
		g += k
	}
	if !start {
		g++ // one past the group: the next group's first row
	}
	switch {
	case g < 0:
		return 0
	case g >= int64(len(fb.groups)):
		return len(fb.p.rows)
	}
	return fb.groups[g]
}

// rangeBound is a RANGE frame's end: the rows whose ORDER BY value is
// within the offset of row i's.
func (fb *frameBounds) rangeBound(b plan.FrameBound, i int, start bool) (int, error) {
	p := fb.p
	n := len(p.rows)
	cur := p.keys(i)[0]
	if cur == nil {
		// NULLs are peers of each other only.
		if start {
			return p.peerS[i], nil
		}
		return p.peerE[i], nil
	}
	limitFn, err := fb.compile(b.Limit)
	if err != nil {
		return 0, err
	}
	keyFn, err := fb.compile(b.Key)
	if err != nil {
		return 0, err
	}
	limit, err := limitFn(Row{cur})
	if err != nil {
		return 0, err
	}
	desc := p.w.c.OrderBy[0].Desc
	t := b.Limit.Type()
	// cmp compares row j's value with the limit, in the window's order
	// (ok false for a NULL, which no offset reaches).
	cmp := func(j int) (c int, ok bool, err error) {
		v := p.keys(j)[0]
		if v == nil {
			return 0, false, nil
		}
		kv, err := keyFn(Row{v})
		if err != nil {
			return 0, false, err
		}
		c = types.Compare(kv, limit, t)
		if desc {
			c = -c
		}
		return c, true, nil
	}
	if start {
		for j := 0; j < n; j++ {
			c, ok, err := cmp(j)
			if err != nil {
				return 0, err
			}
			if ok && c >= 0 {
				return j, nil
			}
		}
		return n, nil
	}
	for j := n - 1; j >= 0; j-- {
		c, ok, err := cmp(j)
		if err != nil {
			return 0, err
		}
		if ok && c <= 0 {
			return j + 1, nil
		}
	}
	return 0, nil
}

// compile compiles an expression of the frame once.
func (fb *frameBounds) compile(e plan.Expr) (evalFn, error) {
	if f, ok := fb.fns[e]; ok {
		return f, nil
	}
	f, err := fb.p.w.env.compile(e)
	if err != nil {
		return nil, err
	}
	if fb.fns == nil {
		fb.fns = map[plan.Expr]evalFn{}
	}
	fb.fns[e] = f
	return f, nil
}
