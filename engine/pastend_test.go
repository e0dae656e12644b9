package engine

import (
	"errors"
	"testing"
	"time"
)

// TestViewPastEnd: a point after the last committed event, as a seq or a
// time, fails with 22023 and ErrPastEnd, which callers tell apart from
// other bad points (a history span's end is clamped on it).
func TestViewPastEnd(t *testing.T) {
	db := openDB(t, t.TempDir(), Options{})
	defer db.Close()
	_, err := db.ViewAt(db.Seq() + 1)
	if !errors.Is(err, ErrPastEnd) || Code(err) != CodeInvalidParameter {
		t.Fatalf("seq past the end: %v", err)
	}
	_, err = db.ViewAtTime(time.Now().Add(time.Hour))
	if !errors.Is(err, ErrPastEnd) || Code(err) != CodeInvalidParameter {
		t.Fatalf("time to come: %v", err)
	}
	if _, err := db.ViewAt(db.Seq()); err != nil {
		t.Fatalf("the last seq: %v", err)
	}
}
