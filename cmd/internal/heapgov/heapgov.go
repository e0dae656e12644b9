// Package heapgov sets the garbage collector's target (GOGC) from the
// live heap, so that the memory a command takes beyond what it holds
// does not grow with the data.
//
// Go lets the heap grow by what is live (GOGC=100) before it collects. A
// database's live heap is mostly its rows, whose size the data sets, so
// that headroom is memory in proportion to the data: 2 million rows of
// 22 million versions held about 470 MB live and up to 2 GB in all in
// the server; `driftdb import` of 9 million rows 1.7 GB live and 4.1 GB
// at its peak. A fixed lower GOGC bounds it, but costs a small heap as
// much (GOGC=50, 100,000 rows: inserts by 16 clients about a fifth
// slower); a soft memory limit that follows the live heap lags a heap
// that grows fast and makes the collector run against it (a COPY of 1M
// rows 20% slower). A Governor keeps Go's default below a floor and
// moves the target down to 50 above it, checking the live heap every
// interval: the pacer then places each collection from the heap the one
// before left.
package heapgov

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// Governor sets the collector's target so that the heap may grow,
// between collections, to the larger of a floor and half again what was
// live at the last one.
type Governor struct {
	floor int64
	last  int
	stop  func()
}

// Free reports whether the collector is left to a governor: not when a
// memory limit is given (limitGiven: a command's own flag) or GOGC or
// GOMEMLIMIT says how the collector is to run.
func Free(limitGiven bool) bool {
	_, limit := os.LookupEnv("GOMEMLIMIT")
	_, gogc := os.LookupEnv("GOGC")
	return !limitGiven && !limit && !gogc
}

// Floor is the heap a governor leaves to Go's default for a cache of
// cacheSize bytes: the cache's size and 128 MB. The caches themselves
// are outside the heap (the documents' slabs, the version index's blocks
// in C memory): the floor lets the heap be as large as they are before
// the collector works harder.
func Floor(cacheSize int64) int64 { return cacheSize + 128<<20 }

// Start starts a governor with the given floor, which sets the target
// every interval. Its Stop puts back Go's default target.
func Start(floor int64, interval time.Duration) *Governor {
	g := &Governor{floor: floor}
	g.set()
	stop := Every(interval, g.set)
	g.stop = func() {
		stop()
		debug.SetGCPercent(100)
	}
	return g
}

// Stop stops the governor and puts back Go's default target.
func (g *Governor) Stop() { g.stop() }

// percentFor returns the target for a live heap of live bytes: the
// percent that lets the heap grow to the floor, between 50 and Go's 100.
func (g *Governor) percentFor(live int64) int {
	if live <= 0 {
		return 100
	}
	return int(min(100, max(50, (g.floor-live)*100/live)))
}

func (g *Governor) set() {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	if p := g.percentFor(int64(s[0].Value.Uint64())); p != g.last {
		debug.SetGCPercent(p)
		g.last = p
	}
}

// Every calls fn every interval until the returned stop is called; stop
// returns once fn no longer runs.
func Every(interval time.Duration, fn func()) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fn()
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
