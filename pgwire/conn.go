package pgwire

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/driftdb/driftdb/driftql/exec"
	"github.com/driftdb/driftdb/engine"
)

// conn is one client connection.
type conn struct {
	srv    *Server
	nc     net.Conn
	be     *pgproto3.Backend
	log    *slog.Logger
	pid    uint32
	secret []byte
	sess   *exec.Session
	user   string
	tls    bool

	// running is the context of the statement in progress, stmt the last
	// statement's (stmtContext.next).
	mu        sync.Mutex
	running   *stmtContext
	stmt      *stmtContext
	cancelled bool // the running statement was cancelled by request
	busy      bool
	quit      bool // close once idle (shutdown)

	stmts   map[string]*prepared
	portals map[string]*portal
	params  map[string]string // last reported ParameterStatus values
	// paramsGen is the session's settings generation when params was
	// brought up to date (paramsSent: ever).
	paramsGen  uint64
	paramsSent bool
	// rowBuf, rowVals and rowEnds are sendRows' scratch space.
	rowBuf  []byte
	rowVals [][]byte
	rowEnds []int
	// Messages sent after every statement, reused (Send encodes them at
	// once), and the unnamed portal, which each Bind replaces.
	complete pgproto3.CommandComplete
	readyMsg pgproto3.ReadyForQuery
	dataRow  pgproto3.DataRow
	unnamed  portal

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
}

// wake makes the reader's wait for the next message return with a timeout.
func (c *conn) wake() {
	c.woken.Store(true)
	c.nc.SetReadDeadline(time.Now())
}

// sendComplete sends CommandComplete with tag.
func (c *conn) sendComplete(tag string) {
	c.complete.CommandTag = append(c.complete.CommandTag[:0], tag...)
	c.be.Send(&c.complete)
}

type prepared struct {
	stmt     *exec.Stmt // nil for an empty query
	params   []uint32
	cols     []exec.Column
	textDesc *pgproto3.RowDescription // cols in text format, once asked for
}

type portal struct {
	p       *prepared
	args    []any
	formats []int16
	res     *exec.Result
	next    int  // next row to send
	done    bool // CommandComplete sent
}

func (c *conn) cancelRunning() {
	c.mu.Lock()
	if c.running != nil {
		c.cancelled = true
		c.running.cancel()
	}
	c.mu.Unlock()
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
	for _, cm := range []*engine.Commit{c.inflight, c.pending} {
		if cm != nil {
			cm.Wait() // the client is gone: nobody to tell
		}
	}
	c.inflight, c.pending = nil, nil
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
					continue
				}
				if idle > 0 && time.Since(idleFrom) >= idle {
					c.fatal("57P05", "terminating connection due to idle-session timeout")
					return
				}
				c.nc.SetReadDeadline(time.Time{})
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
		if _, sync := msg.(*pgproto3.Sync); !sync && !c.settle(false) {
			skipToSync = true // the error is the last statement's
		}
		switch m := msg.(type) {
		case *pgproto3.Query:
			skipToSync = false
			c.simpleQuery(m.String)
			c.ready()
		case *pgproto3.Terminate:
			return
		case *pgproto3.Sync:
			skipToSync = false
			delete(c.portals, "")
			c.ready()
		case *pgproto3.Flush:
			c.be.Flush()
		default:
			if skipToSync {
				break
			}
			if err := c.extended(msg); err != nil {
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
	c.mu.Unlock()
}

// ready sends ReadyForQuery and flushes.
func (c *conn) ready() {
	c.sendReady()
	if !c.settle(true) {
		c.sendReady() // the first went with the reply the error replaced
	}
	c.flush()
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

// run executes a statement under the statement timeout and cancellation.
func (c *conn) run(st *exec.Stmt, args []any) (*exec.Result, error) {
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
	c.mu.Unlock()
	res, err := st.Execute(ctx, args)
	c.deferCommit()
	c.mu.Lock()
	c.running = nil
	cancelled := c.cancelled
	c.mu.Unlock()
	sc.cancel()
	if err != nil {
		switch {
		case cancelled && errors.Is(err, context.Canceled):
			err = &exec.Error{Code: "57014", Msg: "canceling statement due to user request"}
		case errors.Is(err, context.DeadlineExceeded):
			err = &exec.Error{Code: "57014", Msg: "canceling statement due to statement timeout"}
		}
	}
	return res, err
}

// simpleQuery runs every statement of a query string.
func (c *conn) simpleQuery(sql string) {
	stmts, args, err := c.sess.ParseSimple(sql)
	if err != nil {
		c.sendError(err)
		return
	}
	if len(stmts) == 0 {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
		return
	}
	for _, st := range stmts {
		if !c.settle(false) {
			return
		}
		res, err := c.run(st, args)
		if err != nil {
			c.sendError(err)
			return
		}
		if res.Notice != "" {
			c.be.Send(&pgproto3.NoticeResponse{Severity: "NOTICE", SeverityUnlocalized: "NOTICE", Code: "00000", Message: res.Notice})
		}
		if res.Columns != nil {
			c.be.Send(rowDescription(res.Columns, nil))
			if err := c.sendRows(res, 0, len(res.Rows), nil); err != nil {
				c.sendError(err)
				return
			}
		}
		c.sendComplete(res.Tag)
		c.sendParameterChanges()
	}
}

// rowDescription describes result columns in the given formats.
func rowDescription(cols []exec.Column, formats []int16) *pgproto3.RowDescription {
	rd := &pgproto3.RowDescription{Fields: make([]pgproto3.FieldDescription, len(cols))}
	for i, col := range cols {
		rd.Fields[i] = pgproto3.FieldDescription{
			Name:                 []byte(col.Name),
			TableAttributeNumber: uint16(col.Attr),
			DataTypeOID:          col.OID,
			DataTypeSize:         typeSize(col.OID),
			TypeModifier:         col.Typmod.Mod(),
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

// sendRows sends rows [from, to) of a result.
func (c *conn) sendRows(res *exec.Result, from, to int, formats []int16) error {
	// Send encodes a message at once, so one buffer serves every row.
	if c.rowBuf == nil {
		c.rowBuf = make([]byte, 0, 512) // never nil: an empty value is not NULL
	}
	buf, vals := c.rowBuf[:0], c.rowVals[:0]
	for _, row := range res.Rows[from:to] {
		buf, vals = buf[:0], vals[:0]
		ends := c.rowEnds[:0]
		for i, v := range row {
			if v == nil {
				ends = append(ends, -1)
				continue
			}
			oid := res.Columns[i].OID
			if formatFor(formats, i) == 1 {
				var err error
				if buf, err = encodeBinary(buf, v, oid); err != nil {
					return &exec.Error{Code: "22P03", Msg: fmt.Sprintf("column %q: %v", res.Columns[i].Name, err)}
				}
			} else {
				buf = encodeText(buf, v, oid)
			}
			ends = append(ends, len(buf))
		}
		start := 0
		for _, end := range ends {
			if end < 0 {
				vals = append(vals, nil)
				continue
			}
			vals = append(vals, buf[start:end:end])
			start = end
		}
		c.rowEnds = ends
		c.dataRow.Values = vals
		c.be.Send(&c.dataRow)
	}
	c.rowBuf, c.rowVals = buf, vals
	return nil
}

// sendError sends an ErrorResponse with the error's SQLSTATE, position,
// detail and hint.
func (c *conn) sendError(err error) {
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
