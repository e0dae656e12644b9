package sql

import (
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
	pid        int
	user       string
	clientAddr string
	clientPort int
	start      time.Time
	cancel     func()
	terminate  func()

	mu  sync.Mutex
	row vtable.Activity
}

// snapshot returns a copy of the session's row.
func (a *activity) snapshot() vtable.Activity {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.row
}

// sessions are the live sessions of one database.
type sessions struct {
	mu    sync.Mutex
	byPID map[int][]*activity // a command line's sessions share the process id
}

// registries holds the sessions of each open database, while it has any.
var registries struct {
	mu sync.Mutex
	m  map[*engine.DB]*sessions
}

// join adds a session to the sessions of its database.
func join(db *engine.DB, a *activity) {
	registries.mu.Lock()
	defer registries.mu.Unlock()
	if registries.m == nil {
		registries.m = map[*engine.DB]*sessions{}
	}
	r := registries.m[db]
	if r == nil {
		r = &sessions{byPID: map[int][]*activity{}}
		registries.m[db] = r
	}
	r.mu.Lock()
	r.byPID[a.pid] = append(r.byPID[a.pid], a)
	r.mu.Unlock()
}

// leave removes a session from the sessions of its database; the
// database's registry goes when its last session leaves.
func leave(db *engine.DB, a *activity) {
	registries.mu.Lock()
	defer registries.mu.Unlock()
	r := registries.m[db]
	if r == nil {
		return
	}
	r.mu.Lock()
	list := r.byPID[a.pid]
	for i, x := range list {
		if x == a {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(r.byPID, a.pid)
	} else {
		r.byPID[a.pid] = list
	}
	empty := len(r.byPID) == 0
	r.mu.Unlock()
	if empty {
		delete(registries.m, db)
	}
}

// registry returns the sessions of db (nil: none).
func registry(db *engine.DB) *sessions {
	registries.mu.Lock()
	defer registries.mu.Unlock()
	return registries.m[db]
}

// list returns the rows of the sessions, oldest session first.
func (r *sessions) list() []vtable.Activity {
	r.mu.Lock()
	var all []*activity
	for _, list := range r.byPID {
		all = append(all, list...)
	}
	r.mu.Unlock()
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

// find returns the sessions with a process id.
func (r *sessions) find(pid int) []*activity {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*activity(nil), r.byPID[pid]...)
}

// joinRegistry makes the session's row and adds it to its database's
// sessions.
func (s *Session) joinRegistry() {
	now := s.opts.Now()
	app := s.settings["application_name"]
	s.act = &activity{pid: s.pid, user: s.opts.User, clientAddr: s.opts.ClientAddr, clientPort: s.opts.ClientPort,
		start: now, cancel: s.opts.Cancel, terminate: s.opts.Terminate}
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
// pg_stat_activity.
func (s *Session) activities() []vtable.Activity {
	if r := registry(s.db); r != nil {
		return r.list()
	}
	return nil
}

// signalBackend cancels the running statement of the sessions of the
// database with process id pid, or (terminate) ends them. It reports
// whether there was such a session that can be signalled.
func (s *Session) signalBackend(pid int, terminate bool) bool {
	r := registry(s.db)
	if r == nil {
		return false
	}
	sent := false
	for _, a := range r.find(pid) {
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
	r := registry(s.db)
	return r != nil && len(r.find(pid)) > 0
}
