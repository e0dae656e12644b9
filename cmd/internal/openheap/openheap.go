// Package openheap lets the garbage collector run less while a command
// opens a database.
//
// Opening reads each table's snapshot into memory: a heap that only
// grows, and little garbage beside it. Go collects each time the heap
// doubles (GOGC=100), and each collection marks all that was loaded so
// far, on the cores the loading needs: for 9 million rows spilled to
// the version index (1 GB of heap), the command line's open took
// 2.07-2.13 s at Go's default, 2.24-2.44 s at GOGC=50 (the server's
// governor above its floor), 1.80-1.89 s at 400 and 1.74-1.84 s with no
// collection at all, the peak memory the same.
package openheap

import (
	"bufio"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// Percent is the collector's target while a database opens.
const Percent = 400

// Relax sets the collector's target to Percent until the returned
// restore is called, and bounds the heap meanwhile by a soft memory limit
// of half the machine's memory, so that an open making more garbage than
// usual (a long log to replay) collects before it crowds the machine. It
// changes nothing when GOGC or GOMEMLIMIT is set, or a memory limit
// (driftdb-pg --memory-limit), or the machine's memory is not known:
// those say how the collector is to run.
func Relax() (restore func()) {
	_, gogc := os.LookupEnv("GOGC")
	_, limit := os.LookupEnv("GOMEMLIMIT")
	total := memTotal()
	prevLimit := debug.SetMemoryLimit(-1) // reads it
	if gogc || limit || total <= 0 || prevLimit != math.MaxInt64 {
		return func() {}
	}
	debug.SetMemoryLimit(total / 2)
	prev := debug.SetGCPercent(Percent)
	return func() {
		debug.SetGCPercent(prev)
		debug.SetMemoryLimit(prevLimit)
	}
}

// memTotal returns the machine's memory in bytes from /proc/meminfo, or
// 0.
func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// MemTotal:       24551040 kB
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil || kb <= 0 {
			return 0
		}
		return kb << 10
	}
	return 0
}
