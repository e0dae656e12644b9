package sql

import (
	"sort"
	"sync"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/sql/pgcode"
)

// LISTEN, UNLISTEN, NOTIFY and pg_notify: notifications between the
// sessions of a database, as PostgreSQL's. A NOTIFY is sent when its
// transaction commits (outside a block, when its statement ends) and goes
// to every session that listens on the channel, the sender's own too, a
// notification sent twice in one transaction once. A session takes them
// between statements (TakeNotifications); the server sends them to its
// client. LISTEN and UNLISTEN in a transaction block take effect when it
// commits, before its notifications are sent (a session that listens and
// notifies in one block gets its own notification); a rollback, of the
// block or to a savepoint, drops those made since, and the notifications
// too.

// Notification is a notification a session received.
type Notification struct {
	PID     int // the sender's process id
	Channel string
	Payload string
}

// maxPayload is PostgreSQL's limit on a payload (bytes).
const maxPayload = 7999

// maxInbox bounds the notifications a session that does not read them
// keeps (the oldest go first).
const maxInbox = 100_000

// notifyHub is a database's listeners.
type notifyHub struct {
	mu        sync.Mutex
	listeners map[string]map[*Session]bool
}

var hubs = perDB[notifyHub]{newT: func() *notifyHub {
	return &notifyHub{listeners: map[string]map[*Session]bool{}}
}}

// notifyState is a session's side: its channels, what its transaction
// will send, what it sent and the server has yet to publish, and what it
// received.
type notifyState struct {
	listening map[string]bool
	acts      []listenAct // the block's LISTEN and UNLISTEN, until it ends
	txn       noteQueue   // sent by the transaction block, until it ends
	outbox    noteQueue   // committed, to publish once durable
	mu        sync.Mutex  // guards inbox: other sessions deliver to it
	inbox     []Notification
}

// listenAct is a LISTEN (listen) or UNLISTEN of channel ("": of every
// channel) made in a transaction block.
type listenAct struct {
	channel string
	listen  bool
}

// noteMark is where a savepoint leaves the block's notifications: how
// many LISTEN and UNLISTEN, and notifications, it had made.
type noteMark struct{ acts, sent int }

func (s *Session) markNotes() noteMark {
	return noteMark{acts: len(s.note.acts), sent: len(s.note.txn.l)}
}

// undoNotes drops the block's LISTEN, UNLISTEN and notifications made
// since m (ROLLBACK TO).
func (s *Session) undoNotes(m noteMark) {
	clear(s.note.acts[m.acts:])
	s.note.acts = s.note.acts[:m.acts]
	s.note.txn.truncate(m.sent)
}

// listenStmt runs LISTEN (listen) or UNLISTEN of channel: at once outside
// a transaction block, else when it commits.
func (s *Session) listenStmt(channel string, listen bool) {
	switch {
	case s.txn != nil:
		s.note.acts = append(s.note.acts, listenAct{channel: channel, listen: listen})
	case listen:
		s.listen(channel)
	default:
		s.unlisten(channel)
	}
}

func (s *Session) listen(channel string) {
	if s.note.listening == nil {
		s.note.listening = map[string]bool{}
	}
	s.note.listening[channel] = true
	h := hubs.of(s.db)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.listeners[channel] == nil {
		h.listeners[channel] = map[*Session]bool{}
	}
	h.listeners[channel][s] = true
}

func (s *Session) unlisten(channel string) {
	if len(s.note.listening) == 0 {
		return
	}
	h := hubs.of(s.db)
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range s.note.listening {
		if channel != "" && ch != channel {
			continue
		}
		delete(s.note.listening, ch)
		delete(h.listeners[ch], s)
		if len(h.listeners[ch]) == 0 {
			delete(h.listeners, ch)
		}
	}
}

// notify queues a notification: in the transaction block until it
// commits, else for the end of the statement.
func (s *Session) notify(channel, payload string) error {
	switch {
	case channel == "":
		return pgcode.New(pgcode.InvalidParameterValue, "channel name cannot be empty")
	case len(channel) > 63:
		return pgcode.New(pgcode.InvalidParameterValue, "channel name too long")
	case len(payload) > maxPayload:
		return pgcode.New(pgcode.InvalidParameterValue, "payload string too long")
	}
	q := &s.note.outbox
	if s.txn != nil {
		q = &s.note.txn
	}
	q.add(Notification{PID: s.pid, Channel: channel, Payload: payload})
	return nil
}

// noteQueue is notifications in the order sent, each once.
type noteQueue struct {
	l    []Notification
	seen map[Notification]bool
}

func (q *noteQueue) add(n Notification) {
	if q.seen[n] {
		return // sent once a transaction
	}
	if q.seen == nil {
		q.seen = map[Notification]bool{}
	}
	q.seen[n] = true
	q.l = append(q.l, n)
}

// truncate keeps the queue's first n notifications.
func (q *noteQueue) truncate(n int) {
	for _, x := range q.l[n:] {
		delete(q.seen, x) // each is in l once
	}
	q.l = q.l[:n]
}

// take returns the queue's notifications and empties it.
func (q *noteQueue) take() []Notification {
	l := q.l
	*q = noteQueue{}
	return l
}

// endNotifyBlock ends the transaction block's notifications: when it
// committed, its LISTEN and UNLISTEN take effect, and its notifications
// wait for the commit to be durable (PublishNotifications).
func (s *Session) endNotifyBlock(committed bool) {
	acts := s.note.acts
	s.note.acts = nil
	for _, a := range acts {
		switch {
		case !committed:
		case a.listen:
			s.listen(a.channel)
		default:
			s.unlisten(a.channel)
		}
	}
	for _, n := range s.note.txn.take() {
		if committed {
			s.note.outbox.add(n)
		}
	}
}

// PublishNotifications sends what the session's committed transactions
// notified to the listeners. The server calls it once those commits are
// durable; a session without a server (DeferCommits off) does at the end
// of each statement.
func (s *Session) PublishNotifications() {
	out := s.note.outbox.take()
	if len(out) == 0 {
		return
	}
	h := hubs.of(s.db)
	h.mu.Lock()
	woken := map[*Session]bool{} // each listener is woken once
	for _, n := range out {
		for l := range h.listeners[n.Channel] {
			l.note.mu.Lock()
			if len(l.note.inbox) >= maxInbox {
				l.note.inbox = l.note.inbox[1:]
			}
			l.note.inbox = append(l.note.inbox, n)
			l.note.mu.Unlock()
			woken[l] = true
		}
	}
	h.mu.Unlock()
	for l := range woken {
		if l.opts.Wake != nil && l != s {
			l.opts.Wake()
		}
	}
}

// Notifying reports whether the session has notifications to publish
// (PublishNotifications).
func (s *Session) Notifying() bool { return len(s.note.outbox.l) > 0 }

// DropNotifications forgets what the session's last commit was to send:
// the commit failed.
func (s *Session) DropNotifications() { s.note.outbox.take() }

// TakeNotifications returns the notifications the session received, for
// its client, and forgets them.
func (s *Session) TakeNotifications() []Notification {
	s.note.mu.Lock()
	defer s.note.mu.Unlock()
	out := s.note.inbox
	s.note.inbox = nil
	return out
}

// listeningChannels are the session's channels, sorted.
func (s *Session) listeningChannels() []string {
	out := make([]string, 0, len(s.note.listening))
	for ch := range s.note.listening {
		out = append(out, ch)
	}
	sort.Strings(out)
	return out
}

func (s *Session) notifyStmt(x *pg.Node) (*Result, error) {
	switch n := x.Node.(type) {
	case *pg.Node_ListenStmt:
		s.listenStmt(n.ListenStmt.Conditionname, true)
		return &Result{Tag: "LISTEN"}, nil
	case *pg.Node_UnlistenStmt:
		s.listenStmt(n.UnlistenStmt.Conditionname, false)
		return &Result{Tag: "UNLISTEN"}, nil
	case *pg.Node_NotifyStmt:
		if err := s.notify(n.NotifyStmt.Conditionname, n.NotifyStmt.Payload); err != nil {
			return nil, err
		}
		return &Result{Tag: "NOTIFY"}, nil
	}
	return nil, pgcode.New(pgcode.InternalError, "not a notification statement")
}

// The functions' side (builtins.Notifier).

func (f fnSession) Notify(channel, payload string) error { return f.s.notify(channel, payload) }
func (f fnSession) ListeningChannels() []string          { return f.s.listeningChannels() }
