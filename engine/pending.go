package engine

import "fmt"

// pending is what a transaction wrote so far: per table, the keys written
// and their state after its writes. Transactions touch few tables, and most
// often one row: a table's first row is held inline and a map is made only
// for a second one.
type pending struct {
	tables []pendingTable
	first  [1]pendingTable // backing for tables: no allocation for one table
}

type pendingTable struct {
	name string
	has  bool               // key and row hold the first row written...
	key  Key                // ...its key...
	row  pendingRow         // ...and its state
	more keyMap[pendingRow] // the rows after the first
	// last is the greatest key written, when has is set.
	last Key
	// truncated is set once the transaction truncated the table: a row it
	// did not write since is gone for it.
	truncated bool
}

type pendingRow struct {
	doc   map[string]any // nil when deleted or held as raw
	order []string
	// raw is the encoded document of a row a large transaction inserted,
	// held instead of doc and order (keepDocs); get decodes it.
	raw []byte
}

// decoded returns r with its document decoded, if it is held as raw.
func (r pendingRow) decoded() pendingRow {
	if r.doc != nil || r.raw == nil {
		return r
	}
	doc, err := decodeDocBytes(r.raw)
	if err == nil {
		r.order, err = docKeys(r.raw)
	}
	if err != nil {
		// The transaction's own encoding of a document it checked.
		panic(fmt.Sprintf("engine: a pending document does not decode: %v", err))
	}
	r.doc = doc
	return r
}

func (p *pending) table(name string) *pendingTable {
	for i := range p.tables {
		if p.tables[i].name == name {
			return &p.tables[i]
		}
	}
	return nil
}

// get returns the transaction's state of a row, if it wrote it, its
// document decoded.
func (p *pending) get(table string, k Key) (pendingRow, bool) {
	r, ok := p.held(table, k)
	return r.decoded(), ok
}

// held is get without decoding a document held as raw.
func (p *pending) held(table string, k Key) (pendingRow, bool) {
	t := p.table(table)
	switch {
	case t == nil:
		return pendingRow{}, false
	case t.has && t.key == k:
		return t.row, true
	}
	return t.more.get(k)
}

// past reports whether k comes after every key the transaction wrote to
// table: it has no state of that row.
func (p *pending) past(table string, k Key) bool {
	t := p.table(table)
	return t == nil || !t.has || compareKeys(k, t.last) > 0
}

// put records the state of a row after a write.
func (p *pending) put(table string, k Key, r pendingRow) {
	t := p.add(table)
	if !t.has || compareKeys(k, t.last) > 0 {
		t.last = k
	}
	if !t.has || t.key == k {
		t.has, t.key, t.row = true, k, r
		return
	}
	t.more.set(k, r)
}

// add returns the table's entry, made if missing.
func (p *pending) add(table string) *pendingTable {
	if t := p.table(table); t != nil {
		return t
	}
	if p.tables == nil {
		p.tables = p.first[:0]
	}
	p.tables = append(p.tables, pendingTable{name: table})
	return &p.tables[len(p.tables)-1]
}

// count returns how many rows of table the transaction wrote.
func (p *pending) count(table string) int {
	t := p.table(table)
	if t == nil || !t.has {
		return 0
	}
	return 1 + t.more.len()
}

// truncate records a TRUNCATE of table: every row the transaction wrote
// so far is deleted, and every other row is gone for it.
func (p *pending) truncate(table string) {
	t := p.add(table)
	t.truncated = true
	if t.has {
		t.row = pendingRow{}
	}
	for k := range t.more.all() {
		t.more.set(k, pendingRow{})
	}
}

// isTruncated reports whether the transaction truncated table: then its
// rows are only those the transaction wrote since.
func (p *pending) isTruncated(table string) bool {
	t := p.table(table)
	return t != nil && t.truncated
}

// each calls fn for every row of table the transaction wrote.
func (p *pending) each(table string, fn func(Key, pendingRow)) {
	t := p.table(table)
	if t == nil || !t.has {
		return
	}
	fn(t.key, t.row.decoded())
	for k, r := range t.more.all() {
		fn(k, r.decoded())
	}
}
