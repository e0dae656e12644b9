package sql

import (
	"context"
	"sync"

	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/pgcode"
)

// Advisory locks (pg_advisory_lock and its kin): locks on numbers that
// mean what the application says, shared by the sessions of a database.
// A lock is exclusive or shared; a session holds it for itself (until it
// unlocks it or ends) or for its transaction (until the transaction
// ends), as many times as it took it. A session's own holds never block
// it; a wait that would close a circle of waiting sessions fails with
// 40P01, as PostgreSQL's deadlock check does, and a wait ends with the
// statement (a cancel, statement_timeout).

// advisoryHold is what one session holds of one lock.
type advisoryHold struct {
	excl, shared [2]int // holds, [0] the session's, [1] the transaction's
}

func (h *advisoryHold) empty() bool {
	return h.excl == [2]int{} && h.shared == [2]int{}
}

// advisoryLocks is a database's advisory locks: who holds each, and what
// each waiting session waits for.
type advisoryLocks struct {
	mu      sync.Mutex
	holds   map[builtins.AdvisoryKey]map[*Session]*advisoryHold
	waiting map[*Session]builtins.AdvisoryKey
	// changed is closed, and replaced, whenever a hold is given back.
	changed chan struct{}
}

var advisory = perDB[advisoryLocks]{newT: func() *advisoryLocks {
	return &advisoryLocks{holds: map[builtins.AdvisoryKey]map[*Session]*advisoryHold{},
		waiting: map[*Session]builtins.AdvisoryKey{}, changed: make(chan struct{})}
}}

// blocked reports whether another session's hold of k keeps s from
// taking it (shared or not).
func (a *advisoryLocks) blocked(s *Session, k builtins.AdvisoryKey, shared bool) bool {
	for o, h := range a.holds[k] {
		if o != s && (h.excl != [2]int{} || !shared && h.shared != [2]int{}) {
			return true
		}
	}
	return false
}

// deadlock reports whether s waiting for k would close a circle: a
// session that holds k waits, directly or through others, for a lock s
// holds.
func (a *advisoryLocks) deadlock(s *Session, k builtins.AdvisoryKey) bool {
	seen := map[*Session]bool{}
	var waitsOnS func(k builtins.AdvisoryKey) bool
	waitsOnS = func(k builtins.AdvisoryKey) bool {
		for o := range a.holds[k] {
			if o == s {
				continue
			}
			if seen[o] {
				continue
			}
			seen[o] = true
			next, ok := a.waiting[o]
			if !ok {
				continue
			}
			if _, holds := a.holds[next][s]; holds {
				return true
			}
			if waitsOnS(next) {
				return true
			}
		}
		return false
	}
	return waitsOnS(k)
}

// lock takes k for s; with try it does not wait (false when it would).
func (a *advisoryLocks) lock(ctx context.Context, s *Session, k builtins.AdvisoryKey, shared, xact, try bool) (bool, error) {
	a.mu.Lock()
	for a.blocked(s, k, shared) {
		if try {
			a.mu.Unlock()
			return false, nil
		}
		if a.deadlock(s, k) {
			a.mu.Unlock()
			return false, pgcode.New(pgcode.DeadlockDetected, "deadlock detected").
				WithDetail("Sessions wait for each other's advisory locks.")
		}
		a.waiting[s] = k
		ch := a.changed
		a.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			a.mu.Lock()
			delete(a.waiting, s)
			a.mu.Unlock()
			return false, ctx.Err()
		}
		a.mu.Lock()
		delete(a.waiting, s)
	}
	defer a.mu.Unlock()
	m := a.holds[k]
	if m == nil {
		m = map[*Session]*advisoryHold{}
		a.holds[k] = m
	}
	h := m[s]
	if h == nil {
		h = &advisoryHold{}
		m[s] = h
	}
	i := 0
	if xact {
		i = 1
	}
	if shared {
		h.shared[i]++
	} else {
		h.excl[i]++
	}
	return true, nil
}

// unlock gives back one session-level hold of k by s, reporting whether
// there was one.
func (a *advisoryLocks) unlock(s *Session, k builtins.AdvisoryKey, shared bool) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	h := a.holds[k][s]
	if h == nil {
		return false
	}
	n := &h.excl[0]
	if shared {
		n = &h.shared[0]
	}
	if *n == 0 {
		return false
	}
	*n--
	a.drop(s, k, h)
	a.wake()
	return true
}

// release gives back what s holds: its transaction's holds, or with
// session set every hold.
func (a *advisoryLocks) release(s *Session, session bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	gone := false
	for k, m := range a.holds {
		h := m[s]
		if h == nil {
			continue
		}
		before := *h
		h.excl[1], h.shared[1] = 0, 0
		if session {
			h.excl[0], h.shared[0] = 0, 0
		}
		gone = gone || *h != before
		a.drop(s, k, h)
	}
	if gone {
		a.wake()
	}
}

// drop forgets a hold that became empty. a.mu is held.
func (a *advisoryLocks) drop(s *Session, k builtins.AdvisoryKey, h *advisoryHold) {
	if h.empty() {
		delete(a.holds[k], s)
		if len(a.holds[k]) == 0 {
			delete(a.holds, k)
		}
	}
}

// wake lets the waiting sessions look again: a hold was given back,
// which may end a wait though the hold is not empty (its exclusive part
// went, a shared part stays). a.mu is held.
func (a *advisoryLocks) wake() {
	close(a.changed)
	a.changed = make(chan struct{})
}

// The session's side, for the functions (builtins.AdvisoryLocker).

// AdvisoryLock takes a lock; a transaction's hold outside a transaction
// block lasts until the statement's end (EndStatement), its transaction.
func (f fnSession) AdvisoryLock(ctx context.Context, k builtins.AdvisoryKey, shared, xact, try bool) (bool, error) {
	f.s.advisoryUsed = true
	return advisory.of(f.s.db).lock(ctx, f.s, k, shared, xact, try)
}

func (f fnSession) AdvisoryUnlock(k builtins.AdvisoryKey, shared bool) bool {
	return advisory.of(f.s.db).unlock(f.s, k, shared)
}

func (f fnSession) AdvisoryUnlockAll() { f.s.releaseAdvisory(true) }

// releaseAdvisory gives back the session's transaction-level advisory
// locks once no transaction is open, and with all every one.
func (s *Session) releaseAdvisory(all bool) {
	if !s.advisoryUsed || !all && s.txn != nil {
		return
	}
	advisory.of(s.db).release(s, all)
}
