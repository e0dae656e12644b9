package builtins

import (
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Sequencer is what a session offers the sequence functions: the
// sequences are the database's, currval and lastval the session's.
type Sequencer interface {
	Nextval(name string) (int64, error)
	Currval(name string) (int64, error)
	Setval(name string, v int64, called bool) (int64, error)
	Lastval() (int64, error)
}

func sequencer(c *Context) (Sequencer, error) {
	if sq, ok := c.Session.(Sequencer); ok {
		return sq, nil
	}
	return nil, pgcode.New(pgcode.FeatureNotSupported, "sequences are not available here")
}

var _ = register(
	def(1574, "nextval", ts(types.Text), types.Int8, func(c *Context, a []types.Datum) (types.Datum, error) {
		sq, err := sequencer(c)
		if err != nil {
			return nil, err
		}
		return sq.Nextval(a[0].(string))
	}).volatile(),
	def(1575, "currval", ts(types.Text), types.Int8, func(c *Context, a []types.Datum) (types.Datum, error) {
		sq, err := sequencer(c)
		if err != nil {
			return nil, err
		}
		return sq.Currval(a[0].(string))
	}).volatile(),
	def(2560, "lastval", nil, types.Int8, func(c *Context, _ []types.Datum) (types.Datum, error) {
		sq, err := sequencer(c)
		if err != nil {
			return nil, err
		}
		return sq.Lastval()
	}).volatile(),
	def(1576, "setval", ts(types.Text, types.Int8), types.Int8, func(c *Context, a []types.Datum) (types.Datum, error) {
		sq, err := sequencer(c)
		if err != nil {
			return nil, err
		}
		return sq.Setval(a[0].(string), a[1].(int64), true)
	}).volatile(),
	def(1765, "setval", ts(types.Text, types.Int8, types.Bool), types.Int8, func(c *Context, a []types.Datum) (types.Datum, error) {
		sq, err := sequencer(c)
		if err != nil {
			return nil, err
		}
		return sq.Setval(a[0].(string), a[1].(int64), a[2].(bool))
	}).volatile(),
)

// volatile marks an overload VOLATILE: it is called on every row and
// never folded.
func (o *Overload) volatile() *Overload { o.Volatility = Volatile; return o }

// serialSequencer answers pg_get_serial_sequence.
type serialSequencer interface {
	SerialSequence(table, column string) (string, bool, error)
}

var _ = register(
	def(1665, "pg_get_serial_sequence", ts(types.Text, types.Text), types.Text, func(c *Context, a []types.Datum) (types.Datum, error) {
		sq, ok := c.Session.(serialSequencer)
		if !ok {
			return nil, nil
		}
		name, found, err := sq.SerialSequence(a[0].(string), a[1].(string))
		if err != nil || !found {
			return nil, err
		}
		return name, nil
	}).stable(),
)

// Operator classes, text search objects and the rest live in pg_catalog
// or public, both on the search path: every one is visible. (Types,
// functions, operators and collations are visible when they exist: see
// catfuncs.go.)
var _ = register(
	visibleFn(2083, "pg_opclass_is_visible"),
	visibleFn(3829, "pg_opfamily_is_visible"),
	visibleFn(2093, "pg_conversion_is_visible"),
	visibleFn(3756, "pg_ts_parser_is_visible"),
	visibleFn(3757, "pg_ts_dict_is_visible"),
	visibleFn(3768, "pg_ts_template_is_visible"),
	visibleFn(3758, "pg_ts_config_is_visible"),
)

func visibleFn(oid uint32, name string) *Overload {
	return def(oid, name, ts(types.OidT), types.Bool, func(_ *Context, a []types.Datum) (types.Datum, error) {
		return a[0].(int64) != 0, nil
	}).stable()
}

// SequenceStater reads a sequence's state, for a sequence read as a
// relation (SELECT last_value, is_called FROM s).
type SequenceStater interface {
	SequenceState(name string) (last int64, called bool, err error)
}

func sequenceState(c *Context, name string) (int64, bool, error) {
	st, ok := c.Session.(SequenceStater)
	if !ok {
		return 0, false, pgcode.New(pgcode.FeatureNotSupported, "sequences are not available here")
	}
	return st.SequenceState(name)
}

// SeqLastValue and SeqIsCalled are the columns last_value and is_called
// of a sequence read as a relation. They are no functions of pg_proc: the
// binder calls them for such a read.
var (
	SeqLastValue = (&Overload{Name: "last_value", Args: ts(types.Text), Ret: types.Int8, Strict: true,
		Fn: func(c *Context, a []types.Datum) (types.Datum, error) {
			last, _, err := sequenceState(c, a[0].(string))
			return last, err
		}}).volatile()
	SeqIsCalled = (&Overload{Name: "is_called", Args: ts(types.Text), Ret: types.Bool, Strict: true,
		Fn: func(c *Context, a []types.Datum) (types.Datum, error) {
			_, called, err := sequenceState(c, a[0].(string))
			return called, err
		}}).volatile()
)
