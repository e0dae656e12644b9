package store

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// Snapshot file layout (little-endian; part of the format, never change):
//
//	header  24 bytes: magic "DRFTSNP\n" | version u32 | reserved u32 (0) | seq u64
//	body    a zstd stream of the caller's bytes
//	trailer 16 bytes: raw length u64 | crc32c u32 of header+body | magic "SNP."
//
// The file is written under a temporary name, fsynced, renamed to
// <seq>.snap and the directory fsynced, so a snapshot either exists whole or
// not at all. A reader checks the trailer, the CRC over every byte and the
// decompressed length before it returns any data.
const (
	snapshotMagic       = "DRFTSNP\n"
	snapshotTrailerTag  = "SNP."
	snapshotVersion     = 1
	snapshotHeaderSize  = 24
	snapshotTrailerSize = 16
	snapshotExt         = ".snap"
)

// ErrSnapshotDamaged wraps every reason a snapshot file is not trusted.
var ErrSnapshotDamaged = errors.New("store: snapshot damaged")

func snapshotName(seq uint64) string { return fmt.Sprintf("%08d%s", seq, snapshotExt) }

func (s *Store) snapshotPath(name string, seq uint64) string {
	return filepath.Join(s.StreamDir(name), snapshotsDir, snapshotName(seq))
}

// crcWriter counts and checksums what passes through it.
type crcWriter struct {
	w   io.Writer
	crc hash.Hash32
	n   int64
}

func (c *crcWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.crc.Write(p[:n])
	c.n += int64(n)
	return n, err
}

// countWriter counts the caller's raw bytes.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// WriteSnapshot writes the snapshot of a stream at seq: write is given a
// writer for the raw bytes, which are compressed and checksummed. The
// snapshot appears atomically once it is durable.
func (s *Store) WriteSnapshot(name string, seq uint64, write func(w io.Writer) error) error {
	if s.opts.ReadOnly {
		return ErrReadOnly
	}
	if _, err := s.stream(name); err != nil {
		return err
	}
	dir := filepath.Join(s.StreamDir(name), snapshotsDir)
	if err := mkdirSync(s.fs, dir); err != nil {
		return fmt.Errorf("store: snapshot dir: %w", err)
	}
	path := s.snapshotPath(name, seq)
	err := ReplaceFile(s.fs, path, func(f File) error { return writeSnapshotFile(f, seq, write) })
	if err != nil {
		return fmt.Errorf("store: snapshot: %w", err)
	}
	return nil
}

func writeSnapshotFile(f File, seq uint64, write func(w io.Writer) error) error {
	bw := bufio.NewWriterSize(f, 1<<20)
	cw := &crcWriter{w: bw, crc: crc32.New(crcTable)}
	hdr := make([]byte, snapshotHeaderSize)
	copy(hdr, snapshotMagic)
	binary.LittleEndian.PutUint32(hdr[8:], snapshotVersion)
	binary.LittleEndian.PutUint64(hdr[16:], seq)
	if _, err := cw.Write(hdr); err != nil {
		return err
	}
	fw, err := newFrameWriter(cw)
	if err != nil {
		return err
	}
	raw := &countWriter{w: fw}
	if err := write(raw); err != nil {
		fw.close()
		return err
	}
	if err := fw.close(); err != nil {
		return err
	}
	tr := make([]byte, snapshotTrailerSize)
	binary.LittleEndian.PutUint64(tr, uint64(raw.n))
	binary.LittleEndian.PutUint32(tr[8:], cw.crc.Sum32())
	copy(tr[12:], snapshotTrailerTag)
	if _, err := bw.Write(tr); err != nil {
		return err
	}
	return bw.Flush()
}

// Snapshots returns the seqs of a stream's snapshot files, newest first. It
// does not check them; OpenSnapshot does.
func (s *Store) Snapshots(name string) ([]uint64, error) {
	ents, err := s.fs.ReadDir(filepath.Join(s.StreamDir(name), snapshotsDir))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("store: list snapshots: %w", err)
	}
	var seqs []uint64
	for _, e := range ents {
		n := e.Name()
		if !strings.HasSuffix(n, snapshotExt) {
			continue
		}
		seq, err := strconv.ParseUint(strings.TrimSuffix(n, snapshotExt), 10, 64)
		if err != nil {
			continue
		}
		seqs = append(seqs, seq)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] > seqs[j] })
	return seqs, nil
}

// maxSnapshotRaw bounds the decompressed size a snapshot may claim.
const maxSnapshotRaw = 1 << 40

// OpenSnapshot verifies the snapshot of a stream at seq and returns a
// reader of its raw bytes. Every byte of the file is checked against the CRC
// before the reader is returned; the reader reports ErrSnapshotDamaged if
// the decompressed length differs from the recorded one. The reader has a
// method Size() int64, the recorded length of the raw bytes.
func (s *Store) OpenSnapshot(name string, seq uint64) (io.ReadCloser, error) {
	return openSnapshotFile(s.fs, s.snapshotPath(name, seq), seq)
}

func openSnapshotFile(fsys FS, path string, seq uint64) (io.ReadCloser, error) {
	f, err := fsys.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrSnapshotNotFound, path)
		}
		return nil, fmt.Errorf("store: open snapshot: %w", err)
	}
	rawLen, bodyLen, err := checkSnapshotFile(f, seq)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrSnapshotDamaged, path, err)
	}
	body := io.NewSectionReader(f, snapshotHeaderSize, bodyLen)
	zr, err := zstd.NewReader(bufio.NewReaderSize(body, readBufSize(bodyLen)), zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxMemory(maxSnapshotRaw))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrSnapshotDamaged, path, err)
	}
	r := &snapshotReader{f: f, zr: zr, want: rawLen, path: path}
	if bodyLen >= readAheadFrom {
		r.ahead = newReadAhead(zr)
	}
	return r, nil
}

// checkSnapshotFile verifies header, trailer and CRC, returning the raw and
// compressed body lengths.
func checkSnapshotFile(f File, seq uint64) (rawLen uint64, bodyLen int64, err error) {
	st, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	size := st.Size()
	if size < snapshotHeaderSize+snapshotTrailerSize {
		return 0, 0, fmt.Errorf("file of %d bytes is too short", size)
	}
	hdr := make([]byte, snapshotHeaderSize)
	if _, err := f.ReadAt(hdr, 0); err != nil {
		return 0, 0, err
	}
	if string(hdr[:8]) != snapshotMagic {
		return 0, 0, errors.New("bad magic")
	}
	if v := binary.LittleEndian.Uint32(hdr[8:]); v != snapshotVersion {
		return 0, 0, fmt.Errorf("unsupported version %d", v)
	}
	if got := binary.LittleEndian.Uint64(hdr[16:]); got != seq {
		return 0, 0, fmt.Errorf("header names seq %d, file name %d", got, seq)
	}
	tr := make([]byte, snapshotTrailerSize)
	if _, err := f.ReadAt(tr, size-snapshotTrailerSize); err != nil {
		return 0, 0, err
	}
	if string(tr[12:]) != snapshotTrailerTag {
		return 0, 0, errors.New("bad trailer")
	}
	rawLen = binary.LittleEndian.Uint64(tr)
	if rawLen > maxSnapshotRaw {
		return 0, 0, fmt.Errorf("raw length %d out of range", rawLen)
	}
	crc := crc32.New(crcTable)
	if _, err := io.Copy(crc, io.NewSectionReader(f, 0, size-snapshotTrailerSize)); err != nil {
		return 0, 0, err
	}
	if crc.Sum32() != binary.LittleEndian.Uint32(tr[8:]) {
		return 0, 0, errors.New("checksum mismatch")
	}
	return rawLen, size - snapshotHeaderSize - snapshotTrailerSize, nil
}

// readBufSize is the size of a buffer for reading n bytes: n, within
// bounds. A small table's snapshot does not need a megabyte of buffer,
// which opening a database would allocate, and clear, for every table.
func readBufSize(n int64) int { return int(min(max(n, 4<<10), 1<<20)) }

type snapshotReader struct {
	f    File
	zr   *zstd.Decoder
	n    uint64
	want uint64
	path string
	// ahead, for a large snapshot, decompresses on a goroutine of its
	// own while the caller parses what came before.
	ahead *readAhead
}

func (r *snapshotReader) Read(p []byte) (int, error) {
	var n int
	var err error
	if r.ahead != nil {
		n, err = r.ahead.Read(p)
	} else {
		n, err = r.zr.Read(p)
	}
	r.n += uint64(n)
	if r.n > r.want {
		return n, fmt.Errorf("%w: %s: more data than recorded", ErrSnapshotDamaged, r.path)
	}
	if err == io.EOF && r.n != r.want {
		return n, fmt.Errorf("%w: %s: %d bytes, %d recorded", ErrSnapshotDamaged, r.path, r.n, r.want)
	}
	if err != nil && err != io.EOF {
		return n, fmt.Errorf("%w: %s: %w", ErrSnapshotDamaged, r.path, err)
	}
	return n, err
}

// Size returns the length of the snapshot's raw bytes, as recorded.
func (r *snapshotReader) Size() int64 { return int64(r.want) }

func (r *snapshotReader) Close() error {
	if r.ahead != nil {
		r.ahead.stop()
	}
	r.zr.Close()
	return r.f.Close()
}

// ReadSnapshot returns the verified raw bytes of the snapshot at seq.
func (s *Store) ReadSnapshot(name string, seq uint64) ([]byte, error) {
	rc, err := s.OpenSnapshot(name, seq)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, rc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// RemoveSnapshot deletes the snapshot at seq and syncs the directory.
func (s *Store) RemoveSnapshot(name string, seq uint64) error {
	if s.opts.ReadOnly {
		return ErrReadOnly
	}
	if err := s.fs.Remove(s.snapshotPath(name, seq)); err != nil {
		return fmt.Errorf("store: remove snapshot: %w", err)
	}
	return syncDir(s.fs, filepath.Join(s.StreamDir(name), snapshotsDir))
}
