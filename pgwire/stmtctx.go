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
	// stop cancels the deadline context of withTimeout, if any.
	stop context.CancelFunc
}

// withTimeout returns a context that ends after d or when sc is
// cancelled. It is not derived from sc: context.WithTimeout under a
// context of another package's type watches its parent from a goroutine
// of its own, one per statement; cancel stops it instead.
func (sc *stmtContext) withTimeout(d time.Duration) context.Context {
	ctx, stop := context.WithTimeout(context.Background(), d)
	sc.mu.Lock()
	sc.stop = stop
	sc.mu.Unlock()
	return ctx
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

// cancel ends the statement's context, and its deadline context, with
// context.Canceled.
func (sc *stmtContext) cancel() {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.stop != nil {
		sc.stop()
		sc.stop = nil
	}
	if sc.err != nil {
		return
	}
	sc.err = context.Canceled
	if sc.done != nil {
		close(sc.done)
	}
}
