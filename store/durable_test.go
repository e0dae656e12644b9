package store

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// TestOnDone checks the function a committer leaves to run once its batch
// is done: it runs exactly once, before Wait returns, after the batch is
// readable, with Wait's error when the write failed; it cannot be set on a
// commit that is done; Start writes the batch without waiting for it.
func TestOnDone(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	defer s.Close()
	createStreams(t, s, "a")

	// Many committers at once: hooks run on whichever goroutine writes the
	// group, each once.
	const committers, each = 8, 50
	var ran [committers * each]atomic.Int32
	var hooked [committers * each]atomic.Bool
	var wg sync.WaitGroup
	var mu sync.Mutex // submit in seq order
	next := uint64(1)
	for g := 0; g < committers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				mu.Lock()
				seq := next
				next++
				c := s.Submit(Batch{{Stream: "a", Record: testRecord(seq)}})
				mu.Unlock()
				var durable atomic.Bool
				set := c.OnDone(func(err error) {
					if err != nil {
						t.Errorf("seq %d: %v", seq, err)
					}
					if s.LastSeq() < seq {
						t.Errorf("hook of seq %d ran before the store's end reached it (%d)", seq, s.LastSeq())
					}
					ran[seq-1].Add(1)
					durable.Store(true)
				})
				if !set {
					// Refused: only right if another committer's group
					// has already written and completed this batch.
					select {
					case <-c.done:
					default:
						t.Errorf("seq %d: hook refused on a pending commit", seq)
					}
				}
				hooked[seq-1].Store(set)
				if err := c.Wait(); err != nil {
					t.Error(err)
					return
				}
				if set && !durable.Load() {
					t.Errorf("seq %d: Wait returned before the hook ran", seq)
				}
				if c.OnDone(func(error) { t.Errorf("seq %d: hook set after the commit ran", seq) }) {
					t.Errorf("seq %d: hook accepted on a done commit", seq)
				}
			}
		}()
	}
	wg.Wait()
	set := 0
	for i := range ran {
		want := int32(0)
		if hooked[i].Load() {
			want = 1
			set++
		}
		if n := ran[i].Load(); n != want {
			t.Fatalf("hook of seq %d ran %d times, want %d", i+1, n, want)
		}
	}
	if set < committers*each/2 {
		t.Fatalf("only %d of %d hooks set: commits completed before their committer could set one", set, committers*each)
	}
	checkSeqs(t, s, "a", seqRange(1, committers*each))

	// A second hook is refused; the first runs. Start writes the batch
	// (here, on this goroutine: no group is being written) and returns.
	next = committers*each + 1
	c := s.Submit(Batch{{Stream: "a", Record: testRecord(next)}})
	first := false
	if !c.OnDone(func(error) { first = true }) || c.OnDone(func(error) { t.Error("second hook ran") }) {
		t.Fatal("want the first hook set and the second refused")
	}
	c.Start()
	if !first || s.LastSeq() != next {
		t.Fatalf("after Start: hook ran %v, store at seq %d, want %d", first, s.LastSeq(), next)
	}
	if err := c.Wait(); err != nil {
		t.Fatal(err)
	}

	// A batch that fails to reach the disk runs its hook with the error.
	st := s.mustStream(t, "a")
	s.w.mu.Lock()
	st.active.Close()
	if st.direct != nil {
		st.direct.w.Close()
	}
	s.w.mu.Unlock()
	c = s.Submit(Batch{{Stream: "a", Record: testRecord(next + 1)}})
	var hookErr error
	if !c.OnDone(func(err error) { hookErr = err }) {
		t.Fatal("hook refused on a pending commit")
	}
	if err := c.Wait(); !errors.Is(err, ErrFailed) || !errors.Is(hookErr, ErrFailed) {
		t.Fatalf("write on a broken file: Wait %v, hook %v", err, hookErr)
	}
	// A refused batch is done at once.
	c = s.Submit(Batch{{Stream: "a", Record: testRecord(next + 2)}})
	if c.OnDone(func(error) { t.Error("hook ran for a refused batch") }) {
		t.Fatal("hook accepted on a refused batch")
	}
}
