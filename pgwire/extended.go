package pgwire

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/driftdb/driftdb/sql"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
	"github.com/driftdb/driftdb/sql/vtable"
)

// extended handles one message of the extended query protocol. An error
// makes the caller send it and skip messages until Sync.
func (c *conn) extended(msg pgproto3.FrontendMessage) error {
	if err := checkNames(msg); err != nil {
		return err
	}
	switch m := msg.(type) {
	case *pgproto3.Parse:
		return c.parse(m)
	case *pgproto3.Bind:
		return c.bind(m)
	case *pgproto3.Describe:
		return c.describe(m)
	case *pgproto3.Execute:
		return c.execute(m)
	case *pgproto3.Close:
		if m.ObjectType == 'S' {
			delete(c.stmts, m.Name)
		} else {
			c.portals[m.Name].close()
			delete(c.portals, m.Name)
		}
		c.be.Send(&pgproto3.CloseComplete{})
		return nil
	}
	return pgcode.Newf(pgcode.ProtocolViolation, "unexpected message %T", msg)
}

// checkNames checks the statement and portal names a message carries.
func checkNames(msg pgproto3.FrontendMessage) error {
	var names [2]string
	switch m := msg.(type) {
	case *pgproto3.Parse:
		names[0] = m.Name
	case *pgproto3.Bind:
		names = [2]string{m.DestinationPortal, m.PreparedStatement}
	case *pgproto3.Describe:
		names[0] = m.Name
	case *pgproto3.Execute:
		names[0] = m.Portal
	case *pgproto3.Close:
		names[0] = m.Name
	}
	for _, n := range names {
		if err := checkUTF8(n); err != nil {
			return err
		}
	}
	return nil
}

// parse prepares a statement. A statement with more parameters than a
// Bind can carry is refused before it is parsed; the parse and the
// description run under the statement timeout and cancellation, as
// PostgreSQL's do.
func (c *conn) parse(m *pgproto3.Parse) error {
	if m.Name != "" {
		if _, exists := c.stmts[m.Name]; exists {
			return pgcode.Newf(pgcode.DuplicatePreparedStatement, "prepared statement %q already exists", m.Name)
		}
	}
	if err := checkUTF8(m.Query); err != nil {
		return err
	}
	var p *prepared
	ctx := c.begin()
	err := c.offload(ctx, len(m.Query), func() (err error) {
		p, err = c.prepare(m.Query, m.ParameterOIDs)
		return err
	})
	if err = c.end(err); err != nil {
		return err
	}
	if m.Name != "" {
		p.at = time.Now()
	}
	c.stmts[m.Name] = p
	c.be.Send(&pgproto3.ParseComplete{})
	return nil
}

// namedStatements lists the statements Parse named, for the session's
// pg_prepared_statements.
func (c *conn) namedStatements() []vtable.PreparedStatement {
	var out []vtable.PreparedStatement
	for name, p := range c.stmts {
		if name != "" {
			out = append(out, vtable.PreparedStatement{Name: name, Statement: p.text, Prepared: p.at, Params: p.params})
		}
	}
	return out
}

// maxParams is the most parameters a Bind message can carry.
const maxParams = 65535

// prepare parses and describes a statement of the extended protocol.
func (c *conn) prepare(query string, paramOids []uint32) (*prepared, error) {
	paramTypes := make([]*types.T, len(paramOids))
	for i, oid := range paramOids {
		if oid == 0 {
			continue // unspecified: inferred
		}
		t, ok := types.ByOid(oid)
		if !ok {
			return nil, pgcode.Newf(pgcode.UndefinedObject, "type with OID %d does not exist", oid)
		}
		paramTypes[i] = t
	}
	stmts, err := c.sess.Parse(query)
	if err != nil {
		return nil, err
	}
	if len(stmts) > 1 {
		return nil, pgcode.New(pgcode.SyntaxError, "cannot insert multiple commands into a prepared statement")
	}
	p := &prepared{text: query}
	if len(stmts) == 1 {
		p.stmt = stmts[0]
		if n := p.stmt.NumParams(); n > maxParams {
			return nil, pgcode.Newf(pgcode.ProgramLimitExceeded, "too many parameters: the statement uses $%d, a Bind carries at most %d", n, maxParams)
		}
		params, cols, err := p.stmt.Describe(paramTypes)
		if err != nil {
			return nil, err
		}
		p.params, p.cols = params, cols
		p.oids = make([]uint32, len(params))
		for i, t := range params {
			p.oids[i] = t.Oid
		}
	}
	return p, nil
}

func (c *conn) bind(m *pgproto3.Bind) error {
	p, ok := c.stmts[m.PreparedStatement]
	if !ok {
		return pgcode.Newf(pgcode.InvalidSQLStatementName, "prepared statement %q does not exist", m.PreparedStatement)
	}
	if m.DestinationPortal == "" {
		c.portals[""].close()
		delete(c.portals, "") // replaced, or gone if this Bind fails
	} else {
		if _, exists := c.portals[m.DestinationPortal]; exists {
			return pgcode.Newf(pgcode.DuplicateCursor, "portal %q already exists", m.DestinationPortal)
		}
	}
	if len(m.Parameters) != len(p.params) {
		return pgcode.Newf(pgcode.ProtocolViolation, "bind message supplies %d parameters, but prepared statement %q requires %d",
			len(m.Parameters), m.PreparedStatement, len(p.params))
	}
	if n := len(m.ParameterFormatCodes); n > 1 && n != len(m.Parameters) {
		return pgcode.Newf(pgcode.ProtocolViolation, "bind message has %d parameter formats but %d parameters", n, len(m.Parameters))
	}
	var pt *portal
	var args []types.Datum
	if m.DestinationPortal == "" {
		// The unnamed portal lives until the next Bind: reuse it.
		pt = &c.unnamed
		args = pt.args[:0]
		clear(pt.args)
	} else {
		pt = &portal{}
	}
	args = append(args, make([]types.Datum, len(m.Parameters))...)
	if err := c.decodeParams(args, m, p); err != nil {
		return err
	}
	for _, f := range m.ResultFormatCodes {
		if f != 0 && f != 1 {
			return pgcode.Newf(pgcode.ProtocolViolation, "unsupported format code %d", f)
		}
	}
	*pt = portal{p: p, args: args, formats: m.ResultFormatCodes}
	c.portals[m.DestinationPortal] = pt
	c.be.Send(&pgproto3.BindComplete{})
	return nil
}

func (c *conn) describe(m *pgproto3.Describe) error {
	if m.ObjectType == 'S' {
		p, ok := c.stmts[m.Name]
		if !ok {
			return pgcode.Newf(pgcode.InvalidSQLStatementName, "prepared statement %q does not exist", m.Name)
		}
		c.be.Send(&pgproto3.ParameterDescription{ParameterOIDs: p.oids})
		if p.cols == nil {
			c.be.Send(&pgproto3.NoData{})
		} else {
			c.be.Send(p.describe(nil))
		}
		return nil
	}
	pt, ok := c.portals[m.Name]
	if !ok {
		return pgcode.Newf(pgcode.InvalidCursorName, "portal %q does not exist", m.Name)
	}
	if pt.p.cols == nil {
		c.be.Send(&pgproto3.NoData{})
	} else {
		c.be.Send(pt.p.describe(pt.formats))
	}
	return nil
}

// decodeParams decodes a Bind's parameters into args, under the statement
// timeout and cancellation: a Bind carries up to 65,535 of them, and
// values of up to the message size.
func (c *conn) decodeParams(args []types.Datum, m *pgproto3.Bind, p *prepared) error {
	ctx := c.begin()
	tc := c.sess.TypesContext()
	var err error
	for i, raw := range m.Parameters {
		if err = ctx.Err(); err != nil {
			break
		}
		binaryFormat := formatFor(m.ParameterFormatCodes, i) == 1
		if err = checkUTF8Param(raw, p.params[i], binaryFormat); err != nil {
			break
		}
		v, derr := decodeParam(raw, p.params[i], binaryFormat, tc)
		if derr != nil {
			err = paramError(i, raw, binaryFormat, m.DestinationPortal, derr)
			break
		}
		args[i] = v
	}
	return c.end(err)
}

// describe returns the RowDescription of the statement's results in the
// given formats. The all-text one, which clients ask for at every
// execution, is made once.
func (p *prepared) describe(formats []int16) *pgproto3.RowDescription {
	for _, f := range formats {
		if f != 0 {
			return rowDescription(p.cols, formats)
		}
	}
	if p.textDesc == nil {
		p.textDesc = rowDescription(p.cols, nil)
	}
	return p.textDesc
}

// execute runs a portal's statement, or goes on with the rows of one
// that an earlier Execute suspended: each Execute is a statement of its
// own for the timeout and for cancellation.
func (c *conn) execute(m *pgproto3.Execute) error {
	pt, ok := c.portals[m.Portal]
	if !ok {
		return pgcode.Newf(pgcode.InvalidCursorName, "portal %q does not exist", m.Portal)
	}
	if pt.p.stmt == nil {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
		return nil
	}
	if pt.done {
		c.sendComplete(pt.res.Tag)
		return nil
	}
	c.sess.StartStatement(pt.p.text)
	c.sess.Pipeline()
	ctx := c.begin()
	err := c.executePortal(ctx, pt, int(m.MaxRows))
	return c.end(err)
}

func (c *conn) executePortal(ctx context.Context, pt *portal, max int) error {
	if pt.res == nil {
		res, err := c.run(ctx, pt.p.stmt, pt.args)
		if err != nil {
			return err
		}
		// A table's columns may have changed since Parse (a new field
		// widens SELECT *): drivers that cache statements must prepare
		// again.
		if res.Columns != nil && pt.p.cols != nil && !sameColumns(res.Columns, pt.p.cols) {
			res.Close()
			return pgcode.New(pgcode.FeatureNotSupported, "cached plan must not change result type")
		}
		pt.res = res
		if max == 0 && c.sess.Rerunnable() {
			c.deferred = pt // its notices wait in the session with it
			return nil
		}
		c.sess.KeepResult()
		c.sendNotices()
	}
	return c.replyPortal(ctx, pt, max)
}

// replyPortal sends the rows and the command tag of a portal's result,
// up to max rows (0: all).
func (c *conn) replyPortal(ctx context.Context, pt *portal, max int) error {
	res := pt.res
	switch {
	case res.CopyIn != nil:
		done, err := c.copyIn(ctx, res.CopyIn)
		if err != nil {
			return err
		}
		pt.res, res = done, done
	case res.CopyOut != nil:
		if err := c.copyOut(ctx, res); err != nil {
			return err
		}
	case res.Columns != nil:
		n, more, err := c.stream(ctx, res, max, pt.formats)
		if err != nil {
			return err
		}
		if more {
			c.be.Send(&pgproto3.PortalSuspended{})
			pt.suspended = true
			return nil
		}
		switch {
		case strings.HasPrefix(res.Tag, "SELECT"):
			// As PostgreSQL does, a SELECT's tag counts the rows of the
			// Execute that finished it,
			res.Tag = selectTag(n)
		case pt.suspended:
			// and so does a write's whose RETURNING rows came in parts.
			res.Tag = res.Tag[:strings.LastIndexByte(res.Tag, ' ')+1] + strconv.Itoa(n)
		}
	}
	pt.done = true
	c.sendComplete(res.Tag)
	c.sendParameterChanges()
	return nil
}

// sameColumns reports whether two results have the same columns: names,
// types with their modifiers, and sources.
func sameColumns(a, b []sql.Column) bool {
	return slices.EqualFunc(a, b, func(x, y sql.Column) bool {
		return x.Name == y.Name && types.Identical(x.Type, y.Type) && x.Table == y.Table && x.Attr == y.Attr
	})
}

// selectTag is the command tag of a SELECT that returned n rows.
func selectTag(n int) string { return "SELECT " + strconv.Itoa(n) }
