package store

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

const benchPayload = 200 - 8 - 4 - 8 - 1 // a 200-byte record on disk with a 3-4 byte seq

func benchRecord(seq uint64, payload []byte) Record {
	return Record{Seq: seq, UnixMs: 1_700_000_000_000, Type: EventInsert, Payload: payload}
}

// BenchmarkAppend measures durable commits of one 200-byte record each,
// from one committer and from many sharing fsyncs (group commit).
func BenchmarkAppend(b *testing.B) {
	for _, writers := range []int{1, 16} {
		for _, sync := range []bool{true, false} {
			name := fmt.Sprintf("committers=%d/fsync=%v", writers, sync)
			b.Run(name, func(b *testing.B) { benchAppend(b, writers, !sync) })
		}
	}
}

func benchAppend(b *testing.B, writers int, noSync bool) {
	s := openT(b, b.TempDir(), Options{NoSync: noSync})
	defer s.Close()
	createStreams(b, s, "a")
	payload := make([]byte, benchPayload)
	b.ReportAllocs()
	b.SetBytes(200)
	var mu sync.Mutex
	next := uint64(0)
	var wg sync.WaitGroup
	per := b.N / writers
	b.ResetTimer()
	for w := range writers {
		n := per
		if w == 0 {
			n += b.N % writers
		}
		wg.Go(func() {
			for range n {
				mu.Lock()
				next++
				c := s.Submit(Batch{{Stream: "a", Record: benchRecord(next, payload)}})
				mu.Unlock()
				if err := c.Wait(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
}

// BenchmarkScan measures reading a warm stream of 200-byte records.
func BenchmarkScan(b *testing.B) {
	for _, records := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("records=%d", records), func(b *testing.B) {
			s := openT(b, b.TempDir(), Options{NoSync: true})
			defer s.Close()
			createStreams(b, s, "a")
			payload := make([]byte, benchPayload)
			batch := make(Batch, 0, 1000)
			for seq := uint64(1); seq <= uint64(records); seq++ {
				batch = append(batch, Entry{Stream: "a", Record: benchRecord(seq, payload)})
				if len(batch) == cap(batch) {
					if err := s.Append(batch); err != nil {
						b.Fatal(err)
					}
					batch = make(Batch, 0, 1000)
				}
			}
			if len(batch) > 0 {
				if err := s.Append(batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.SetBytes(s.SegmentBytes("a"))
			b.ResetTimer()
			for range b.N {
				it, err := s.NewIterator("a", 0)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for it.Next() {
					n++
				}
				it.Close()
				if n != records || it.Err() != nil {
					b.Fatalf("scanned %d records, err %v", n, it.Err())
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkReadRecord reads records of 200 bytes by seq, at random, from a
// stream of 1M (about 200 MB, in page cache).
func BenchmarkReadRecord(b *testing.B) {
	const records = 1_000_000
	s := openT(b, b.TempDir(), Options{NoSync: true})
	defer s.Close()
	createStreams(b, s, "a")
	payload := make([]byte, benchPayload)
	batch := make(Batch, 0, 1000)
	for seq := uint64(1); seq <= records; seq++ {
		batch = append(batch, Entry{Stream: "a", Record: benchRecord(seq, payload)})
		if len(batch) == cap(batch) {
			if err := s.Append(batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	// Map every segment first: the first read of a segment maps it.
	for seq := uint64(1); seq <= records; seq += 100_000 {
		if _, err := s.ReadRecord("a", seq); err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	for b.Loop() {
		seq := 1 + rng.Uint64N(records)
		rec, err := s.ReadRecord("a", seq)
		if err != nil || rec.Seq != seq {
			b.Fatalf("seq %d: read %d, %v", seq, rec.Seq, err)
		}
	}
}
