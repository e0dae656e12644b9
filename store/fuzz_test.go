package store

import (
	"path/filepath"
	"testing"

	"github.com/driftdb/driftdb/store/vfs"
)

// maxFuzzAlloc is what one fuzz input may make the decoder allocate: one
// record of the largest size plus the scan's read buffer, with slack for
// bookkeeping.
const maxFuzzAlloc = MaxRecordSize + recordHeaderSize + readAheadSize + 1<<20

func fuzzSeeds(f *testing.F) {
	var buf []byte
	for seq := uint64(1); seq <= 4; seq++ {
		r := testRecord(seq)
		buf = appendRecord(buf, &r)
		f.Add(append([]byte(nil), buf...))
	}
	cr := Record{Seq: 4, Type: EventCommit, Payload: appendCommit(nil, commitPayload{N: 4})}
	f.Add(appendRecord(append([]byte(nil), buf...), &cr))
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})
}

// FuzzDecodeRecord: the decoder never panics, never allocates beyond the
// record size limit (it aliases its input), and what it accepts re-encodes
// to the same record.
func FuzzDecodeRecord(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		var r Record
		var n int
		var err error
		if a := allocBytes(func() { r, n, err = decodeRecord(data) }); a > maxFuzzAlloc {
			t.Fatalf("decoding allocated %d bytes", a)
		}
		if err != nil {
			return
		}
		again := appendRecord(nil, &r)
		if string(again) != string(data[:n]) {
			// Only a non-minimal varint may differ; it must still decode
			// to the same record.
			r2, _, err := decodeRecord(again)
			if err != nil || !sameRecord(r, r2) {
				t.Fatalf("re-encoding differs: %x vs %x", again, data[:n])
			}
		}
	})
}

// FuzzScanSegment: a segment file of any content is either scanned (with a
// tail or not) or reported as corruption; the scan never panics, never
// allocates beyond one record and its read buffer, and a store opened on it
// returns only records that decode.
func FuzzScanSegment(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		// In memory: a fuzzer runs this thousands of times a second, and
		// the files themselves are not under test.
		mem := vfs.NewMem()
		const dir = "/data"
		segDir := filepath.Join(dir, tablesDir, "a", segmentsDir)
		if err := vfs.MkdirAll(mem, segDir); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(segDir, segmentName(1))
		if err := WriteFileAtomic(mem, path, append(segmentHeader(), data...)); err != nil {
			t.Fatal(err)
		}
		var res scanResult
		var err error
		if a := allocBytes(func() { res, err = scanSegment(mem, path, 0) }); a > maxFuzzAlloc {
			t.Fatalf("scan allocated %d bytes", a)
		}
		if err != nil {
			return
		}
		if res.end < segmentHeaderSize || res.end > res.size {
			t.Fatalf("scan end %d outside the file (%d bytes)", res.end, res.size)
		}
		s, err := Open(dir, Options{ReadOnly: true, FS: mem})
		if err != nil {
			return
		}
		defer s.Close()
		it, err := s.NewIterator("a", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer it.Close()
		var last uint64
		for it.Next() {
			if r := it.Record(); r.Seq <= last || r.Type == EventCommit {
				t.Fatalf("iterator returned %+v after seq %d", r, last)
			} else {
				last = r.Seq
			}
		}
		if err := it.Err(); err != nil {
			t.Fatalf("iterator over a scanned segment: %v", err)
		}
	})
}
