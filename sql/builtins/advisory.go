package builtins

import (
	"context"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// AdvisoryKey names an advisory lock: one bigint, or a pair of integers
// (a key space of its own, as in PostgreSQL).
type AdvisoryKey struct {
	Key  int64
	Pair bool
}

// AdvisoryLocker is what a session that keeps advisory locks offers the
// pg_advisory_* functions.
type AdvisoryLocker interface {
	// AdvisoryLock takes k, shared or exclusive, for the session or its
	// transaction; with try it reports false rather than wait.
	AdvisoryLock(ctx context.Context, k AdvisoryKey, shared, xact, try bool) (bool, error)
	// AdvisoryUnlock gives back one session-level hold of k.
	AdvisoryUnlock(k AdvisoryKey, shared bool) bool
	// AdvisoryUnlockAll gives back every session-level hold.
	AdvisoryUnlockAll()
}

func advisoryLocker(c *Context) (AdvisoryLocker, error) {
	if l, ok := c.Session.(AdvisoryLocker); ok {
		return l, nil
	}
	return nil, pgcode.New(pgcode.FeatureNotSupported, "advisory locks are not available here")
}

// advisoryKeyOf reads a call's key: one bigint, or two integers.
func advisoryKeyOf(a []types.Datum) AdvisoryKey {
	if len(a) == 2 {
		return AdvisoryKey{Key: a[0].(int64)<<32 | a[1].(int64)&0xffffffff, Pair: true}
	}
	return AdvisoryKey{Key: a[0].(int64)}
}

var _ = register(advisoryFuncs()...)

func advisoryFuncs() []*Overload {
	one, two := ts(types.Int8), ts(types.Int4, types.Int4)
	lock := func(shared, xact bool) fnBody {
		return func(c *Context, a []types.Datum) (types.Datum, error) {
			l, err := advisoryLocker(c)
			if err != nil {
				return nil, err
			}
			_, err = l.AdvisoryLock(c.Ctx, advisoryKeyOf(a), shared, xact, false)
			return "", err
		}
	}
	try := func(shared, xact bool) fnBody {
		return func(c *Context, a []types.Datum) (types.Datum, error) {
			l, err := advisoryLocker(c)
			if err != nil {
				return nil, err
			}
			return l.AdvisoryLock(c.Ctx, advisoryKeyOf(a), shared, xact, true)
		}
	}
	unlock := func(shared bool) fnBody {
		return func(c *Context, a []types.Datum) (types.Datum, error) {
			l, err := advisoryLocker(c)
			if err != nil {
				return nil, err
			}
			if l.AdvisoryUnlock(advisoryKeyOf(a), shared) {
				return true, nil
			}
			mode := "ExclusiveLock"
			if shared {
				mode = "ShareLock"
			}
			c.warn(pgcode.Warning, "you don't own a lock of type "+mode)
			return false, nil
		}
	}
	unlockAll := func(c *Context, _ []types.Datum) (types.Datum, error) {
		l, err := advisoryLocker(c)
		if err != nil {
			return nil, err
		}
		l.AdvisoryUnlockAll()
		return "", nil
	}
	V, B := types.Void, types.Bool
	return []*Overload{
		def(2880, "pg_advisory_lock", one, V, lock(false, false)).volatile(),
		def(3089, "pg_advisory_xact_lock", one, V, lock(false, true)).volatile(),
		def(2881, "pg_advisory_lock_shared", one, V, lock(true, false)).volatile(),
		def(3090, "pg_advisory_xact_lock_shared", one, V, lock(true, true)).volatile(),
		def(2882, "pg_try_advisory_lock", one, B, try(false, false)).volatile(),
		def(3091, "pg_try_advisory_xact_lock", one, B, try(false, true)).volatile(),
		def(2883, "pg_try_advisory_lock_shared", one, B, try(true, false)).volatile(),
		def(3092, "pg_try_advisory_xact_lock_shared", one, B, try(true, true)).volatile(),
		def(2884, "pg_advisory_unlock", one, B, unlock(false)).volatile(),
		def(2885, "pg_advisory_unlock_shared", one, B, unlock(true)).volatile(),
		def(2886, "pg_advisory_lock", two, V, lock(false, false)).volatile(),
		def(3093, "pg_advisory_xact_lock", two, V, lock(false, true)).volatile(),
		def(2887, "pg_advisory_lock_shared", two, V, lock(true, false)).volatile(),
		def(3094, "pg_advisory_xact_lock_shared", two, V, lock(true, true)).volatile(),
		def(2888, "pg_try_advisory_lock", two, B, try(false, false)).volatile(),
		def(3095, "pg_try_advisory_xact_lock", two, B, try(false, true)).volatile(),
		def(2889, "pg_try_advisory_lock_shared", two, B, try(true, false)).volatile(),
		def(3096, "pg_try_advisory_xact_lock_shared", two, B, try(true, true)).volatile(),
		def(2890, "pg_advisory_unlock", two, B, unlock(false)).volatile(),
		def(2891, "pg_advisory_unlock_shared", two, B, unlock(true)).volatile(),
		def(2892, "pg_advisory_unlock_all", nil, V, unlockAll).volatile(),
	}
}
