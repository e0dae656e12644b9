package pgwire

import (
	"cmp"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// conn is one client connection.
type conn struct {
	srv    *Server
	nc     net.Conn
	be     *pgproto3.Backend
	log    *slog.Logger
	pid    uint32
	secret []byte
	sess   *sql.Session
	user   string
	tls    bool

	// running is the context of the statement in progress, stmt the last
	// statement's (stmtContext.next).
	mu        sync.Mutex
	running   *stmtContext
	stmt      *stmtContext
	cancelled bool // the running statement was cancelled by request
	// cancelPending: a cancel came while the connection was busy with a
	// message but between statements; the next statement of that message
	// begins cancelled, as a cancel is never lost while a query runs.
	cancelPending bool
	copying       bool // a COPY FROM STDIN waits for the client's data
	busy          bool
	quit          bool // close once idle (shutdown)
	// terminated: pg_terminate_backend ends the connection; its running
	// statement is cancelled and the client told only why it closes.
	terminated bool

	stmts   map[string]*prepared
	portals map[string]*portal
	params  map[string]string // last reported ParameterStatus values
	// paramsGen is the session's settings generation when params was
	// brought up to date (paramsSent: ever).
	paramsGen  uint64
	paramsSent bool
	// batch gathers the messages of a reply whose rows stream (see
	// stream): while batching, the protocol backend writes into it too.
	// It is written to the socket when it reaches rowBatch, and what is
	// left goes out ahead of the next write. writing says that a batch is
	// being written for the running statement, whose cancel then
	// abandons the write.
	batch    []byte
	batching bool
	writing  bool
	// offloaded, when set, is closed when a parse the statement timeout
	// or a cancel left behind has finished with the session (offload).
	offloaded chan struct{}
	// Messages sent after every statement, reused (Send encodes them at
	// once), and the unnamed portal, which each Bind replaces.
	complete pgproto3.CommandComplete
	readyMsg pgproto3.ReadyForQuery
	unnamed  portal
	// deferred is the portal whose reply waits for the Sync because its
	// commit may run it again (pipeline.go).
	deferred *portal

	// The reply held while a commit is pending (durable.go): raw is the
	// socket for sendEarly, held the reply, mark where the committing
	// statement's part of it starts, sent how much sendEarly wrote.
	raw      syscall.RawConn
	pending  *engine.Commit // the last statement's, reply held
	inflight *engine.Commit // reply handed to sendEarly
	held     []byte
	mark     int
	sent     int
	onDone   func(durable bool)    // sendEarly, for Commit.OnDone
	writeRaw func(fd uintptr) bool // writeHeld, for raw.Write
	// attention is set by sendEarly when the reader must finish inflight.
	attention atomic.Bool
	// woken is set by another goroutine before it sets a read deadline to
	// wake the reader (wake): the reader clears the deadline after a
	// message only when one may have been set.
	woken atomic.Bool
	// notifying: the commit on its way has notifications to publish once
	// durable, which the connection's goroutine does (conclude): a reply
	// sent whole by sendEarly still wakes it.
	notifying atomic.Bool
}

// wake makes the reader's wait for the next message return with a timeout.
func (c *conn) wake() {
	c.woken.Store(true)
	c.nc.SetReadDeadline(time.Now())
}

// sendComplete sends CommandComplete with tag.
func (c *conn) sendComplete(tag string) {
	c.sendNotices() // those raised as the rows went
	c.complete.CommandTag = append(c.complete.CommandTag[:0], tag...)
	c.be.Send(&c.complete)
}

type prepared struct {
	stmt     *sql.Stmt // nil for an empty query
	text     string    // the query text, as the client sent it
	params   []*types.T
	oids     []uint32  // of params, for ParameterDescription
	at       time.Time // when Parse named it (pg_prepared_statements)
	cols     []sql.Column
	textDesc *pgproto3.RowDescription // cols in text format, once asked for
}

type portal struct {
	p       *prepared
	args    []types.Datum
	formats []int16
	// res is the statement's result once an Execute ran it; a streamed
	// one keeps its cursor open between Executes with a row limit.
	res       *sql.Result
	done      bool // CommandComplete sent
	suspended bool // an Execute's row limit stopped it before
}

// close releases what the portal's result holds.
func (pt *portal) close() {
	if pt != nil && pt.res != nil {
		pt.res.Close()
	}
}

// cancelRunning cancels the running statement; a write of its rows that
// the client does not take is abandoned (see writeBatch).
func (c *conn) cancelRunning() {
	c.mu.Lock()
	if c.running != nil {
		c.cancelled = true
		c.running.cancel()
		if c.writing {
			c.nc.SetWriteDeadline(time.Now())
		}
		if c.copying {
			c.nc.SetReadDeadline(time.Now())
		}
	} else if c.busy {
		c.cancelPending = true
	}
	c.mu.Unlock()
}

// terminate ends the connection for pg_terminate_backend: a running
// statement is cancelled, and the connection closes with 57P01 once it
// has stopped.
func (c *conn) terminate() {
	c.mu.Lock()
	c.quit, c.terminated = true, true
	busy := c.busy
	c.mu.Unlock()
	c.cancelRunning()
	if !busy {
		c.wake()
	}
}

// isTerminated reports whether pg_terminate_backend ended the connection.
func (c *conn) isTerminated() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.terminated
}

func (c *conn) closeWhenIdle() {
	c.mu.Lock()
	c.quit = true
	busy := c.busy
	c.mu.Unlock()
	if !busy {
		c.wake()
	}
}

func (c *conn) close() {
	c.waitOffloaded()
	for _, cm := range []*engine.Commit{c.inflight, c.pending} {
		if cm != nil {
			cm.Wait() // the client is gone: nobody to tell
		}
	}
	c.inflight, c.pending = nil, nil
	for _, pt := range c.portals {
		pt.close()
	}
	if c.sess != nil {
		c.sess.Close()
	}
	if c.pid != 0 {
		c.srv.unregister(c)
	}
	c.nc.Close()
}

// fatal sends a FATAL error; the connection closes after it.
func (c *conn) fatal(code, msg string) {
	c.settle(false)
	c.be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: code, Message: msg})
	c.be.Flush()
}

func (c *conn) serve() {
	c.be = pgproto3.NewBackend(c.nc, sink{c})
	c.be.SetMaxBodyLen(preAuthMaxBody)
	c.nc.SetDeadline(time.Now().Add(30 * time.Second)) // startup must not hang
	startup, err := c.startup()
	if err != nil || startup == nil {
		if err != nil && !errors.Is(err, io.EOF) {
			c.log.Debug("startup failed", "err", err)
		}
		return
	}
	if !c.srv.register(c) {
		c.fatal("53300", "sorry, too many clients already")
		return
	}
	if !c.authenticate(startup) {
		return
	}
	c.nc.SetDeadline(time.Time{})
	if c.raw = rawConn(c.nc); c.raw != nil {
		// Method values allocate: made once, not at every commit.
		c.onDone, c.writeRaw = c.sendEarly, c.writeHeld
	}
	c.be.SetMaxBodyLen(c.srv.cfg.MaxMessageSize)
	c.log = c.log.With("pid", c.pid, "user", c.user)
	c.log.Debug("session started")
	c.stmts = map[string]*prepared{}
	c.portals = map[string]*portal{}
	c.params = map[string]string{}
	c.sendParameterChanges()
	c.be.Send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: c.secret})
	c.ready()
	c.loop()
}

// startup reads SSLRequest/GSSENCRequest/CancelRequest until a
// StartupMessage, and checks the database and user.
func (c *conn) startup() (*pgproto3.StartupMessage, error) {
	for {
		msg, err := c.be.ReceiveStartupMessage()
		if err != nil {
			return nil, err
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest:
			if c.srv.cfg.TLS == nil || c.tls {
				if _, err := c.nc.Write([]byte{'N'}); err != nil {
					return nil, err
				}
				continue
			}
			if _, err := c.nc.Write([]byte{'S'}); err != nil {
				return nil, err
			}
			tc := tls.Server(c.nc, c.srv.cfg.TLS)
			if err := tc.Handshake(); err != nil {
				return nil, fmt.Errorf("tls handshake: %w", err)
			}
			c.nc, c.tls = tc, true
			c.be = pgproto3.NewBackend(tc, sink{c}) // writes go to c.nc, now tc
			c.be.SetMaxBodyLen(preAuthMaxBody)
		case *pgproto3.GSSEncRequest:
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return nil, err
			}
		case *pgproto3.CancelRequest:
			c.srv.cancel(m.ProcessID, m.SecretKey)
			return nil, nil
		case *pgproto3.StartupMessage:
			if m.ProtocolVersion != pgproto3.ProtocolVersion30 {
				c.fatal("0A000", fmt.Sprintf("unsupported frontend protocol %d.%d: server supports 3.0",
					m.ProtocolVersion>>16, m.ProtocolVersion&0xffff))
				return nil, nil
			}
			for k, v := range m.Parameters {
				if err := cmp.Or(checkUTF8(k), checkUTF8(v)); err != nil {
					c.fatal(string(pgcode.CharacterNotInRepertoire), err.Error())
					return nil, nil
				}
			}
			c.user = m.Parameters["user"]
			if c.user == "" {
				c.fatal("28000", "no PostgreSQL user name specified in startup packet")
				return nil, nil
			}
			db := m.Parameters["database"]
			if db == "" {
				db = c.user
			}
			if db != c.srv.cfg.Database {
				c.fatal("3D000", fmt.Sprintf("database %q does not exist", db))
				return nil, nil
			}
			return m, nil
		default:
			return nil, fmt.Errorf("unexpected startup message %T", msg)
		}
	}
}

// loop reads messages until Terminate or the connection ends.
func (c *conn) loop() {
	skipToSync := false
	for {
		c.mu.Lock()
		quit := c.quit
		c.mu.Unlock()
		if quit {
			c.fatal("57P01", "terminating connection due to administrator command")
			return
		}
		var idleFrom time.Time
		idle := c.srv.cfg.IdleSessionTimeout
		if idle > 0 {
			idleFrom = time.Now()
			c.nc.SetReadDeadline(idleFrom.Add(idle))
		}
		if c.attention.Load() { // its wake-up may predate the deadline just set
			c.finish()
		}
		msg, err := c.be.Receive()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				c.mu.Lock()
				quit := c.quit
				c.mu.Unlock()
				if quit {
					continue
				}
				// A commit's reply to finish, or a wake-up for one that
				// finished since: the session is not idle.
				if c.attention.Load() {
					c.nc.SetReadDeadline(time.Time{})
					c.finish()
					c.deliverNotifications(true)
					continue
				}
				if idle > 0 && time.Since(idleFrom) >= idle {
					c.fatal("57P05", "terminating connection due to idle-session timeout")
					return
				}
				c.nc.SetReadDeadline(time.Time{})
				c.deliverNotifications(true) // what woke an idle session
				continue
			}
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				// A malformed or oversized message: tell the client if we
				// can, then close this connection only.
				c.fatal("08P01", "invalid message: "+err.Error())
			}
			return
		}
		// A deadline set by wake after this point is left for the next
		// read to trip over: the timeout path above handles it.
		if c.woken.Swap(false) || idle > 0 {
			c.nc.SetReadDeadline(time.Time{})
		}
		c.setBusy(true)
		switch msg.(type) {
		case *pgproto3.Sync, *pgproto3.Terminate:
		default:
			if !c.replyDeferred() || !c.settle(false) {
				skipToSync = true // the error is the last statement's
			}
		}
		switch m := msg.(type) {
		case *pgproto3.Query:
			if skipToSync {
				break // as PostgreSQL does, until the Sync
			}
			c.waitOffloaded()
			c.endPipeline() // a simple query ends it, as a Sync does
			c.simpleQuery(m.String)
			c.ready()
		case *pgproto3.Terminate:
			return
		case *pgproto3.Sync:
			skipToSync = false
			c.endPipeline()
			c.portals[""].close()
			delete(c.portals, "")
			c.ready()
		case *pgproto3.Flush:
			c.be.Flush()
		case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
			// The rest of a COPY that failed: dropped, as PostgreSQL does.
		default:
			if skipToSync {
				break
			}
			c.waitOffloaded()
			if err := c.extended(msg); err != nil {
				c.sess.Fail()
				c.sendError(err)
				skipToSync = true
			}
		}
		c.setBusy(false)
	}
}

func (c *conn) setBusy(b bool) {
	c.mu.Lock()
	c.busy = b
	c.cancelPending = false
	c.mu.Unlock()
}

// ready sends ReadyForQuery and flushes; the session is idle from now
// on. A connection pg_terminate_backend ended sends none: it closes.
func (c *conn) ready() {
	c.sess.EndStatement()
	if len(c.portals) > 0 && c.sess.TxStatus() == 'I' {
		// A portal lives as long as its transaction, as PostgreSQL's.
		for name, pt := range c.portals {
			pt.close()
			delete(c.portals, name)
		}
	}
	if c.isTerminated() {
		c.settle(false)
		return
	}
	c.deliverNotifications(false)
	c.sendReady()
	c.notifying.Store(c.sess.Notifying())
	if !c.settle(true) {
		c.sendReady() // the first went with the reply the error replaced
	}
	if c.inflight == nil {
		// No commit waits to be durable: what the statement notified
		// goes out now (a commit's goes in conclude).
		c.sess.PublishNotifications()
	}
	c.deliverNotifications(false) // those that came while a reply was held
	c.flush()
}

// deliverNotifications sends the notifications the session received,
// when it is in no transaction and no commit's reply is on its way (as
// PostgreSQL sends them between transactions); with flush, at once.
func (c *conn) deliverNotifications(flush bool) {
	if c.inflight != nil || c.pending != nil || c.sess.TxStatus() != 'I' {
		return
	}
	ns := c.sess.TakeNotifications()
	if len(ns) == 0 {
		return
	}
	for _, n := range ns {
		c.be.Send(&pgproto3.NotificationResponse{PID: uint32(n.PID), Channel: n.Channel, Payload: n.Payload})
	}
	if flush {
		c.flush()
	}
}

// sendReady queues ReadyForQuery with the session's transaction status.
func (c *conn) sendReady() {
	c.readyMsg.TxStatus = c.sess.TxStatus()
	c.be.Send(&c.readyMsg)
}

// flush sends what is queued; a connection that cannot take it is closed.
func (c *conn) flush() {
	if err := c.be.Flush(); err != nil {
		c.nc.Close()
	}
}

// sendParameterChanges reports settings that changed since last time.
func (c *conn) sendParameterChanges() {
	gen := c.sess.SettingsGeneration()
	if c.paramsSent && gen == c.paramsGen {
		return
	}
	c.paramsGen, c.paramsSent = gen, true
	for k, v := range c.sess.Parameters() {
		if old, ok := c.params[k]; !ok || old != v {
			c.be.Send(&pgproto3.ParameterStatus{Name: k, Value: v})
			c.params[k] = v
		}
	}
}

// begin starts a statement's run under the statement timeout and
// cancellation, and returns its context. The statement runs until end:
// that covers the rows its reply streams, not only its execution.
func (c *conn) begin() context.Context {
	sc := c.stmt.next()
	c.stmt = sc
	var ctx context.Context = sc
	timeout := c.srv.cfg.StatementTimeout
	if t := c.sess.StatementTimeout(); t > 0 {
		timeout = t
	}
	if timeout > 0 {
		ctx = sc.withTimeout(timeout)
	}
	c.mu.Lock()
	c.running, c.cancelled = sc, false
	if c.cancelPending || c.terminated {
		c.cancelPending, c.cancelled = false, true
		sc.cancel()
	}
	c.mu.Unlock()
	return ctx
}

// end ends the statement begun last. An error it failed with because it
// was cancelled or ran out of time becomes 57014.
func (c *conn) end(err error) error {
	c.mu.Lock()
	c.running = nil
	cancelled := c.cancelled
	c.mu.Unlock()
	c.stmt.cancel()
	if err != nil {
		switch {
		case cancelled && errors.Is(err, context.Canceled):
			err = pgcode.New(pgcode.QueryCanceled, "canceling statement due to user request")
		case errors.Is(err, context.DeadlineExceeded):
			err = pgcode.New(pgcode.QueryCanceled, "canceling statement due to statement timeout")
		}
	}
	return err
}

// run executes a statement; its rows, if it streams them, are still to
// be sent under ctx, before end.
func (c *conn) run(ctx context.Context, st *sql.Stmt, args []types.Datum) (*sql.Result, error) {
	res, err := st.Stream(ctx, args)
	c.deferCommit()
	return res, err
}

// simpleQuery runs every statement of a query string.
func (c *conn) simpleQuery(text string) {
	if err := checkUTF8(text); err != nil {
		c.sendError(err)
		return
	}
	c.sess.StartStatement(text)
	stmts, args, err := c.parseSimple(text)
	if err != nil {
		c.sendError(err)
		return
	}
	if len(stmts) == 0 {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
		return
	}
	// Several statements run in one implicit transaction block, as
	// PostgreSQL runs them: an error rolls back those before it (after a
	// COMMIT among them, those since), and the block commits after the
	// last (sql.Session.BeginImplicit).
	implicit := len(stmts) > 1
	for _, st := range stmts {
		if !c.settle(false) {
			c.endImplicit(implicit, false)
			return
		}
		ctx := c.begin()
		var res *sql.Result
		var err error
		if implicit {
			err = c.sess.BeginImplicit()
		}
		if err == nil {
			res, err = c.run(ctx, st, args)
		}
		if err == nil {
			err = c.reply(ctx, res)
		}
		if err = c.end(err); err != nil {
			c.endImplicit(implicit, false)
			c.sendError(err)
			return
		}
		c.sendParameterChanges()
	}
	if err := c.endImplicit(implicit, true); err != nil {
		c.sendError(err)
	}
}

// sendNotices sends the notices and warnings the session queued (a
// statement's, as it ran), in their order.
func (c *conn) sendNotices() {
	for _, n := range c.sess.TakeNotices() {
		code := string(n.Code)
		if code == "" {
			code = "00000"
		}
		sev := n.Severity()
		c.be.Send(&pgproto3.NoticeResponse{Severity: sev, SeverityUnlocalized: sev, Code: code, Message: n.Message})
	}
}

// endImplicit ends the implicit block of a query string's statements
// (when there were several: implicit), if one is still open: commits it
// (commit), its reply then held until the commit is durable as a
// statement's is, or rolls it back. A query of one statement takes no
// statement context for it.
func (c *conn) endImplicit(implicit, commit bool) error {
	if !implicit {
		return nil
	}
	ctx := c.begin()
	err := c.sess.EndImplicit(ctx, commit)
	c.deferCommit()
	return c.end(err)
}

// parseSimple parses a query string under the statement timeout and
// cancellation.
func (c *conn) parseSimple(text string) (stmts []*sql.Stmt, args []types.Datum, err error) {
	if len(text) <= parseInline {
		return c.sess.ParseSimple(text)
	}
	ctx := c.begin()
	err = c.offload(ctx, len(text), func() (err error) {
		stmts, args, err = c.sess.ParseSimple(text)
		return err
	})
	return stmts, args, c.end(err)
}

// parseInline is the longest statement text parsed on the connection's
// own goroutine: it parses in well under a millisecond. The parser cannot
// be interrupted, so a longer one is parsed on a goroutine of its own,
// which the statement timeout or a cancel leaves behind (see offload).
const parseInline = 4 << 10

// offload runs fn, which parses statement text of size bytes with the
// session, until it returns or ctx ends. A long text is parsed on a
// goroutine of its own: when ctx ends first, offload returns ctx's error
// at once and leaves fn to finish, and the connection uses its session
// again only once fn has returned (waitOffloaded). A connection thus has
// at most one parse running, answered or not.
func (c *conn) offload(ctx context.Context, size int, fn func() error) error {
	if size <= parseInline {
		if err := fn(); err != nil {
			return err
		}
		return ctx.Err()
	}
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				c.log.Error("parse panicked", "panic", fmt.Sprint(r))
				err = pgcode.Newf(pgcode.InternalError, "internal error: %v", r)
			}
		}()
		err = fn()
	}()
	select {
	case <-done:
		if err != nil {
			return err
		}
		return ctx.Err()
	case <-ctx.Done():
		c.offloaded = done
		return ctx.Err()
	}
}

// waitOffloaded waits for a parse the connection left running.
func (c *conn) waitOffloaded() {
	if c.offloaded != nil {
		<-c.offloaded
		c.offloaded = nil
	}
}

// reply sends a simple-protocol statement's result: its notice, its rows
// and its CommandComplete.
func (c *conn) reply(ctx context.Context, res *sql.Result) error {
	c.sendNotices()
	switch {
	case res.CopyIn != nil:
		done, err := c.copyIn(ctx, res.CopyIn)
		if err != nil {
			return err
		}
		res = done
	case res.CopyOut != nil:
		if err := c.copyOut(ctx, res); err != nil {
			return err
		}
	case res.Columns != nil:
		var formats []int16
		if res.Binary {
			formats = binaryFormat
		}
		c.be.Send(rowDescription(res.Columns, formats))
		if _, _, err := c.stream(ctx, res, 0, formats); err != nil {
			return err
		}
	}
	c.sendComplete(res.Tag)
	return nil
}

// binaryFormat is the result formats of rows all in binary (FETCH from
// a BINARY cursor).
var binaryFormat = []int16{1}

// rowDescription describes result columns in the given formats.
func rowDescription(cols []sql.Column, formats []int16) *pgproto3.RowDescription {
	rd := &pgproto3.RowDescription{Fields: make([]pgproto3.FieldDescription, len(cols))}
	for i, col := range cols {
		rd.Fields[i] = pgproto3.FieldDescription{
			Name:                 []byte(col.Name),
			TableOID:             col.TableOid,
			TableAttributeNumber: uint16(col.Attr),
			DataTypeOID:          col.Type.Oid,
			DataTypeSize:         typeSize(col.Type),
			TypeModifier:         col.Type.Mod,
			Format:               formatFor(formats, i),
		}
	}
	return rd
}

// formatFor returns a column's format from Bind's result format codes:
// none means text, one applies to all, else one per column.
func formatFor(formats []int16, i int) int16 {
	switch len(formats) {
	case 0:
		return 0
	case 1:
		return formats[0]
	}
	if i < len(formats) {
		return formats[i]
	}
	return 0
}

// rowBatch is how many bytes of DataRow messages a reply gathers before
// it writes them to the socket. A connection holds at most one batch and
// one row of a result, however many rows it has: a client that does not
// read holds up its own statement, not the server's memory.
const rowBatch = 64 << 10

// stream sends up to max rows of a result (all when max is 0) as
// DataRows, in batches of about rowBatch bytes, each written as soon as it
// is full. It returns how many rows it sent and whether the result has
// more. The result is closed when it fails.
func (c *conn) stream(ctx context.Context, res *sql.Result, max int, formats []int16) (int, bool, error) {
	if c.pending != nil {
		// The reply is held for a commit (a write's RETURNING rows, which
		// are materialized anyway): it goes to the held reply as it is.
		return c.streamHeld(ctx, res, max, formats)
	}
	c.batching = true
	defer func() { c.batching = false }()
	c.be.Flush() // the messages before the rows, into the batch
	n := 0
	for max <= 0 || n < max {
		row, err := res.Next(ctx)
		if err != nil {
			return n, false, err
		}
		if row == nil {
			return n, false, nil
		}
		if c.batch, err = appendDataRow(c.batch, row, res.Columns, formats, c.sess.TypesContext()); err != nil {
			res.Close()
			return n, false, err
		}
		n++
		if len(c.batch) >= rowBatch {
			if err := c.writeBatch(ctx); err != nil {
				res.Close()
				return n, false, err
			}
		}
	}
	return n, true, nil
}

// streamHeld is stream for a reply held for a commit: the rows go through
// the protocol backend into the held reply.
func (c *conn) streamHeld(ctx context.Context, res *sql.Result, max int, formats []int16) (int, bool, error) {
	n := 0
	for max <= 0 || n < max {
		row, err := res.Next(ctx)
		if err != nil || row == nil {
			return n, false, err
		}
		if c.batch, err = appendDataRow(c.batch[:0], row, res.Columns, formats, c.sess.TypesContext()); err != nil {
			res.Close()
			return n, false, err
		}
		c.be.Send(rawMessages(c.batch))
		c.batch = c.batch[:0]
		n++
	}
	return n, true, nil
}

// rawMessages are messages already encoded, for the protocol backend to
// send as they are.
type rawMessages []byte

func (rawMessages) Backend()                            {}
func (rawMessages) Decode([]byte) error                 { return errors.New("pgwire: raw messages are only sent") }
func (m rawMessages) Encode(dst []byte) ([]byte, error) { return append(dst, m...), nil }

// errAbandoned reports a reply the connection stopped writing in the
// middle of a message: the connection is closed.
var errAbandoned = errors.New("pgwire: reply abandoned")

// writeBatch writes the batched messages to the socket. A cancel or the
// statement timeout abandons the write: before any of the batch was
// written, the statement fails as usual (57014); after, the protocol
// stream cannot be resumed in the middle of a message, and the connection
// is closed.
func (c *conn) writeBatch(ctx context.Context) error {
	deadline, _ := ctx.Deadline()
	c.mu.Lock()
	if err := ctx.Err(); err != nil {
		c.mu.Unlock()
		c.batch = c.batch[:0]
		return err
	}
	c.writing = true
	c.nc.SetWriteDeadline(deadline)
	c.mu.Unlock()
	n, err := c.nc.Write(c.batch)
	c.mu.Lock()
	c.writing = false
	c.nc.SetWriteDeadline(time.Time{})
	c.mu.Unlock()
	size := len(c.batch)
	c.batch = c.batch[:0]
	if cap(c.batch) > 4*rowBatch {
		c.batch = nil // a huge row: do not keep its buffer
	}
	if err == nil {
		return nil
	}
	cause := ctx.Err()
	if cause == nil && errors.Is(err, os.ErrDeadlineExceeded) {
		cause = context.DeadlineExceeded // the timer of ctx is about to fire
	}
	if n == 0 && !c.tls && cause != nil {
		return cause // the batch was not started: the stream is whole
	}
	if cause != nil {
		c.log.Warn("closing the connection: its statement ended while the client was not reading its rows, in the middle of a message",
			"written", n, "batch", size, "reason", cause.Error())
	}
	c.nc.Close()
	return errAbandoned
}

// appendDataRow appends a DataRow message of row, its values encoded in
// the given formats.
func appendDataRow(b []byte, row []types.Datum, cols []sql.Column, formats []int16, tc *types.Context) ([]byte, error) {
	start := len(b)
	b = append(b, 'D', 0, 0, 0, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(len(row)))
	for i, v := range row {
		if v == nil {
			b = binary.BigEndian.AppendUint32(b, math.MaxUint32) // -1: NULL
			continue
		}
		at := len(b)
		b = append(b, 0, 0, 0, 0)
		nb, err := appendValue(b, v, &cols[i], formatFor(formats, i), tc)
		if err != nil {
			return b[:start], err
		}
		b = nb
		binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	}
	binary.BigEndian.PutUint32(b[start+1:], uint32(len(b)-start-1))
	return b, nil
}

// sendError sends an ErrorResponse with the error's SQLSTATE, position,
// detail and hint.
func (c *conn) sendError(err error) {
	if c.isTerminated() {
		return // the FATAL error that closes the connection says why
	}
	c.sendNotices() // raised before the error
	c.be.Send(errorResponse(err))
}

func errorResponse(err error) *pgproto3.ErrorResponse {
	e := &pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: ErrorCode(err), Message: err.Error()}
	var pe interface{ ErrorPosition() int }
	if errors.As(err, &pe) {
		e.Position = int32(pe.ErrorPosition())
	}
	var he interface{ HintText() string }
	if errors.As(err, &he) {
		e.Hint = he.HintText()
	}
	var de interface{ DetailText() string }
	if errors.As(err, &de) {
		e.Detail = de.DetailText()
	}
	var we interface{ WhereText() string }
	if errors.As(err, &we) {
		e.Where = we.WhereText()
	}
	// A constraint's violation names the table and the constraint, as
	// PostgreSQL's does; every table is in schema public.
	var te interface{ TableName() string }
	if errors.As(err, &te) && te.TableName() != "" {
		e.SchemaName, e.TableName = "public", te.TableName()
	}
	var ce interface{ ConstraintName() string }
	if errors.As(err, &ce) {
		e.ConstraintName = ce.ConstraintName()
	}
	return e
}

// ErrorCode finds the SQLSTATE of an error: the first code in its chain, or
// XX000 (internal_error).
func ErrorCode(err error) string {
	var coded interface{ SQLState() string }
	if errors.As(err, &coded) {
		return coded.SQLState()
	}
	return "XX000"
}
