package engine

import (
	"cmp"
	"slices"
)

// An insert checks that no row the transaction sees has its key, and in a
// load in no key order each such check is a walk of the row tree from
// its root to a leaf no other check has just read (4 million random keys
// into a table: a quarter of the load's time). A COPY defers these checks
// instead: the keys of its inserts into the table wait (DeferKeyChecks),
// and CheckKeys looks them up in key order, one walk along the tree's
// leaves for many keys. A table truncated by the transaction and a key
// after every row of the table take no walk, and are checked at once; so
// are the transaction's own rows, but in a bulk load (below). A check
// that finds a row fails with the error the first such insert would have
// given, and says which insert that was, so that the caller can name its
// line.
//
// A COPY into a table the transaction has not written before, with no
// unique index but its key and no savepoint, is a bulk load: its inserts
// do not look their keys up in the transaction's rows either (a hash
// table of every row, read in no order: 2.4 s of the 11.3 s of a COPY's
// inserting goroutine for 4 million rows), and CheckKeys finds the
// load's own duplicates as equal neighbours among its sorted keys, and
// among those of its earlier checks, kept sorted (seen). A unique index
// on another column would read the rows the transaction wrote, and name
// itself before the key; a savepoint's undo log reads them anyway.

// keyChecks is a transaction's deferred checks of its inserts into one
// table.
type keyChecks struct {
	ts *tableState // the table as the transaction's snapshot has it
	n  int         // the inserts into the table since the last check
	// keys are those of the inserts since the last check whose check was
	// deferred (of a bulk load: every insert's), with which insert each
	// is (0 for the first).
	keys []keyAt
	bulk bool  // the load's own duplicates are found by CheckKeys
	seen []Key // a bulk load's keys of the checks before, in order
	// failed is the error of a check that failed, which the commit
	// gives again: the transaction holds an insert of a key in use.
	failed error
}

type keyAt struct {
	k  Key
	at int
	// stored: the key is to be looked up in the table's rows too (not
	// for a key after every row, which a bulk load's check takes for its
	// duplicates only).
	stored bool
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
	t := tx.pending.table(table)
	bulk := (t == nil || !t.has && !t.truncated) && !tx.undoing && len(ts.spec.uniques()) == 0
	tx.keys = &keyChecks{ts: ts, bulk: bulk}
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
	slices.SortFunc(keys, func(a, b keyAt) int { return cmp.Or(compareKeys(a.k, b.k), cmp.Compare(a.at, b.at)) })
	// A tree that holds every event up to the snapshot (a table's
	// published state may lag it, the rows written since in its point
	// map only).
	ts, seq := tx.view.trees(c.ts.spec.Name, c.ts), tx.view.seq
	at := -1
	var firstErr error
	if c.bulk {
		at, firstErr = tx.ownDuplicates(c, keys)
	}
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
			if r.versions == nil || !ka.stored || (at >= 0 && ka.at > at) {
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
					firstErr = duplicateOf(ts, ka.k, raw)
				}
			}
		}
	}
	c.failed = firstErr
	return at, firstErr
}

// ownDuplicates returns, for a bulk load's keys of a check (sorted by key,
// then insert), the first insert in the transaction's order of a key the
// load inserted before, in this check or an earlier one (c.seen), and
// its error; -1 and nil when there is none. The keys join c.seen.
func (tx *Txn) ownDuplicates(c *keyChecks, keys []keyAt) (int, error) {
	at, dup := -1, Key{}
	merged := make([]Key, 0, len(c.seen)+len(keys))
	j := 0
	for i, ka := range keys {
		for j < len(c.seen) && compareKeys(c.seen[j], ka.k) < 0 {
			merged = append(merged, c.seen[j])
			j++
		}
		again := i > 0 && keys[i-1].k == ka.k || j < len(c.seen) && c.seen[j] == ka.k
		if again && (at < 0 || ka.at < at) {
			at, dup = ka.at, ka.k
		}
		if i == 0 || keys[i-1].k != ka.k {
			merged = append(merged, ka.k)
		}
	}
	c.seen = append(merged, c.seen[j:]...)
	if at < 0 {
		return -1, nil
	}
	var doc map[string]any // the transaction's row of the key, for a key of several columns
	if len(c.ts.spec.PKColumns) > 0 {
		p, _ := tx.pending.get(c.ts.spec.Name, dup)
		doc = p.doc
	}
	return at, keyDuplicate(c.ts.spec, dup, doc)
}

// duplicateOf is the error of an insert of key k into ts, whose row raw
// (its document) the transaction sees.
func duplicateOf(ts *tableState, k Key, raw []byte) error {
	var doc map[string]any // for a key of several columns
	if len(ts.spec.PKColumns) > 0 {
		var err error
		if doc, err = decodeDocBytes(raw); err != nil {
			return err
		}
	}
	return keyDuplicate(ts.spec, k, doc)
}

// keysOf returns the deferred checks of the inserts into ts, nil when
// each insert checks its key at once.
func (tx *Txn) keysOf(ts *tableState) *keyChecks {
	if c := tx.keys; c != nil && c.ts == ts {
		return c
	}
	return nil
}

// inserted counts an insert of k into ts made, and defers its key's check
// when deferred (a bulk load's key is kept for its duplicates whatever).
func (tx *Txn) inserted(ts *tableState, k Key, deferred bool) {
	c := tx.keysOf(ts)
	if c == nil {
		return
	}
	if deferred || c.bulk {
		c.keys = append(c.keys, keyAt{k: k, at: c.n, stored: deferred})
	}
	c.n++
}
