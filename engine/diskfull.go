package engine

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/driftdb/driftdb/store"
)

// storageError is the error a client sees for a failed file operation:
// SQLSTATE 53100 (disk_full) when the disk had no room and the database
// takes writes again once it has (the log was cut back, see resume; or
// the file was a snapshot, an index file, a schema, whose failure stops
// nothing), 58030 (io_error) for anything else, a failed fsync above all.
func storageError(err error) *Error {
	code := CodeIOError
	if errors.Is(err, store.ErrDiskFull) ||
		!errors.Is(err, store.ErrFailed) && (errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)) {
		code = CodeDiskFull
	}
	return &Error{Code: code, Msg: err.Error(), Err: err}
}

// resume is what a write does while the database is stopped by a failed
// commit (db.failed). A commit that found the disk full was cut off the
// log again (store.Resume): the tables its failed commits touched, whose
// working state has them applied, are loaded again from the store (their
// newest snapshot and the log after it), the seqs after the store's last
// one are given out again, and the write goes on; if space is still
// short it fails the same way. Every other failure stops writes until the
// database is reopened. Called with wmu held.
func (db *DB) resume() error {
	if !errors.Is(db.failed, store.ErrDiskFull) {
		return &Error{Code: CodeIOError, Msg: "database stopped after a write failure; reopen it: " + db.failed.Error(), Err: db.failed}
	}
	names, err := db.st.Resume()
	if err != nil {
		db.failed = err
		return &Error{Code: CodeIOError, Msg: "database stopped after a write failure; reopen it: " + err.Error(), Err: err}
	}
	// Every commit handed to the store before now is durable or has
	// failed. With names empty, the store had resumed already: this
	// failure was seen late by its committer and is taken care of.
	last := db.st.LastSeq()
	for _, name := range names {
		w, ok := db.work[name]
		if !ok {
			continue
		}
		ts, _, err := db.loadTable(name)
		if err != nil {
			db.failed = fmt.Errorf("%w: reload table %q: %w", store.ErrFailed, name, err)
			return &Error{Code: CodeIOError, Msg: "database stopped after a write failure; reopen it: " + db.failed.Error(), Err: db.failed}
		}
		last = max(last, ts.lastSnap)
		ts.gen = w.gen // the same definition
		db.work[name] = ts
	}
	if len(names) > 0 {
		db.nextSeq = last + 1
		// Published states may claim seqs that will now be given out
		// again (upTo), and the timeline may hold points of failed
		// commits: publish every table afresh and cut the timeline.
		old := db.pub.Load()
		ns := &dbState{tables: make(map[string]*tableState, len(db.work))}
		for _, p := range old.times {
			if p.firstSeq <= last {
				ns.times = append(ns.times, p)
			}
		}
		for name, w := range db.work {
			p := w.clone()
			p.upTo = last
			ns.tables[name] = p
		}
		db.pub.Store(ns)
		db.log.Warn("writes resumed after the disk was full", "tables", names, "seq", last)
	}
	db.failed = nil
	return nil
}
