package heapgov

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

// TestGovernor: the target is Go's default for a heap well below the
// floor, 50 for one above it and in between what lets the heap reach the
// floor; a running governor sets it from the live heap, and its Stop puts
// back the default.
func TestGovernor(t *testing.T) {
	g := &Governor{floor: 640 << 20}
	for _, c := range []struct {
		live int64
		want int
	}{
		{0, 100},
		{100 << 20, 100},
		{320 << 20, 100},
		{400 << 20, 60},
		{500 << 20, 50},
		{2 << 30, 50},
	} {
		if got := g.percentFor(c.live); got != c.want {
			t.Errorf("live %d: target %d, want %d", c.live, got, c.want)
		}
	}

	gogc := func() int {
		s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
		metrics.Read(s)
		return int(s[0].Value.Uint64())
	}
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	held := make([]byte, 64<<20) // a live heap above a floor of 16 MiB
	for i := range held {
		held[i] = byte(i)
	}
	debug.FreeOSMemory() // the live heap measured with held in it
	gov := Start(16<<20, 10*time.Millisecond)
	if n := gogc(); n != 50 {
		gov.Stop()
		t.Fatalf("the target is %d over a live heap 4 times the floor, want 50", n)
	}
	gov.Stop()
	if n := gogc(); n != 100 {
		t.Fatalf("the target is %d after the governor stopped", n)
	}
	runtime.KeepAlive(held)
}

// TestFree: the collector is left to a governor unless a memory limit or
// GOGC is given, and the floor at the default cache is 384 MB.
func TestFree(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	os.Unsetenv("GOGC")
	os.Unsetenv("GOMEMLIMIT")
	if !Free(false) {
		t.Fatal("not free with nothing given")
	}
	if Free(true) {
		t.Fatal("free with a memory limit given")
	}
	t.Setenv("GOGC", "80")
	if Free(false) {
		t.Fatal("free with GOGC set")
	}
	os.Unsetenv("GOGC")
	t.Setenv("GOMEMLIMIT", "1GiB")
	if Free(false) {
		t.Fatal("free with GOMEMLIMIT set")
	}
	if n := Floor(256 << 20); n != 384<<20 {
		t.Fatalf("floor %d at the default cache", n)
	}
}
