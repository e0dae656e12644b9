package engine

import "slices"

// bpTree holds items in order: a copy-on-write B+ tree whose leaves keep
// the items inline, side by side, so that a walk reads them as one run of
// memory per leaf. Inner nodes hold only children and the keys that divide
// them. A table's rows are one (rowTree, by key), and each of its indexes
// another (indexTree, by value, key and seq).
//
// Copies are lazy, as a reader's copy must be cheap: Clone shares every
// node, and a tree changes in place only the nodes it made itself since
// it was last cloned; any other node on the path of a change is copied
// first. A tree that was cloned, and every node it holds, is therefore
// never changed again by the other tree, which is what lets a reader walk
// it for as long as it likes without a lock (treeIter).
//
// Rows leave a table's tree only when a commit that added them fails, and
// index entries when the commit that added them fails or an index is
// rebuilt, so the tree does not rebalance on delete: it drops nodes that
// become empty and nothing more.
type bpTree[T treeItem] struct {
	root  *bpNode[T]
	n     int
	owner *treeOwner
	// trim, in an index's tree, is the seq below which a read finds the
	// entries in the version index: the tree may have let go of entries
	// up to it that no read from it on needs (tableState.entries). 0:
	// the tree holds them all.
	trim uint64
	// lean, in an index's tree, says that the tree let go of every entry
	// up to trim: those a read from the trim on needs are the version
	// index's current entries (leanEntries).
	lean bool
}

// treeItem is what a tree holds: rows, ordered by key, or index entries,
// ordered by value, key and seq.
type treeItem interface{ row | indexEntry }

type (
	rowTree   = bpTree[row]
	indexTree = bpTree[indexEntry]
)

// compareItems is negative, zero or positive as a comes before b, with it,
// or after it. (A type switch rather than a method of the item: a pointer
// handed to a method of a type parameter escapes, and would cost every
// search an allocation.)
func compareItems[T treeItem](a, b *T) int {
	switch a := any(a).(type) {
	case *row:
		return compareKeys(a.key, any(b).(*row).key)
	case *indexEntry:
		return compareEntries(a, any(b).(*indexEntry))
	}
	panic("engine: a tree of an unknown item")
}

// sepOf returns the part of an item that divides two nodes: a row's key
// alone, so that an inner node keeps nothing else of it alive.
func sepOf[T treeItem](x *T) T {
	if r, ok := any(x).(*row); ok {
		return any(row{key: r.key}).(T)
	}
	return *x
}

// itemSeq is the seq an item was last written at: a row's newest
// version's, an index entry's own.
func itemSeq[T treeItem](x *T) uint64 {
	switch x := any(x).(type) {
	case *row:
		if n := len(x.versions); n > 0 {
			return x.versions[n-1].seq
		}
		return 0
	case *indexEntry:
		return x.seq
	}
	panic("engine: a tree of an unknown item")
}

func newRowTree() *rowTree     { return &rowTree{owner: new(treeOwner)} }
func newIndexTree() *indexTree { return &indexTree{owner: new(treeOwner)} }

// treeOwner marks the nodes a tree may change in place. It has a size so
// that each one has an address of its own.
type treeOwner struct{ _ byte }

const (
	// leafItems is the most items a leaf holds. A leaf of rows (56 bytes
	// each) with room for the one that splits it takes 73 * 56 = 4,088
	// bytes, the allocator's class of 4 KB all but full (at 64, 3,640
	// bytes took the same class: 7 bytes a row more); a leaf of index
	// entries (72 bytes) then takes 5,376 bytes where 64 took 4,864, for
	// 2 bytes an entry less.
	leafItems = 72
	// innerKids is the most children an inner node holds.
	innerKids = 64
)

// bpNode is a leaf (kids nil) or an inner node. No node but a root leaf
// is ever empty.
type bpNode[T any] struct {
	owner *treeOwner
	items []T // a leaf's items, in order
	kids  []*bpNode[T]
	// lows[i], for i > 0, divides kids[i-1] from kids[i]: every item under
	// kids[i] is at least lows[i], every item under kids[i-1] is below it.
	// lows[0] is not used.
	lows []T
	// top is at least the seq of every item under the node (itemSeq): an
	// item put in raises it, and nothing lowers it (a row put back as it
	// was before a failed commit, an item removed), so that a walk of what
	// was written since a seq (AscendSince) passes by every node whose top
	// is not after it.
	top uint64
}

// Len returns the number of items.
func (t *bpTree[T]) Len() int { return t.n }

// holds reports whether a read at seq finds what it needs in the index
// tree t: from t's trim on (below it, in the version index).
func (t *bpTree[T]) holds(seq uint64) bool { return seq >= t.trim }

// has reports whether the index tree t holds the entries made at seq.
func (t *bpTree[T]) has(seq uint64) bool { return seq > t.trim || seq == t.trim && !t.lean }

// Clone returns a copy of t. Both share their nodes until either changes.
func (t *bpTree[T]) Clone() *bpTree[T] {
	c := &bpTree[T]{root: t.root, n: t.n, owner: new(treeOwner), trim: t.trim, lean: t.lean}
	t.owner = new(treeOwner)
	return c
}

// kid returns the index of the child of inner node n whose items would
// hold x.
func (t *bpTree[T]) kid(n *bpNode[T], x *T) int {
	lo, hi := 1, len(n.kids)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if compareItems(&n.lows[m], x) <= 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo - 1
}

// search returns the position of the first item of leaf n that is at
// least x, and whether that item is x.
func (t *bpTree[T]) search(n *bpNode[T], x *T) (int, bool) {
	lo, hi := 0, len(n.items)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if compareItems(&n.items[m], x) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(n.items) && compareItems(&n.items[lo], x) == 0
}

// leafOf returns the leaf whose items would hold x.
func (t *bpTree[T]) leafOf(x *T) *bpNode[T] {
	n := t.root
	for n.kids != nil {
		n = n.kids[t.kid(n, x)]
	}
	return n
}

// Get returns the item that orders with x.
func (t *bpTree[T]) Get(x T) (T, bool) {
	var zero T
	if t.root == nil {
		return zero, false
	}
	n := t.leafOf(&x)
	if i, ok := t.search(n, &x); ok {
		return n.items[i], true
	}
	return zero, false
}

// Min returns the first item; Max, the last.
func (t *bpTree[T]) Min() (T, bool) { return t.end(false) }

func (t *bpTree[T]) Max() (T, bool) { return t.end(true) }

func (t *bpTree[T]) end(last bool) (T, bool) {
	if t.n == 0 {
		var zero T
		return zero, false
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
		return n.items[len(n.items)-1], true
	}
	return n.items[0], true
}

// own returns n if t may change it in place, else a copy that t owns.
func (t *bpTree[T]) own(n *bpNode[T]) *bpNode[T] {
	if n.owner == t.owner {
		return n
	}
	c := &bpNode[T]{owner: t.owner, top: n.top}
	if n.kids == nil {
		c.items = append(make([]T, 0, len(n.items)+1), n.items...)
	} else {
		c.kids = append(make([]*bpNode[T], 0, len(n.kids)+1), n.kids...)
		c.lows = append(make([]T, 0, len(n.lows)+1), n.lows...)
	}
	return c
}

// ReplaceOrInsert puts x in the tree, in place of the item that orders
// with it if there is one, which it returns.
func (t *bpTree[T]) ReplaceOrInsert(x T) (T, bool) {
	if t.root == nil {
		t.root = &bpNode[T]{owner: t.owner}
	}
	t.root = t.own(t.root)
	old, had, right, low := t.insert(t.root, x, t.afterLast(&x))
	if right != nil {
		t.root = &bpNode[T]{owner: t.owner, kids: []*bpNode[T]{t.root, right}, lows: make([]T, 2), top: t.root.top}
		t.root.lows[1] = low
	}
	if !had {
		t.n++
	}
	return old, had
}

// afterLast reports whether x comes after every item of the tree, as
// items added in order do: they go at the end of the last leaf, found
// without a search.
func (t *bpTree[T]) afterLast(x *T) bool {
	n := t.root
	for n.kids != nil {
		n = n.kids[len(n.kids)-1]
	}
	return len(n.items) > 0 && compareItems(&n.items[len(n.items)-1], x) < 0
}

// insert puts x under n, which t owns; atEnd says that x comes after
// every item (afterLast). A node that grows too big is split: right is its
// upper part, whose items are all at least low.
func (t *bpTree[T]) insert(n *bpNode[T], x T, atEnd bool) (old T, had bool, right *bpNode[T], low T) {
	n.top = max(n.top, itemSeq(&x))
	if n.kids == nil {
		i, found := len(n.items), false
		if !atEnd {
			i, found = t.search(n, &x)
		}
		if found {
			old, n.items[i] = n.items[i], x
			return old, true, nil, low
		}
		t.leafInsert(n, i, x)
		if len(n.items) <= leafItems {
			return old, false, nil, low
		}
		at := splitAt(len(n.items), i, leafItems)
		if endsRun(n.items, i) {
			at = i + 1
		}
		right = &bpNode[T]{owner: t.owner, items: append(make([]T, 0, len(n.items)-at+1), n.items[at:]...), top: n.top}
		clear(n.items[at:]) // the leaf's old space must not keep what it held alive
		n.items = n.items[:at]
		return old, false, right, sepOf(&right.items[0])
	}
	i := len(n.kids) - 1
	if !atEnd {
		i = t.kid(n, &x)
	}
	n.kids[i] = t.own(n.kids[i])
	old, had, kr, kl := t.insert(n.kids[i], x, atEnd)
	if kr == nil {
		return old, had, nil, low
	}
	n.kids = slices.Insert(n.kids, i+1, kr)
	n.lows = slices.Insert(n.lows, i+1, kl)
	if len(n.kids) <= innerKids {
		return old, had, nil, low
	}
	at := splitAt(len(n.kids), i+1, innerKids)
	right = &bpNode[T]{
		owner: t.owner,
		kids:  append(make([]*bpNode[T], 0, len(n.kids)-at+1), n.kids[at:]...),
		lows:  append(make([]T, 0, len(n.kids)-at+1), n.lows[at:]...),
		top:   n.top,
	}
	low = n.lows[at]
	clear(n.kids[at:])
	clear(n.lows[at:])
	n.kids, n.lows = n.kids[:at], n.lows[:at]
	return old, had, right, low
}

// sortedInserter puts items into a tree in increasing order, as
// ReplaceOrInsert does, but each in the leaf the one before it went to
// when it belongs there and the leaf has room, without a walk down from
// the root: a commit's index entries, sorted (heldEntries.place), go
// mostly to the ends of a few runs of their values, a leaf's worth after
// another. The leaf is found again after a split, and when an item comes
// at or past the bound of the leaf's subtree.
type sortedInserter[T treeItem] struct {
	t    *bpTree[T]
	path []*bpNode[T] // the nodes from the root to leaf, all t's own
	leaf *bpNode[T]   // nil: walk down for the next item
	hi   *T           // the least item of what is right of leaf; nil: nothing is
}

func (t *bpTree[T]) sortedInserter() *sortedInserter[T] { return &sortedInserter[T]{t: t} }

// put inserts x, which is not less than the item put before it.
func (in *sortedInserter[T]) put(x T) {
	t := in.t
	n := in.leafOf(&x)
	if n == nil {
		t.ReplaceOrInsert(x)
		return
	}
	i, found := len(n.items), false
	if len(n.items) > 0 && compareItems(&n.items[len(n.items)-1], &x) >= 0 {
		i, found = t.search(n, &x)
	}
	if !found && len(n.items) >= leafItems {
		in.leaf = nil // a split changes the path
		t.ReplaceOrInsert(x)
		return
	}
	seq := itemSeq(&x)
	for _, p := range in.path {
		p.top = max(p.top, seq)
	}
	if found {
		n.items[i] = x
		return
	}
	t.leafInsert(n, i, x)
	t.n++
}

// get returns the item that orders with x, which is not less than the
// item put or got before it, from the leaf of that one when x belongs
// there: a read of what the next put replaces.
func (in *sortedInserter[T]) get(x *T) (T, bool) {
	if n := in.leafOf(x); n != nil {
		if i, ok := in.t.search(n, x); ok {
			return n.items[i], true
		}
	}
	var zero T
	return zero, false
}

// leafOf returns the leaf of x, not less than the item put or got
// before it: that one's while x comes before the bound of its subtree,
// else the one found from the root; nil for an empty tree.
func (in *sortedInserter[T]) leafOf(x *T) *bpNode[T] {
	if in.leaf == nil || in.hi != nil && compareItems(x, in.hi) >= 0 {
		in.find(x)
	}
	return in.leaf
}

// find walks down to the leaf of x, making each node on the way t's own.
func (in *sortedInserter[T]) find(x *T) {
	t := in.t
	in.leaf, in.hi, in.path = nil, nil, in.path[:0]
	if t.root == nil || len(t.root.items) == 0 && t.root.kids == nil {
		return // an empty tree: ReplaceOrInsert starts it
	}
	t.root = t.own(t.root)
	n := t.root
	in.path = append(in.path, n)
	for n.kids != nil {
		i := t.kid(n, x)
		if i+1 < len(n.kids) {
			in.hi = &n.lows[i+1]
		}
		n.kids[i] = t.own(n.kids[i])
		n = n.kids[i]
		in.path = append(in.path, n)
	}
	in.leaf = n
}

// leafInsert puts x at n.items[i], sharing the box of a neighbour's
// equal text.
func (t *bpTree[T]) leafInsert(n *bpNode[T], i int, x T) {
	n.items = insertItem(n.items, i, x, t.n >= leafItems)
	if i > 0 {
		shareValue(&n.items[i-1], &n.items[i])
	} else if len(n.items) > 1 {
		shareValue(&n.items[1], &n.items[0])
	}
}

// insertItem inserts x at items[i]. A leaf of a tree of more than one
// leaf (big) grows to a full leaf's space at once, as it will likely fill;
// a small tree's only leaf grows as a slice does. Neither grows past what
// a full leaf and the item that splits it take.
func insertItem[T any](items []T, i int, x T, big bool) []T {
	if len(items) < cap(items) {
		return slices.Insert(items, i, x)
	}
	size := min(max(2*cap(items), 4), leafItems+1)
	if big {
		size = leafItems + 1
	}
	grown := make([]T, len(items)+1, size)
	copy(grown, items[:i])
	grown[i] = x
	copy(grown[i+1:], items[i:])
	return grown
}

// splitAt returns where a node of n entries that just took one at i is
// cut. An entry added at the end, as items added in order are, leaves the
// lower node full; any other, two halves.
func splitAt(n, i, most int) int {
	if i == n-1 {
		return most
	}
	return n / 2
}

// endsRun reports whether items[i], just put in, lengthens a run of index
// entries of one value at its end, in the middle of a leaf: items added in
// order of their keys under a value shared by many (an index on a column
// of few values, rows written with ever larger keys) go to the end of
// that value's run, again and again. The leaf is then cut after the new
// entry rather than in two halves, so that the run's leaf fills before it
// splits again, where halves would leave the leaves behind it half empty
// (500,000 rows over three values: 38 entries a leaf against 64).
func endsRun[T treeItem](items []T, i int) bool {
	if i == 0 || i+1 >= len(items) {
		return false
	}
	x, ok := any(&items[i]).(*indexEntry)
	if !ok {
		return false // a row's key is its own run
	}
	prev, next := any(&items[i-1]).(*indexEntry), any(&items[i+1]).(*indexEntry)
	return compareEntryValues(prev, x) == 0 && compareEntryValues(x, next) != 0
}

// shareValue gives x the box of next's value when both are index entries
// of the same text, as neighbours in an index on a column of few values
// are: the entries then hold one copy of the text between them, not one
// each (a string in an interface is a box of its own, and its bytes
// another).
func shareValue[T treeItem](next, x *T) {
	n, ok := any(next).(*indexEntry)
	if !ok {
		return
	}
	e := any(x).(*indexEntry)
	if n.pfx != e.pfx {
		return // read inline: values with other prefixes differ, and their texts are not read
	}
	if ns, ok := n.val.(string); ok {
		if s, ok := e.val.(string); ok && s == ns {
			e.val = n.val
		}
	}
}

// Delete removes the item that orders with x and returns it.
func (t *bpTree[T]) Delete(x T) (T, bool) {
	if _, ok := t.Get(x); !ok {
		var zero T
		return zero, false // nothing copied for nothing
	}
	t.root = t.own(t.root)
	old := t.remove(t.root, &x)
	t.n--
	if t.n == 0 {
		t.root = nil
	}
	for t.root != nil && len(t.root.kids) == 1 {
		t.root = t.root.kids[0] // a root of one child: the child is the root
	}
	return old, true
}

// remove takes the item that orders with x, which is there, from under n,
// which t owns. A child left empty is dropped.
func (t *bpTree[T]) remove(n *bpNode[T], x *T) T {
	if n.kids == nil {
		i, _ := t.search(n, x)
		old := n.items[i]
		n.items = slices.Delete(n.items, i, i+1)
		return old
	}
	i := t.kid(n, x)
	n.kids[i] = t.own(n.kids[i])
	old := t.remove(n.kids[i], x)
	if c := n.kids[i]; len(c.items) == 0 && len(c.kids) == 0 {
		n.kids = slices.Delete(n.kids, i, i+1)
		n.lows = slices.Delete(n.lows, i, i+1)
	}
	return old
}

// Ascend calls fn with each item in order until it returns false.
func (t *bpTree[T]) Ascend(fn func(x T) bool) { t.ascend(nil, fn) }

// AscendGreaterOrEqual calls fn with each item from the first that is at
// least pivot, in order, until it returns false.
func (t *bpTree[T]) AscendGreaterOrEqual(pivot T, fn func(x T) bool) { t.ascend(&pivot, fn) }

func (t *bpTree[T]) ascend(from *T, fn func(x T) bool) {
	it := t.seek(from)
	for xs := it.next(); xs != nil; xs = it.next() {
		for i := range xs {
			if !fn(xs[i]) {
				return
			}
		}
	}
}

// AscendSince calls fn, in order, with each item written after seq (its
// itemSeq after it) until fn returns false, passing by the nodes with
// nothing written since: a walk of the rows written since a snapshot
// reads the leaves they are in, not the whole tree.
func (t *bpTree[T]) AscendSince(seq uint64, fn func(x T) bool) {
	if t.root != nil {
		ascendSince(t.root, seq, fn)
	}
}

func ascendSince[T treeItem](n *bpNode[T], seq uint64, fn func(x T) bool) bool {
	if n.top <= seq {
		return true
	}
	if n.kids == nil {
		for i := range n.items {
			if itemSeq(&n.items[i]) > seq && !fn(n.items[i]) {
				return false
			}
		}
		return true
	}
	for _, k := range n.kids {
		if !ascendSince(k, seq, fn) {
			return false
		}
	}
	return true
}

// Descend calls fn with each item in reverse order until it returns
// false.
func (t *bpTree[T]) Descend(fn func(x T) bool) { t.descend(nil, fn) }

// DescendLessOrEqual calls fn with each item from the last that is at
// most pivot, in reverse order, until it returns false.
func (t *bpTree[T]) DescendLessOrEqual(pivot T, fn func(x T) bool) { t.descend(&pivot, fn) }

func (t *bpTree[T]) descend(from *T, fn func(x T) bool) {
	it := t.seekBack(from)
	for xs := it.prev(); xs != nil; xs = it.prev() {
		for i := len(xs) - 1; i >= 0; i-- {
			if !fn(xs[i]) {
				return
			}
		}
	}
}

// treeIter walks a tree's items a leaf's worth at a time, forwards (seek,
// next) or backwards (seekBack, prev). The tree must not change while it
// is walked: it is a reader's clone.
type treeIter[T any] struct {
	path []iterStep[T] // the inner nodes above the leaf, root first
	rest []T           // the leaf's items not yet returned
}

// rowIter walks a table's rows.
type rowIter = treeIter[row]

// iterStep is an inner node and the child the walk is under.
type iterStep[T any] struct {
	n *bpNode[T]
	i int
}

// seek returns an iterator at the first item that is at least from (the
// first of all when from is nil), for next.
func (t *bpTree[T]) seek(from *T) treeIter[T] { return t.seekDir(from, false) }

// seekBack returns an iterator at the last item that is at most from (the
// last of all when from is nil), for prev.
func (t *bpTree[T]) seekBack(from *T) treeIter[T] { return t.seekDir(from, true) }

// seekDir is seek, or seekBack when back is set.
func (t *bpTree[T]) seekDir(from *T, back bool) treeIter[T] {
	var it treeIter[T]
	n := t.root
	if n == nil {
		return it
	}
	for n.kids != nil {
		i := 0
		switch {
		case from != nil:
			i = t.kid(n, from)
		case back:
			i = len(n.kids) - 1
		}
		it.path = append(it.path, iterStep[T]{n, i})
		n = n.kids[i]
	}
	i, found := len(n.items), false
	if from != nil {
		i, found = t.search(n, from)
	} else if !back {
		i = 0
	}
	if !back {
		it.rest = n.items[i:]
		return it
	}
	if found {
		i++ // from itself is in
	}
	it.rest = n.items[:i]
	return it
}

// next returns the items not yet returned of the current leaf, and moves
// on to the next leaf; nil after the last item. The items are the tree's
// own: they must not be changed.
func (it *treeIter[T]) next() []T { return it.leaf(1) }

// prev is next backwards: it returns the items of the current leaf up to
// where the walk is (to be read from the end), and moves to the leaf
// before; nil after the first item.
func (it *treeIter[T]) prev() []T { return it.leaf(-1) }

// leaf returns the items of the current leaf not yet returned, and steps
// to the next leaf in direction dir once they are taken.
func (it *treeIter[T]) leaf(dir int) []T {
	for len(it.rest) == 0 {
		if !it.step(dir) {
			return nil
		}
	}
	xs := it.rest
	it.rest = nil
	return xs
}

// step moves to the leaf after (dir 1) or before (dir -1) the current one.
func (it *treeIter[T]) step(dir int) bool {
	for len(it.path) > 0 {
		top := &it.path[len(it.path)-1]
		if j := top.i + dir; j >= 0 && j < len(top.n.kids) {
			top.i = j
			n := top.n.kids[j]
			for n.kids != nil {
				k := 0
				if dir < 0 {
					k = len(n.kids) - 1
				}
				it.path = append(it.path, iterStep[T]{n, k})
				n = n.kids[k]
			}
			it.rest = n.items
			return true
		}
		it.path = it.path[:len(it.path)-1]
	}
	return false
}

// treeBuilder fills an empty tree with items added in order, building its
// right edge as it goes: each leaf is filled before the next is made, as
// ReplaceOrInsert leaves them for items added in order, without a walk
// from the root, a copy of each leaf as it grows, or a split. The tree is
// whole after every add. An item not after the last goes in with
// ReplaceOrInsert, and every one after it too.
type treeBuilder[T treeItem] struct {
	t *bpTree[T]
	// edge is the right edge, the last leaf first, then its parent and up
	// to the root.
	edge []*bpNode[T]
	off  bool
}

func newTreeBuilder[T treeItem](t *bpTree[T]) *treeBuilder[T] {
	return &treeBuilder[T]{t: t, off: t.root != nil}
}

// add puts x in the tree.
func (b *treeBuilder[T]) add(x T) {
	t := b.t
	if !b.off && len(b.edge) > 0 {
		last := b.edge[0].items
		b.off = compareItems(&last[len(last)-1], &x) >= 0
	}
	if b.off {
		t.ReplaceOrInsert(x)
		return
	}
	t.n++
	if len(b.edge) > 0 && len(b.edge[0].items) < leafItems {
		b.edge[0].items = append(b.edge[0].items, x)
	} else {
		leaf := &bpNode[T]{owner: t.owner, items: make([]T, 1, leafItems)}
		leaf.items[0] = x
		b.hang(0, leaf, sepOf(&x))
		t.root = b.edge[len(b.edge)-1]
	}
	b.raise(itemSeq(&x))
}

// raise makes the top of each node on the right edge at least seq, that
// of the item just added under them all.
func (b *treeBuilder[T]) raise(seq uint64) {
	for _, n := range b.edge {
		n.top = max(n.top, seq)
	}
}

// hang puts n on the right edge at height h (0: a leaf), low dividing it
// from the node before it, under a parent of its own when the one there
// is full or it is the first at its height.
func (b *treeBuilder[T]) hang(h int, n *bpNode[T], low T) {
	if h == len(b.edge) {
		b.edge = append(b.edge, n) // the first node at its height: the root
		return
	}
	prev := b.edge[h]
	b.edge[h] = n
	if h+1 == len(b.edge) {
		// prev was the root: a root above it and n.
		root := &bpNode[T]{owner: b.t.owner, kids: make([]*bpNode[T], 2, innerKids), lows: make([]T, 2, innerKids), top: prev.top}
		root.kids[0], root.kids[1], root.lows[1] = prev, n, low
		b.edge = append(b.edge, root)
		return
	}
	parent := b.edge[h+1]
	if len(parent.kids) < innerKids {
		parent.kids = append(parent.kids, n)
		parent.lows = append(parent.lows, low)
		return
	}
	next := &bpNode[T]{owner: b.t.owner, kids: make([]*bpNode[T], 1, innerKids), lows: make([]T, 1, innerKids)}
	next.kids[0] = n
	b.hang(h+1, next, low)
}
