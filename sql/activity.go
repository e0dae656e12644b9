package sql

import (
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/vtable"
)

// Session states as pg_stat_activity shows them.
const (
	stateActive        = "active"
	stateIdle          = "idle"
	stateIdleInTxn     = "idle in transaction"
	stateIdleInFailTxn = "idle in transaction (aborted)"
)

// activity is what other sessions see of a session: the row it has in
// pg_stat_activity, and how to cancel its statement or end it. The
// session writes it at the start and the end of each statement; readers
// on other goroutines take a copy under mu.
type activity struct {
	// Set when the session is made, read-only after.
	pid       int
	start     time.Time
	cancel    func()
	terminate func()

	mu  sync.Mutex
	row vtable.Activity
}

// snapshot returns a copy of the session's row.
func (a *activity) snapshot() vtable.Activity {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.row
}

// registry holds the live sessions of each open database, by process id
// (a command line's sessions share the process id), while it has any.
var registry struct {
	mu sync.Mutex
	m  map[*engine.DB]map[int][]*activity
}

// join adds a session to the sessions of its database.
func join(db *engine.DB, a *activity) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if registry.m == nil {
		registry.m = map[*engine.DB]map[int][]*activity{}
	}
	byPID := registry.m[db]
	if byPID == nil {
		byPID = map[int][]*activity{}
		registry.m[db] = byPID
	}
	byPID[a.pid] = append(byPID[a.pid], a)
}

// leave removes a session from the sessions of its database; the
// database's entry goes when its last session leaves.
func leave(db *engine.DB, a *activity) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	byPID := registry.m[db]
	list := slices.DeleteFunc(byPID[a.pid], func(x *activity) bool { return x == a })
	if len(list) > 0 {
		byPID[a.pid] = list
		return
	}
	delete(byPID, a.pid)
	if len(byPID) == 0 {
		delete(registry.m, db)
	}
}

// sessionsOf returns the live sessions of db with process id pid.
func sessionsOf(db *engine.DB, pid int) []*activity {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	return slices.Clone(registry.m[db][pid])
}

// allSessions returns the live sessions of db.
func allSessions(db *engine.DB) []*activity {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	var all []*activity
	for _, list := range registry.m[db] {
		all = append(all, list...)
	}
	return all
}

// joinRegistry makes the session's row and adds it to its database's
// sessions.
func (s *Session) joinRegistry() {
	now := s.opts.Now()
	app := s.settings["application_name"]
	s.act = &activity{pid: s.pid, start: now, cancel: s.opts.Cancel, terminate: s.opts.Terminate}
	s.act.row = vtable.Activity{PID: s.pid, User: s.opts.User, Application: app, BackendStart: now,
		StateChange: now, State: stateIdle, ClientAddr: s.opts.ClientAddr, ClientPort: s.opts.ClientPort}
	join(s.db, s.act)
}

// StartStatement tells pg_stat_activity that the session runs text (the
// query string as the client sent it), from now until EndStatement.
func (s *Session) StartStatement(text string) {
	if s.act == nil {
		return
	}
	now := s.opts.Now()
	xact := now
	if s.txn != nil {
		xact = s.txTime
	}
	app := s.settings["application_name"]
	s.act.mu.Lock()
	r := &s.act.row
	r.Query, r.QueryStart, r.StateChange, r.XactStart = text, now, now, xact
	r.State, r.Active, r.Application = stateActive, true, app
	s.act.mu.Unlock()
}

// EndStatement tells pg_stat_activity that the session waits for its
// client: idle, or idle in a transaction. The statement run last stays
// its query.
func (s *Session) EndStatement() {
	s.releaseAdvisory(false) // a transaction's advisory locks, once it ended
	if !s.opts.DeferCommits {
		s.PublishNotifications() // the statement's commit is durable
	}
	if s.act == nil {
		return
	}
	now := s.opts.Now()
	state, xact := stateIdle, time.Time{}
	switch s.TxStatus() {
	case 'T':
		state, xact = stateIdleInTxn, s.txTime
	case 'E':
		state = stateIdleInFailTxn
	}
	app := s.settings["application_name"]
	s.act.mu.Lock()
	r := &s.act.row
	if r.State != state || r.Active {
		r.StateChange = now
	}
	r.State, r.Active, r.XactStart, r.Application = state, false, xact, app
	s.act.mu.Unlock()
}

// activities lists the sessions of the session's database for
// pg_stat_activity, oldest session first.
func (s *Session) activities() []vtable.Activity {
	all := allSessions(s.db)
	sort.Slice(all, func(i, j int) bool {
		if !all[i].start.Equal(all[j].start) {
			return all[i].start.Before(all[j].start)
		}
		return all[i].pid < all[j].pid
	})
	out := make([]vtable.Activity, len(all))
	for i, a := range all {
		out[i] = a.snapshot()
	}
	return out
}

// signalBackend cancels the running statement of the sessions of the
// database with process id pid, or (terminate) ends them. It reports
// whether there was such a session that can be signalled.
func (s *Session) signalBackend(pid int, terminate bool) bool {
	sent := false
	for _, a := range sessionsOf(s.db, pid) {
		fn := a.cancel
		if terminate {
			fn = a.terminate
		}
		if fn != nil {
			fn()
			sent = true
		}
	}
	return sent
}

// backendLive reports whether a session with process id pid is live.
func (s *Session) backendLive(pid int) bool {
	return len(sessionsOf(s.db, pid)) > 0
}
