package sql

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/exec"
	"github.com/driftdb/driftdb/sql/parser"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
)

// COPY moves rows between a table (or a query) and the client in one of
// PostgreSQL's three formats: text (tab-separated, \N for NULL, backslash
// escapes), csv, and binary. COPY ... FROM STDIN returns a Result whose
// CopyIn the caller feeds with the client's data; COPY ... TO STDOUT
// returns one whose rows the caller writes with its CopyOut. Files and
// programs on the server are not read or written.

// copyFormat is the format of a COPY.
type copyFormat uint8

const (
	copyText copyFormat = iota
	copyCSV
	copyBinary
)

// copyOptions are a COPY statement's options.
type copyOptions struct {
	format      copyFormat
	delim       byte
	null        string
	header      bool
	headerMatch bool
	quote       byte
	escape      byte
	forceQuote  map[string]bool // csv TO: columns quoted even when not needed
	forceQAll   bool
	forceNotNul map[string]bool // csv FROM: the null string is an empty string
	forceNull   map[string]bool // csv FROM: a quoted null string is NULL too
}

// copyOptionsOf reads the options of a COPY (both its forms: WITH (...)
// and the old keywords, which the parser turns into the same list).
func copyOptionsOf(c *pg.CopyStmt) (*copyOptions, error) {
	o := &copyOptions{delim: '\t', null: `\N`, quote: '"'}
	var delimSet, nullSet, quoteSet, escapeSet bool
	seen := map[string]bool{}
	names := func(arg *pg.Node) (map[string]bool, bool) {
		out := map[string]bool{}
		if arg.GetAStar() != nil {
			return nil, true
		}
		for _, n := range arg.GetList().GetItems() {
			out[n.GetString_().GetSval()] = true
		}
		return out, false
	}
	oneByte := func(name string, arg *pg.Node) (byte, error) {
		s := defString(arg)
		if len(s) != 1 {
			return 0, pgcode.Newf(pgcode.FeatureNotSupported, "COPY %s must be a single one-byte character", name)
		}
		return s[0], nil
	}
	for _, n := range c.Options {
		d := n.GetDefElem()
		if seen[d.Defname] {
			return nil, pgcode.New(pgcode.SyntaxError, "conflicting or redundant options")
		}
		seen[d.Defname] = true
		var err error
		switch d.Defname {
		case "format":
			switch strings.ToLower(defString(d.Arg)) {
			case "text":
				o.format = copyText
			case "csv":
				o.format = copyCSV
			case "binary":
				o.format = copyBinary
			default:
				return nil, pgcode.Newf(pgcode.InvalidParameterValue, "COPY format %q not recognized", defString(d.Arg))
			}
		case "delimiter":
			o.delim, err = oneByte("delimiter", d.Arg)
			delimSet = true
		case "null":
			o.null, nullSet = defString(d.Arg), true
		case "header":
			switch v := strings.ToLower(defString(d.Arg)); v {
			case "", "true", "on", "1":
				o.header = true
			case "false", "off", "0":
			case "match":
				o.header, o.headerMatch = true, true
			default:
				return nil, pgcode.Newf(pgcode.SyntaxError, "header requires a Boolean value or \"match\"")
			}
		case "quote":
			o.quote, err = oneByte("quote", d.Arg)
			quoteSet = true
		case "escape":
			o.escape, err = oneByte("escape", d.Arg)
			escapeSet = true
		case "force_quote":
			o.forceQuote, o.forceQAll = names(d.Arg)
		case "force_not_null":
			o.forceNotNul, _ = names(d.Arg)
		case "force_null":
			o.forceNull, _ = names(d.Arg)
		case "encoding":
			if e := strings.ToUpper(strings.ReplaceAll(defString(d.Arg), "-", "")); e != "UTF8" && e != "UNICODE" {
				return nil, pgcode.Newf(pgcode.FeatureNotSupported, "COPY encoding %q is not supported: DriftDB speaks UTF8", defString(d.Arg))
			}
		case "freeze":
		default:
			return nil, pgcode.Newf(pgcode.SyntaxError, "option %q not recognized", d.Defname)
		}
		if err != nil {
			return nil, err
		}
	}
	if o.format == copyCSV {
		if !delimSet {
			o.delim = ','
		}
		if !nullSet {
			o.null = ""
		}
		if !escapeSet {
			o.escape = o.quote
		}
	}
	if o.format == copyBinary {
		for _, x := range []struct {
			set  bool
			name string
		}{{delimSet, "DELIMITER"}, {nullSet, "NULL"}, {o.header, "HEADER"}} {
			if x.set {
				return nil, pgcode.Newf(pgcode.SyntaxError, "cannot specify %s in BINARY mode", x.name)
			}
		}
	}
	if o.format != copyCSV {
		for _, x := range []struct {
			set  bool
			name string
		}{{quoteSet, "quote"}, {escapeSet, "escape"}, {o.forceQuote != nil || o.forceQAll, "force quote"},
			{o.forceNotNul != nil, "force not null"}, {o.forceNull != nil, "force null"}} {
			if x.set {
				return nil, pgcode.Newf(pgcode.FeatureNotSupported, "COPY %s available only in CSV mode", x.name)
			}
		}
	}
	switch {
	case o.delim == '\n' || o.delim == '\r' || o.format == copyText && o.delim == '\\':
		return nil, pgcode.New(pgcode.InvalidParameterValue, "COPY delimiter cannot be newline, carriage return or backslash")
	case strings.ContainsAny(o.null, "\r\n"):
		return nil, pgcode.New(pgcode.InvalidParameterValue, "COPY null representation cannot use newline or carriage return")
	case o.format == copyCSV && o.delim == o.quote:
		return nil, pgcode.New(pgcode.InvalidParameterValue, "COPY delimiter and quote must be different")
	}
	return o, nil
}

// defString reads an option's argument: a string, a word or a number.
func defString(n *pg.Node) string {
	switch {
	case n == nil:
		return ""
	case n.GetString_() != nil:
		return n.GetString_().Sval
	case n.GetInteger() != nil:
		return strconv.Itoa(int(n.GetInteger().Ival))
	case n.GetBoolean() != nil:
		return strconv.FormatBool(n.GetBoolean().Boolval)
	case n.GetTypeName() != nil:
		names := n.GetTypeName().Names
		if len(names) > 0 {
			return names[len(names)-1].GetString_().GetSval()
		}
	}
	return ""
}

// copyStmt starts a COPY.
func (st *Stmt) copyStmt(ctx context.Context, c *pg.CopyStmt, params []types.Datum) (*Result, error) {
	if c.Filename != "" || c.IsProgram {
		return nil, pgcode.New(pgcode.InsufficientPrivilege, "COPY to or from a file or a program is not done by the server: use COPY ... FROM STDIN or TO STDOUT (psql's \\copy)")
	}
	opts, err := copyOptionsOf(c)
	if err != nil {
		return nil, err
	}
	if c.WhereClause != nil {
		return nil, pgcode.New(pgcode.FeatureNotSupported, "COPY FROM ... WHERE is not supported")
	}
	if c.IsFrom {
		return st.copyFrom(ctx, c, opts)
	}
	return st.copyTo(ctx, c, opts, params)
}

// copyColumns returns the columns a COPY names, or all of the table's.
func copyColumns(c *pg.CopyStmt, t *plan.Table) ([]string, error) {
	var names []string
	for _, n := range c.Attlist {
		name := n.GetString_().GetSval()
		for _, x := range names {
			if x == name {
				return nil, pgcode.Newf(pgcode.DuplicateColumn, "column %q specified more than once", name)
			}
		}
		names = append(names, name)
	}
	if len(names) == 0 {
		for _, i := range t.Shown() {
			names = append(names, t.Cols[i].Name)
		}
	}
	return names, nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// copyTo runs COPY table|query TO STDOUT: its rows stream as a query's.
func (st *Stmt) copyTo(ctx context.Context, c *pg.CopyStmt, opts *copyOptions, params []types.Datum) (*Result, error) {
	inner := &Stmt{s: st.s, p: &parser.Statement{}}
	*inner.p = *st.p
	if c.Query != nil {
		inner.p.Stmt = c.Query
		if c.Query.GetSelectStmt() == nil {
			return nil, pgcode.New(pgcode.FeatureNotSupported, "COPY (query) TO takes a SELECT")
		}
	} else {
		t, err := (&catalog{s: st.s, view: st.s.db.View()}).Table(c.Relation.Relname)
		if err != nil {
			return nil, err
		}
		names, err := copyColumns(c, t)
		if err != nil {
			return nil, err
		}
		for i, n := range names {
			names[i] = quoteIdent(n)
		}
		ps, err := parser.Parse("SELECT " + strings.Join(names, ", ") + " FROM " + quoteIdent(t.Name))
		if err != nil {
			return nil, err
		}
		inner.p = ps[0]
	}
	b, err := inner.bind()
	if err != nil {
		return nil, err
	}
	r, err := inner.runQuery(ctx, b, params)
	if err != nil {
		return nil, err
	}
	r.CopyOut = &CopyOut{opts: opts, cols: r.Columns, tc: st.s.TypesContext()}
	done := r.onDone
	r.onDone = func(n int, err error) {
		done(n, err)
		r.Tag = "COPY " + strconv.Itoa(n)
	}
	return r, nil
}

// CopyOut writes the rows of a COPY ... TO STDOUT in its format: the
// caller sends Header, then each row's Row, then Trailer, each as
// CopyData.
type CopyOut struct {
	opts *copyOptions
	cols []Column
	tc   *types.Context
}

// Binary reports whether the data is in the binary format.
func (c *CopyOut) Binary() bool { return c.opts.format == copyBinary }

// binarySignature starts the binary format.
var binarySignature = []byte("PGCOPY\n\xff\r\n\x00")

// Header appends what comes before the rows: the binary format's header,
// or the csv header line.
func (c *CopyOut) Header(dst []byte) []byte {
	switch {
	case c.opts.format == copyBinary:
		dst = append(dst, binarySignature...)
		return append(dst, 0, 0, 0, 0, 0, 0, 0, 0) // flags, header extension length
	case c.opts.header:
		for i, col := range c.cols {
			if i > 0 {
				dst = append(dst, c.opts.delim)
			}
			dst = c.appendField(dst, col.Name, false)
		}
		return append(dst, '\n')
	}
	return dst
}

// Trailer appends what comes after the rows.
func (c *CopyOut) Trailer(dst []byte) []byte {
	if c.opts.format == copyBinary {
		return append(dst, 0xff, 0xff)
	}
	return dst
}

// Row appends a row.
func (c *CopyOut) Row(dst []byte, row []types.Datum) ([]byte, error) {
	if c.opts.format == copyBinary {
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(row)))
		for i, v := range row {
			if v == nil {
				dst = binary.BigEndian.AppendUint32(dst, 0xffffffff)
				continue
			}
			at := len(dst)
			dst = append(dst, 0, 0, 0, 0)
			var err error
			if dst, err = types.AppendBinary(dst, v, c.cols[i].Type); err != nil {
				return nil, err
			}
			binary.BigEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
		}
		return dst, nil
	}
	var buf []byte
	for i, v := range row {
		if i > 0 {
			dst = append(dst, c.opts.delim)
		}
		if v == nil {
			dst = append(dst, c.opts.null...)
			continue
		}
		buf = types.AppendText(buf[:0], v, c.cols[i].Type, c.tc)
		force := c.opts.forceQAll || c.opts.forceQuote[c.cols[i].Name]
		dst = c.appendField(dst, string(buf), force)
	}
	return append(dst, '\n'), nil
}

// appendField appends a non-NULL value's text, escaped (text) or quoted
// where needed (csv).
func (c *CopyOut) appendField(dst []byte, s string, force bool) []byte {
	o := c.opts
	if o.format == copyCSV {
		if !force && s != o.null && s != `\.` && !strings.ContainsAny(s, string([]byte{o.delim, o.quote, '\r', '\n'})) {
			return append(dst, s...)
		}
		dst = append(dst, o.quote)
		for i := 0; i < len(s); i++ {
			if s[i] == o.quote || s[i] == o.escape {
				dst = append(dst, o.escape)
			}
			dst = append(dst, s[i])
		}
		return append(dst, o.quote)
	}
	for i := 0; i < len(s); i++ {
		switch b := s[i]; b {
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			if b == o.delim {
				dst = append(dst, '\\')
			}
			dst = append(dst, b)
		}
	}
	return dst
}

// CopyIn is a COPY ... FROM STDIN in progress: the caller passes it the
// client's data as it comes (Write), then ends it (Done, or Fail when the
// client gives up). The rows go into the session's transaction, or into
// one of the COPY's own, committed by Done: a COPY is all or nothing.
type CopyIn struct {
	// Columns are the columns the data holds, in order.
	Columns []Column

	st    *Stmt
	s     *Session
	opts  *copyOptions
	table string
	ins   *exec.Inserter
	tx    *engine.Txn
	own   bool // tx is the COPY's own
	ctx   context.Context
	buf   []byte // data not yet parsed (a partial line or tuple)
	line  int    // lines (or tuples) read
	hdr   bool   // the header line or binary header is still to come
	ended bool   // the end marker was read
	limit int    // lines after which parsing stops (SetLineLimit), 0 for none
	vals  []types.Datum
	raw   []byte // the line being read, for errors (text and csv)
	// fields and arena are the line splitter's, reused line to line: a
	// line's fields are read before the next line is split.
	fields []field
	arena  []byte
	// The inserter (copy_pipe.go): batch is being filled, pipe takes
	// batches to it (and it puts them in copyBatches after); werr is its error, read
	// once failed is set or inserted is closed.
	batch    *copyBatch
	pipe     chan *copyBatch
	inserted chan struct{}
	failed   atomic.Bool
	werr     error
	err      error // the COPY failed: later data is dropped
	// keyLines are the lines of the rows inserted since their keys were
	// last checked, in order (checkKeys).
	keyLines []int
}

// Binary reports whether the data is in the binary format.
func (c *CopyIn) Binary() bool { return c.opts.format == copyBinary }

// copyFrom starts COPY table FROM STDIN.
func (st *Stmt) copyFrom(ctx context.Context, c *pg.CopyStmt, opts *copyOptions) (*Result, error) {
	s := st.s
	if err := s.writable(); err != nil {
		return nil, err
	}
	cat := &catalog{s: s, view: s.db.View()}
	t, err := cat.Table(c.Relation.Relname)
	if err != nil {
		return nil, err
	}
	names, err := copyColumns(c, t)
	if err != nil {
		return nil, err
	}
	// The rows go in as the parameters of INSERT ... VALUES ($1, ...),
	// typed as the columns: defaults, checks and constraints as INSERT's.
	given := make([]*types.T, len(names))
	quoted := make([]string, len(names))
	ps := make([]string, len(names))
	for i, n := range names {
		quoted[i], ps[i] = quoteIdent(n), "$"+strconv.Itoa(i+1)
		given[i] = types.Text
		if j := t.Col(n); j >= 0 {
			given[i] = t.Cols[j].Type
		} else if len(c.Attlist) > 0 {
			return nil, pgcode.Newf(pgcode.UndefinedColumn, "column %q of relation %q does not exist", n, t.Name)
		}
	}
	text := "INSERT INTO " + quoteIdent(t.Name) + " (" + strings.Join(quoted, ", ") + ") VALUES (" + strings.Join(ps, ", ") + ")"
	parsed, err := parser.Parse(text)
	if err != nil {
		return nil, err
	}
	inner := &Stmt{s: s, p: parsed[0], given: given}
	b, err := inner.bind()
	if err != nil {
		return nil, err
	}
	ins, ok := b.q.Plan.(*plan.Insert)
	if !ok {
		return nil, pgcode.New(pgcode.InternalError, "COPY FROM did not bind to an INSERT")
	}
	cin := &CopyIn{st: st, s: s, opts: opts, table: t.Name, ctx: ctx, hdr: opts.header || opts.format == copyBinary}
	for i, n := range names {
		cin.Columns = append(cin.Columns, Column{Name: n, Type: b.params[i]})
	}
	cin.tx = s.txn
	if cin.tx == nil {
		cin.tx, cin.own = s.db.Begin(), true
	}
	env := inner.env(ctx, nil, cin.tx)
	if cin.ins, err = exec.NewInserter(env, ins); err != nil {
		cin.rollback()
		return nil, err
	}
	// The rows' keys are checked in bulk, in key order (checkKeys).
	if err := cin.tx.DeferKeyChecks(t.Name); err != nil {
		cin.rollback()
		return nil, err
	}
	cin.vals = make([]types.Datum, len(names))
	return &Result{CopyIn: cin}, nil
}

func (c *CopyIn) rollback() {
	if c.own && c.tx != nil {
		c.tx.Rollback()
	}
	c.tx = nil
}

// fail ends the COPY with err: its own transaction is rolled back, the
// session's fails.
func (c *CopyIn) fail(err error) error {
	if c.err == nil {
		c.stopInserter() // it writes into the transaction
		if c.tx != nil {
			c.tx.StopKeyChecks() // of rows that go with the COPY
		}
		c.err = err
		c.rollback()
		if !c.own && c.s.txn != nil {
			c.s.txFailed = true
		}
	}
	return c.err
}

// Write takes the next piece of the client's data. After an error the
// COPY is over: the caller reports it, and drops the data that follows.
func (c *CopyIn) Write(data []byte) error {
	if c.err != nil {
		return c.err
	}
	if c.ended {
		return nil // PostgreSQL ignores what follows the end marker
	}
	c.buf = append(c.buf, data...)
	n, err := c.parse(c.buf, false)
	if err != nil {
		return c.fail(c.before(err))
	}
	c.buf = append(c.buf[:0], c.buf[n:]...)
	if cap(c.buf) > 1<<20 && len(c.buf) < 1<<16 {
		c.buf = append([]byte(nil), c.buf...)
	}
	return nil
}

// SetLineLimit makes the COPY stop reading its data after n lines (text
// and csv): what comes after the n-th is kept, not parsed, for Rest. A
// client that loads a large file as several COPYs, each its own
// transaction, cuts the data where a row ends as the COPY itself reads
// rows (quoted and escaped newlines, the end marker).
func (c *CopyIn) SetLineLimit(n int) { c.limit = n }

// Full reports whether the COPY has read the lines of its limit.
func (c *CopyIn) Full() bool { return c.limit > 0 && c.line >= c.limit }

// Ended reports whether the COPY has read the end marker (\.): the data
// after it is not read.
func (c *CopyIn) Ended() bool { return c.ended }

// Rest returns the data written after the line limit was reached, and
// forgets it: the COPY ends with the lines before it.
func (c *CopyIn) Rest() []byte {
	if !c.Full() {
		return nil
	}
	rest := c.buf
	c.buf = nil
	return rest
}

// Done ends the data: the last line is read, the rows are committed (a
// COPY's own transaction) and the result's tag is COPY n.
func (c *CopyIn) Done() (*Result, error) {
	if c.err != nil {
		return nil, c.err
	}
	if !c.ended && len(c.buf) > 0 {
		if _, err := c.parse(c.buf, true); err != nil {
			return nil, c.fail(c.before(err))
		}
	}
	if err := c.drain(); err != nil {
		return nil, c.fail(err)
	}
	if err := c.checkKeys(); err != nil {
		return nil, c.fail(err)
	}
	// Binary data may end after its last tuple without the trailer, as
	// PostgreSQL allows; not within a tuple.
	if c.opts.format == copyBinary && !c.ended && (c.hdr || len(c.buf) > 0) {
		return nil, c.fail(pgcode.New(pgcode.BadCopyFileFormat, "unexpected EOF in COPY data"))
	}
	c.tx.StopKeyChecks() // every row's key is checked
	r := &Result{Tag: "COPY " + strconv.FormatInt(c.ins.Count(), 10)}
	if c.own {
		tx := c.tx
		c.tx = nil
		cm, err := tx.Submit(c.ctx)
		if err != nil {
			c.err = err
			return nil, err
		}
		if err := c.s.finish(cm); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// before returns the error of a row queued before the one that failed
// with err, if one failed, else err.
func (c *CopyIn) before(err error) error {
	if werr := c.drain(); werr != nil {
		return werr
	}
	return err
}

// Fail ends a COPY the client gave up on (CopyFail).
func (c *CopyIn) Fail(msg string) error {
	return c.fail(pgcode.Newf(pgcode.QueryCanceled, "COPY from stdin failed: %s", msg))
}

// context gives a COPY error PostgreSQL's context line: the line and the
// column with its value for a value that does not read, else the line
// with its text (c.raw).
func (c *CopyIn) context(err error, col int, value []byte) error {
	return c.contextAt(err, c.line, c.raw, col, value)
}

// contextAt is context for the line numbered line, whose text is raw.
func (c *CopyIn) contextAt(err error, line int, raw []byte, col int, value []byte) error {
	where := fmt.Sprintf("COPY %s, line %d", c.table, line)
	quote := func(b []byte) string {
		v := string(b)
		if len(v) > 100 {
			v = strings.ToValidUTF8(v[:100], "") + "..."
		}
		return `"` + v + `"`
	}
	switch {
	case col >= 0 && col < len(c.Columns):
		where += ", column " + c.Columns[col].Name
		if value != nil {
			where += ": " + quote(value)
		}
	case raw != nil:
		where += ": " + quote(raw)
	}
	out := pgcode.From(err)
	out.Where, out.Position = where, 0
	return out
}

// parse reads the complete lines (or tuples) of b and inserts their rows;
// at the end of the data (final) a last line needs no newline. It returns
// how much of b it used.
func (c *CopyIn) parse(b []byte, final bool) (int, error) {
	if c.opts.format == copyBinary {
		return c.parseBinary(b)
	}
	used := 0
	for used < len(b) && !c.ended && !c.Full() {
		n, fields, err := c.splitLine(b[used:], final)
		if err != nil {
			c.raw = b[used:]
			return used, c.context(err, -1, nil)
		}
		if n == 0 {
			break // an incomplete line: wait for more
		}
		if c.ended {
			break // the end marker: what follows is ignored
		}
		c.raw = bytes.TrimRight(b[used:used+n], "\r\n")
		used += n
		c.line++
		if err := c.row(fields); err != nil {
			return used, err
		}
	}
	return used, nil
}

// field is one field of a line: its text, and whether it was quoted
// (csv) or is the null string (text).
type field struct {
	text   []byte
	quoted bool
	null   bool
}

// splitLine splits the first line of b into fields; n is 0 when b holds no
// complete line (unless final).
func (c *CopyIn) splitLine(b []byte, final bool) (n int, fields []field, err error) {
	if c.opts.format == copyCSV {
		return c.splitCSV(b, final)
	}
	end := textLineEnd(b)
	n = end + 1
	if end < 0 {
		if !final {
			return 0, nil, nil
		}
		end, n = len(b), len(b)
	}
	line := b[:end]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	if string(line) == `\.` {
		c.ended = true
		return n, nil, nil
	}
	fields = c.fields[:0]
	defer func() { c.fields = fields[:0] }()
	start := 0
	for i := 0; i <= len(line); i++ {
		if i < len(line) && line[i] == '\\' {
			i++ // an escaped byte, the delimiter too, is not a boundary
			continue
		}
		if i == len(line) || line[i] == c.opts.delim {
			raw := line[start:i]
			f := field{null: string(raw) == c.opts.null}
			if !f.null {
				if f.text, err = unescapeText(raw); err != nil {
					return n, nil, err
				}
			}
			fields = append(fields, f)
			start = i + 1
		}
	}
	return n, fields, nil
}

// textLineEnd returns where the first line of b ends in the text format,
// the index of its newline, or -1 when b holds none: a newline a
// backslash escapes (an odd run of them before it) is data, as PostgreSQL
// reads it.
func textLineEnd(b []byte) int {
	for from := 0; ; {
		i := bytes.IndexByte(b[from:], '\n')
		if i < 0 {
			return -1
		}
		i += from
		k := 0
		for k < i && b[i-1-k] == '\\' {
			k++
		}
		if k%2 == 0 {
			return i
		}
		from = i + 1
	}
}

// unescapeText reads the backslash escapes of the text format.
func unescapeText(raw []byte) ([]byte, error) {
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw, nil
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		b := raw[i]
		if b != '\\' || i+1 == len(raw) {
			out = append(out, b)
			continue
		}
		i++
		switch e := raw[i]; e {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'v':
			out = append(out, '\v')
		case 'x':
			v, k := 0, 0
			for k < 2 && i+1 < len(raw) && isHex(raw[i+1]) {
				i++
				v = v*16 + hexVal(raw[i])
				k++
			}
			if k == 0 {
				out = append(out, 'x')
			} else {
				out = append(out, byte(v))
			}
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(e - '0')
			for k := 0; k < 2 && i+1 < len(raw) && raw[i+1] >= '0' && raw[i+1] <= '7'; k++ {
				i++
				v = v*8 + int(raw[i]-'0')
			}
			out = append(out, byte(v))
		default:
			out = append(out, e)
		}
	}
	if !utf8.Valid(out) {
		return nil, pgcode.New(pgcode.CharacterNotInRepertoire, `invalid byte sequence for encoding "UTF8"`)
	}
	return out, nil
}

func isHex(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F'
}

func hexVal(b byte) int {
	switch {
	case b >= 'a':
		return int(b-'a') + 10
	case b >= 'A':
		return int(b-'A') + 10
	}
	return int(b - '0')
}

// splitCSV splits the first record of b, which may span lines inside
// quotes, as PostgreSQL reads CSV: a quote opens a quoted part anywhere
// in a field; inside one, the escape character takes the quote or escape
// that follows it literally (a doubled quote, by default); an unquoted
// field equal to the null string is NULL.
func (c *CopyIn) splitCSV(b []byte, final bool) (n int, fields []field, err error) {
	o := c.opts
	// The end-of-data marker is a line of its own.
	if end := bytes.IndexByte(b, '\n'); end >= 0 || final {
		line := b
		if end >= 0 {
			line = b[:end]
		}
		if string(bytes.TrimSuffix(line, []byte{'\r'})) == `\.` {
			c.ended = true
			if end < 0 {
				return len(b), nil, nil
			}
			return end + 1, nil, nil
		}
	}
	// A field's text is a slice of b, unless quotes make it differ from
	// its bytes: then it is copied into the line's arena, which only
	// grows while the line is read (earlier fields keep their bytes).
	fields = c.fields[:0]
	arena := c.arena[:0]
	defer func() { c.fields, c.arena = fields[:0], arena[:0] }()
	start, mark := 0, 0
	copied, quoted, inQuote := false, false, false
	push := func(end int) {
		text := b[start:end]
		if copied {
			text = arena[mark:len(arena):len(arena)]
		}
		fields = append(fields, field{text: text, quoted: quoted, null: !quoted && string(text) == o.null})
		start, copied, quoted = end+1, false, false
	}
	for i := 0; i < len(b); i++ {
		ch := b[i]
		if inQuote {
			if ch == o.escape && i+1 < len(b) && (b[i+1] == o.quote || b[i+1] == o.escape) {
				arena = append(arena, b[i+1])
				i++
				continue
			}
			if ch == o.escape || ch == o.quote {
				if i+1 == len(b) && !final {
					return 0, nil, nil // what follows decides: wait for it
				}
				if ch == o.quote {
					inQuote = false
					continue
				}
			}
			arena = append(arena, ch)
			continue
		}
		switch ch {
		case o.quote:
			if !copied {
				mark = len(arena)
				arena = append(arena, b[start:i]...)
				copied = true
			}
			inQuote, quoted = true, true
		case o.delim:
			push(i)
		case '\n', '\r':
			push(i)
			if ch == '\r' && i+1 < len(b) && b[i+1] == '\n' {
				i++
			} else if ch == '\r' && i+1 == len(b) && !final {
				return 0, nil, nil // \r\n may be cut in two
			}
			return i + 1, fields, nil
		default:
			if copied {
				arena = append(arena, ch)
			}
		}
	}
	if !final {
		return 0, nil, nil
	}
	if inQuote {
		c.line++
		return 0, nil, pgcode.New(pgcode.BadCopyFileFormat, "unterminated CSV quoted field")
	}
	push(len(b))
	return len(b), fields, nil
}

// row inserts the row of one line's fields.
func (c *CopyIn) row(fields []field) error {
	if c.hdr {
		c.hdr = false
		if c.opts.headerMatch {
			if len(fields) != len(c.Columns) {
				return c.context(pgcode.Newf(pgcode.BadCopyFileFormat, "wrong number of fields in header line: got %d, expected %d", len(fields), len(c.Columns)), -1, nil)
			}
			for i, f := range fields {
				if f.null || string(f.text) != c.Columns[i].Name {
					return c.context(pgcode.Newf(pgcode.BadCopyFileFormat, "column name mismatch in header line field %d: got %q, expected %q", i+1, f.text, c.Columns[i].Name), -1, nil)
				}
			}
		}
		return nil
	}
	if len(fields) == 1 && len(c.Columns) != 1 && !fields[0].quoted && len(fields[0].text) == 0 && !fields[0].null {
		fields = nil // an empty line
	}
	if len(fields) < len(c.Columns) {
		return c.context(pgcode.Newf(pgcode.BadCopyFileFormat, "missing data for column %q", c.Columns[len(fields)].Name), -1, nil)
	}
	if len(fields) > len(c.Columns) {
		return c.context(pgcode.New(pgcode.BadCopyFileFormat, "extra data after last expected column"), -1, nil)
	}
	tc := c.s.TypesContext()
	for i, f := range fields {
		col := c.Columns[i]
		null := f.null
		if c.opts.format == copyCSV {
			if c.opts.forceNotNul[col.Name] {
				null = false
			}
			if c.opts.forceNull[col.Name] && string(f.text) == c.opts.null {
				null = true
			}
		}
		if null {
			c.vals[i] = nil
			continue
		}
		if !utf8.Valid(f.text) {
			return c.context(pgcode.New(pgcode.CharacterNotInRepertoire, `invalid byte sequence for encoding "UTF8"`), i, nil)
		}
		v, err := types.ParseText(string(f.text), col.Type, tc)
		if err != nil {
			return c.context(err, i, f.text)
		}
		c.vals[i] = v
	}
	if err := c.ctx.Err(); err != nil {
		return err
	}
	return c.queue(c.vals)
}

// parseBinary reads the binary format's header and complete tuples.
func (c *CopyIn) parseBinary(b []byte) (int, error) {
	used := 0
	if c.hdr {
		if len(b) < len(binarySignature)+8 {
			return 0, nil
		}
		if !bytes.Equal(b[:len(binarySignature)], binarySignature) {
			return 0, pgcode.New(pgcode.BadCopyFileFormat, "COPY file signature not recognized")
		}
		flags := binary.BigEndian.Uint32(b[len(binarySignature):])
		if flags&(1<<16) != 0 {
			return 0, pgcode.New(pgcode.BadCopyFileFormat, "COPY file has OIDs: not supported")
		}
		ext := int(binary.BigEndian.Uint32(b[len(binarySignature)+4:]))
		if ext < 0 || len(b) < len(binarySignature)+8+ext {
			if ext < 0 {
				return 0, pgcode.New(pgcode.BadCopyFileFormat, "invalid COPY file header (negative length)")
			}
			return 0, nil
		}
		used = len(binarySignature) + 8 + ext
		c.hdr = false
	}
	for !c.ended {
		rest := b[used:]
		if len(rest) < 2 {
			break
		}
		n := int(int16(binary.BigEndian.Uint16(rest)))
		if n == -1 {
			c.ended = true
			used += 2
			break
		}
		c.line++
		if n != len(c.Columns) {
			return used, c.context(pgcode.Newf(pgcode.BadCopyFileFormat, "row field count is %d, expected %d", n, len(c.Columns)), -1, nil)
		}
		at, complete := 2, true
		for i := 0; i < n; i++ {
			if len(rest) < at+4 {
				complete = false
				break
			}
			l := int(int32(binary.BigEndian.Uint32(rest[at:])))
			at += 4
			if l == -1 {
				c.vals[i] = nil
				continue
			}
			if l < 0 {
				return used, c.context(pgcode.New(pgcode.BadCopyFileFormat, "invalid field size"), i, nil)
			}
			if len(rest) < at+l {
				complete = false
				break
			}
			v, err := types.ParseBinary(rest[at:at+l], c.Columns[i].Type)
			if err != nil {
				return used, c.context(err, i, nil)
			}
			c.vals[i] = v
			at += l
		}
		if !complete {
			c.line--
			break
		}
		if err := c.ctx.Err(); err != nil {
			return used, err
		}
		if err := c.ins.Insert(c.vals); err != nil {
			if kerr := c.keysBefore(err); kerr != nil {
				return used, kerr
			}
			return used, c.context(err, -1, nil)
		}
		if err := c.noteInserted(c.line); err != nil {
			return used, err
		}
		used += at
	}
	return used, nil
}
