package engine

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
	key  Key                // the first row written...
	row  pendingRow         // ...and its state
	more map[Key]pendingRow // the rows after the first
}

type pendingRow struct {
	doc   map[string]any // nil when deleted
	order []string
}

func (p *pending) table(name string) *pendingTable {
	for i := range p.tables {
		if p.tables[i].name == name {
			return &p.tables[i]
		}
	}
	return nil
}

// get returns the transaction's state of a row, if it wrote it.
func (p *pending) get(table string, k Key) (pendingRow, bool) {
	t := p.table(table)
	switch {
	case t == nil:
		return pendingRow{}, false
	case t.key == k:
		return t.row, true
	case t.more == nil:
		return pendingRow{}, false
	}
	r, ok := t.more[k]
	return r, ok
}

// put records the state of a row after a write.
func (p *pending) put(table string, k Key, r pendingRow) {
	t := p.table(table)
	if t == nil {
		if p.tables == nil {
			p.tables = p.first[:0]
		}
		p.tables = append(p.tables, pendingTable{name: table, key: k, row: r})
		return
	}
	if t.key == k {
		t.row = r
		return
	}
	if t.more == nil {
		t.more = map[Key]pendingRow{}
	}
	t.more[k] = r
}

// count returns how many rows of table the transaction wrote.
func (p *pending) count(table string) int {
	if t := p.table(table); t != nil {
		return 1 + len(t.more)
	}
	return 0
}

// each calls fn for every row of table the transaction wrote.
func (p *pending) each(table string, fn func(Key, pendingRow)) {
	t := p.table(table)
	if t == nil {
		return
	}
	fn(t.key, t.row)
	for k, r := range t.more {
		fn(k, r)
	}
}
