package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/driftdb/driftdb/store"
)

// Isolation is how much of what a transaction read must still hold when it
// commits. Every level reads one snapshot (the seq the transaction began
// at) plus its own writes, and every level checks its writes: a PATCH or
// SOFT_DELETE of a row that another transaction changed after the
// snapshot fails with 40001 (first committer wins), as do rows locked with
// SELECT ... FOR UPDATE / FOR SHARE.
type Isolation uint8

// Isolation levels.
const (
	// RepeatableRead is snapshot isolation, as PostgreSQL's REPEATABLE
	// READ: reads are not checked, so two transactions may each read what
	// the other writes (write skew).
	RepeatableRead Isolation = iota
	// Serializable also checks what the transaction read: every row read
	// by key, and every table read any other way (a scan, an index
	// lookup), must be unchanged since the snapshot. A transaction that
	// commits is then equivalent to running alone at its commit, so the
	// committed history is serializable in commit order. The check is
	// coarse for scans: any write to a scanned table fails the commit.
	Serializable
)

func (l Isolation) String() string {
	if l == Serializable {
		return "serializable"
	}
	return "repeatable read"
}

// ErrSerialization is the sentinel of a transaction that conflicts with
// one committed after its snapshot (SQLSTATE 40001).
var ErrSerialization = errors.New("engine: serialization failure")

// CodeSerializationFailure is the SQLSTATE of ErrSerialization.
const CodeSerializationFailure = "40001"

// conflictError is a serialization failure and the seq of the change it
// ran into: a retry must read at least that seq.
type conflictError struct {
	msg string
	seq uint64
}

func (e *conflictError) Error() string    { return e.msg }
func (e *conflictError) Unwrap() error    { return ErrSerialization }
func (e *conflictError) SQLState() string { return CodeSerializationFailure }

func conflict(table string, k Key, seq uint64) error {
	return &conflictError{seq: seq,
		msg: fmt.Sprintf("could not serialize access due to concurrent update (row %s of table %q was changed at seq %d)", keyText(k), table, seq)}
}

func tableConflict(table string, seq uint64) error {
	return &conflictError{seq: seq,
		msg: fmt.Sprintf("could not serialize access due to read/write dependencies among transactions (table %q was changed at seq %d)", table, seq)}
}

// rowCheck is a row whose change after the snapshot fails the commit.
type rowCheck struct {
	table string
	key   Key
	lock  bool // FOR UPDATE / FOR SHARE, not a serializable read
}

// SetIsolation sets the transaction's isolation level. It must be called
// before the transaction reads.
func (tx *Txn) SetIsolation(l Isolation) { tx.iso = l }

// Isolation returns the transaction's isolation level.
func (tx *Txn) Isolation() Isolation { return tx.iso }

// Lock adds the row with the given key to the rows checked at commit (SELECT
// ... FOR UPDATE / FOR SHARE): if another transaction changed it after the
// snapshot, Lock fails with 40001 now, and if one changes it before this
// transaction commits, the commit fails. Nothing waits: the first to commit
// wins. A key with no row is checked too (an insert of it conflicts).
func (tx *Txn) Lock(table string, key any) error {
	ts, err := tx.table(table)
	if err != nil {
		return err
	}
	k, err := tableKey(ts, key)
	if err != nil {
		return err
	}
	if err := tx.changedSince(ts, k); err != nil {
		return err
	}
	tx.checks = append(tx.checks, rowCheck{table: table, key: k, lock: true})
	return nil
}

// changedSince fails with 40001 when a transaction other than tx changed
// row k after tx's snapshot (a change already accepted counts, durable or
// not: it committed first).
func (tx *Txn) changedSince(ts *tableState, k Key) error {
	if _, mine := tx.pending.held(ts.spec.Name, k); mine {
		return nil // tx wrote it since: checked then
	}
	return tx.changedAfterView(ts, k)
}

// changedAfterView is changedSince for a row the transaction has not
// written, or whose check waited (keycheck.go).
func (tx *Txn) changedAfterView(ts *tableState, k Key) error {
	if r, ok := ts.find(k); ok && r.newest().seq > tx.view.seq {
		return conflict(ts.spec.Name, k, r.newest().seq)
	}
	return nil
}

// noteRead records, for a serializable transaction, a row read by key.
func (tx *Txn) noteRead(table string, k Key) {
	if tx.iso == Serializable {
		tx.checks = append(tx.checks, rowCheck{table: table, key: k})
	}
}

// noteScan records, for a serializable transaction, a table read other
// than by key.
func (tx *Txn) noteScan(table string) {
	if tx.iso != Serializable {
		return
	}
	for _, t := range tx.scanned {
		if t == table {
			return
		}
	}
	tx.scanned = append(tx.scanned, table)
}

// validate checks, before anything of the commit is applied, that no row
// or table the transaction depends on changed after its snapshot: the rows
// it patches or deletes, the rows it locked or (serializable) read, and
// the tables it scanned. Callers hold wmu.
func (db *DB) validate(snap uint64, ops []*event, checks []rowCheck, scanned []string) error {
	check := func(table string, k Key) error {
		w, ok := db.work[table]
		if !ok {
			return nil // the commit fails on its writes, or had none there
		}
		if r, ok := w.find(k); ok && r.newest().seq > snap {
			return conflict(table, k, r.newest().seq)
		}
		return nil
	}
	for _, ev := range ops {
		if ev.typ == store.EventInsert || ev.typ == store.EventTruncate {
			// A concurrent insert of the key fails in apply (23505), as in
			// PostgreSQL; a truncate reads nothing: it deletes what is
			// live when it is applied.
			continue
		}
		if err := check(ev.tbl, ev.key); err != nil {
			return err
		}
	}
	for _, c := range checks {
		if err := check(c.table, c.key); err != nil {
			return err
		}
	}
	for _, name := range scanned {
		if w, ok := db.work[name]; ok && w.lastWrite > snap {
			return tableConflict(name, w.lastWrite)
		}
	}
	return nil
}

// Autocommit runs fn in a transaction of its own and submits it, as
// PostgreSQL runs a statement outside BEGIN: an atomic read-modify-write
// on the latest committed state. When the transaction conflicts with one
// committed after its snapshot, Autocommit waits until that one is
// visible and runs fn again on a fresh snapshot, so that it never fails
// with 40001 (fn must be safe to run again: it only reads and writes
// through the transaction). It stops when ctx is done.
func (db *DB) Autocommit(ctx context.Context, fn func(*Txn) error) (*Commit, error) {
	for {
		tx := db.Begin()
		err := fn(tx)
		if err == nil {
			var cm *Commit
			if cm, err = tx.Submit(ctx); err == nil {
				return cm, nil
			}
		} else {
			tx.Rollback()
		}
		again, err := db.WaitToRetry(ctx, err)
		if !again {
			return nil, err
		}
	}
}

// WaitToRetry is Autocommit's choice after a statement or its commit
// failed with err, for a caller that runs the statement itself: on a
// conflict with a commit made after the transaction's snapshot it waits
// until that commit is visible and reports true (run the statement again,
// in a new transaction); otherwise it returns err, or the wait's error.
func (db *DB) WaitToRetry(ctx context.Context, err error) (bool, error) {
	var ce *conflictError
	if !errors.As(err, &ce) {
		return false, err
	}
	if err := db.waitVisible(ctx, ce.seq); err != nil {
		return false, err
	}
	return true, nil
}

// visWaiter is a goroutine waiting for the visible seq to reach seq.
type visWaiter struct {
	seq  uint64
	wake chan struct{}
}

// waiters are the goroutines in waitVisible. advance looks at n, and takes
// mu only when someone waits.
type waiters struct {
	mu   sync.Mutex
	list []*visWaiter
}

// waitVisible returns once every commit up to seq is visible, or the
// database stopped taking writes, or ctx is done.
func (db *DB) waitVisible(ctx context.Context, seq uint64) error {
	if db.visible.Load() >= seq {
		return nil
	}
	w := &visWaiter{seq: seq, wake: make(chan struct{})}
	db.waiting.mu.Lock()
	db.waiting.list = append(db.waiting.list, w)
	db.nwaiting.Add(1)
	db.waiting.mu.Unlock()
	defer db.dropWaiter(w)
	// Registered first, then checked: an advance after the check sees the
	// waiter.
	if db.visible.Load() >= seq {
		return nil
	}
	select {
	case <-w.wake:
	case <-ctx.Done():
		return ctx.Err()
	}
	db.wmu.Lock()
	defer db.wmu.Unlock()
	return db.writable()
}

func (db *DB) dropWaiter(w *visWaiter) {
	db.waiting.mu.Lock()
	defer db.waiting.mu.Unlock()
	for i, x := range db.waiting.list {
		if x == w {
			db.waiting.list = append(db.waiting.list[:i], db.waiting.list[i+1:]...)
			db.nwaiting.Add(-1)
			return
		}
	}
}

// wakeWaiters wakes the waiters whose seq is visible, or every one when
// all is true (the database failed).
func (db *DB) wakeWaiters(all bool) {
	if db.nwaiting.Load() == 0 {
		return
	}
	vis := db.visible.Load()
	db.waiting.mu.Lock()
	defer db.waiting.mu.Unlock()
	for _, w := range db.waiting.list {
		if all || w.seq <= vis {
			select {
			case <-w.wake:
			default:
				close(w.wake)
			}
		}
	}
}
