package engine

import "slices"

// rowTree holds a table's rows in key order: a copy-on-write B+ tree whose
// leaves keep the rows inline, side by side, so that a scan reads them as
// one run of memory per leaf. Inner nodes hold only children and the keys
// that divide them.
//
// Copies are lazy, as a reader's copy must be cheap: Clone shares every
// node, and a tree changes in place only the nodes it made itself since
// it was last cloned; any other node on the path of a change is copied
// first. A tree that was cloned, and every node it holds, is therefore
// never changed again by the other tree, which is what lets a reader walk
// it for as long as it likes without a lock (rowIter).
//
// Rows are only ever deleted from the table's B-tree by a rollback of an
// insert and by compaction, so the tree does not rebalance on delete: it
// drops nodes that become empty and nothing more.
type rowTree struct {
	root  *rowNode
	n     int
	owner *treeOwner
}

// treeOwner marks the nodes a tree may change in place. It has a size so
// that each one has an address of its own.
type treeOwner struct{ _ byte }

const (
	// leafRows is the most rows a leaf holds.
	leafRows = 64
	// innerKids is the most children an inner node holds.
	innerKids = 64
)

// rowNode is a leaf (kids nil) or an inner node. No node but a root leaf
// is ever empty.
type rowNode struct {
	owner *treeOwner
	rows  []row // a leaf's rows, in key order
	kids  []*rowNode
	// lows[i], for i > 0, divides kids[i-1] from kids[i]: every key under
	// kids[i] is at least lows[i], every key under kids[i-1] is below it.
	// lows[0] is not used.
	lows []Key
}

func newRowTree() *rowTree { return &rowTree{owner: new(treeOwner)} }

// Len returns the number of rows.
func (t *rowTree) Len() int { return t.n }

// Clone returns a copy of t. Both share their nodes until either changes.
func (t *rowTree) Clone() *rowTree {
	c := &rowTree{root: t.root, n: t.n, owner: new(treeOwner)}
	t.owner = new(treeOwner)
	return c
}

// kid returns the index of the child of inner node n whose keys would
// hold k.
func (n *rowNode) kid(k *Key) int {
	lo, hi := 1, len(n.kids)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if compareKeys(n.lows[m], *k) <= 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo - 1
}

// search returns the position of the first row of leaf n whose key is at
// least k, and whether that row's key is k.
func (n *rowNode) search(k *Key) (int, bool) {
	lo, hi := 0, len(n.rows)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if compareKeys(n.rows[m].key, *k) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(n.rows) && compareKeys(n.rows[lo].key, *k) == 0
}

// Get returns the row whose key is k.
func (t *rowTree) Get(k Key) (row, bool) {
	n := t.root
	if n == nil {
		return row{}, false
	}
	for n.kids != nil {
		n = n.kids[n.kid(&k)]
	}
	if i, ok := n.search(&k); ok {
		return n.rows[i], true
	}
	return row{}, false
}

// Min returns the row with the lowest key; Max, the highest.
func (t *rowTree) Min() (row, bool) { return t.end(false) }

func (t *rowTree) Max() (row, bool) { return t.end(true) }

func (t *rowTree) end(last bool) (row, bool) {
	if t.n == 0 {
		return row{}, false
	}
	n := t.root
	for n.kids != nil {
		if last {
			n = n.kids[len(n.kids)-1]
		} else {
			n = n.kids[0]
		}
	}
	if last {
		return n.rows[len(n.rows)-1], true
	}
	return n.rows[0], true
}

// own returns n if t may change it in place, else a copy that t owns.
func (t *rowTree) own(n *rowNode) *rowNode {
	if n.owner == t.owner {
		return n
	}
	c := &rowNode{owner: t.owner}
	if n.kids == nil {
		c.rows = append(make([]row, 0, len(n.rows)+1), n.rows...)
	} else {
		c.kids = append(make([]*rowNode, 0, len(n.kids)+1), n.kids...)
		c.lows = append(make([]Key, 0, len(n.lows)+1), n.lows...)
	}
	return c
}

// ReplaceOrInsert puts r in the tree, in place of the row with its key if
// there is one, which it returns.
func (t *rowTree) ReplaceOrInsert(r row) (row, bool) {
	if t.root == nil {
		t.root = &rowNode{owner: t.owner}
	}
	t.root = t.own(t.root)
	old, had, right, low := t.insert(t.root, r)
	if right != nil {
		t.root = &rowNode{owner: t.owner, kids: []*rowNode{t.root, right}, lows: []Key{{}, low}}
	}
	if !had {
		t.n++
	}
	return old, had
}

// insert puts r under n, which t owns. A node that grows too big is split:
// right is its upper part, whose keys are all at least low.
func (t *rowTree) insert(n *rowNode, r row) (old row, had bool, right *rowNode, low Key) {
	if n.kids == nil {
		i, found := n.search(&r.key)
		if found {
			old, n.rows[i] = n.rows[i], r
			return old, true, nil, Key{}
		}
		n.rows = insertRow(n.rows, i, r, t.n >= leafRows)
		if len(n.rows) <= leafRows {
			return row{}, false, nil, Key{}
		}
		at := splitAt(len(n.rows), i, leafRows)
		right = &rowNode{owner: t.owner, rows: append(make([]row, 0, len(n.rows)-at+1), n.rows[at:]...)}
		clear(n.rows[at:]) // the leaf's old space must not keep documents alive
		n.rows = n.rows[:at]
		return row{}, false, right, right.rows[0].key
	}
	i := n.kid(&r.key)
	n.kids[i] = t.own(n.kids[i])
	old, had, kr, kl := t.insert(n.kids[i], r)
	if kr == nil {
		return old, had, nil, Key{}
	}
	n.kids = slices.Insert(n.kids, i+1, kr)
	n.lows = slices.Insert(n.lows, i+1, kl)
	if len(n.kids) <= innerKids {
		return old, had, nil, Key{}
	}
	at := splitAt(len(n.kids), i+1, innerKids)
	right = &rowNode{
		owner: t.owner,
		kids:  append(make([]*rowNode, 0, len(n.kids)-at+1), n.kids[at:]...),
		lows:  append(make([]Key, 0, len(n.kids)-at+1), n.lows[at:]...),
	}
	low = n.lows[at]
	clear(n.kids[at:])
	clear(n.lows[at:])
	n.kids, n.lows = n.kids[:at], n.lows[:at]
	return old, had, right, low
}

// insertRow inserts r at rows[i]. A leaf of a tree of more than one leaf
// (big) grows to a full leaf's space at once, as it will likely fill; a
// small tree's only leaf grows as a slice does. Neither grows past what a
// full leaf and the row that splits it take.
func insertRow(rows []row, i int, r row, big bool) []row {
	if len(rows) < cap(rows) {
		return slices.Insert(rows, i, r)
	}
	size := min(max(2*cap(rows), 4), leafRows+1)
	if big {
		size = leafRows + 1
	}
	grown := make([]row, len(rows)+1, size)
	copy(grown, rows[:i])
	grown[i] = r
	copy(grown[i+1:], rows[i:])
	return grown
}

// splitAt returns where a node of n entries that just took one at i is
// cut. An entry added at the end, as rows inserted in key order are, leaves
// the lower node full; any other, two halves.
func splitAt(n, i, most int) int {
	if i == n-1 {
		return most
	}
	return n / 2
}

// Delete removes the row whose key is k and returns it.
func (t *rowTree) Delete(k Key) (row, bool) {
	if _, ok := t.Get(k); !ok {
		return row{}, false // nothing copied for nothing
	}
	t.root = t.own(t.root)
	old := t.remove(t.root, &k)
	t.n--
	if t.n == 0 {
		t.root = nil
	}
	for t.root != nil && len(t.root.kids) == 1 {
		t.root = t.root.kids[0] // a root of one child: the child is the root
	}
	return old, true
}

// remove takes the row with key k, which is there, from under n, which t
// owns. A child left empty is dropped.
func (t *rowTree) remove(n *rowNode, k *Key) row {
	if n.kids == nil {
		i, _ := n.search(k)
		old := n.rows[i]
		n.rows = slices.Delete(n.rows, i, i+1)
		return old
	}
	i := n.kid(k)
	n.kids[i] = t.own(n.kids[i])
	old := t.remove(n.kids[i], k)
	if c := n.kids[i]; len(c.rows) == 0 && len(c.kids) == 0 {
		n.kids = slices.Delete(n.kids, i, i+1)
		n.lows = slices.Delete(n.lows, i, i+1)
	}
	return old
}

// Ascend calls fn with each row in key order until it returns false.
func (t *rowTree) Ascend(fn func(r row) bool) { t.ascend(nil, fn) }

// AscendGreaterOrEqual calls fn with each row whose key is at least k, in
// key order, until it returns false.
func (t *rowTree) AscendGreaterOrEqual(k Key, fn func(r row) bool) { t.ascend(&k, fn) }

func (t *rowTree) ascend(k *Key, fn func(r row) bool) {
	it := t.seek(k)
	for rs := it.next(); rs != nil; rs = it.next() {
		for i := range rs {
			if !fn(rs[i]) {
				return
			}
		}
	}
}

// rowIter walks a tree's rows in key order, a leaf's worth at a time. The
// tree must not change while it is walked: it is a reader's clone.
type rowIter struct {
	path []iterStep // the inner nodes above the leaf, root first
	rest []row      // the leaf's rows not yet returned
}

// iterStep is an inner node and the child the walk is under.
type iterStep struct {
	n *rowNode
	i int
}

// seek returns an iterator at the first row whose key is at least k (the
// first row of all when k is nil).
func (t *rowTree) seek(k *Key) rowIter {
	var it rowIter
	n := t.root
	if n == nil {
		return it
	}
	for n.kids != nil {
		i := 0
		if k != nil {
			i = n.kid(k)
		}
		it.path = append(it.path, iterStep{n, i})
		n = n.kids[i]
	}
	i := 0
	if k != nil {
		i, _ = n.search(k)
	}
	it.rest = n.rows[i:]
	return it
}

// next returns the rows not yet returned of the current leaf, and moves
// on to the next leaf; nil after the last row. The rows are the tree's
// own: they must not be changed.
func (it *rowIter) next() []row {
	for len(it.rest) == 0 {
		if !it.nextLeaf() {
			return nil
		}
	}
	rs := it.rest
	it.rest = nil
	return rs
}

// nextLeaf moves to the leaf after the current one.
func (it *rowIter) nextLeaf() bool {
	for len(it.path) > 0 {
		top := &it.path[len(it.path)-1]
		if top.i+1 < len(top.n.kids) {
			top.i++
			n := top.n.kids[top.i]
			for n.kids != nil {
				it.path = append(it.path, iterStep{n, 0})
				n = n.kids[0]
			}
			it.rest = n.rows
			return true
		}
		it.path = it.path[:len(it.path)-1]
	}
	return false
}
