package main

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// heapGovernor keeps the collector's soft memory limit at the larger of a
// floor and half again the heap that was live at the last collection.
//
// Go lets the heap grow by what is live (GOGC=100) before it collects. A
// server's live heap is mostly its rows, whose size the data sets, so
// that headroom is memory in proportion to the data: 2 million rows of
// 22 million versions held about 470 MB live and up to 2 GB in all. A
// lower GOGC bounds it, but costs a small heap as much: with GOGC=50,
// over 100,000 rows, inserts by 16 clients ran about a fifth slower. The
// governor leaves a heap below the floor to GOGC alone, and above it
// lets it grow by half of what is live, as GOGC=50 would: the limit
// follows the live heap, so the collector never runs flat out against a
// limit below it.
type heapGovernor struct {
	floor int64
	stop  func()
}

// governHeap starts a governor with the given floor, checking the live
// heap every interval. Its stop lifts the limit it set.
func governHeap(floor int64, interval time.Duration) *heapGovernor {
	g := &heapGovernor{floor: floor}
	g.set()
	stop := every(interval, g.set)
	g.stop = func() {
		stop()
		debug.SetMemoryLimit(1<<63 - 1)
	}
	return g
}

// limitFor returns the limit for a live heap of live bytes.
func (g *heapGovernor) limitFor(live int64) int64 { return max(g.floor, live+live/2) }

func (g *heapGovernor) set() {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	debug.SetMemoryLimit(g.limitFor(int64(s[0].Value.Uint64())))
}

// every calls fn every interval until the returned stop is called; stop
// returns once fn no longer runs.
func every(interval time.Duration, fn func()) (stop func()) {
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
