package sql

import (
	"context"
	"math"
	"sort"
	"strconv"
	"time"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/exec"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
	"github.com/driftdb/driftdb/sql/vtable"
)

// SQL cursors: DECLARE, FETCH, MOVE and CLOSE.
//
// A cursor's query reads one view, taken at DECLARE: the transaction's
// (its snapshot and the writes it made before), or the database's now
// outside a transaction block. Its rows come from the executor as FETCH
// asks for them, and are kept only where they must be:
//
//   - a SCROLL cursor keeps the rows it has read, to go back over them;
//   - a cursor declared with neither SCROLL nor NO SCROLL (nor FOR
//     UPDATE) goes back by running its query again from the start on the
//     same view, which gives the same rows (PostgreSQL too runs a query
//     again to go back, volatile functions included);
//   - a cursor whose transaction writes again reads its rows first (the
//     rest, or all of them for one that goes back by running again), so
//     that it does not see writes made after it was declared.
//
// A WITH HOLD cursor goes on reading its view after its transaction
// commits: views are immutable, so the rows stay what they were at
// DECLARE without being copied.
//
// Positions follow PostgreSQL's portals: pos counts the rows up to the
// current one (1-based; 0 before the first), atStart and atEnd say that
// the cursor stands before the first row or after the last.

// fetchAll is the count of FETCH ALL (the grammar's FETCH_ALL, LONG_MAX).
const fetchAll = math.MaxInt64

// Cursor options as the grammar sets them (CURSOR_OPT_*).
const (
	cursorBinary   = 0x0001
	cursorScroll   = 0x0002
	cursorNoScroll = 0x0004
	cursorHold     = 0x0020
)

// cursor is an open cursor of a session.
type cursor struct {
	name   string
	sql    string // the DECLARE statement, for pg_cursors
	cols   []Column
	binary bool
	// scroll: the cursor may go back; buffered: by the rows it keeps
	// (else by running its query again).
	scroll   bool
	buffered bool
	hold     bool
	created  time.Time
	// number orders the cursors by their DECLARE (see
	// Session.cursorCount).
	number uint64
	// txn is the transaction the cursor was declared in, until it commits
	// (nil: declared outside a transaction block, or held past its
	// transaction's commit).
	txn *engine.Txn

	op      exec.Operator
	env     *exec.Env
	plan    plan.Node
	ranTo   int64 // the rows op has given (but buffered ones)
	drained bool  // op has returned its last row, or err (and is closed)
	err     error // the error that ended the rows read ahead (see freeze)
	failed  bool  // a FETCH or MOVE failed: only CLOSE is left
	// rows, for a buffered cursor, are the rows read so far: row n is
	// rows[n-1]. queue, for another, are rows read ahead of the client
	// (see freeze).
	rows  [][]types.Datum
	queue [][]types.Datum

	pos     int64
	atStart bool
	atEnd   bool
	// batch, for a cursor declared outside a transaction block in a text
	// of several statements, is that text's number (see endBatchCursors).
	batch uint64
	// table is the table a cursor WHERE CURRENT OF can name scans, keyCol
	// the column of its rows that holds the table's key (-1: none), and
	// key the key of the last row returned.
	table  string
	keyCol int
	key    types.Datum
}

// pull returns the query's next row: one read ahead, else the
// executor's; nil after the last.
func (c *cursor) pull() ([]types.Datum, error) {
	if len(c.queue) > 0 {
		row := c.queue[0]
		c.queue[0] = nil
		c.queue = c.queue[1:]
		return row, nil
	}
	return c.read()
}

// read reads the query's next row from the executor: nil after the last.
func (c *cursor) read() ([]types.Datum, error) {
	if c.drained {
		return nil, c.err
	}
	c.env.Fn.Ctx = c.env.Ctx
	row, err := c.op.Next()
	if err != nil {
		return nil, err
	}
	if row == nil {
		c.drained = true
		c.op.Close()
	}
	return row, nil
}

// forwardRow returns row pos+1, or nil past the last.
func (c *cursor) forwardRow() ([]types.Datum, error) {
	if !c.buffered {
		if err := c.seek(c.pos); err != nil {
			return nil, err
		}
		row, err := c.pull()
		if row != nil {
			c.ranTo++
		}
		return row, err
	}
	if c.pos < int64(len(c.rows)) {
		return c.rows[c.pos], nil
	}
	row, err := c.pull()
	if row == nil || err != nil {
		return nil, err
	}
	row = append([]types.Datum(nil), row...)
	c.rows = append(c.rows, row)
	return row, nil
}

// seek makes the executor's next row row n+1, running the query again
// from the start if it has gone past it.
func (c *cursor) seek(n int64) error {
	if c.ranTo == n {
		return nil
	}
	if c.ranTo > n {
		if len(c.queue) > 0 {
			return errNoScroll() // not reached: such a cursor goes only forward
		}
		c.op.Close()
		op, err := exec.Start(c.env, c.plan)
		if err != nil {
			c.drained = true
			return err
		}
		c.op, c.drained, c.err, c.ranTo = op, false, nil, 0
	}
	for c.ranTo < n {
		row, err := c.pull()
		if err != nil || row == nil {
			return err
		}
		c.ranTo++
	}
	return nil
}

// freeze reads the cursor's rows, so that writes its transaction is
// about to make do not show in them: the rest of them, or all of them
// for a cursor that would run its query again to go back, which keeps
// them from then on. An error of the query is kept for the FETCH that
// reaches it.
func (c *cursor) freeze(ctx context.Context) {
	c.env.Ctx = ctx
	if c.scroll && !c.buffered {
		if err := c.seek(0); err != nil {
			c.err, c.drained = err, true
			return
		}
		c.buffered = true
	}
	for {
		row, err := c.read()
		if err != nil {
			c.err, c.drained = err, true
			c.op.Close()
			return
		}
		if row == nil {
			return
		}
		row = append([]types.Datum(nil), row...)
		if c.buffered {
			c.rows = append(c.rows, row)
		} else {
			c.queue = append(c.queue, row)
		}
	}
}

// close releases the cursor's executor.
func (c *cursor) close() {
	if !c.drained {
		c.drained = true
		c.op.Close()
	}
	c.rows, c.queue = nil, nil
}

// errNoScroll is the error of a backward move of a NO SCROLL cursor.
func errNoScroll() error {
	return pgcode.New(pgcode.ObjectNotInPrerequisiteState, "cursor can only scan forward").
		WithHint("Declare it with SCROLL option to enable backward scan.")
}

// rewind goes back before the first row.
func (c *cursor) rewind() error {
	if c.atStart && !c.atEnd {
		return nil // not moved yet
	}
	if !c.scroll {
		return errNoScroll()
	}
	c.pos, c.atStart, c.atEnd = 0, true, false
	return nil
}

// step is one run of a cursor in one direction, of count rows (fetchAll:
// to the end), its rows taken one at a time.
type step struct {
	c       *cursor
	forward bool
	count   int64
	moving  bool
	n       int64
	// back, going back in a cursor that runs its query again, are the
	// rows the run returns: rows lo and on.
	back [][]types.Datum
	lo   int64
	// out: the run found no more rows; ended: end was called.
	out   bool
	ended bool
}

// start begins a run, as PostgreSQL's PortalRunSelect does: a run that
// cannot move (count 0, or at the end it goes to) returns no rows.
func (c *cursor) start(forward bool, count int64) (*step, error) {
	r := &step{c: c, forward: forward, count: count}
	if forward {
		r.moving = !c.atEnd && count > 0
		return r, nil
	}
	if !c.scroll {
		return nil, errNoScroll()
	}
	r.moving = !c.atStart && count > 0
	if r.moving && !c.buffered {
		if err := r.readBack(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// readBack reads the rows a run back in a cursor that runs its query
// again returns, by running it up to them.
func (r *step) readBack() error {
	c := r.c
	hi := c.pos
	if !c.atEnd {
		hi--
	}
	r.lo = 1
	if r.count != fetchAll && hi-r.count+1 > 1 {
		r.lo = hi - r.count + 1
	}
	if hi < r.lo {
		return nil
	}
	if err := c.seek(r.lo - 1); err != nil {
		return err
	}
	for i := r.lo; i <= hi; i++ {
		row, err := c.pull()
		if err != nil {
			return err
		}
		if row == nil {
			break
		}
		c.ranTo++
		r.back = append(r.back, append([]types.Datum(nil), row...))
	}
	return nil
}

// next returns the run's next row, or nil at its end.
func (r *step) next() ([]types.Datum, error) {
	c := r.c
	if !r.moving || r.ended || (r.count != fetchAll && r.n >= r.count) {
		return nil, nil
	}
	if r.forward {
		row, err := c.forwardRow()
		if row == nil || err != nil {
			r.out = err == nil
			return nil, err
		}
		c.pos++
		c.atStart = false
		r.n++
		c.noteKey(row)
		return row, nil
	}
	prev := c.pos
	if !c.atEnd {
		prev--
	}
	if prev < 1 {
		r.out = true
		return nil, nil
	}
	var row []types.Datum
	if c.buffered {
		row = c.rows[prev-1]
	} else if i := prev - r.lo; i >= 0 && i < int64(len(r.back)) {
		row = r.back[i]
	} else {
		r.out = true
		return nil, nil
	}
	c.atEnd, c.pos = false, prev
	r.n++
	c.noteKey(row)
	return row, nil
}

// noteKey keeps the key of the row the cursor moved onto.
func (c *cursor) noteKey(row []types.Datum) {
	if c.keyCol >= 0 {
		c.key = row[c.keyCol]
	}
}

// end ends the run: a run that ran out of rows leaves the cursor at the
// end it went to. One that its caller stopped early leaves it on the
// last row it returned.
func (r *step) end() {
	if r.ended {
		return
	}
	r.ended = true
	if !r.out {
		return
	}
	c := r.c
	if r.forward {
		c.atEnd = true
	} else {
		c.atStart, c.pos = true, 0
	}
}

// skip runs a run without returning its rows, and counts them.
func (c *cursor) skip(forward bool, count int64) (int64, error) {
	r, err := c.start(forward, count)
	if err != nil {
		return 0, err
	}
	defer r.end()
	for {
		row, err := r.next()
		if err != nil {
			return r.n, err
		}
		if row == nil {
			return r.n, nil
		}
	}
}

// position makes the moves a FETCH or MOVE makes before its last run,
// and returns that run's direction and count. A MOVE that needs no last
// run has its answer in done.
func (c *cursor) position(dir pg.FetchDirection, count int64, move bool) (forward bool, n int64, done *int64, err error) {
	some := func(v int64) (bool, int64, *int64, error) { return false, 0, &v, nil }
	switch dir {
	case pg.FetchDirection_FETCH_FORWARD, pg.FetchDirection_FETCH_DIRECTION_UNDEFINED:
		forward = true
		if count < 0 {
			forward, count = false, -count
		}
	case pg.FetchDirection_FETCH_BACKWARD:
		if count < 0 {
			forward, count = true, -count
		}
	case pg.FetchDirection_FETCH_ABSOLUTE:
		switch {
		case count > 0:
			// Rewind when the row is nearer the start than here.
			if count-1 <= c.pos/2 {
				if err := c.rewind(); err != nil {
					return false, 0, nil, err
				}
				if count > 1 {
					if _, err := c.skip(true, count-1); err != nil {
						return false, 0, nil, err
					}
				}
			} else {
				pos := c.pos
				if c.atEnd {
					pos++
				}
				if count <= pos {
					if _, err := c.skip(false, pos-count+1); err != nil {
						return false, 0, nil, err
					}
				} else if count > pos+1 {
					if _, err := c.skip(true, count-pos-1); err != nil {
						return false, 0, nil, err
					}
				}
			}
			return true, 1, nil, nil
		case count < 0:
			if _, err := c.skip(true, fetchAll); err != nil {
				return false, 0, nil, err
			}
			if count < -1 {
				if _, err := c.skip(false, -count-1); err != nil {
					return false, 0, nil, err
				}
			}
			return false, 1, nil, nil
		}
		if err := c.rewind(); err != nil {
			return false, 0, nil, err
		}
		return true, 0, nil, nil
	case pg.FetchDirection_FETCH_RELATIVE:
		switch {
		case count > 0:
			if count > 1 {
				if _, err := c.skip(true, count-1); err != nil {
					return false, 0, nil, err
				}
			}
			return true, 1, nil, nil
		case count < 0:
			if count < -1 {
				if _, err := c.skip(false, -count-1); err != nil {
					return false, 0, nil, err
				}
			}
			return false, 1, nil, nil
		}
		forward = true
	}
	if count == 0 {
		// The current row again, if the cursor stands on one.
		onRow := !c.atStart && !c.atEnd
		if move {
			if onRow {
				return some(1)
			}
			return some(0)
		}
		if onRow {
			if _, err := c.skip(false, 1); err != nil {
				return false, 0, nil, err
			}
			return true, 1, nil, nil
		}
		return forward, 0, nil, nil
	}
	if !forward && count == fetchAll && move {
		// MOVE BACKWARD ALL: back before the first row.
		n := c.pos
		if n > 0 && !c.atEnd {
			n--
		}
		if err := c.rewind(); err != nil {
			return false, 0, nil, err
		}
		return some(n)
	}
	return forward, count, nil, nil
}

// cursorStmt reports whether a statement is one of the cursor statements,
// which run as utility statements.
func cursorStmt(n *pg.Node) bool {
	switch n.Node.(type) {
	case *pg.Node_DeclareCursorStmt, *pg.Node_FetchStmt, *pg.Node_ClosePortalStmt:
		return true
	}
	return false
}

// runCursorStmt runs DECLARE, FETCH, MOVE or CLOSE.
func (st *Stmt) runCursorStmt(ctx context.Context, params []types.Datum) (*Result, error) {
	s := st.s
	switch x := st.p.Stmt.Node.(type) {
	case *pg.Node_DeclareCursorStmt:
		return st.declare(ctx, x.DeclareCursorStmt, params)
	case *pg.Node_FetchStmt:
		return s.fetch(ctx, x.FetchStmt)
	case *pg.Node_ClosePortalStmt:
		name := x.ClosePortalStmt.Portalname
		if name == "" {
			s.closeCursors(func(*cursor) bool { return true })
			return &Result{Tag: "CLOSE CURSOR ALL"}, nil
		}
		c, ok := s.cursors[name]
		if !ok {
			return nil, errNoCursor(name)
		}
		c.close()
		delete(s.cursors, name)
		return &Result{Tag: "CLOSE CURSOR"}, nil
	}
	return nil, pgcode.Newf(pgcode.FeatureNotSupported, "%s is not supported", statementName(st.p.Stmt))
}

func errNoCursor(name string) error {
	return pgcode.Newf(pgcode.InvalidCursorName, "cursor %q does not exist", name)
}

// query is the statement DECLARE runs, to bind.
func (st *Stmt) query(d *pg.DeclareCursorStmt) *Stmt {
	p := *st.p
	p.Stmt = d.Query
	return &Stmt{s: st.s, p: &p, given: st.given}
}

// describeDeclare types DECLARE's parameters from its query's.
func (st *Stmt) describeDeclare(d *pg.DeclareCursorStmt) ([]*types.T, error) {
	b, err := st.query(d).bind()
	if err != nil {
		return nil, err
	}
	return b.params, nil
}

// declare runs DECLARE: it binds the query and starts it on the view the
// cursor reads.
func (st *Stmt) declare(ctx context.Context, d *pg.DeclareCursorStmt, params []types.Datum) (*Result, error) {
	s := st.s
	hold := d.Options&cursorHold != 0
	if !hold && !s.inBlock() && st.batch == 0 {
		return nil, pgcode.New(pgcode.NoActiveSQLTransaction, "DECLARE CURSOR can only be used in transaction blocks")
	}
	if _, ok := s.cursors[d.Portalname]; ok {
		return nil, pgcode.Newf(pgcode.DuplicateCursor, "cursor %q already exists", d.Portalname)
	}
	q := st.query(d)
	keyCol, table := -1, ""
	var b *bound
	var err error
	if kq, t, ok := s.keyedQuery(d.Query); ok {
		// A query the key cannot be added to (an aggregate's) runs as
		// written.
		k := st.query(d)
		k.p.Stmt = kq
		if b, err = k.bind(); err == nil {
			q, keyCol, table = k, len(b.cols)-1, t
		}
	}
	if keyCol < 0 {
		b, err = q.bind()
	}
	if err == nil {
		if len(params) < len(b.params) {
			return nil, pgcode.Newf(pgcode.ProtocolViolation, "statement needs %d parameters, %d given", len(b.params), len(params))
		}
		params, err = s.coerceParams(params, b.params)
	}
	if err != nil {
		return nil, err
	}
	if b.q.Writes {
		return nil, pgcode.New(pgcode.FeatureNotSupported, "DECLARE CURSOR must not contain data-modifying statements in WITH")
	}
	// The caller may reuse its parameters' slice (the protocol's unnamed
	// portal does): the cursor outlives this statement.
	params = append([]types.Datum(nil), params...)
	scroll := d.Options&cursorScroll != 0
	// Neither SCROLL nor NO SCROLL: back by running the query again,
	// unless it locks its rows (as PostgreSQL's, which are then NO
	// SCROLL).
	rerun := d.Options&(cursorScroll|cursorNoScroll) == 0 && !hasLock(b.q.Plan)
	var tx *engine.Txn
	if hasLock(b.q.Plan) {
		switch {
		case hold:
			return nil, pgcode.New(pgcode.FeatureNotSupported, "DECLARE CURSOR WITH HOLD ... FOR UPDATE is not supported").
				WithDetail("Holdable cursors must be READ ONLY.")
		case scroll:
			return nil, pgcode.New(pgcode.FeatureNotSupported, "DECLARE SCROLL CURSOR ... FOR UPDATE is not supported").
				WithDetail("Scrollable cursors must be READ ONLY.")
		}
		if err := s.writableForLock(); err != nil {
			return nil, err
		}
		tx = s.txn
	}
	view, err := s.readView()
	if err != nil {
		return nil, err
	}
	env := q.env(ctx, params, tx)
	env.View = func(point types.Datum, has bool) (*engine.View, error) {
		if has {
			return s.viewAtPoint(point)
		}
		return view, nil
	}
	op, err := exec.Start(env, b.q.Plan)
	if err != nil {
		return nil, err
	}
	cols := b.cols
	if keyCol >= 0 {
		cols = cols[:keyCol]
	}
	c := &cursor{
		name: d.Portalname, sql: st.p.SQL, cols: cols, table: table, keyCol: keyCol,
		binary: d.Options&cursorBinary != 0, scroll: scroll || rerun, buffered: scroll, hold: hold, plan: b.q.Plan,
		created: s.opts.Now(), txn: s.txn, op: op, env: env, atStart: true,
	}
	if !hold && s.txn == nil {
		c.batch = st.batch
	}
	if s.cursors == nil {
		s.cursors = map[string]*cursor{}
	}
	s.cursorCount++
	c.number = s.cursorCount
	s.cursors[c.name] = c
	return &Result{Tag: "DECLARE CURSOR"}, nil
}

// fetch runs FETCH and MOVE. FETCH's rows stream from the cursor as the
// caller pulls them.
func (s *Session) fetch(ctx context.Context, f *pg.FetchStmt) (*Result, error) {
	c, ok := s.cursors[f.Portalname]
	if !ok {
		return nil, errNoCursor(f.Portalname)
	}
	if c.failed {
		return nil, pgcode.Newf(pgcode.ObjectNotInPrerequisiteState, "portal %q cannot be run", c.name)
	}
	c.env.Ctx = ctx
	forward, count, done, err := c.position(f.Direction, f.HowMany, f.Ismove)
	if err == nil && f.Ismove {
		n := int64(0)
		if done != nil {
			n = *done
		} else {
			n, err = c.skip(forward, count)
		}
		if err == nil {
			return &Result{Tag: "MOVE " + strconv.FormatInt(n, 10)}, nil
		}
	}
	var r *step
	if err == nil {
		r, err = c.start(forward, count)
	}
	if err != nil {
		s.cursorFailed(c)
		return nil, err
	}
	res := &Result{Columns: c.cols, Binary: c.binary, op: &fetchOp{r: r}, env: c.env}
	res.onDone = func(n int, err error) {
		res.Tag = "FETCH " + strconv.Itoa(n)
		if err != nil {
			if s.txn != nil {
				s.txFailed = true
			}
			s.cursorFailed(c)
		}
	}
	return res, nil
}

// cursorFailed marks a cursor whose FETCH or MOVE failed: it cannot be
// run again (a held one outlives the transaction the error fails), only
// closed.
func (s *Session) cursorFailed(c *cursor) {
	c.close()
	c.failed = true
}

// fetchOp gives a FETCH's rows to its result.
type fetchOp struct{ r *step }

func (o *fetchOp) Next() (exec.Row, error) {
	row, err := o.r.next()
	if row != nil && o.r.c.keyCol >= 0 {
		row = row[:o.r.c.keyCol] // the key WHERE CURRENT OF reads
	}
	return row, err
}
func (o *fetchOp) Close() { o.r.end() }

// closeCursors closes the cursors drop says to.
func (s *Session) closeCursors(drop func(*cursor) bool) {
	for name, c := range s.cursors {
		if drop(c) {
			c.close()
			delete(s.cursors, name)
		}
	}
}

// endCursors closes the cursors a transaction's end closes: all but the
// WITH HOLD ones, and those too when it did not commit. The held
// cursors of a commit read on from the transaction's view.
func (s *Session) endCursors(tx *engine.Txn, committed bool) {
	s.closeCursors(func(c *cursor) bool {
		if !c.hold {
			return true
		}
		if c.txn != tx {
			return false
		}
		if committed {
			c.txn = nil
			return false
		}
		return true
	})
}

// endBatchCursors closes the cursors declared outside a transaction
// block by a text of several statements other than batch's. PostgreSQL
// runs such a text as one implicit transaction, in which a cursor
// without HOLD may be declared; it is closed when the text's statements
// are done, which is seen here as the next statement from another text
// begins.
func (s *Session) endBatchCursors(batch uint64) {
	for name, c := range s.cursors {
		if c.batch != 0 && c.batch != batch {
			c.close()
			delete(s.cursors, name)
		}
	}
}

// freezeCursors reads ahead the rows of the open cursors of the
// transaction, and of its query results still streaming (a portal that
// Execute suspended), before a statement that may write in it runs: a
// query reads the transaction's view as it was when it began.
func (st *Stmt) freezeCursors(ctx context.Context) {
	s := st.s
	if s.txn == nil || (len(s.cursors) == 0 && len(s.streams) == 0) || !st.writesTxn() {
		return
	}
	for _, c := range s.cursors {
		if c.txn == s.txn && (!c.drained || (c.scroll && !c.buffered)) {
			c.freeze(ctx)
		}
	}
	for _, r := range s.streams {
		r.readAhead(ctx)
	}
	clear(s.streams)
	s.streams = s.streams[:0]
}

// track notes a streamed query result of the transaction in progress,
// which freezeCursors reads ahead.
func (s *Session) track(r *Result) {
	if s.txn == nil {
		return
	}
	if s.streamsTxn != s.txn {
		clear(s.streams)
		s.streams, s.streamsTxn = s.streams[:0], s.txn
	}
	if len(s.streams) >= 16 {
		// Keep the ones still streaming.
		live := s.streams[:0]
		for _, x := range s.streams {
			if !x.done {
				live = append(live, x)
			}
		}
		clear(s.streams[len(live):])
		s.streams = live
	}
	s.streams = append(s.streams, r)
}

// aheadRows are rows a result read ahead of its caller.
type aheadRows struct {
	rows [][]types.Datum
	i    int
}

// readAhead reads the rest of a streamed result's rows into memory: the
// caller gets them, and then the error that ended them, if any, as it
// would have.
func (r *Result) readAhead(ctx context.Context) {
	if r.op == nil || r.done || r.ahead != nil {
		return
	}
	a := &aheadRows{}
	r.env.Ctx = ctx
	r.env.Fn.Ctx = ctx
	for {
		row, err := r.op.Next()
		if err != nil {
			r.aheadErr = err
			break
		}
		if row == nil {
			break
		}
		a.rows = append(a.rows, append([]types.Datum(nil), row...))
	}
	r.op.Close()
	r.ahead = a
}

// nextAhead is Next for a result read ahead.
func (r *Result) nextAhead() ([]types.Datum, error) {
	a := r.ahead
	if a.i < len(a.rows) {
		row := a.rows[a.i]
		a.rows[a.i] = nil
		a.i++
		r.count++
		return row, nil
	}
	err := r.aheadErr
	r.finish(err)
	return nil, err
}

// writesTxn reports whether a statement may write in the session's
// transaction.
func (st *Stmt) writesTxn() bool {
	if st.p.Stmt == nil {
		return true // DriftQL
	}
	switch x := st.p.Stmt.Node.(type) {
	case *pg.Node_InsertStmt, *pg.Node_UpdateStmt, *pg.Node_DeleteStmt, *pg.Node_TruncateStmt, *pg.Node_ExplainStmt:
		return true
	case *pg.Node_CopyStmt:
		return x.CopyStmt.IsFrom
	case *pg.Node_SelectStmt:
		return x.SelectStmt.WithClause != nil
	}
	return false
}

// cursorColumns are the columns FETCH returns from the named cursor, if
// it is open.
func (s *Session) cursorColumns(f *pg.FetchStmt) []Column {
	if c, ok := s.cursors[f.Portalname]; ok && !f.Ismove {
		return c.cols
	}
	return nil
}

// Cursors lists the session's open cursors by name (pg_cursors).
func (s *Session) Cursors() []vtable.Cursor {
	out := make([]vtable.Cursor, 0, len(s.cursors))
	for _, c := range s.cursors {
		out = append(out, vtable.Cursor{Name: c.name, Statement: c.sql, Holdable: c.hold, Binary: c.binary, Scrollable: c.scroll, Created: c.created})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// WHERE CURRENT OF.
//
// A cursor over one table, without grouping, DISTINCT or set operations,
// reads that table's key as a last column of its own, which FETCH leaves
// out: UPDATE and DELETE ... WHERE CURRENT OF c then run as WHERE key =
// the key of the row c stands on, given as one more parameter.

// keyedQuery returns the query with the key of the table it scans added
// as its last column, and the table, if it scans one table in the way
// WHERE CURRENT OF can name its rows.
func (s *Session) keyedQuery(n *pg.Node) (*pg.Node, string, bool) {
	sel := n.GetSelectStmt()
	if sel == nil || sel.Op != pg.SetOperation_SETOP_NONE || len(sel.FromClause) != 1 || len(sel.GroupClause) > 0 ||
		sel.HavingClause != nil || len(sel.DistinctClause) > 0 || len(sel.ValuesLists) > 0 || sel.IntoClause != nil {
		return nil, "", false
	}
	rv := sel.FromClause[0].GetRangeVar()
	if rv == nil || (rv.Schemaname != "" && rv.Schemaname != "public") {
		return nil, "", false
	}
	spec, err := s.db.View().Spec(rv.Relname)
	if err != nil || spec.PK == "" {
		return nil, "", false
	}
	ref := rv.Relname
	if rv.Alias != nil && rv.Alias.Aliasname != "" {
		ref = rv.Alias.Aliasname
	}
	key := pg.MakeResTargetNodeWithVal(pg.MakeColumnRefNode([]*pg.Node{pg.MakeStrNode(ref), pg.MakeStrNode(spec.PK)}, -1), -1)
	out := &pg.SelectStmt{
		TargetList:  append(append([]*pg.Node(nil), sel.TargetList...), key),
		FromClause:  sel.FromClause,
		WhereClause: sel.WhereClause, WindowClause: sel.WindowClause,
		SortClause: sel.SortClause, LimitOffset: sel.LimitOffset, LimitCount: sel.LimitCount,
		LimitOption: sel.LimitOption, LockingClause: sel.LockingClause, WithClause: sel.WithClause,
		Op: sel.Op,
	}
	return &pg.Node{Node: &pg.Node_SelectStmt{SelectStmt: out}}, rv.Relname, true
}

// currentOf is the cursor an UPDATE or DELETE names in WHERE CURRENT OF,
// and the table it writes.
func (st *Stmt) currentOf() (cursor, table string, ok bool) {
	if st.p.Stmt == nil {
		return "", "", false
	}
	var where *pg.Node
	var rel *pg.RangeVar
	switch x := st.p.Stmt.Node.(type) {
	case *pg.Node_UpdateStmt:
		where, rel = x.UpdateStmt.WhereClause, x.UpdateStmt.Relation
	case *pg.Node_DeleteStmt:
		where, rel = x.DeleteStmt.WhereClause, x.DeleteStmt.Relation
	}
	co := where.GetCurrentOfExpr()
	if co == nil || rel == nil {
		return "", "", false
	}
	return co.CursorName, rel.Relname, true
}

// rewriteCurrentOf makes WHERE CURRENT OF c of an UPDATE or DELETE
// WHERE key = $n, n one past the statement's parameters: the key of the
// row the cursor stands on is passed as $n when the statement runs.
func (st *Stmt) rewriteCurrentOf() error {
	name, table, ok := st.currentOf()
	if !ok {
		return nil
	}
	spec, err := st.s.db.View().Spec(table)
	if err != nil {
		return err
	}
	p := *st.p
	p.NumParams++
	cond := pg.MakeAExprNode(pg.A_Expr_Kind_AEXPR_OP, []*pg.Node{pg.MakeStrNode("=")},
		pg.MakeColumnRefNode([]*pg.Node{pg.MakeStrNode(spec.PK)}, -1), pg.MakeParamRefNode(int32(p.NumParams), -1), -1)
	switch x := st.p.Stmt.Node.(type) {
	case *pg.Node_UpdateStmt:
		u := x.UpdateStmt
		p.Stmt = &pg.Node{Node: &pg.Node_UpdateStmt{UpdateStmt: &pg.UpdateStmt{Relation: u.Relation, TargetList: u.TargetList,
			WhereClause: cond, FromClause: u.FromClause, ReturningList: u.ReturningList, WithClause: u.WithClause}}}
	case *pg.Node_DeleteStmt:
		d := x.DeleteStmt
		p.Stmt = &pg.Node{Node: &pg.Node_DeleteStmt{DeleteStmt: &pg.DeleteStmt{Relation: d.Relation, UsingClause: d.UsingClause,
			WhereClause: cond, ReturningList: d.ReturningList, WithClause: d.WithClause}}}
	}
	st.p = &p
	st.cur = &currentOfRef{cursor: name, table: table, param: p.NumParams}
	return nil
}

// currentOfRef is the cursor a statement's WHERE CURRENT OF named, once
// rewritten (see rewriteCurrentOf).
type currentOfRef struct {
	cursor, table string
	param         int // the parameter that carries the key
}

// currentKey checks the cursor a rewritten WHERE CURRENT OF names, and
// returns the parameters with the key of its row in its place.
func (st *Stmt) currentKey(params []types.Datum) ([]types.Datum, error) {
	ref := st.cur
	c, ok := st.s.cursors[ref.cursor]
	if !ok {
		return nil, errNoCursor(ref.cursor)
	}
	if c.table != ref.table || c.keyCol < 0 {
		return nil, pgcode.Newf(pgcode.InvalidCursorState, "cursor %q is not a simply updatable scan of table %q", ref.cursor, ref.table)
	}
	if c.atStart || c.atEnd || c.failed || c.key == nil {
		return nil, pgcode.Newf(pgcode.InvalidCursorState, "cursor %q is not positioned on a row", ref.cursor)
	}
	out := make([]types.Datum, ref.param)
	copy(out, params)
	out[ref.param-1] = c.key
	return out, nil
}
