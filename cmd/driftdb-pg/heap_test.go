package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

// TestHeapGovernor: the target is Go's default for a heap well below the
// floor, 50 for one above it and in between what lets the heap reach the
// floor; a running governor sets it from the live heap, and its stop puts
// back the default.
func TestHeapGovernor(t *testing.T) {
	g := &heapGovernor{floor: 640 << 20}
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
	gov := governHeap(16<<20, 10*time.Millisecond)
	if n := gogc(); n != 50 {
		gov.stop()
		t.Fatalf("the target is %d over a live heap 4 times the floor, want 50", n)
	}
	gov.stop()
	if n := gogc(); n != 100 {
		t.Fatalf("the target is %d after the governor stopped", n)
	}
	runtime.KeepAlive(held)
}

// TestGoverned: the server governs the collector unless a memory limit or
// GOGC is given, and its floor at the default cache is 640 MB.
func TestGoverned(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	os.Unsetenv("GOGC")
	os.Unsetenv("GOMEMLIMIT")
	if !governed(&options{}) {
		t.Fatal("not governed with nothing given")
	}
	if governed(&options{memoryLimit: 1 << 30}) {
		t.Fatal("governed with --memory-limit")
	}
	t.Setenv("GOGC", "80")
	if governed(&options{}) {
		t.Fatal("governed with GOGC set")
	}
	os.Unsetenv("GOGC")
	t.Setenv("GOMEMLIMIT", "1GiB")
	if governed(&options{}) {
		t.Fatal("governed with GOMEMLIMIT set")
	}
	if n := governorFloor(256 << 20); n != 384<<20 {
		t.Fatalf("floor %d at the default cache", n)
	}
}
