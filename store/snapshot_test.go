package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

func writeSnap(t *testing.T, s *Store, stream string, seq uint64, data []byte) {
	t.Helper()
	err := s.WriteSnapshot(stream, seq, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	createStreams(t, s, "a")
	rng := rand.New(rand.NewPCG(3, 4))
	// Compressible, not trivially: 8-byte words drawn at random from 4,096,
	// as the fields of a table's rows repeat.
	words := make([]uint64, 4096)
	for i := range words {
		words[i] = rng.Uint64()
	}
	big := make([]byte, 3<<20)
	for i := 0; i < len(big); i += 8 {
		binary.LittleEndian.PutUint64(big[i:], words[rng.IntN(len(words))])
	}
	writeSnap(t, s, "a", 100, []byte("small"))
	writeSnap(t, s, "a", 2000, big)
	writeSnap(t, s, "a", 5, nil)
	s.Close()
	s = openT(t, dir, Options{})
	defer s.Close()
	seqs, err := s.Snapshots("a")
	if err != nil || len(seqs) != 3 || seqs[0] != 2000 || seqs[1] != 100 || seqs[2] != 5 {
		t.Fatalf("Snapshots = %v, %v", seqs, err)
	}
	for seq, want := range map[uint64][]byte{100: []byte("small"), 2000: big, 5: nil} {
		got, err := s.ReadSnapshot("a", seq)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("snapshot %d: %d bytes, %v", seq, len(got), err)
		}
	}
	if fileSize(t, s.snapshotPath("a", 2000)) >= int64(len(big)) {
		t.Fatal("snapshot is not compressed")
	}
	if err := s.RemoveSnapshot("a", 100); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadSnapshot("a", 100); !errors.Is(err, ErrSnapshotNotFound) {
		t.Fatalf("removed snapshot: %v", err)
	}
}

// TestSnapshotDamage: any damaged byte, a cut, or a file under another
// seq's name reads as an error, never as data.
func TestSnapshotDamage(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	defer s.Close()
	createStreams(t, s, "a")
	data := bytes.Repeat([]byte("driftdb snapshot "), 500)
	writeSnap(t, s, "a", 42, data)
	path := s.snapshotPath("a", 42)
	good, _ := os.ReadFile(path)
	for off := range good {
		bad := append([]byte(nil), good...)
		bad[off] ^= 0x04
		os.WriteFile(path, bad, 0o644)
		if got, err := s.ReadSnapshot("a", 42); !errors.Is(err, ErrSnapshotDamaged) {
			t.Fatalf("flip at %d: %d bytes, err %v", off, len(got), err)
		}
	}
	for _, n := range []int{0, 10, len(good) / 2, len(good) - 1} {
		os.WriteFile(path, good[:n], 0o644)
		if _, err := s.ReadSnapshot("a", 42); !errors.Is(err, ErrSnapshotDamaged) {
			t.Fatalf("cut at %d: %v", n, err)
		}
	}
	os.WriteFile(path, good, 0o644)
	os.Rename(path, s.snapshotPath("a", 43))
	if _, err := s.ReadSnapshot("a", 43); !errors.Is(err, ErrSnapshotDamaged) {
		t.Fatalf("renamed snapshot: %v", err)
	}
}

func TestSnapshotWriteErrorLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	defer s.Close()
	createStreams(t, s, "a")
	boom := errors.New("boom")
	err := s.WriteSnapshot("a", 7, func(w io.Writer) error {
		w.Write([]byte("partial"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, tablesDir, "a", snapshotsDir))
	if len(ents) != 0 {
		t.Fatalf("failed snapshot left %d files", len(ents))
	}
}
