package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Record layout (all fixed-width integers little-endian; these constants are
// part of the on-disk format and must never change):
//
//	+----------+----------+-------------+-------------+---------+-----------------+
//	| length   | crc32c   | seq         | unix_ms     | type    | payload         |
//	| u32      | u32      | uvarint     | u64         | u8      | msgpack, rest   |
//	+----------+----------+-------------+-------------+---------+-----------------+
//	                      \_____________________ body (length bytes) ______________/
//
// length counts the body: everything after the crc field. The CRC-32C
// (Castagnoli) covers the four length bytes followed by the body, so a damaged
// length is caught as well as damaged content.
const (
	recordHeaderSize = 8 // u32 length + u32 crc
	// minBodySize is the smallest body: a one-byte varint seq, unix_ms, type.
	minBodySize = 1 + 8 + 1
	// MaxRecordSize bounds the body of one record. Decoders check a length
	// against it (and against the bytes left) before allocating.
	MaxRecordSize = 16 << 20
)

// EventType is the u8 event type of a record.
type EventType uint8

// Event type codes. Part of the on-disk format: never change.
const (
	EventInsert     EventType = 1 // payload: the whole document
	EventPatch      EventType = 2 // payload: key and RFC 7396 merge patch
	EventSoftDelete EventType = 3 // payload: key
	// EventTruncate deletes every live row of the stream's table at its
	// seq: one record, however many rows. Payload: an empty map (engine).
	EventTruncate EventType = 4
	// EventCommit closes a batch in a stream. Its seq is the seq of the last
	// record of the batch; its payload is a commitPayload. Iterators never
	// return it.
	EventCommit EventType = 16
)

func (t EventType) String() string {
	switch t {
	case EventInsert:
		return "INSERT"
	case EventPatch:
		return "PATCH"
	case EventSoftDelete:
		return "SOFT_DELETE"
	case EventTruncate:
		return "TRUNCATE"
	case EventCommit:
		return "COMMIT"
	}
	return fmt.Sprintf("EventType(%d)", uint8(t))
}

// Valid reports whether t is a known event type.
func (t EventType) Valid() bool {
	switch t {
	case EventInsert, EventPatch, EventSoftDelete, EventTruncate, EventCommit:
		return true
	}
	return false
}

// Record is one event of a stream. Payload is msgpack defined by the caller;
// when a Record comes from an Iterator, Payload aliases the iterator's buffer
// and is valid only until the next call to Next.
type Record struct {
	Seq     uint64
	UnixMs  int64
	Type    EventType
	Payload []byte
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// errShort reports that a buffer ends before the record it starts does.
var errShort = errors.New("store: short record")

// encodedSize returns the bytes r takes on disk.
func (r *Record) encodedSize() int {
	return recordHeaderSize + uvarintLen(r.Seq) + 8 + 1 + len(r.Payload)
}

// appendRecord appends the encoding of r to dst.
func appendRecord(dst []byte, r *Record) []byte {
	start := len(dst)
	bodyLen := uvarintLen(r.Seq) + 8 + 1 + len(r.Payload)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(bodyLen))
	dst = append(dst, 0, 0, 0, 0) // crc, filled below
	dst = binary.AppendUvarint(dst, r.Seq)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(r.UnixMs))
	dst = append(dst, byte(r.Type))
	dst = append(dst, r.Payload...)
	crc := crc32.Update(0, crcTable, dst[start:start+4])
	crc = crc32.Update(crc, crcTable, dst[start+recordHeaderSize:])
	binary.LittleEndian.PutUint32(dst[start+4:], crc)
	return dst
}

// decodeRecord decodes the record at the start of buf. It returns the record
// (Payload aliases buf) and the bytes it took. errShort means buf ends inside
// the record (possibly a torn tail); any other error means the bytes are not
// a valid record.
func decodeRecord(buf []byte) (Record, int, error) {
	if len(buf) < recordHeaderSize {
		return Record{}, 0, errShort
	}
	bodyLen := binary.LittleEndian.Uint32(buf)
	if bodyLen < minBodySize || bodyLen > MaxRecordSize {
		return Record{}, 0, fmt.Errorf("store: record length %d out of range", bodyLen)
	}
	n := recordHeaderSize + int(bodyLen)
	if len(buf) < n {
		return Record{}, 0, errShort
	}
	want := binary.LittleEndian.Uint32(buf[4:])
	crc := crc32.Update(0, crcTable, buf[:4])
	crc = crc32.Update(crc, crcTable, buf[recordHeaderSize:n])
	if crc != want {
		return Record{}, 0, fmt.Errorf("store: record checksum mismatch (have %08x, want %08x)", crc, want)
	}
	body := buf[recordHeaderSize:n]
	seq, k := binary.Uvarint(body)
	if k <= 0 {
		return Record{}, 0, errors.New("store: bad seq varint")
	}
	body = body[k:]
	if len(body) < 9 {
		return Record{}, 0, errors.New("store: record body too short")
	}
	r := Record{
		Seq:    seq,
		UnixMs: int64(binary.LittleEndian.Uint64(body)),
		Type:   EventType(body[8]),
	}
	if !r.Type.Valid() {
		return Record{}, 0, fmt.Errorf("store: unknown event type %d", body[8])
	}
	r.Payload = body[9:]
	return r, n, nil
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}
