package engine

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
)

// stallStats are the latencies of point reads made while a commit write
// stalled.
type stallStats struct {
	reads         int
	p50, p99, max time.Duration
	commit        time.Duration // how long the stalled commit took
	gcs           uint32        // garbage collections during the stall
}

// readsDuringStall opens a database on the operating system's files,
// makes its next commit write take stall, and measures point reads from
// four goroutines meanwhile, with garbage being made and collected as in
// a server. Each reader has a schedule (a read every millisecond) and a
// read's latency runs from when it was due, so reads that could not even
// start count too. hold makes the stalled write keep its processor, as a
// raw system call (RawSyscall) does.
func readsDuringStall(tb testing.TB, stall time.Duration, hold bool) stallStats {
	faults := vfs.NewFaultFS(vfs.OS())
	db, err := Open(tb.TempDir(), Options{Store: store.Options{FS: faults}, SnapshotEvents: -1, SnapshotBytes: -1})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateTable(TableSpec{Name: "u", PK: "id"}); err != nil {
		tb.Fatal(err)
	}
	const rows = 20_000
	tx := db.Begin()
	for k := range rows {
		if _, err := tx.Insert("u", fmt.Appendf(nil, `{"id": %d, "email": "user%d@example.com", "n": %d}`, k, k, k)); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := tx.Commit(ctx); err != nil {
		tb.Fatal(err)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	type sample struct {
		due time.Time
		lat time.Duration
	}
	samples := make([][]sample, 4)
	for g := range samples {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			due := time.Now()
			for {
				select {
				case <-stop:
					return
				default:
				}
				due = due.Add(time.Millisecond)
				if d := time.Until(due); d > 0 {
					time.Sleep(d)
				}
				r, ok, err := db.View().Get("u", int64(rng.IntN(rows)))
				if err == nil && ok {
					_, err = r.Doc()
				}
				if err != nil || !ok {
					tb.Errorf("read: %v %v", ok, err)
					return
				}
				samples[g] = append(samples[g], sample{due, time.Since(due)})
			}
		})
	}
	var garbage [][]byte
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			garbage = append(garbage[:0], make([]byte, 256<<10))
		}
	})
	time.Sleep(200 * time.Millisecond) // readers on their schedule
	faults.Inject(vfs.Fault{Ops: vfs.OpWrite, Path: "segments/", Times: 1, Delay: stall, HoldProcessor: hold})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err = db.Insert(ctx, "u", []byte(`{"id": -1}`))
	end := time.Now()
	runtime.ReadMemStats(&after)
	close(stop)
	wg.Wait()
	if err != nil {
		tb.Fatal(err)
	}
	var lat []time.Duration
	for _, s := range samples {
		for _, x := range s {
			if !x.due.Before(start) && x.due.Before(end) {
				lat = append(lat, x.lat)
			}
		}
	}
	if len(lat) == 0 {
		tb.Fatal("no reads during the stall")
	}
	slices.Sort(lat)
	at := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))] }
	return stallStats{reads: len(lat), p50: at(0.5), p99: at(0.99), max: lat[len(lat)-1],
		commit: end.Sub(start), gcs: after.NumGC - before.NumGC}
}

// TestStalledCommitDoesNotStopReaders: a commit write that takes a second
// (5 s in make torture) does not hold up readers: their p99 stays far
// below the stall. A write that kept its processor through the stall, as
// the raw system call commits were once written with, stops every reader
// at the first garbage collection, for the rest of the stall
// (BenchmarkReadsDuringStall measures both).
func TestStalledCommitDoesNotStopReaders(t *testing.T) {
	stall := time.Second
	if torture() {
		stall = 5 * time.Second
	}
	st := readsDuringStall(t, stall, false)
	t.Logf("commit took %v; %d reads during it: p50 %v, p99 %v, max %v; %d GCs",
		st.commit, st.reads, st.p50, st.p99, st.max, st.gcs)
	if st.commit < stall {
		t.Fatalf("the commit took %v: the stall was not injected", st.commit)
	}
	if st.p99 > stall/5 {
		t.Fatalf("readers waited for the stalled write: p99 %v, max %v", st.p99, st.max)
	}
}

// BenchmarkReadsDuringStall reports the latency of point reads while a
// commit write takes 5 s, with the write an ordinary system call (as the
// store makes it) and holding its processor (as a raw system call would).
// One stall per iteration; run with -benchtime=1x.
func BenchmarkReadsDuringStall(b *testing.B) {
	for _, hold := range []bool{false, true} {
		name := "write=ordinary"
		if hold {
			name = "write=raw"
		}
		b.Run(name, func(b *testing.B) {
			var st stallStats
			for range b.N {
				st = readsDuringStall(b, 5*time.Second, hold)
			}
			b.ReportMetric(float64(st.p50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(st.p99.Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(st.max.Microseconds())/1000, "max-ms")
			b.ReportMetric(float64(st.gcs), "GCs")
		})
	}
}
