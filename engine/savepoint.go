package engine

// Savepoints. A Savepoint is a mark in a transaction: how many events and
// commit checks it held, and how long its undo log was. RollbackTo cuts
// the events back to the mark, drops the row locks taken since, and plays
// the undo log backwards, so that the transaction's own rows are as they
// were: what it wrote since no longer exists for it, nor for the commit's
// first committer wins check. The transaction keeps its snapshot.
//
// The undo log holds the state each write after the first Savepoint
// replaced in the transaction's pending rows; a transaction that never
// takes a savepoint keeps none. The index of the rows the transaction
// wrote by their unique values (Txn.uniq) is not undone: checkUnique looks
// each candidate up in the pending rows, so an entry of a row written and
// rolled back matches nothing.

// Savepoint is a point in a transaction that RollbackTo returns to.
type Savepoint struct {
	ops, checks, undo int
}

// pendingUndo is what one change of the pending rows replaced: the row of
// key in table (had: it was there), or, for a TRUNCATE, the whole
// table's entry.
type pendingUndo struct {
	table string
	key   Key
	row   pendingRow
	had   bool
	trunc *pendingTable
}

// Savepoint marks the transaction's present state, for RollbackTo. Its
// writes from now on are logged so that they can be undone.
func (tx *Txn) Savepoint() Savepoint {
	tx.undoing = true
	return Savepoint{ops: len(tx.ops), checks: len(tx.checks), undo: len(tx.undo)}
}

// RollbackTo undoes every write the transaction made since sp was taken:
// its reads see its own rows as they were then, and the commit writes and
// checks only what was written before. Rows locked since (FOR UPDATE) are
// released. Under Serializable, the rows and tables read since stay
// checked: what was read may have decided what the transaction wrote
// before or writes after. A savepoint taken after sp is no longer valid.
func (tx *Txn) RollbackTo(sp Savepoint) {
	if tx.done || sp.ops > len(tx.ops) || sp.checks > len(tx.checks) || sp.undo > len(tx.undo) {
		return
	}
	clear(tx.ops[sp.ops:])
	tx.ops = tx.ops[:sp.ops]
	tx.keys = nil // a bulk load's checks, of inserts undone
	// Keep the reads (serializable), let the locks go.
	kept := tx.checks[:sp.checks]
	for _, c := range tx.checks[sp.checks:] {
		if !c.lock {
			kept = append(kept, c)
		}
	}
	tx.checks = kept
	for i := len(tx.undo) - 1; i >= sp.undo; i-- {
		tx.pending.undo(tx.undo[i])
		tx.undo[i] = pendingUndo{}
	}
	tx.undo = tx.undo[:sp.undo]
}

// logPut records, once a savepoint was taken, the row of key in table
// that a write is about to replace.
func (tx *Txn) logPut(table string, k Key) {
	if !tx.undoing {
		return
	}
	r, had := tx.pending.held(table, k)
	tx.undo = append(tx.undo, pendingUndo{table: table, key: k, row: r, had: had})
}

// logTruncate records, once a savepoint was taken, table's entry in the
// pending rows before a TRUNCATE changes it.
func (tx *Txn) logTruncate(table string) {
	if !tx.undoing {
		return
	}
	u := pendingUndo{table: table, trunc: &pendingTable{name: table}}
	if t := tx.pending.table(table); t != nil {
		*u.trunc = *t
		u.trunc.more = t.more.clone()
	}
	tx.undo = append(tx.undo, u)
}

// undo takes back one change of the pending rows.
func (p *pending) undo(u pendingUndo) {
	if u.trunc != nil {
		*p.add(u.table) = *u.trunc
		return
	}
	if u.had {
		p.put(u.table, u.key, u.row)
		return
	}
	p.remove(u.table, u.key)
}

// remove forgets the row of key in table.
func (p *pending) remove(table string, k Key) {
	t := p.table(table)
	if t == nil || !t.has {
		return
	}
	if t.key != k {
		t.more.del(k)
		return
	}
	// The first row goes: another takes its place.
	for k2, r := range t.more.all() {
		t.key, t.row = k2, r
		t.more.del(k2)
		return
	}
	t.has, t.key, t.row = false, Key{}, pendingRow{}
}
