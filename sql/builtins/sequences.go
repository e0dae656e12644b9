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
