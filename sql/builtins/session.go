package builtins

import (
	"math/rand/v2"
	"time"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Functions of the session and the clock.

// Version is DriftDB's own version, and ServerVersion the PostgreSQL
// version it reports: the PostgreSQL release whose catalog DriftDB mirrors
// (pg_catalog's columns and built-in rows are 15's), in the form libpq,
// pgjdbc and SQLAlchemy parse.
const (
	Version       = "0.1.0"
	ServerVersion = "15.18"
)

// VersionString is what version() returns.
func VersionString() string {
	return "PostgreSQL " + ServerVersion + " (DriftDB " + Version + ") on x86_64-pc-linux-gnu, compiled by Go, 64-bit"
}

var _ = register(sessionFuncs()...)

func sessionFuncs() []*Overload {
	now := func(c *Context, _ []types.Datum) (types.Datum, error) {
		return types.TimestampTZFromTime(c.TxnTime), nil
	}
	text := func(f func(c *Context) string) func(*Context, []types.Datum) (types.Datum, error) {
		return func(c *Context, _ []types.Datum) (types.Datum, error) { return f(c), nil }
	}
	return []*Overload{
		{Name: "now", Ret: types.TimestampTZ, Fn: now, Volatility: Stable, Oid: 1299},
		{Name: "transaction_timestamp", Ret: types.TimestampTZ, Fn: now, Volatility: Stable},
		{Name: "statement_timestamp", Ret: types.TimestampTZ, Volatility: Stable,
			Fn: func(c *Context, _ []types.Datum) (types.Datum, error) {
				return types.TimestampTZFromTime(c.StatementTime), nil
			}},
		{Name: "clock_timestamp", Ret: types.TimestampTZ, Volatility: Volatile,
			Fn: func(*Context, []types.Datum) (types.Datum, error) {
				return types.TimestampTZFromTime(time.Now()), nil
			}},
		{Name: "current_date", Ret: types.Date, Volatility: Stable,
			Fn: func(c *Context, _ []types.Datum) (types.Datum, error) {
				return types.DateFromTime(c.TxnTime.In(location(c))), nil
			}},
		{Name: "localtimestamp", Ret: types.Timestamp, Volatility: Stable,
			Fn: func(c *Context, _ []types.Datum) (types.Datum, error) {
				return types.TimestampFromTime(c.TxnTime.In(location(c))), nil
			}},
		{Name: "current_user", Ret: types.Name, Fn: text(func(c *Context) string { return c.Session.User() }), Volatility: Stable},
		{Name: "session_user", Ret: types.Name, Fn: text(func(c *Context) string { return c.Session.User() }), Volatility: Stable},
		{Name: "current_database", Ret: types.Name, Fn: text(func(c *Context) string { return c.Session.Database() }), Volatility: Stable},
		{Name: "current_schema", Ret: types.Name, Fn: text(func(*Context) string { return "public" }), Volatility: Stable},
		{Name: "version", Ret: types.Text, Fn: text(func(*Context) string { return VersionString() }), Volatility: Stable},
		{Name: "pg_backend_pid", Ret: types.Int4, Volatility: Stable,
			Fn: func(c *Context, _ []types.Datum) (types.Datum, error) { return int64(c.Session.BackendPID()), nil }},
		{Name: "current_setting", Args: []*types.T{types.Text}, Ret: types.Text, Strict: true, Volatility: Stable,
			Fn: func(c *Context, a []types.Datum) (types.Datum, error) {
				v, ok := c.Session.Setting(a[0].(string))
				if !ok {
					return nil, pgcode.Newf(pgcode.UndefinedObject, "unrecognized configuration parameter %q", a[0].(string))
				}
				return v, nil
			}},
		{Name: "current_setting", Args: []*types.T{types.Text, types.Bool}, Ret: types.Text, Strict: true, Volatility: Stable,
			Fn: func(c *Context, a []types.Datum) (types.Datum, error) {
				v, ok := c.Session.Setting(a[0].(string))
				if !ok {
					if a[1].(bool) {
						return nil, nil
					}
					return nil, pgcode.Newf(pgcode.UndefinedObject, "unrecognized configuration parameter %q", a[0].(string))
				}
				return v, nil
			}},
		{Name: "set_config", Args: []*types.T{types.Text, types.Text, types.Bool}, Ret: types.Text, Volatility: Volatile,
			Fn: func(c *Context, a []types.Datum) (types.Datum, error) {
				if a[0] == nil {
					return nil, pgcode.New(pgcode.NullValueNotAllowed, "SET requires parameter name")
				}
				val, _ := a[1].(string)
				local, _ := a[2].(bool)
				if err := c.Session.SetSetting(a[0].(string), val, local); err != nil {
					return nil, err
				}
				v, _ := c.Session.Setting(a[0].(string))
				return v, nil
			}},
		{Name: "pg_sleep", Args: []*types.T{types.Float8}, Ret: types.Void, Strict: true, Volatility: Volatile,
			Fn: func(c *Context, a []types.Datum) (types.Datum, error) {
				// void: an empty value, not NULL, as PostgreSQL's.
				d := time.Duration(a[0].(float64) * float64(time.Second))
				if d <= 0 {
					return "", nil
				}
				t := time.NewTimer(d)
				defer t.Stop()
				select {
				case <-t.C:
					return "", nil
				case <-c.Ctx.Done():
					return nil, c.Ctx.Err()
				}
			}},
		{Name: "random", Ret: types.Float8, Volatility: Volatile,
			Fn: func(*Context, []types.Datum) (types.Datum, error) { return rand.Float64(), nil }},
	}
}

// location is the session's time zone.
func location(c *Context) *time.Location {
	if c.Types != nil && c.Types.TimeZone != nil {
		return c.Types.TimeZone
	}
	return time.UTC
}
