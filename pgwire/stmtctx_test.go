package pgwire

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestStmtContext checks the reused statement context: a cancel ends it
// (Err, Done), the next statement gets it back clean, and once its Done
// channel was handed out a new one is made, so that whoever holds the old
// channel still sees it closed.
func TestStmtContext(t *testing.T) {
	var sc *stmtContext
	sc = sc.next()
	if sc == nil || sc.Err() != nil {
		t.Fatalf("a fresh context: %v", sc)
	}
	sc.cancel()
	if !errors.Is(sc.Err(), context.Canceled) {
		t.Fatalf("after cancel: Err %v, want context.Canceled", sc.Err())
	}
	again := sc.next()
	if again != sc {
		t.Fatal("a context whose Done was never asked for was not used again")
	}
	if again.Err() != nil {
		t.Fatalf("reused context: Err %v, want nil", again.Err())
	}

	done := again.Done()
	select {
	case <-done:
		t.Fatal("Done closed before cancel")
	default:
	}
	again.cancel()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("Done not closed by cancel")
	}
	fresh := again.next()
	if fresh == again {
		t.Fatal("a context whose Done was handed out was used again")
	}
	if fresh.Err() != nil || again.Err() == nil {
		t.Fatalf("fresh Err %v, old Err %v", fresh.Err(), again.Err())
	}

	// A deadline derived from it ends with it, and with its own timer.
	ctx, stop := context.WithTimeout(fresh, time.Hour)
	fresh.cancel()
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
		t.Fatal("derived context not cancelled with its parent")
	}
	stop()
	ctx, stop = context.WithTimeout(fresh.next(), time.Millisecond)
	defer stop()
	waitDeadline(t, ctx, "derived deadline")

	// A statement timeout: its context ends with its deadline, or when
	// the statement is cancelled, and leaves the context free for reuse.
	sc = (&stmtContext{}).next()
	ctx = sc.withTimeout(time.Millisecond)
	waitDeadline(t, ctx, "statement deadline")
	sc.cancel()
	if sc.next() != sc {
		t.Fatal("a context with a statement timeout was not used again")
	}
	ctx = sc.withTimeout(time.Hour)
	sc.cancel() // a cancel request
	select {
	case <-ctx.Done():
		if !errors.Is(ctx.Err(), context.Canceled) {
			t.Fatalf("cancelled statement with a timeout: %v", ctx.Err())
		}
	case <-time.After(time.Second):
		t.Fatal("cancel did not end the statement's deadline context")
	}

	// Done on a context cancelled before anyone asked is already closed.
	late := (&stmtContext{}).next()
	late.cancel()
	select {
	case <-late.Done():
	default:
		t.Fatal("Done of a cancelled context is open")
	}
}

// waitDeadline waits for ctx to end by its deadline.
func waitDeadline(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	select {
	case <-ctx.Done():
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Fatalf("%s: %v", what, ctx.Err())
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("%s never came", what)
	}
}
