package engine

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/driftdb/driftdb/store"
)

// version is one state of a row, made by one event. Versions are never
// changed once published.
//
// A version is 32 bytes, since every version a row holds is in memory:
// its patch and document share one pointer (the patch first, then the
// document, in one allocation), their lengths are 32-bit words, and its
// type shares a word with the patch's length. doc and patch read them;
// setDoc, setPatch and setCopy set them.
type version struct {
	seq uint64
	ms  int64
	// b holds the msgpack merge patch of a PATCH event, then the msgpack
	// document after the event: none after a deletion, when the document
	// was let go, or for an INSERT whose document is read from the log
	// (chain.go). Neither is ever empty, so a length of 0 means none.
	b *byte
	// dLen is the document's length (a gap's count); pt the patch's
	// length in its low 24 bits, the event type in the 7 above them, and
	// gapBit.
	dLen, pt uint32
}

// gapBit, in version.pt, makes the version a gap: it stands for a run of
// versions the row does not hold, whose bytes, times and types are in the
// version index only (versionindex.go). A gap holds the seq and time of
// the run's first version and, in dLen, how many versions the run has. It
// is never a row's last version.
const gapBit = 1 << 31

// lenBits is the width of a patch's length in version.pt: a patch is
// part of an event's payload, at most MaxDocumentBytes, below 16 MiB.
const lenBits = 24

// Above the patch's length in version.pt: the event type in typeBits
// (a row's versions are INSERTs, PATCHes, deletions and TRUNCATEs, 1 to
// 4), then runBits for what a trim remembers of the version index's run
// of patches at the version (setRun).
const (
	typeBits  = 3
	runShift  = lenBits + typeBits
	runBits   = 4
	typeMask  = 1<<typeBits - 1
	runMask   = 1<<runBits - 1
	runUnseen = 0
)

// newVersion returns a version of an event of type typ, a row's event
// (what is read from disk is checked against typeMask first).
func newVersion(seq uint64, ms int64, typ store.EventType) version {
	if typ > typeMask {
		panic(fmt.Sprintf("engine: a version of event type %d", typ))
	}
	return version{seq: seq, ms: ms, pt: uint32(typ) << lenBits}
}

// newGap returns a gap of n versions, the first made at seq and ms.
func newGap(seq uint64, ms int64, n int) version {
	return version{seq: seq, ms: ms, dLen: uint32(n), pt: gapBit}
}

// typ returns the type of the event that made the version (0 for a gap).
func (v *version) typ() store.EventType { return store.EventType(v.pt >> lenBits & typeMask) }

// run returns how many PATCHes without their documents in the version
// index end at v (indexDocs), when a trim set it (setRun); ok is false
// when it is not known.
func (v *version) run() (n indexDocs, ok bool) {
	r := v.pt >> runShift & runMask
	return indexDocs(r) - 1, r != runUnseen
}

// setRun records n as the run of v (run). Only a version in an array no
// reader has yet may be changed.
func (v *version) setRun(n indexDocs) {
	v.pt = v.pt&^(runMask<<runShift) | uint32(n+1)<<runShift
}

// gap reports whether the version is a gap (gapBit).
func (v *version) gap() bool { return v.pt&gapBit != 0 }

// count returns how many versions v is: a gap's run, else 1.
func (v *version) count() int {
	if v.gap() {
		return int(v.dLen)
	}
	return 1
}

// hasDoc reports whether the version holds its document.
func (v *version) hasDoc() bool { return v.dLen != 0 && !v.gap() }

// hasPatch reports whether the version holds a patch.
func (v *version) hasPatch() bool { return v.pLen() != 0 }

func (v *version) pLen() uint32 { return v.pt & (1<<lenBits - 1) }

// doc returns the version's document as stored (nil: none).
func (v *version) doc() []byte {
	if !v.hasDoc() {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(v.b), v.pLen())), v.dLen)
}

// patch returns the version's patch (nil: none).
func (v *version) patch() []byte {
	if !v.hasPatch() {
		return nil
	}
	return unsafe.Slice(v.b, v.pLen())
}

// setDoc sets the document (nil: none), keeping the patch.
func (v *version) setDoc(d []byte) { v.set(v.patch(), d) }

// setPatch sets the patch (nil: none), keeping the document.
func (v *version) setPatch(p []byte) { v.set(p, v.doc()) }

// set makes the version hold patch p and document d. It refers to the one
// that is alone, or to p where d follows it in p's array; else it copies
// both into one allocation. A patch kept without its document is copied
// when it shares an allocation with that document, which it lets go.
func (v *version) set(p, d []byte) {
	switch {
	case len(p) == 0 && len(d) == 0:
		v.b = nil
	case len(p) == 0:
		v.b = unsafe.SliceData(d)
	case len(d) == 0:
		if v.hasDoc() && v.b == unsafe.SliceData(p) {
			p = slices.Clone(p)
		}
		v.b = unsafe.SliceData(p)
	case cap(p) >= len(p)+len(d) && &p[:len(p)+1][len(p)] == unsafe.SliceData(d):
		v.b = unsafe.SliceData(p)
	default:
		v.setCopy(p, d)
		return
	}
	v.setLens(len(p), len(d))
}

// setCopy makes the version hold copies of p and d, in one allocation.
func (v *version) setCopy(p, d []byte) {
	v.b = nil
	if n := len(p) + len(d); n > 0 {
		buf := make([]byte, n)
		copy(buf[copy(buf, p):], d)
		v.b = unsafe.SliceData(buf)
	}
	v.setLens(len(p), len(d))
}

// setHeld makes the version refer to b: a patch of pLen bytes, then its
// document.
func (v *version) setHeld(b []byte, pLen int) {
	v.b = nil
	if len(b) > 0 {
		v.b = unsafe.SliceData(b)
	}
	v.setLens(pLen, len(b)-pLen)
}

func (v *version) setLens(pLen, dLen int) {
	if pLen >= 1<<lenBits {
		panic(fmt.Sprintf("engine: a patch of %d bytes held in a version", pLen))
	}
	v.dLen = uint32(dLen)
	v.pt = v.pt&^(1<<lenBits-1) | uint32(pLen)
}

// row is a key and every version it has had since the horizon, oldest
// first. A published row is immutable: the writer makes a new row to add a
// version (sharing the backing array, appending past what readers see).
type row struct {
	key      Key
	versions []version
}

// newRow makes the row of k with versions vs (at least one, oldest
// first). Every row in a table's B-tree is made by it.
func newRow(k Key, vs []version) row { return row{key: k, versions: vs} }

// newest returns the row's newest version.
func (r *row) newest() *version { return &r.versions[len(r.versions)-1] }

// liveAt returns the row's version visible at seq when the row is live
// then, nil when it is not (deleted, or not yet written); known is false
// when the versions cannot tell, the one at seq being a gap's (left to
// the index, which says whether it is a delete).
func (r *row) liveAt(seq uint64) (v *version, known bool) {
	i := r.index(seq)
	switch {
	case i < 0:
		return nil, true
	case r.versions[i].gap():
		return nil, false
	case r.versions[i].deleted():
		return nil, true
	}
	return &r.versions[i], true
}

// index returns the index of the version visible at seq, or -1.
func (r *row) index(seq uint64) int {
	v := r.versions
	// Most reads want the newest version: check it before searching.
	if n := len(v); n > 0 && v[n-1].seq <= seq {
		return n - 1
	}
	lo, hi := 0, len(v) // first index with seq > the view's
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if v[m].seq > seq {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo - 1
}

// indexEntry says that row key got value in the version made at seq. Entries
// are only ever added; a lookup checks each candidate against the row's
// version at the view's seq, so the answer is exact at any seq. Index trees
// hold entries inline: an insert compares its entry with a dozen or more
// others, and an entry behind a pointer costs a cache miss per comparison.
// (A commit copies B-tree paths only after a reader took a copy of the
// table, see View.trees.)
type indexEntry struct {
	val any
	key Key
	seq uint64
	// pfx orders as val does (entryPrefix), read inline rather than
	// through val's box: a search compares its entry with a dozen or more
	// in the tree, and a pointer followed for each is a cache miss.
	pfx [2]uint64
}

// newEntry returns the index entry of val for key's version at seq.
func newEntry(val any, key Key, seq uint64) indexEntry {
	return indexEntry{val: val, key: key, seq: seq, pfx: entryPrefix(val)}
}

// The first byte of an entry's prefix: the kinds in SortCompare's order,
// and numbers by their sign.
const (
	pfxString byte = 0x10
	pfxNegInf byte = 0x20
	pfxNeg    byte = 0x21
	pfxZero   byte = 0x22
	pfxPos    byte = 0x23
	pfxPosInf byte = 0x24
	pfxNaN    byte = 0x25
	pfxFalse  byte = 0x30
	pfxTrue   byte = 0x31
	pfxArray  byte = 0x40
	pfxObject byte = 0x50
	pfxNull   byte = 0xf0
)

// Byte 15 of a text's prefix when the text is longer than the 14 bytes
// the prefix holds of it.
const textMore = 15

// Nibbles of the digits a number's prefix holds (bytes 3 to 14).
const prefixDigits = 24

// entryPrefix returns 16 bytes, as two big-endian words, that order as
// index values do (SortCompare): two values whose prefixes differ compare
// as their prefixes, and two whose prefixes are equal and exact
// (prefixExact) are equal.
//
//   - A string, array or object (by its JSON text, as SortCompare orders
//     them): the kind, the text's first 14 bytes, zero-padded, then its
//     length up to 15 (textMore: longer, and not exact).
//   - A number: its sign, then the decimal exponent of its first
//     significant digit (2 bytes, biased, saturated at the ends: then not
//     exact), then its significant digits as nibbles (a digit d as d+1,
//     0 ends them, so a number whose digits begin another's comes first),
//     then whether digits are left over. Negative numbers have every byte
//     after the first inverted, so greater magnitudes come first. Integers,
//     floats (by their shortest decimal text) and exact decimals all take
//     one form, as they compare (compareNumbers).
//   - false, true, and the infinities, NaN and zero: the first byte alone.
func entryPrefix(val any) [2]uint64 {
	var b [16]byte
	switch x := val.(type) {
	case string:
		textPrefix(&b, pfxString, x)
	case bool:
		b[0] = pfxFalse
		if x {
			b[0] = pfxTrue
		}
	case []any:
		textPrefix(&b, pfxArray, string(ToJSON(x)))
	case map[string]any:
		textPrefix(&b, pfxObject, string(ToJSON(x)))
	default:
		if kindOf(val) == kindNumber {
			numberPrefix(&b, val)
		} else {
			b[0] = pfxNull
		}
	}
	return [2]uint64{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

func textPrefix(b *[16]byte, tag byte, s string) {
	b[0] = tag
	copy(b[1:15], s)
	b[15] = byte(min(len(s), textMore))
}

func numberPrefix(b *[16]byte, v any) {
	var buf [32]byte
	tag, e, digits := numberDigits(v, buf[:0])
	b[0] = tag
	if tag != pfxPos && tag != pfxNeg {
		return
	}
	// Past the ends the exponent saturates, and the digits are left out:
	// they would order numbers of other exponents by their digits.
	e += 1 << 15
	n, more := len(digits), false
	if e < 1 || e > 1<<16-2 {
		e, n, more = min(max(e, 0), 1<<16-1), 0, true
	}
	binary.BigEndian.PutUint16(b[1:3], uint16(e))
	if n > prefixDigits {
		n, more = prefixDigits, true
	}
	for i, d := range digits[:n] {
		d = d - '0' + 1
		if i%2 == 0 {
			b[3+i/2] = d << 4
		} else {
			b[3+i/2] |= d
		}
	}
	if more {
		b[15] = 1
	}
	if tag == pfxNeg {
		for i := 1; i < 16; i++ {
			b[i] = ^b[i]
		}
	}
}

// numberDigits takes a number apart as its ordered forms need it: the
// tag (pfxNegInf to pfxNaN), and for any other than zero, the infinities
// and NaN, the decimal exponent of its first significant digit (as
// cmpMagnitude takes it) and its significant digits from the first
// nonzero one, trailing zeros removed. Integers, floats (by their
// shortest decimal text) and exact decimals all take one form, as they
// compare (compareNumbers). buf is scratch space for the digits.
func numberDigits(v any, buf []byte) (tag byte, e int64, digits []byte) {
	neg := false
	if x, ok := v.(int64); ok {
		// An integer's digits, without taking its text apart.
		if x == 0 {
			return pfxZero, 0, nil
		}
		u := uint64(x)
		if neg = x < 0; neg {
			u = -u
		}
		digits = strconv.AppendUint(buf, u, 10)
		e = int64(len(digits))
	} else {
		t := numTextOf(v, buf)
		switch t.rank() {
		case 0:
			return pfxNegInf, 0, nil
		case 2:
			return pfxPosInf, 0, nil
		case 3:
			return pfxNaN, 0, nil
		}
		lead := t.lead()
		if lead < 0 {
			return pfxZero, 0, nil
		}
		neg, e = t.neg, t.exp+int64(t.ndigits()-lead)
		digits = make([]byte, 0, t.ndigits()-lead)
		for i := lead; i < t.ndigits(); i++ {
			digits = append(digits, t.digit(i))
		}
	}
	for digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	if neg {
		return pfxNeg, e, digits
	}
	return pfxPos, e, digits
}

// prefixExact reports whether a value with prefix p is the only one with
// that prefix.
func prefixExact(p [2]uint64) bool {
	last := byte(p[1])
	switch byte(p[0] >> 56) {
	case pfxString, pfxArray, pfxObject:
		return last < textMore
	case pfxPos:
		return last == 0
	case pfxNeg:
		return last == 0xff
	}
	return true
}

// compareEntries orders index entries by value, then key, then seq. The
// prefixes decide the values' order, but for two equal ones that are not
// exact.
func compareEntries(a, b *indexEntry) int {
	if c := compareEntryValues(a, b); c != 0 {
		return c
	}
	if c := compareKeys(a.key, b.key); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

// compareEntryValues orders a and b by their values alone.
func compareEntryValues(a, b *indexEntry) int {
	switch {
	case a.pfx[0] != b.pfx[0]:
		return cmp.Compare(a.pfx[0], b.pfx[0])
	case a.pfx[1] != b.pfx[1]:
		return cmp.Compare(a.pfx[1], b.pfx[1])
	case prefixExact(a.pfx):
		return 0
	}
	return SortCompare(a.val, b.val)
}

// tableState is a table as readers see it: immutable once published.
type tableState struct {
	spec    *TableSpec
	rows    *rowTree
	indexes map[string]*indexTree
	cols    *registry
	// liveCols is the registry as of the newest accepted commit, shared by
	// every state of the table: the writer stores its registry there when
	// a commit changed it, so readers see new columns without a copy of
	// the table being published.
	liveCols *atomic.Pointer[registry]
	// point finds a row by key without walking the B-tree: a lock-free
	// hash table shared by every state of the table since the last
	// compaction. The writer stores a key's newest row once the
	// transaction that wrote it is accepted; a reader still filters
	// versions by its seq, so rows newer than its view change nothing.
	point *pointMap
	// log reads the versions whose bytes are in the table's log.
	log *tableLog
	// horizon is the seq before which history was folded away (0: none).
	horizon uint64
	// gapTimes are the points of the timeline (db.go) of the versions in
	// the rows' gaps, read from the snapshot that made the gaps and
	// written into the next (versions the rows do not hold give no points
	// otherwise). Immutable: a snapshot replaces it whole.
	gapTimes []timePoint
	// trimmed is how far the rows were trimmed after a snapshot left
	// their versions to the version index (trimRows).
	trimmed trimMark
	// upTo, in a published state, is the newest seq the writer had applied
	// when the state was copied: its B-trees hold every event up to it.
	upTo uint64
	// lastSnap is the seq of the newest snapshot, events the number of
	// events since it and bytes the segment bytes at that time.
	lastSnap    uint64
	eventsSince int64
	// snaps is the chain of snapshots lastSnap ends (snapshot.go).
	snaps snapChain
	// lastWrite is the seq of the newest event applied to the table (in
	// the writer's working state: accepted, maybe not yet durable).
	lastWrite     uint64
	segBytesAtSnp int64
	// gen is the table's generation: it changes with the definition of
	// the table where that matters to writes (ddl.go).
	gen uint64
	// undo, while a commit applies its events to the writer's working
	// state, records every B-tree change so that a failing event can take
	// the transaction's earlier ones back.
	undo *undoLog
	// held, while set, takes the new index entries of the fields it does
	// not keep, to be added in order once the batch of writes is applied.
	held *heldEntries
}

// heldEntries are index entries held back from their trees during a large
// batch of writes (a big commit, the replay of a log) and added sorted at
// its end: each insertion then descends the tree beside the one before,
// through nodes in the cache, instead of anywhere at random. Only the
// batch's own reads need the entries sooner, and those are the unique
// checks, which read the index on the first field of each unique index:
// keep lists those trees, whose entries go in at once.
//
// The entries of a tree are sorted a run at a time, each full run beside
// the batch as it goes on (on another processor), so that at the end only
// the last run is left to sort; the runs then go into the tree one after
// the other.
type heldEntries struct {
	keep  []*indexTree
	by    map[*indexTree]*heldRuns
	sorts sync.WaitGroup // the runs being sorted
	// size is how many entries a tree's first run has room for: the
	// batch's events, up to heldRun. Grown by doubling, the runs of the
	// commits of an import, 50,000 rows each, copied 1.1 s of a 32 s
	// import of 9 million rows.
	size int
}

// heldRuns are one tree's held entries: runs sorted (or being sorted),
// and the run being filled.
type heldRuns struct {
	sorted [][]indexEntry
	cur    []indexEntry
}

// heldRun is the length of a run sorted beside the batch (a variable for
// the tests).
var heldRun = 1 << 16

// take holds e for idx, unless idx is kept.
func (h *heldEntries) take(idx *indexTree, e indexEntry) bool {
	if slices.Contains(h.keep, idx) {
		return false
	}
	if h.by == nil {
		h.by = map[*indexTree]*heldRuns{}
	}
	r := h.by[idx]
	if r == nil {
		r = &heldRuns{cur: make([]indexEntry, 0, min(max(h.size, 1), heldRun))}
		h.by[idx] = r
	}
	r.cur = append(r.cur, e)
	if len(r.cur) == heldRun {
		// The next run is made whole: a batch that filled one is large,
		// and a run grown by doubling copies its entries again and again
		// (a COPY of a million rows spent 3% of its time there).
		run := r.cur
		r.sorted, r.cur = append(r.sorted, run), make([]indexEntry, 0, heldRun)
		h.sorts.Go(func() { sortEntries(run) })
	}
	return true
}

// place adds the held entries to their trees, each run in order.
func (h *heldEntries) place() {
	for _, r := range h.by {
		sortEntries(r.cur)
	}
	h.sorts.Wait()
	for idx, r := range h.by {
		runs, n := append(r.sorted, r.cur), len(r.cur)
		for _, run := range r.sorted {
			n += len(run)
		}
		if rebuildCheaper(idx, runs, n) {
			rebuildWith(idx, runs)
			continue
		}
		mergeRuns(runs, idx.sortedInserter().put)
	}
}

// rebuildCheaper reports whether the n entries of runs go into idx
// faster by building it again from its entries and them (rebuildWith)
// than one by one. One by one, each takes a walk down the tree; entries
// spread over the leaves (an index of many values) each move half a
// leaf's entries on average, where those of a few values, added in the
// order of their keys, go at the ends of their runs; and the first in a
// leaf a reader shares copies the leaf. Which it is, is told by the
// leaves of a sample of the entries: a COPY of 50,000 rows into an index
// of a million entries of random values touches nearly every leaf, one
// into an index of five values five leaves.
func rebuildCheaper(idx *indexTree, runs [][]indexEntry, n int) bool {
	if idx.root == nil || n == 0 {
		return n > 0
	}
	const samples = 64
	var leaves []*bpNode[indexEntry]
	taken, pos, step := 0, 0, max(n/samples, 1) // every step-th entry of the runs one after the other
	for _, run := range runs {
		for i := (step - pos%step) % step; i < len(run); i += step {
			if l := idx.leafOf(&run[i]); !slices.Contains(leaves, l) {
				leaves = append(leaves, l)
			}
			taken++
		}
		pos += len(run)
	}
	spread := float64(len(leaves)) / float64(max(taken, 1))
	touched := spread * float64(min(n, idx.n/(leafItems*3/4)+1)) // leaves about three quarters full
	cost := float64(n) * (8 + spread*leafItems/2)
	if idx.root.owner != idx.owner {
		cost += touched * leafItems
	}
	return cost > float64(idx.n+n)
}

// rebuildWith puts the entries of sorted runs into idx by building it
// anew from its own entries and them, in order: every leaf written once,
// full, and none of the old ones changed (a reader may hold them). An
// entry equal to one idx has takes its place, as with ReplaceOrInsert.
func rebuildWith(idx *indexTree, runs [][]indexEntry) {
	fresh := &indexTree{owner: idx.owner, trim: idx.trim, lean: idx.lean}
	b := newTreeBuilder(fresh)
	var prev indexEntry // the last entry added, whose box of a text its equals share
	add := func(e indexEntry) {
		shareValue(&prev, &e)
		b.add(e)
		prev = e
	}
	it := idx.seek(nil)
	old := it.next() // nil once idx has no more
	mergeRuns(runs, func(e indexEntry) {
		for old != nil {
			if len(old) == 0 {
				old = it.next()
				continue
			}
			c := compareEntries(&old[0], &e)
			if c > 0 {
				break
			}
			if c < 0 {
				add(old[0])
			}
			old = old[1:]
		}
		add(e)
	})
	for old != nil {
		for _, e := range old {
			add(e)
		}
		old = it.next()
	}
	idx.root, idx.n = fresh.root, fresh.n
}

// mergeRuns calls fn with the entries of sorted runs, in order.
func mergeRuns(runs [][]indexEntry, fn func(e indexEntry)) {
	// A binary heap of the runs not yet done, by their first entry.
	heads := make([][]indexEntry, 0, len(runs))
	for _, r := range runs {
		if len(r) > 0 {
			heads = append(heads, r)
		}
	}
	less := func(i, j int) bool { return compareEntries(&heads[i][0], &heads[j][0]) < 0 }
	down := func(i int) {
		for {
			m := i
			if l := 2*i + 1; l < len(heads) && less(l, m) {
				m = l
			}
			if r := 2*i + 2; r < len(heads) && less(r, m) {
				m = r
			}
			if m == i {
				return
			}
			heads[i], heads[m] = heads[m], heads[i]
			i = m
		}
	}
	for i := len(heads)/2 - 1; i >= 0; i-- {
		down(i)
	}
	for len(heads) > 0 {
		fn(heads[0][0])
		if heads[0] = heads[0][1:]; len(heads[0]) == 0 {
			heads[0] = heads[len(heads)-1]
			heads = heads[:len(heads)-1]
		}
		down(0)
	}
}

// unplace takes the held entries out of their trees again (a commit that
// fails after placing them; entries not placed are not found).
func (h *heldEntries) unplace() {
	h.sorts.Wait()
	for idx, r := range h.by {
		for _, run := range append(r.sorted, r.cur) {
			for _, e := range run {
				idx.Delete(e)
			}
		}
	}
}

// reset empties h for the next batch. The map goes too: the next batch
// writes to other trees (each commit's are clones).
func (h *heldEntries) reset() {
	h.sorts.Wait()
	clear(h.by)
	h.keep = h.keep[:0]
}

// sortEntries sorts index entries as their tree orders them. Entries of
// a few values, each value's already in order (rows loaded in the order
// of their keys, into a column of few values), are put in order by
// value in one pass (groupEntries): a sort compared them a few dozen
// times each, a tenth of the processor time of an import of 9 million
// rows indexed on a status.
func sortEntries(es []indexEntry) {
	if !groupEntries(es) {
		slices.SortFunc(es, func(a, b indexEntry) int { return compareEntries(&a, &b) })
	}
}

// groupEntries puts es in order when its entries have at most
// groupedValues values and those of each value are in order already,
// and reports whether they had; else it leaves es as it was.
func groupEntries(es []indexEntry) bool {
	type group struct{ first, last, n int } // a value's first and last entries, how many
	var gs [groupedValues]group
	ng := 0
	which := make([]uint8, len(es))
	for i := range es {
		g := 0
		for g < ng && compareEntryValues(&es[gs[g].first], &es[i]) != 0 {
			g++
		}
		if g == ng {
			if ng == groupedValues {
				return false
			}
			gs[g] = group{first: i, last: -1}
			ng++
		} else if compareEntries(&es[gs[g].last], &es[i]) >= 0 {
			return false
		}
		gs[g].last, which[i] = i, uint8(g)
		gs[g].n++
	}
	if ng <= 1 {
		return true
	}
	byValue := make([]int, ng)
	for g := range byValue {
		byValue[g] = g
	}
	slices.SortFunc(byValue, func(a, b int) int { return compareEntryValues(&es[gs[a].first], &es[gs[b].first]) })
	var at [groupedValues]int // where each value's entries go
	off := 0
	for _, g := range byValue {
		at[g], off = off, off+gs[g].n
	}
	out := make([]indexEntry, len(es))
	for i := range es {
		g := which[i]
		out[at[g]] = es[i]
		at[g]++
	}
	copy(es, out)
	return true
}

// groupedValues is how many values groupEntries puts in order at most.
const groupedValues = 16

// undoLog records the B-tree changes a commit's events made: the keys of
// the rows they added, the rows they replaced as they were, and the index
// entries they added. Events never take a row out of the B-tree, so a key
// is added at most once in a commit and before any replacement of its
// row: taking back the replacements, newest first, and then the rows
// added, undoes every change. Each kind holds only what undoing it needs
// (a load adds a key and an index entry per row).
type undoLog struct {
	added    []Key
	replaced []row
	entries  []indexUndo
}

// indexUndo is an index entry a commit added.
type indexUndo struct {
	idx   *indexTree
	entry indexEntry
}

// rollback takes back the changes u recorded.
func (ts *tableState) rollback(u *undoLog) {
	for i := len(u.replaced) - 1; i >= 0; i-- {
		ts.rows.ReplaceOrInsert(u.replaced[i])
	}
	for _, k := range u.added {
		ts.rows.Delete(row{key: k})
	}
	for _, e := range u.entries {
		e.idx.Delete(e.entry)
	}
}

// size makes room in u for the events of table among ops, a large
// commit's: a key added for each INSERT, a row replaced for each other
// event (at most), where the slices grew by doubling as the events went.
func (u *undoLog) size(ops []*event, table string) {
	ins, other := 0, 0
	for _, ev := range ops {
		switch {
		case ev.tbl != table:
		case ev.typ == store.EventInsert:
			ins++
		default:
			other++
		}
	}
	u.added = slices.Grow(u.added, ins)
	u.replaced = slices.Grow(u.replaced, other)
}

// reset empties u for the next commit, letting go of the slices an
// outsized one grew.
func (u *undoLog) reset() {
	u.added = resetSlice(u.added)
	u.replaced = resetSlice(u.replaced)
	u.entries = resetSlice(u.entries)
}

// resetSlice empties s, keeping its space unless it is outsized.
func resetSlice[S ~[]E, E any](s S) S {
	if cap(s) > 4096 {
		return nil
	}
	clear(s)
	return s[:0]
}

func newTableState(spec *TableSpec, lg *tableLog) *tableState {
	ts := &tableState{
		spec:     spec,
		log:      lg,
		rows:     newRowTree(),
		indexes:  map[string]*indexTree{},
		cols:     newRegistry(spec),
		liveCols: new(atomic.Pointer[registry]),
		point:    newPointCache(0),
	}
	for _, f := range spec.Indexes {
		ts.indexes[f] = newIndexTree()
	}
	return ts
}

// clone returns a copy for the writer to change while readers keep ts. The
// B-tree clones are lazy: nodes are copied only when written.
func (ts *tableState) clone() *tableState {
	n := *ts
	n.rows = ts.rows.Clone()
	n.indexes = make(map[string]*indexTree, len(ts.indexes))
	for f, idx := range ts.indexes {
		n.indexes[f] = idx.Clone()
	}
	return &n
}

// columns returns the registry readers use.
func (ts *tableState) columns() *registry {
	if r := ts.liveCols.Load(); r != nil {
		return r
	}
	return ts.cols
}

// get finds a row in the B-tree: the writer's view of its working copy.
func (ts *tableState) get(k Key) (row, bool) {
	return ts.rows.Get(row{key: k})
}

// pastLast reports whether k comes after every row of the table's tree
// and the table has no version of k at seq: the tree holds every event up
// to seq, or, where it lags (a lookup by key reads the rows written since
// from the point map, find), every key the writer stored into the map
// comes before k.
func (ts *tableState) pastLast(k Key, seq uint64) bool {
	if ts.upTo < seq && !ts.point.storedBelow(k) {
		return false
	}
	last, ok := ts.rows.Max()
	return !ok || compareKeys(last.key, k) < 0
}

// find returns the row of k in ts: the point map's, which may be newer
// (a reader filters versions by its seq), or the B-tree's, which then
// goes into the map (pointMap.add).
func (ts *tableState) find(k Key) (row, bool) {
	if e := ts.point.entry(k); e != nil {
		return e.r, true
	}
	return ts.cacheRow(k)
}

// findAll finds the rows of several keys as find does, out[i] for keys[i]
// (a row with no versions where ts has none): the point map's first,
// looked up side by side, then the B-tree's. Many keys in ascending
// order (an index's, for one value) are read from the B-tree alone, along
// its leaves: the map, a cache of point reads, would miss most of them,
// and take them in only to let others go.
func (ts *tableState) findAll(keys []Key, out []row) {
	if len(keys) >= findAscendingFrom && slices.IsSortedFunc(keys, compareKeys) {
		rowsAscending(ts.rows, keys, out)
		return
	}
	ts.point.entries(keys, out)
	for i := range out {
		if out[i].versions == nil {
			out[i], _ = ts.cacheRow(keys[i])
		}
	}
}

// rowsAscending sets out[i] to the row of keys[i] in t (a row with no
// versions where there is none), for keys in ascending order, repeats
// allowed: a walk along the leaves, which takes the next leaf or two when
// a key is past the one it is in, and descends from the root only for one
// further on. The keys an index gives for one value ascend: 200,000 of 2
// million rows are about four a leaf.
func rowsAscending(t *rowTree, keys []Key, out []row) {
	if t.root == nil || len(keys) == 0 {
		return
	}
	it := t.seek(&row{key: keys[0]})
	cur := it.next() // the rows not before the last key, in its leaf; nil past the end
	for i, k := range keys {
		for hops := 0; cur != nil && compareKeys(cur[len(cur)-1].key, k) < 0; hops++ {
			if hops == 2 {
				it = t.seek(&row{key: k})
				cur = it.next()
				break
			}
			cur = it.next()
		}
		if cur == nil {
			return // every row is before k and the keys after it
		}
		// The next key is most often a few rows on: those are read one
		// after the other, as the memory brings them, before a search.
		lo, hi := 0, len(cur)
		for lo < min(hi, 16) && compareKeys(cur[lo].key, k) < 0 {
			lo++
		}
		if lo == 16 {
			for lo < hi {
				m := int(uint(lo+hi) >> 1)
				if compareKeys(cur[m].key, k) < 0 {
					lo = m + 1
				} else {
					hi = m
				}
			}
		}
		if cur = cur[lo:]; compareKeys(cur[0].key, k) == 0 {
			out[i] = cur[0]
		}
	}
}

// findAscendingFrom is how many keys in ascending order findAll reads
// along the B-tree's leaves rather than through the point map.
const findAscendingFrom = 16

// cacheRow returns the row of k from the B-tree, for a key the point map
// does not have, and puts it in the map.
func (ts *tableState) cacheRow(k Key) (row, bool) {
	r, ok := ts.get(k)
	if ok {
		ts.point.add(r)
	}
	return r, ok
}

// refreshPoint stores rows, as a commit left them, into the point map; a
// key written twice is stored twice, its newest row last. A map the
// writes have taken to twice its limit is replaced by an empty one, and
// it reports true: the caller publishes ts then, as a trim does, for the
// published state's map no longer gets the writes and its tree may lag
// (states are published when a reader needs them, db.refresh). A commit
// of more rows than an eighth of the limit (a COPY, an import's batch)
// replaces the map without storing them: a few such commits fill the map
// to its replacement anyway, the rows pushing each other out, and the
// state published holds them all. (At the whole limit, an import of 9
// million rows in COPYs of 50,000 stored every row, and the stores and
// the map's growth took an eighth of its processor time.)
func (ts *tableState) refreshPoint(rows []row) (reset bool) {
	large := int64(len(rows)) > ts.point.limit/8
	if large || ts.point.n.Load() >= 2*ts.point.limit {
		ts.resetPoint()
		if large {
			return true
		}
		reset = true
	}
	for _, r := range rows {
		ts.point.store(r)
	}
	return reset
}

// resetPoint gives ts an empty point map, which its B-tree fills as it is
// read.
func (ts *tableState) resetPoint() {
	ts.point = newPointCache(ts.rows.Len())
}

// addVersion appends v to the row of key k, old as the writer found it (ok:
// it exists; else the row is created), indexes the new document and
// returns the new row. doc is the decoded document after the event (nil
// after SOFT_DELETE).
func (ts *tableState) addVersion(old row, ok bool, k Key, v version, doc map[string]any, prev map[string]any) row {
	var nr row
	if ok {
		nr = newRow(k, appendVersion(old.versions, v, ts.logWindow()))
	} else {
		nr = newRow(k, []version{v})
	}
	ts.rows.ReplaceOrInsert(nr)
	ts.versionAdded(old, ok, k, v, docValues{doc: doc}, prev)
	return nr
}

// versionAdded does the rest of addVersion once the row is in the B-tree:
// the undo step, the event count and the index entries of v, the version
// of the row with key k whose document has values doc, and prev before it
// (nil for none).
func (ts *tableState) versionAdded(old row, ok bool, k Key, v version, doc docValues, prev map[string]any) {
	if u := ts.undo; u != nil {
		if ok {
			u.replaced = append(u.replaced, old)
		} else {
			u.added = append(u.added, k)
		}
	}
	ts.eventsSince++
	ts.lastWrite = max(ts.lastWrite, v.seq) // a commit may apply its inserts in key order
	if doc.doc == nil && doc.raw == nil {
		return
	}
	for f, idx := range ts.indexes {
		val, ok := doc.field(f)
		if !ok || val == nil {
			continue
		}
		// An entry stands until the row's value changes: a version that
		// keeps the value needs none (lookups check the row at their seq).
		if pv, ok := lookupPath(prev, f); ok && pv != nil && EqualValues(pv, val) {
			continue
		}
		e := newEntry(val, k, v.seq)
		if h := ts.held; h != nil && h.take(idx, e) {
			continue // its undo is the held set's
		}
		idx.ReplaceOrInsert(e)
		if u := ts.undo; u != nil {
			u.entries = append(u.entries, indexUndo{idx, e})
		}
	}
}

// lookupPath finds a field of a document: a top-level name, or a dotted
// path into nested objects ("address.city") when no top-level field has
// the whole name.
func lookupPath(doc map[string]any, path string) (any, bool) {
	if v, ok := doc[path]; ok {
		return v, true
	}
	if !strings.Contains(path, ".") {
		return nil, false
	}
	var cur any = doc
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// fieldAt is lookupPath on an encoded document: a top-level field is read
// without decoding the rest; for a dotted path the document is decoded
// once into *doc.
func fieldAt(b []byte, path string, doc *map[string]any) (any, bool, error) {
	v, ok, err := docField(b, path)
	if err != nil || ok || !strings.Contains(path, ".") {
		return v, ok, err
	}
	if *doc == nil {
		if *doc, err = decodeDocBytes(b); err != nil {
			return nil, false, err
		}
	}
	v, ok = lookupPath(*doc, path)
	return v, ok, nil
}

// LookupPath is lookupPath for the query layer.
func LookupPath(doc map[string]any, path string) (any, bool) { return lookupPath(doc, path) }

// buildIndexes builds the indexes of fields afresh from the rows, their
// entries added sorted (see heldEntries): the other indexes stay.
func (ts *tableState) buildIndexes(fields []string) error {
	if len(fields) == 0 {
		return nil
	}
	var h heldEntries
	defer h.reset()
	trees := make([]*indexTree, len(fields))
	for i, f := range fields {
		trees[i] = newIndexTree()
		ts.indexes[f] = trees[i]
	}
	var err error
	var nr newestReader // the documents not in memory, in key order
	defer nr.release()
	n := 0
	ts.rows.Ascend(func(r row) bool {
		err = rowEntries(ts.log, &nr, r, 0, fields, func(j int, e indexEntry) { h.take(trees[j], e) })
		if n++; n%releaseEvery == 0 {
			nr.releaseIndex() // not to hold the index's files for the whole walk
		}
		return err == nil
	})
	if err != nil {
		return err
	}
	h.place()
	return nil
}

// rowEntries calls add with the entry each version of r after seq since
// makes in the index of each of fields (j: the field's place in fields),
// reading the fields of each version without decoding the rest of it
// (unless a dotted path needs it). As for a commit (addVersion), a
// version that keeps the value the version before it had makes none,
// the version at since included.
// A walk of many rows in key order gives nr, which reads the documents
// not in memory (row.eachDocWith); nil reads each by itself.
func rowEntries(lg *tableLog, nr *newestReader, r row, since uint64, fields []string, add func(j int, e indexEntry)) error {
	prev, err := fieldValues(lg, r, since, fields)
	if err != nil {
		return err
	}
	return entriesAfter(lg, nr, r, since, fields, prev, add)
}

// fieldValues returns the values of fields in the version of r visible at
// seq (nil where it has none, and all nil for seq 0, or no version).
func fieldValues(lg *tableLog, r row, seq uint64, fields []string) ([]any, error) {
	vals := make([]any, len(fields))
	if seq == 0 || r.index(seq) < 0 {
		return vals, nil
	}
	_, _, b, err := r.docAt(lg, seq)
	if err != nil || b == nil {
		return vals, err
	}
	var doc map[string]any
	for j, f := range fields {
		val, ok, err := fieldAt(b, f, &doc)
		if err != nil {
			return nil, err
		}
		if ok {
			vals[j] = val
		}
	}
	return vals, nil
}

// entriesAfter is rowEntries with prev, the values of the version before
// the first one after since.
func entriesAfter(lg *tableLog, nr *newestReader, r row, since uint64, fields []string, prev []any, add func(j int, e indexEntry)) error {
	var err error
	werr := r.eachDocWith(lg, nr, since, func(v *version, b []byte) bool {
		if b == nil {
			clear(prev)
			return true
		}
		var doc map[string]any
		for j, f := range fields {
			var val any
			var ok bool
			if val, ok, err = fieldAt(b, f, &doc); err != nil {
				return false
			}
			switch {
			case !ok || val == nil:
				val = nil
			case prev[j] == nil || !EqualValues(prev[j], val):
				add(j, newEntry(val, r.key, v.seq))
			}
			prev[j] = val
		}
		return true
	})
	if err != nil {
		return err
	}
	return werr
}
