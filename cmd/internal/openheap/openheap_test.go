package openheap

import (
	"math"
	"os"
	"runtime/debug"
	"testing"
)

// TestRelax: the target and a limit of half the memory while relaxed,
// both put back by restore; nothing changed when GOGC or a memory limit
// already says how to collect.
func TestRelax(t *testing.T) {
	if _, ok := os.LookupEnv("GOGC"); ok {
		t.Skip("GOGC is set")
	}
	if _, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		t.Skip("GOMEMLIMIT is set")
	}
	total := memTotal()
	if total <= 0 {
		t.Skip("no /proc/meminfo")
	}
	restore := Relax()
	if p := debug.SetGCPercent(Percent); p != Percent {
		t.Errorf("relaxed: GOGC %d, want %d", p, Percent)
	}
	if l := debug.SetMemoryLimit(-1); l != total/2 {
		t.Errorf("relaxed: memory limit %d, want %d", l, total/2)
	}
	restore()
	if p := debug.SetGCPercent(100); p != 100 {
		t.Errorf("restored: GOGC %d", p)
	}
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		t.Errorf("restored: memory limit %d", l)
	}

	debug.SetMemoryLimit(1 << 30)
	defer debug.SetMemoryLimit(math.MaxInt64)
	restore = Relax()
	if p := debug.SetGCPercent(100); p != 100 {
		t.Errorf("with a memory limit: GOGC %d", p)
	}
	restore()
	if l := debug.SetMemoryLimit(-1); l != 1<<30 {
		t.Errorf("with a memory limit: limit %d after", l)
	}

	debug.SetMemoryLimit(math.MaxInt64)
	t.Setenv("GOGC", "100")
	restore = Relax()
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		t.Errorf("with GOGC set: limit %d", l)
	}
	if p := debug.SetGCPercent(100); p != 100 {
		t.Errorf("with GOGC set: GOGC %d", p)
	}
	restore()
}
