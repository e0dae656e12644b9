package sql

import "github.com/driftdb/driftdb/sql/pgcode"

// A statement's notices and warnings ("relation ... already exists,
// skipping", "there is no transaction in progress", a function's warning)
// go to the client before its result or its error, as PostgreSQL's
// NoticeResponse: the session queues them as the statement runs, and the
// server, or the command line, takes them (TakeNotices) and sends them in
// their order, each a message of its own.

// Notice is a NOTICE, or a WARNING, for the client.
type Notice struct {
	Warning bool
	Code    pgcode.Code // "": 00000
	Message string
}

// Severity is NOTICE or WARNING.
func (n Notice) Severity() string {
	if n.Warning {
		return "WARNING"
	}
	return "NOTICE"
}

// notice queues a NOTICE.
func (s *Session) notice(msg string) {
	s.notices = append(s.notices, Notice{Message: msg})
}

// warn queues a WARNING with its SQLSTATE.
func (s *Session) warn(code pgcode.Code, msg string) {
	s.notices = append(s.notices, Notice{Warning: true, Code: code, Message: msg})
}

// TakeNotices returns the notices queued since the last call, oldest
// first, and forgets them.
func (s *Session) TakeNotices() []Notice {
	n := s.notices
	s.notices = nil
	return n
}

// Warn queues a function's warning (builtins.Warner).
func (f fnSession) Warn(code pgcode.Code, msg string) { f.s.warn(code, msg) }
