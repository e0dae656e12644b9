package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestHeapGovernor: the limit is the floor for a small heap and half again
// the live heap for a large one; a running governor keeps the runtime's
// limit at or above the floor and at or above the live heap, and its stop
// lifts the limit.
func TestHeapGovernor(t *testing.T) {
	g := &heapGovernor{floor: 640 << 20}
	for _, c := range []struct{ live, want int64 }{
		{0, 640 << 20},
		{100 << 20, 640 << 20},
		{400 << 20, 640 << 20},
		{500 << 20, 750 << 20},
		{2 << 30, 3 << 30},
	} {
		if got := g.limitFor(c.live); got != c.want {
			t.Errorf("live %d: limit %d, want %d", c.live, got, c.want)
		}
	}

	before := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(before)
	held := make([]byte, 64<<20) // a live heap above a floor of 16 MiB
	for i := range held {
		held[i] = byte(i)
	}
	debug.FreeOSMemory()           // the live heap measured with held in it
	debug.SetMemoryLimit(32 << 20) // below it: the governor must raise it
	gov := governHeap(16<<20, 10*time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for debug.SetMemoryLimit(-1) < 96<<20 {
		if time.Now().After(deadline) {
			n := debug.SetMemoryLimit(-1)
			gov.stop()
			t.Fatalf("the limit stayed at %d, below half again the live heap", n)
		}
		debug.FreeOSMemory() // a collection, so that the live heap is measured
		time.Sleep(20 * time.Millisecond)
	}
	gov.stop()
	if n := debug.SetMemoryLimit(-1); n != math.MaxInt64 {
		t.Fatalf("the limit is %d after the governor stopped", n)
	}
	runtime.KeepAlive(held)
}
