package engine

import "slices"

// An insert checks that no row the transaction sees has its key, and in a
// load in no key order each such check is a walk of the row tree from
// its root to a leaf no other check has just read (4 million random keys
// into a table: a quarter of the load's time). A bulk load (COPY) defers
// these checks instead: the keys of its inserts into the table wait
// (DeferKeyChecks), and CheckKeys looks them up in key order, one walk
// along the tree's leaves for many keys. The transaction's own rows are
// still checked at once (an insert of a key it wrote fails as it is
// made), and so are a table truncated by the transaction and a key after
// every row of the table, which take no walk. A check that finds a row
// fails with the error the first such insert would have given, and says
// which insert that was, so that the caller can name its line.

// keyChecks is a transaction's deferred checks of its inserts into one
// table.
type keyChecks struct {
	ts *tableState // the table as the transaction's snapshot has it
	n  int         // the inserts into the table since the last check
	// keys are those of the inserts since the last check whose check was
	// deferred, with which insert each is (0 for the first).
	keys []keyAt
	// failed is the error of a check that failed, which the commit
	// gives again: the transaction holds an insert of a key in use.
	failed error
}

type keyAt struct {
	k  Key
	at int
}

// keyCheckRun is how many keys a check looks up along the tree at a time.
const keyCheckRun = 4096

// DeferKeyChecks makes the transaction's inserts into table leave the
// check of their keys against the table's rows to CheckKeys, until
// StopKeyChecks. A commit makes the checks still deferred first.
func (tx *Txn) DeferKeyChecks(table string) error {
	ts, err := tx.table(table)
	if err != nil {
		return err
	}
	tx.keys = &keyChecks{ts: ts}
	return nil
}

// StopKeyChecks drops the deferred checks, unmade: for a caller that
// rolls back the inserts they were of. Each insert checks its key again.
func (tx *Txn) StopKeyChecks() { tx.keys = nil }

// CheckKeys makes the checks deferred since DeferKeyChecks or the last
// CheckKeys. When a row had one of the keys, it returns the error of the
// first such insert and which of the inserts into the table since the
// last check it was (0 for the first); else -1 and nil. The checks go on
// being deferred. After a failed check, the transaction's commit fails
// with its error, unless StopKeyChecks drops it with the checks.
func (tx *Txn) CheckKeys() (int, error) {
	c := tx.keys
	if c == nil {
		return -1, nil
	}
	if c.failed != nil {
		return -1, c.failed
	}
	keys := c.keys
	c.keys, c.n = c.keys[:0], 0
	if len(keys) == 0 {
		return -1, nil
	}
	slices.SortFunc(keys, func(a, b keyAt) int { return compareKeys(a.k, b.k) })
	// A tree that holds every event up to the snapshot (a table's
	// published state may lag it, the rows written since in its point
	// map only).
	ts, seq := tx.view.trees(c.ts.spec.Name, c.ts), tx.view.seq
	at := -1
	var firstErr error
	run := make([]Key, 0, min(len(keys), keyCheckRun))
	out := make([]row, min(len(keys), keyCheckRun))
	for len(keys) > 0 {
		part := keys[:min(len(keys), keyCheckRun)]
		keys = keys[len(part):]
		run = run[:0]
		for _, ka := range part {
			run = append(run, ka.k)
		}
		clear(out)
		rowsAscending(ts.rows, run, out)
		for i, ka := range part {
			r := out[i]
			if r.versions == nil || (at >= 0 && ka.at > at) {
				continue
			}
			_, _, raw, err := r.docAt(ts.log, seq)
			if raw == nil && err == nil {
				continue
			}
			at, firstErr = ka.at, err
			if err == nil {
				// A row the snapshot shows live that another transaction
				// changed since: a conflict, as insertDoc says.
				if cerr := tx.changedAfterView(ts, ka.k); cerr != nil {
					firstErr = cerr
				} else {
					firstErr = tx.duplicateOf(ts, ka.k, raw)
				}
			}
		}
	}
	c.failed = firstErr
	return at, firstErr
}

// duplicateOf is the error of an insert of key k into ts, whose row raw
// (its document) the transaction sees.
func (tx *Txn) duplicateOf(ts *tableState, k Key, raw []byte) error {
	if len(ts.spec.PKColumns) == 0 {
		return duplicateKey(ts.spec.Name, ts.spec.PK, keyText(k))
	}
	// The row's key columns hold the values the insert gave them.
	doc, err := decodeDocBytes(raw)
	if err != nil {
		return err
	}
	return compositeDuplicate(ts.spec, doc)
}

// defersKey reports whether an insert into ts leaves the check of its
// key to CheckKeys.
func (tx *Txn) defersKey(ts *tableState) bool {
	return tx.keys != nil && tx.keys.ts == ts
}

// inserted counts an insert of k into ts made, and defers its key's check
// when deferred.
func (tx *Txn) inserted(ts *tableState, k Key, deferred bool) {
	c := tx.keys
	if c == nil || c.ts != ts {
		return
	}
	if deferred {
		c.keys = append(c.keys, keyAt{k: k, at: c.n})
	}
	c.n++
}
