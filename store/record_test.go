package store

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

func TestRecordRoundTripEveryType(t *testing.T) {
	for _, typ := range []EventType{EventInsert, EventPatch, EventSoftDelete, EventTruncate, EventCommit} {
		for _, r := range []Record{
			{Seq: 1, UnixMs: 0, Type: typ, Payload: nil},
			{Seq: 127, UnixMs: 1, Type: typ, Payload: []byte{0x80}},
			{Seq: 128, UnixMs: 1_732_000_000_123, Type: typ, Payload: []byte(`{"id":"x"}`)},
			{Seq: math.MaxUint64, UnixMs: math.MaxInt64, Type: typ, Payload: bytes.Repeat([]byte{0xff}, 1000)},
		} {
			buf := appendRecord(nil, &r)
			if len(buf) != r.encodedSize() {
				t.Fatalf("%v: encoded %d bytes, encodedSize says %d", typ, len(buf), r.encodedSize())
			}
			got, n, err := decodeRecord(buf)
			if err != nil {
				t.Fatalf("%v seq %d: %v", typ, r.Seq, err)
			}
			if n != len(buf) || !sameRecord(got, r) {
				t.Fatalf("%v: round trip gave %+v (%d bytes), want %+v (%d)", typ, got, n, r, len(buf))
			}
		}
	}
}

// TestRecordTypeCodes pins the event type codes, which are part of the
// format, and checks that a record with any other code does not decode.
func TestRecordTypeCodes(t *testing.T) {
	want := map[EventType]string{1: "INSERT", 2: "PATCH", 3: "SOFT_DELETE", 4: "TRUNCATE", 16: "COMMIT"}
	for code := range 256 {
		typ := EventType(code)
		name, known := want[typ]
		if typ.Valid() != known || known && typ.String() != name {
			t.Fatalf("code %d: valid %v, name %q; want valid %v, name %q", code, typ.Valid(), typ.String(), known, name)
		}
		buf := appendRecord(nil, &Record{Seq: 1, Type: typ, Payload: []byte{0x80}})
		if _, _, err := decodeRecord(buf); (err == nil) != known {
			t.Fatalf("code %d: decode error %v", code, err)
		}
	}
}

// TestRecordProperties checks, over random records, that a concatenation
// decodes back record by record, that every proper prefix of a record is
// short (never a wrong record), and that any single bit flip is caught.
func TestRecordProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	types := []EventType{EventInsert, EventPatch, EventSoftDelete, EventTruncate, EventCommit}
	for iter := range 300 {
		var recs []Record
		var buf []byte
		for range 1 + rng.IntN(8) {
			p := make([]byte, rng.IntN(300))
			for i := range p {
				p[i] = byte(rng.Uint32())
			}
			r := Record{Seq: rng.Uint64() >> rng.UintN(64), UnixMs: rng.Int64(), Type: types[rng.IntN(len(types))], Payload: p}
			recs = append(recs, r)
			buf = appendRecord(buf, &r)
		}
		rest := buf
		for i, want := range recs {
			got, n, err := decodeRecord(rest)
			if err != nil || !sameRecord(got, want) {
				t.Fatalf("iter %d record %d: %+v, %v", iter, i, got, err)
			}
			rest = rest[n:]
		}
		one := appendRecord(nil, &recs[0])
		for cut := 0; cut < len(one); cut++ {
			if _, _, err := decodeRecord(one[:cut]); !errors.Is(err, errShort) && err == nil {
				t.Fatalf("iter %d: prefix of %d bytes decoded", iter, cut)
			}
		}
		bit := rng.IntN(len(one) * 8)
		flipped := append([]byte(nil), one...)
		flipped[bit/8] ^= 1 << (bit % 8)
		if got, n, err := decodeRecord(flipped); err == nil && n == len(one) {
			t.Fatalf("iter %d: flip of bit %d not caught: %+v", iter, bit, got)
		}
	}
}

func TestDecodeRejectsHugeLengthBeforeAllocating(t *testing.T) {
	buf := []byte{0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 1, 2, 3}
	n := allocBytes(func() {
		if _, _, err := decodeRecord(buf); err == nil || errors.Is(err, errShort) {
			t.Fatalf("huge length: %v", err)
		}
	})
	// The header claims 2 GiB. TotalAlloc counts every goroutine of the
	// process (the race detector's included), so the bound is loose: far
	// below the claimed length, far above background noise.
	if n > 1<<20 {
		t.Fatalf("decode of a huge length allocated %d bytes", n)
	}
}

// allocBytes returns the bytes f allocates.
func allocBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
