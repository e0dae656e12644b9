package exec

import (
	"hash/maphash"
	"math"
	"math/bits"
	"runtime"
	"sync"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
)

// joinOp joins two inputs. With equality keys it builds a hash table of
// the right side and probes it with each left row; otherwise it loops over
// the right side's rows (kept in memory), or, for a lateral join, runs the
// right side again for each left row.
type joinOp struct {
	env    *Env
	n      *plan.Join
	left   Operator
	nl, nr int
	on     func(Row) (bool, error)
	lkeys  []evalFn
	rkeys  []evalFn
	keyT   []*types.T
	joinTable
	hh          maphash.Hash // hashes probes (the table may be shared)
	matched     []bool       // right rows that found a match (RIGHT, FULL)
	cur         Row          // the left row being joined
	cands       []int        // its candidate right rows
	ci          int          // next candidate
	curMatched  bool
	lat         Operator // lateral: the right side for cur
	ready       bool
	leftDone    bool
	unmatchedAt int           // RIGHT/FULL: the next right row to check after the left is done
	kbuf        []types.Datum // a row's key, scratch
	out         Row           // the joined row returned last
	// look reads a lookup join's right row by key (plan.Join.Lookup),
	// from lookView; lookT is the type of the left's key.
	look     *scanOp
	lookView *engine.View
	lookT    *types.T
	lookLive bool // nothing of the right row is read but that it is there
	// lookKey: nothing of the right row is read but its key, which the
	// lookup has (lookLive too).
	lookKey bool
}

func newJoin(env *Env, n *plan.Join) (Operator, error) {
	op := &joinOp{env: env, n: n, nl: len(n.Left.Columns()), nr: len(n.Right.Columns())}
	op.hh.SetSeed(tupleSeed)
	var err error
	if op.on, err = env.truth(n.On); err != nil {
		return nil, err
	}
	if op.lkeys, err = env.compileAll(n.EqLeft); err != nil {
		return nil, err
	}
	if op.rkeys, err = env.compileAll(n.EqRight); err != nil {
		return nil, err
	}
	for _, e := range n.EqLeft {
		op.keyT = append(op.keyT, e.Type())
	}
	if n.Lookup {
		right := n.Right.(*plan.Scan)
		if op.lookView, err = env.viewFor(right.Travel); err != nil {
			return nil, err
		}
		op.look, op.lookT = newFiller(env, right), n.EqLeft[0].Type()
		if op.look.filter, err = env.truth(right.Filter); err != nil {
			return nil, err
		}
		// A right side of which nothing is read (a count, EXISTS) needs
		// only whether its row is live, not the row's document.
		op.lookLive = len(op.look.names) == 0 && len(op.look.sys) == 0 && right.Filter == nil
		op.lookKey = len(op.look.names) == 1 && op.look.at[0] == 0 && len(op.look.sys) == 0 && right.Filter == nil &&
			!right.RowID && len(right.KeyFields) == 0
		op.lookLive = op.lookLive || op.lookKey
	}
	if op.left, err = build(env, n.Left); err != nil {
		return nil, err
	}
	return op, nil
}

// lookup makes the right row of a lookup join whose key is v the
// candidate of the left row (right and cands are empty), if it exists and
// passes the right side's filter.
func (op *joinOp) lookup(v types.Datum) error {
	k, err := toDoc(v, op.lookT, op.env.Fn.Types)
	if err != nil || k == nil {
		return err
	}
	get := op.lookView.Get
	if op.lookLive {
		get = op.lookView.GetNoDocument
	}
	r, found, err := getByKey(get, op.look.n.Table, k)
	if err != nil || !found {
		return err
	}
	if op.lookKey {
		d, err := fromDoc(k, op.look.n.Cols[0].Type, op.env.Fn.Types)
		if err != nil {
			return err
		}
		clear(op.look.row)
		op.look.row[0] = d
	} else if err := op.look.fill(&r); err != nil {
		return err
	}
	if ok, err := op.look.filter(op.look.row); err != nil || !ok {
		return err
	}
	op.right, op.cands = append(op.right, op.look.row), append(op.cands, 0)
	return nil
}

// key evaluates a row's join key, valid until the next call; ok is false
// when a part is NULL (NULL matches nothing).
func (op *joinOp) key(fs []evalFn, r Row) ([]types.Datum, bool, error) {
	op.kbuf = op.kbuf[:0]
	for _, f := range fs {
		v, err := f(r)
		if err != nil {
			return nil, false, err
		}
		if v == nil {
			return nil, false, nil
		}
		op.kbuf = append(op.kbuf, v)
	}
	return op.kbuf, true, nil
}

// load reads the right side (unless lateral) and hashes it; in a part of
// a parallel plan, the first part to get here does so for all (parallel.go).
func (op *joinOp) load() error {
	if op.n.Lateral || op.n.Lookup {
		return nil
	}
	b := op.env.builds[op.n]
	if b == nil {
		return op.build()
	}
	b.once.Do(func() {
		b.err = op.build()
		b.table = op.joinTable
	})
	op.joinTable = b.table
	return b.err
}

// build reads the right side and hashes it.
func (op *joinOp) build() error {
	right, err := build(op.env, op.n.Right)
	if err != nil {
		return err
	}
	op.right = make([]Row, 0, op.rightRows())
	var arena datumArena
	if err := drain(right, func(r Row) error { op.right = append(op.right, arena.copy(r)); return nil }); err != nil {
		return err
	}
	op.matched = make([]bool, len(op.right))
	if len(op.rkeys) > 0 {
		if len(op.right) > math.MaxInt32 {
			return pgcode.New(pgcode.ProgramLimitExceeded, "hash join: too many rows on the inner side")
		}
		return op.hashRight()
	}
	return nil
}

// hashParallelFrom is how many right rows a hash join's table must have
// for its keys to be placed by goroutines side by side.
const hashParallelFrom = 1 << 16

// hashRight hashes the right rows' keys: their keys and hashes first, in
// order, then each part of the table (joinHash) places the keys whose
// hashes fall in it, the parts side by side when there are many rows.
func (op *joinOp) hashRight() error {
	parts := 1
	if len(op.right) >= hashParallelFrom {
		for parts*2 <= min(runtime.GOMAXPROCS(0), maxParts) {
			parts *= 2
		}
	}
	// parts is a power of two: a hash's top bits pick its part.
	jh := &joinHash{parts: make([]*tupleMap[chain], parts), shift: 64 - uint(bits.TrailingZeros(uint(parts)))}
	for i := range jh.parts {
		jh.parts[i] = newTupleMap[chain](op.keyT)
	}
	// The i-th row's key is keys[i*nk:][:nk], its first value nil when a
	// part is NULL (which matches nothing).
	nk := len(op.rkeys)
	keys := make([]types.Datum, len(op.right)*nk)
	hashes := make([]uint64, len(op.right))
	counts := make([]int, parts)
	op.next = make([]int32, len(op.right))
	for i, r := range op.right {
		op.next[i] = -1
		k, ok, err := op.key(op.rkeys, r)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		copy(keys[i*nk:], k)
		hashes[i] = jh.parts[0].hashWith(&op.hh, k)
		counts[jh.part(hashes[i])]++
	}
	// A row's key is in one part, and so is every row it chains to: the
	// parts write apart in next.
	place := func(p int) {
		m := jh.parts[p]
		m.reserve(counts[p]) // at most a key a row: no growing, no placing anew
		for i, h := range hashes {
			k := keys[i*nk : (i+1)*nk : (i+1)*nk]
			if k[0] == nil || jh.part(h) != p {
				continue
			}
			c, _, added := m.refHashed(h, k, true)
			if !added {
				op.next[c.last] = int32(i)
			} else {
				c.first = int32(i)
			}
			c.last = int32(i)
		}
	}
	var wg sync.WaitGroup
	for p := 1; p < parts; p++ {
		wg.Go(func() { place(p) })
	}
	place(0)
	wg.Wait()
	op.hash = jh
	return nil
}

// joinHash leads from a hash join's key to the first and last of the
// right rows that have it: the keys are split among parts by their
// hashes' top bits, each part a map placed by a goroutine of its own.
type joinHash struct {
	parts []*tupleMap[chain]
	shift uint // a hash's part is h >> shift (64 for one part)
}

func (jh *joinHash) part(h uint64) int { return int(h >> jh.shift) }

// get returns key's chain, hashing it with h (seeded with tupleSeed).
func (jh *joinHash) get(h *maphash.Hash, key []types.Datum) (chain, bool) {
	hv := jh.parts[0].hashWith(h, key)
	if e := jh.parts[jh.part(hv)].find(hv, key); e != nil {
		return e.val, true
	}
	return chain{}, false
}

// rightRows is how many rows the right side will have at most when it
// is a whole table unfiltered (the rows the table keeps, live or not),
// for its list to be made that long at once; else 0.
func (op *joinOp) rightRows() int {
	s, ok := op.n.Right.(*plan.Scan)
	if !ok || s.Access != plan.AccessScan || s.Filter != nil {
		return 0
	}
	view, err := op.env.viewFor(s.Travel)
	if err != nil {
		return 0
	}
	n, err := view.ApproxRows(s.Table)
	if err != nil {
		return 0
	}
	return int(min(n, 1<<26))
}

// joinTable is the right side of a join, read once: its rows (not
// lateral) and, for a hash join, hash, which leads from a key to the
// first and last of the right rows that have it, and next, which chains
// each right row to the following one with its key (-1 at the end), in
// the right side's order.
type joinTable struct {
	right []Row
	hash  *joinHash
	next  []int32
}

// chain is where the right rows of one hash join key start and end in
// joinTable.next.
type chain struct{ first, last int32 }

// nextLeft takes the next left row and finds its candidates.
func (op *joinOp) nextLeft() (bool, error) {
	r, err := op.left.Next()
	if err != nil {
		return false, err
	}
	if r == nil {
		return false, nil
	}
	// The left row stays the left input's until its next Next, which
	// comes once every candidate of this one is joined: no copy. (A
	// lateral right side is run with it as its outer row first.)
	op.cur, op.curMatched, op.ci = r, false, 0
	switch {
	case op.n.Lateral:
		if op.lat != nil {
			op.lat.Close()
		}
		op.env.outer = append(op.env.outer, op.cur)
		lat, err := build(op.env, op.n.Right)
		op.env.outer = op.env.outer[:len(op.env.outer)-1]
		if err != nil {
			return false, err
		}
		op.right = op.right[:0]
		op.env.outer = append(op.env.outer, op.cur)
		err = drain(lat, func(r Row) error { op.right = append(op.right, copyRow(r)); return nil })
		op.env.outer = op.env.outer[:len(op.env.outer)-1]
		if err != nil {
			return false, err
		}
		op.cands = op.cands[:0]
		for i := range op.right {
			op.cands = append(op.cands, i)
		}
	case op.look != nil:
		k, ok, err := op.key(op.lkeys, op.cur)
		if err != nil {
			return false, err
		}
		op.right, op.cands = op.right[:0], op.cands[:0]
		if ok {
			if err := op.lookup(k[0]); err != nil {
				return false, err
			}
		}
	case op.hash != nil:
		k, ok, err := op.key(op.lkeys, op.cur)
		if err != nil {
			return false, err
		}
		op.cands = op.cands[:0]
		if ok {
			if c, found := op.hash.get(&op.hh, k); found {
				for i := c.first; i >= 0; i = op.next[i] {
					op.cands = append(op.cands, int(i))
				}
			}
		}
	default:
		if len(op.cands) != len(op.right) {
			op.cands = make([]int, len(op.right))
			for i := range op.cands {
				op.cands[i] = i
			}
		}
	}
	return true, nil
}

func (op *joinOp) Next() (Row, error) {
	if !op.ready {
		op.ready = true
		if err := op.load(); err != nil {
			return nil, err
		}
	}
	kind := op.n.Kind
	for !op.leftDone {
		if op.cur == nil {
			ok, err := op.nextLeft()
			if err != nil {
				return nil, err
			}
			if !ok {
				op.leftDone = true
				break
			}
		}
		for op.ci < len(op.cands) {
			ri := op.cands[op.ci]
			op.ci++
			// The output row is reused: a consumer that keeps rows copies
			// them (copyRow), as it does a scan's.
			row := append(append(op.out[:0], op.cur...), op.right[ri]...)
			op.out = row
			ok, err := op.on(row)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			op.curMatched = true
			if op.matched != nil && !op.n.Lateral {
				op.matched[ri] = true
			}
			switch kind {
			case plan.SemiJoin:
				op.ci = len(op.cands)
				out := op.cur
				op.cur = nil
				return out, nil
			case plan.AntiJoin:
				op.ci = len(op.cands)
			default:
				return row, nil
			}
		}
		left := op.cur
		op.cur = nil
		switch {
		case kind == plan.AntiJoin && !op.curMatched:
			return left, nil
		case (kind == plan.LeftJoin || kind == plan.FullJoin) && !op.curMatched:
			row := make(Row, op.nl+op.nr)
			copy(row, left)
			return row, nil
		}
	}
	if kind == plan.RightJoin || kind == plan.FullJoin {
		for op.unmatchedAt < len(op.right) {
			i := op.unmatchedAt
			op.unmatchedAt++
			if !op.matched[i] {
				row := make(Row, op.nl+op.nr)
				copy(row[op.nl:], op.right[i])
				return row, nil
			}
		}
	}
	return nil, nil
}

func (op *joinOp) Close() {
	op.left.Close()
	if op.lat != nil {
		op.lat.Close()
	}
	op.joinTable = joinTable{}
	op.leftDone = true
}
