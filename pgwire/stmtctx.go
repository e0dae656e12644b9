package pgwire

import (
	"context"
	"sync"
	"time"
)

// stmtContext is the context a connection runs a statement under: the
// one of the last statement is reset and used again, where
// context.WithCancel would make two objects for every statement. It is
// used again only when nobody can still hold its Done channel: one that
// handed the channel out is replaced (next).
type stmtContext struct {
	mu   sync.Mutex
	done chan struct{} // made by the first Done
	err  error         // context.Canceled once cancelled
}

// next returns a context for the next statement: sc itself, reset, or a
// new one if sc's Done channel was handed out.
func (sc *stmtContext) next() *stmtContext {
	if sc == nil {
		return &stmtContext{}
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.done != nil {
		return &stmtContext{}
	}
	sc.err = nil
	return sc
}

func (sc *stmtContext) Deadline() (time.Time, bool) { return time.Time{}, false }

func (sc *stmtContext) Value(any) any { return nil }

func (sc *stmtContext) Done() <-chan struct{} {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.done == nil {
		sc.done = make(chan struct{})
		if sc.err != nil {
			close(sc.done)
		}
	}
	return sc.done
}

func (sc *stmtContext) Err() error {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.err
}

// cancel ends the statement's context with context.Canceled.
func (sc *stmtContext) cancel() {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.err != nil {
		return
	}
	sc.err = context.Canceled
	if sc.done != nil {
		close(sc.done)
	}
}
