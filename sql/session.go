// Package sql is DriftDB's SQL layer: a Session takes the text a client
// sends (PostgreSQL's SQL, or DriftQL), parses it (sql/parser), binds and
// plans it (sql/plan), runs it with pull-based operators (sql/exec) on the
// engine, and hands back typed rows (sql/types). The protocol server and
// the command line both run statements through a Session; it knows no
// protocol.
package sql

import (
	"context"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
	"github.com/driftdb/driftdb/sql/vtable"
)

// Options configure a session.
type Options struct {
	User     string // default "driftdb"
	Database string // default "driftdb"
	// Settings are initial settings (startup parameters, -c options).
	Settings map[string]string
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Cache, when set, is shared by sessions to reuse the plans of
	// simple-protocol queries of one shape (see ParseSimple).
	Cache *StmtCache
	// DeferCommits makes a statement that commits return once its
	// transaction is handed to the store, before it is durable: the caller
	// takes the commit with TakeCommit and waits for it before it reports
	// success (the server sends the reply the moment the commit is
	// durable).
	DeferCommits bool
	// PID is the session's process id, as the client was told it
	// (BackendKeyData) and pg_backend_pid() and pg_stat_activity show it;
	// 0 is the process's own.
	PID int
	// ClientAddr and ClientPort are the client's address, for
	// pg_stat_activity ("": a session of the process itself).
	ClientAddr string
	ClientPort int
	// Cancel cancels the statement the session runs, and Terminate ends
	// the session's connection: pg_cancel_backend and pg_terminate_backend
	// of other sessions call them, from other goroutines. nil: the session
	// cannot be signalled.
	Cancel, Terminate func()
	// Wake tells the session's server that notifications came for it
	// (TakeNotifications), from another session's goroutine.
	Wake func()
	// Statements lists the statements the connection's protocol prepared
	// by name, for pg_prepared_statements; nil: none.
	Statements func() []vtable.PreparedStatement
}

// Session runs statements for one client. It holds the open transaction
// and the session's settings, and is used by one goroutine at a time.
type Session struct {
	db       *engine.DB
	opts     Options
	txn      *engine.Txn
	txFailed bool
	// implicit: txn is an implicit block, not one a BEGIN made: of the
	// statements of one query string, or of the extended protocol's up
	// to a Sync (implicit.go).
	implicit implicitBlock
	// pipeline: the statements run until EndPipeline are the extended
	// protocol's up to a Sync; first: the statement running began their
	// block; rerun: the write of the block's only statement, which its
	// commit runs again on a conflict (implicit.go).
	pipeline, first bool
	rerun           rerunFunc
	// pipeTime is when the first statement of the pipeline's transaction
	// ran (zero: none yet): now() for its statements, in its block and
	// before it.
	pipeTime time.Time
	// txReadOnly: the transaction in progress was begun READ ONLY; txRan:
	// it has run a statement (its isolation can no longer change).
	txReadOnly bool
	txRan      bool
	txTime     time.Time // the transaction's start: now()
	settings   map[string]string
	// txSet is what the transaction block keeps of the settings
	// (txsettings.go).
	txSet txSettings
	// settingsShared and keepShared: settings and txSet.keep are also a
	// mark's, and are copied before they change (changeSettings, noteSet).
	settingsShared, keepShared bool
	// currval is the last value nextval gave each sequence in the
	// session; lastval the last of all.
	// prepared are the statements PREPARE made, by name (prepare.go).
	prepared map[string]*sqlPrepared
	// advisoryUsed: the session has taken advisory locks (advisory.go),
	// which its transactions' ends and its close give back.
	advisoryUsed bool
	// notices are the statement's notices, not yet taken (notice.go).
	notices []Notice
	// note is the session's LISTEN and NOTIFY (notify.go).
	note       notifyState
	currval    map[string]int64
	lastval    int64
	hasLastval bool
	// stmtGen counts the statements run; vcat is the catalog the one
	// numbered vcatGen loaded (vcatalog).
	stmtGen uint64
	vcat    *vtable.Catalog
	vcatGen uint64
	// vsrc is the source of the virtual tables the statement numbered
	// vsrcGen scans at the view vsrcView: its scans share the catalog it
	// loads once (vtableSource).
	vsrc     *vtable.Source
	vsrcView *engine.View
	vsrcGen  uint64
	// simple holds the statements ParseSimple lifted, bound, by lifted
	// text and constant types.
	simple map[string]*Stmt
	// settingsGen counts changes of settings, so that the reported ones are
	// compared only after a change.
	settingsGen uint64
	pid         int
	// pending is the commit of the last statement, not yet waited for
	// (DeferCommits).
	pending *engine.Commit
	// tctx is the settings values depend on (time zone ...), rebuilt when a
	// setting changes.
	tctx    *types.Context
	tctxGen uint64
	// cursors are the open cursors (DECLARE), by name; batches counts
	// the texts of several statements parsed (Stmt.batch).
	cursors map[string]*cursor
	batches uint64
	// cursorCount numbers the cursors declared (cursor.number);
	// savepoints are the transaction's, oldest first.
	cursorCount uint64
	savepoints  []savepoint
	// streams are the streamed query results begun in the transaction in
	// progress (see readAhead).
	streams    []*Result
	streamsTxn *engine.Txn
	// xact is the transaction's number, once txid_current asked for it.
	xact xactNumber
	// act is the session's row of pg_stat_activity, in the sessions of
	// its database from NewSession until Close.
	act *activity
}

// defaultSettings are the settings a session starts with.
var defaultSettings = map[string]string{
	"server_version":                builtins.ServerVersion,
	"server_encoding":               "UTF8",
	"client_encoding":               "UTF8",
	"datestyle":                     "ISO, MDY",
	"integer_datetimes":             "on",
	"standard_conforming_strings":   "on",
	"timezone":                      "UTC",
	"intervalstyle":                 "postgres",
	"application_name":              "",
	"is_superuser":                  "on",
	"default_transaction_isolation": "repeatable read",
	"transaction_isolation":         "repeatable read",
	"default_transaction_read_only": "off",
	"transaction_read_only":         "off",
	"search_path":                   `"$user", public`,
	"statement_timeout":             "0",
	"idle_session_timeout":          "0",
	"extra_float_digits":            "1",
	"driftdb.as_of":                 "",
	// PostgreSQL's preset limits, which drivers read (pgjdbc's
	// getImportedKeys reads max_index_keys from pg_settings).
	"max_index_keys":        "32",
	"max_identifier_length": "63",
}

// reported lists the settings sent with ParameterStatus, with the names
// clients expect.
var reported = map[string]string{
	"server_version":              "server_version",
	"server_encoding":             "server_encoding",
	"client_encoding":             "client_encoding",
	"datestyle":                   "DateStyle",
	"integer_datetimes":           "integer_datetimes",
	"standard_conforming_strings": "standard_conforming_strings",
	"timezone":                    "TimeZone",
	"intervalstyle":               "IntervalStyle",
	"application_name":            "application_name",
	"is_superuser":                "is_superuser",
	"session_authorization":       "session_authorization",
}

// NewSession starts a session on db.
func NewSession(db *engine.DB, opts Options) (*Session, error) {
	if opts.User == "" {
		opts.User = "driftdb"
	}
	if opts.Database == "" {
		opts.Database = "driftdb"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.PID == 0 {
		opts.PID = os.Getpid()
	}
	s := &Session{db: db, opts: opts, settings: map[string]string{}, pid: opts.PID}
	for k, v := range defaultSettings {
		s.settings[k] = v
	}
	s.settings["session_authorization"] = opts.User
	for k, v := range opts.Settings {
		if err := s.set(strings.ToLower(k), v); err != nil {
			return nil, err
		}
	}
	s.joinRegistry()
	return s, nil
}

// DB returns the session's database.
func (s *Session) DB() *engine.DB { return s.db }

// TxStatus is 'I' (idle), 'T' (in a transaction) or 'E' (in a failed one).
func (s *Session) TxStatus() byte {
	switch {
	case s.txn == nil:
		return 'I'
	case s.txFailed:
		return 'E'
	}
	return 'T'
}

// Parameters returns the settings reported to clients, by their reported
// names.
func (s *Session) Parameters() map[string]string {
	out := make(map[string]string, len(reported))
	for k, name := range reported {
		out[name] = s.settings[k]
	}
	return out
}

// SettingsGeneration changes whenever a setting may have changed.
func (s *Session) SettingsGeneration() uint64 { return s.settingsGen }

// Setting returns a setting's value. transaction_isolation and
// transaction_read_only are those of the transaction in progress, else the
// session's defaults.
func (s *Session) Setting(name string) (string, bool) {
	name = strings.ToLower(name)
	switch name {
	case "transaction_isolation":
		if s.txn != nil {
			return s.txn.Isolation().String(), true
		}
		name = "default_transaction_isolation"
	case "transaction_read_only":
		if s.txn != nil {
			return onOff(s.txReadOnly), true
		}
		name = "default_transaction_read_only"
	}
	v, ok := s.settings[name]
	return v, ok
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// TypesContext is the context values are read and written in: the
// protocol server formats rows and reads parameters in it.
func (s *Session) TypesContext() *types.Context {
	if s.tctx != nil && s.tctxGen == s.settingsGen {
		return s.tctx
	}
	c := types.DefaultContext()
	c.TimeZone = types.LookupZone(s.settings["timezone"])
	if c.TimeZone == nil {
		c.TimeZone = time.UTC
	}
	if n, err := strconv.Atoi(s.settings["extra_float_digits"]); err == nil {
		c.ExtraFloatDigits = n
	}
	c.Now = s.opts.Now
	c.RegLookup, c.RegName = s.regLookup, s.regName
	s.tctx, s.tctxGen = c, s.settingsGen
	return c
}

// isolationLevel reads an isolation level as SQL writes it. READ
// UNCOMMITTED and READ COMMITTED run as REPEATABLE READ, the weakest level
// DriftDB has (docs/ENGINE.md): a transaction reads one snapshot.
func isolationLevel(v string) (engine.Isolation, error) {
	if v != "serializable" && v != "read committed" && v != "repeatable read" && v != "read uncommitted" {
		v = strings.Join(strings.Fields(strings.ToLower(v)), " ") // as SET gave it
	}
	switch v {
	case "serializable":
		return engine.Serializable, nil
	case "repeatable read", "read committed", "read uncommitted":
		return engine.RepeatableRead, nil
	}
	return 0, pgcode.Newf(pgcode.InvalidParameterValue, "invalid value for parameter \"transaction_isolation\": %q", v)
}

// begin starts a transaction with the session's default modes.
func (s *Session) begin() error {
	iso, err := isolationLevel(s.settings["default_transaction_isolation"])
	if err != nil {
		return err
	}
	s.txn, s.txFailed, s.txRan = s.db.Begin(), false, false
	s.txn.SetIsolation(iso)
	s.txReadOnly = s.settings["default_transaction_read_only"] == "on"
	s.txTime = s.opts.Now()
	s.beginSettings()
	return nil
}

// txnMode is a transaction mode: an isolation level, or READ ONLY / READ
// WRITE.
type txnMode struct {
	isolation string // "" for an access mode
	readOnly  bool
}

// setTxnModes applies transaction modes: to the transaction in progress,
// which must not have run a statement yet, or (session) to the defaults.
func (s *Session) setTxnModes(modes []txnMode, session bool) error {
	for _, m := range modes {
		if m.isolation != "" {
			iso, err := isolationLevel(m.isolation)
			if err != nil {
				return err
			}
			if session || s.txn == nil {
				if session {
					s.changeSettings()["default_transaction_isolation"] = iso.String()
					s.noteSet("default_transaction_isolation")
				}
				continue
			}
			if s.txRan {
				return pgcode.New(pgcode.ActiveSQLTransaction, "SET TRANSACTION ISOLATION LEVEL must be called before any query")
			}
			if len(s.savepoints) > 0 && iso != s.txn.Isolation() {
				return pgcode.New(pgcode.ActiveSQLTransaction, "SET TRANSACTION ISOLATION LEVEL must not be called in a subtransaction")
			}
			s.txn.SetIsolation(iso)
			continue
		}
		if session || s.txn == nil {
			if session {
				s.changeSettings()["default_transaction_read_only"] = onOff(m.readOnly)
				s.noteSet("default_transaction_read_only")
			}
			continue
		}
		if !m.readOnly && s.txReadOnly && s.txRan {
			return pgcode.New(pgcode.ActiveSQLTransaction, "transaction read-write mode must be set before any query")
		}
		s.txReadOnly = m.readOnly
	}
	return nil
}

// Close rolls back an open transaction, and the session leaves
// pg_stat_activity.
func (s *Session) Close() error {
	defer s.releaseAdvisory(true)
	defer s.unlisten("")
	if s.act != nil {
		leave(s.db, s.act)
		s.act = nil
	}
	if cm := s.TakeCommit(); cm != nil {
		cm.Wait()
	}
	if s.txn != nil {
		s.txn.Rollback()
		s.txn = nil
	}
	s.closeCursors(func(*cursor) bool { return true })
	return nil
}

// finish ends a statement's commit: it waits for durability, or leaves the
// wait to the caller with DeferCommits.
func (s *Session) finish(cm *engine.Commit) error {
	if !s.opts.DeferCommits {
		_, err := cm.Wait()
		return err
	}
	if cm.Writes() {
		s.pending = cm
	}
	return nil
}

// TakeCommit returns the commit the last statement left to wait for, if
// any (see Options.DeferCommits). The statement must not be reported done
// before the commit's Wait returns nil.
func (s *Session) TakeCommit() *engine.Commit {
	cm := s.pending
	s.pending = nil
	return cm
}

// setScoped changes a setting by SET (local false) or SET LOCAL: see
// txsettings.go. SET LOCAL outside a transaction block changes nothing.
func (s *Session) setScoped(name, value string, local bool) error {
	if local && s.txn == nil {
		return nil
	}
	if err := s.set(name, value); err != nil {
		return err
	}
	if !local {
		s.noteSet(name)
	}
	return nil
}

// set changes a setting, checking the ones DriftDB gives meaning to.
func (s *Session) set(name, value string) error {
	switch name {
	case "driftdb.as_of":
		if strings.TrimSpace(value) != "" {
			if _, err := s.viewAtText(value); err != nil {
				return err
			}
		}
	case "server_version", "server_version_num", "server_encoding", "integer_datetimes", "is_superuser", "session_authorization":
		return pgcode.Newf(pgcode.CantChangeRuntimeParam, "parameter %q cannot be changed", name)
	case "max_index_keys", "max_identifier_length":
		return pgcode.Newf(pgcode.CantChangeRuntimeParam, "parameter %q cannot be changed", name)
	case "client_encoding":
		v := strings.ToUpper(strings.ReplaceAll(value, "-", ""))
		if v != "UTF8" && v != "UNICODE" {
			return pgcode.Newf(pgcode.FeatureNotSupported, "only UTF8 client encoding is supported, not %q", value)
		}
		value = "UTF8"
	case "statement_timeout", "idle_session_timeout":
		if _, err := parseDurationMs(value); err != nil {
			return pgcode.Newf(pgcode.InvalidParameterValue, "invalid value for parameter %q: %q", name, value)
		}
	case "timezone":
		if types.LookupZone(value) == nil {
			return pgcode.Newf(pgcode.InvalidParameterValue, "invalid value for parameter \"TimeZone\": %q", value)
		}
	case "extra_float_digits":
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil || n < -15 || n > 3 {
			return pgcode.Newf(pgcode.InvalidParameterValue, "invalid value for parameter \"extra_float_digits\": %q", value)
		}
	case "default_transaction_isolation", "transaction_isolation":
		iso, err := isolationLevel(value)
		if err != nil {
			return err
		}
		if name == "transaction_isolation" {
			// For the transaction in progress; outside one it changes
			// nothing, as in PostgreSQL.
			return s.setTxnModes([]txnMode{{isolation: iso.String()}}, false)
		}
		value = iso.String()
	case "default_transaction_read_only", "transaction_read_only":
		on, ok := parseBool(value)
		if !ok {
			return pgcode.Newf(pgcode.InvalidParameterValue, "parameter %q requires a Boolean value", name)
		}
		if name == "transaction_read_only" {
			return s.setTxnModes([]txnMode{{readOnly: on}}, false)
		}
		value = onOff(on)
	}
	s.changeSettings()[name] = value
	return nil
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "t", "true", "yes", "on", "1", "y":
		return true, true
	case "f", "false", "no", "off", "0", "n":
		return false, true
	}
	return false, false
}

// parseDurationMs reads a PostgreSQL duration setting: a number of
// milliseconds, or a number with a unit (ms, s, min, h).
func parseDurationMs(v string) (time.Duration, error) {
	v = strings.TrimSpace(strings.ToLower(v))
	units := []struct {
		suffix string
		d      time.Duration
	}{{"ms", time.Millisecond}, {"min", time.Minute}, {"s", time.Second}, {"h", time.Hour}}
	for _, u := range units {
		if strings.HasSuffix(v, u.suffix) {
			n, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), 64)
			if err != nil {
				return 0, err
			}
			return time.Duration(n * float64(u.d)), nil
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, err
	}
	return time.Duration(n) * time.Millisecond, nil
}

// StatementTimeout returns the statement_timeout setting (0: none).
func (s *Session) StatementTimeout() time.Duration {
	d, _ := parseDurationMs(s.settings["statement_timeout"])
	return d
}

// viewAtText resolves a time travel point written as text: "@seq:N", a
// bare N, or an RFC 3339 time.
func (s *Session) viewAtText(point string) (*engine.View, error) { return ViewAt(s.db, point) }

// ViewAt resolves a time travel point, "@seq:N" or an RFC 3339 time, to a
// view of db.
func ViewAt(db *engine.DB, point string) (*engine.View, error) {
	p := strings.TrimSpace(point)
	// "@seq:N", or N alone: no time is written as a bare integer.
	if digits, ok := strings.CutPrefix(p, "@seq:"); ok || isDigits(p) {
		n, err := strconv.ParseUint(strings.TrimSpace(digits), 10, 64)
		if err != nil {
			return nil, pgcode.Newf(pgcode.InvalidParameterValue, "invalid AS OF point %q: want \"@seq:N\" or an RFC 3339 time", point)
		}
		return db.ViewAt(n)
	}
	t, err := time.Parse(time.RFC3339Nano, p)
	if err != nil {
		if t, err = engine.ParseTimestamp(p); err != nil {
			return nil, pgcode.Newf(pgcode.InvalidParameterValue, "invalid AS OF point %q: want \"@seq:N\" or an RFC 3339 time", point)
		}
	}
	return db.ViewAtTime(t)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// viewAtPoint resolves an evaluated time travel point: a seq (an integer),
// a time, or text.
func (s *Session) viewAtPoint(p types.Datum) (*engine.View, error) {
	switch x := p.(type) {
	case int64:
		if x < 0 {
			return nil, pgcode.Newf(pgcode.InvalidParameterValue, "AS OF seq %d is negative", x)
		}
		return s.db.ViewAt(uint64(x))
	case string:
		return s.viewAtText(x)
	case types.DTimestampTZ:
		return s.db.ViewAtTime(x.Time())
	case types.DTimestamp:
		return s.db.ViewAtTime(x.Time())
	}
	return nil, pgcode.New(pgcode.InvalidParameterValue, "AS OF wants a seq, \"@seq:N\" or an RFC 3339 time")
}

// readView returns the view a table reference reads when it names no
// point of its own: the session's driftdb.as_of, else the transaction's
// view, else now.
func (s *Session) readView() (*engine.View, error) {
	if p := s.settings["driftdb.as_of"]; strings.TrimSpace(p) != "" {
		return s.viewAtText(p)
	}
	if s.txn != nil {
		return s.txn.View(), nil
	}
	return s.db.View(), nil
}

// settingNames lists every setting, sorted (SHOW ALL).
func (s *Session) settingNames() []string {
	names := make([]string, 0, len(s.settings))
	for k := range s.settings {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// writable reports why the session may not write now.
func (s *Session) writable() error {
	if s.txn != nil && s.txReadOnly {
		return pgcode.New(pgcode.ReadOnlySQLTransaction, "cannot write in a read-only transaction")
	}
	if p := strings.TrimSpace(s.settings["driftdb.as_of"]); p != "" {
		return pgcode.Newf(pgcode.ReadOnlySQLTransaction, "cannot write while driftdb.as_of is set (%s): the session reads the past; RESET driftdb.as_of to write", p)
	}
	if s.db.ReadOnly() {
		return pgcode.New(pgcode.ReadOnlySQLTransaction, "cannot write: the database is open read-only")
	}
	return nil
}

// Exec parses and runs every statement of text in order and returns their
// results, rows read in full; it stops at the first error. It is the
// command line's entry.
func (s *Session) Exec(ctx context.Context, text string, params ...types.Datum) ([]*Result, error) {
	s.StartStatement(text)
	defer s.EndStatement()
	stmts, err := s.Parse(text)
	if err != nil {
		return nil, err
	}
	var out []*Result
	for _, st := range stmts {
		r, err := st.Execute(ctx, params)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// fnSession is what builtins see of the session.
type fnSession struct{ s *Session }

func (f fnSession) User() string                       { return f.s.opts.User }
func (f fnSession) Database() string                   { return f.s.opts.Database }
func (f fnSession) Setting(name string) (string, bool) { return f.s.Setting(name) }
func (f fnSession) BackendPID() int                    { return f.s.pid }
func (f fnSession) SetSetting(name, value string, local bool) error {
	return f.s.setScoped(strings.ToLower(name), value, local)
}

// SignalBackend cancels the statement of the session with process id
// pid, or ends it (pg_cancel_backend, pg_terminate_backend).
func (f fnSession) SignalBackend(pid int, terminate bool) bool {
	return f.s.signalBackend(pid, terminate)
}

// BackendLive reports whether a session with process id pid is live.
func (f fnSession) BackendLive(pid int) bool { return f.s.backendLive(pid) }
