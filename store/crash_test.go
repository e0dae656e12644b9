package store

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// crashBatch returns the batch whose first seq is first: its size and
// streams follow from first, and each record's payload names its batch, so
// that the parent can check every batch is whole.
func crashBatch(first uint64) Batch {
	n := 1 + int(first%3)
	var b Batch
	for i := range n {
		seq := first + uint64(i)
		stream := "a"
		if (first+uint64(i))%2 == 1 {
			stream = "b"
		}
		payload := fmt.Sprintf("%d/%d/%d/%s", first, n, i, strings.Repeat("x", int(seq%200)))
		b = append(b, Entry{Stream: stream, Record: Record{Seq: seq, UnixMs: int64(first), Type: EventInsert, Payload: []byte(payload)}})
	}
	return b
}

// crashChild appends batches from 8 goroutines until killed, printing the
// first seq of each acknowledged batch.
func crashChild(dir string) {
	s, err := Open(dir, Options{SegmentSize: 32 << 10})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(1)
	}
	for _, n := range []string{"a", "b"} {
		if !s.HasStream(n) {
			if err := s.CreateStream(n); err != nil {
				fmt.Fprintln(os.Stderr, "create:", err)
				os.Exit(1)
			}
		}
	}
	out := bufio.NewWriter(os.Stdout)
	var outMu, seqMu sync.Mutex
	next := s.LastSeq() + 1
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				seqMu.Lock()
				b := crashBatch(next)
				next += uint64(len(b))
				c := s.Submit(b)
				seqMu.Unlock()
				if err := c.Wait(); err != nil {
					fmt.Fprintln(os.Stderr, "append:", err)
					os.Exit(1)
				}
				outMu.Lock()
				fmt.Fprintf(out, "%d\n", b[0].Record.Seq)
				out.Flush()
				outMu.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestCrashAcknowledgedSurvive kills a writing child with SIGKILL at random
// moments, again and again on the same directory, and checks after each
// reopen that every acknowledged batch is there, intact, and that no batch
// is there in part.
func TestCrashAcknowledgedSurvive(t *testing.T) {
	rounds := 50
	if testing.Short() {
		rounds = 5
	}
	dir := t.TempDir()
	seed := rand.Uint64() % 1_000_000_000
	if s := os.Getenv("DRIFTDB_CRASH_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("DRIFTDB_CRASH_SEED=%q: %v", s, err)
		}
	}
	t.Logf("kill times from seed %d (DRIFTDB_CRASH_SEED replays them)", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	acked := map[uint64]bool{}
	for round := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=crash", childDirEnv+"="+dir)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan uint64, 1<<16)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if v, err := strconv.ParseUint(sc.Text(), 10, 64); err == nil {
					lines <- v
				}
			}
			close(lines)
		}()
		// Wait for a first ack so the child is writing, then kill it at a
		// random moment.
		first, ok := <-lines
		if !ok {
			cmd.Wait()
			t.Fatalf("round %d: child wrote nothing: %s", round, stderr.String())
		}
		acked[first] = true
		time.Sleep(time.Duration(rng.IntN(40_000)) * time.Microsecond)
		cmd.Process.Signal(syscall.SIGKILL)
		for v := range lines {
			acked[v] = true
		}
		cmd.Wait()
		checkCrashDir(t, dir, acked, round)
	}
	t.Logf("%d rounds, %d acknowledged batches", rounds, len(acked))
}

func checkCrashDir(t *testing.T, dir string, acked map[uint64]bool, round int) {
	t.Helper()
	s, err := Open(dir, Options{SegmentSize: 32 << 10})
	if err != nil {
		t.Fatalf("round %d: reopen: %v", round, err)
	}
	defer s.Close()
	type seen struct{ n, count int }
	batches := map[uint64]*seen{}
	for _, name := range []string{"a", "b"} {
		for _, r := range readAll(t, s, name) {
			parts := strings.SplitN(string(r.Payload), "/", 4)
			first, _ := strconv.ParseUint(parts[0], 10, 64)
			n, _ := strconv.Atoi(parts[1])
			i, _ := strconv.Atoi(parts[2])
			want := crashBatch(first)
			if i >= len(want) || !sameRecord(r, want[i].Record) || want[i].Stream != name {
				t.Fatalf("round %d: record seq %d in %s is not what was written", round, r.Seq, name)
			}
			b := batches[first]
			if b == nil {
				b = &seen{n: n}
				batches[first] = b
			}
			b.count++
		}
	}
	for first, b := range batches {
		if b.count != b.n {
			t.Fatalf("round %d: batch %d has %d of its %d records", round, first, b.count, b.n)
		}
	}
	for first := range acked {
		if batches[first] == nil {
			t.Fatalf("round %d: acknowledged batch %d is lost", round, first)
		}
	}
}
