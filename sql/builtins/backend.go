package builtins

import (
	"time"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Functions that signal other sessions: pg_cancel_backend and
// pg_terminate_backend.

// Backends is what a Session that can signal the other sessions of its
// database offers; a Session without it signals none.
type Backends interface {
	// SignalBackend cancels the running statement of the session with
	// process id pid, or (terminate) ends its connection. It reports
	// whether there was such a session to signal.
	SignalBackend(pid int, terminate bool) bool
	// BackendLive reports whether a session with process id pid is live.
	BackendLive(pid int) bool
}

var _ = register(backendFuncs()...)

func backendFuncs() []*Overload {
	signal := func(c *Context, pid int64, terminate bool) bool {
		b, ok := c.Session.(Backends)
		return ok && b.SignalBackend(int(pid), terminate)
	}
	terminate := func(c *Context, a []types.Datum) (types.Datum, error) {
		var timeout int64
		if len(a) > 1 {
			timeout = a[1].(int64)
		}
		if timeout < 0 {
			return nil, pgcode.New(pgcode.NumericValueOutOfRange, "\"timeout\" must not be negative")
		}
		pid := a[0].(int64)
		if !signal(c, pid, true) {
			return false, nil
		}
		if timeout == 0 {
			return true, nil
		}
		return waitBackendGone(c, int(pid), time.Duration(timeout)*time.Millisecond)
	}
	full := &Overload{Name: "pg_terminate_backend", Oid: 2096, Args: []*types.T{types.Int4, types.Int8},
		Ret: types.Bool, Strict: true, Volatility: Volatile, Fn: terminate,
		ArgNames: []string{"pid", "timeout"}, Defaults: []types.Datum{int64(0)}}
	return []*Overload{
		{Name: "pg_cancel_backend", Oid: 2171, Args: []*types.T{types.Int4}, Ret: types.Bool, Strict: true, Volatility: Volatile,
			Fn: func(c *Context, a []types.Datum) (types.Datum, error) { return signal(c, a[0].(int64), false), nil }},
		{Name: "pg_terminate_backend", Args: []*types.T{types.Int4}, Ret: types.Bool, Strict: true, Volatility: Volatile,
			Fn: terminate},
		full,
	}
}

// waitBackendGone waits up to timeout for the session with process id
// pid to end, as pg_terminate_backend with a timeout does; it reports
// whether it ended.
func waitBackendGone(c *Context, pid int, timeout time.Duration) (types.Datum, error) {
	b, _ := c.Session.(Backends)
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for b.BackendLive(pid) {
		if !time.Now().Before(deadline) {
			return false, nil
		}
		select {
		case <-tick.C:
		case <-c.Ctx.Done():
			return nil, c.Ctx.Err()
		}
	}
	return true, nil
}
