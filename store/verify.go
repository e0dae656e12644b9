package store

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
)

// Problem is one thing Verify found wrong.
type Problem struct {
	File   string
	Offset int64 // -1 when the problem is the whole file
	// Corrupt is false for a torn tail, which the next writer open cuts off
	// by itself; true for damage that makes the table refuse to open.
	Corrupt bool
	Err     error
}

func (p Problem) String() string {
	kind := "torn tail (cut at next open)"
	if p.Corrupt {
		kind = "CORRUPT"
	}
	if p.Offset < 0 {
		return fmt.Sprintf("%s: %s: %v", p.File, kind, p.Err)
	}
	return fmt.Sprintf("%s at offset %d: %s: %v", p.File, p.Offset, kind, p.Err)
}

// VerifyReport is what Verify checked and found.
type VerifyReport struct {
	Streams   int
	Segments  int
	Records   int64 // records of committed batches, commit frames excluded
	Bytes     int64
	Snapshots int
	Problems  []Problem
}

// Damaged reports whether any problem is corruption.
func (r *VerifyReport) Damaged() bool {
	for _, p := range r.Problems {
		if p.Corrupt {
			return true
		}
	}
	return false
}

// Verify reads every segment and snapshot of the data directory dir on
// fsys and reports what is wrong, going on past damage to find all of it.
// It changes no file and needs no lock, so it runs beside a writer. The
// error is for a directory that cannot be read at all.
func Verify(fsys FS, dir string) (*VerifyReport, error) {
	rep := &VerifyReport{}
	ents, err := fsys.ReadDir(filepath.Join(dir, tablesDir))
	if err != nil {
		return nil, fmt.Errorf("store: verify %s: %w", dir, err)
	}
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") { // a drop in progress
			continue
		}
		sdir := filepath.Join(dir, tablesDir, e.Name())
		segDir := filepath.Join(sdir, segmentsDir)
		if _, err := fsys.Stat(segDir); err != nil {
			continue
		}
		rep.Streams++
		verifySegments(fsys, rep, segDir)
		verifySnapshots(fsys, rep, filepath.Join(sdir, snapshotsDir))
	}
	return rep, nil
}

func verifySegments(fsys FS, rep *VerifyReport, segDir string) {
	nums, err := listSegments(fsys, segDir, false)
	if err != nil {
		rep.Problems = append(rep.Problems, Problem{File: segDir, Offset: -1, Corrupt: true, Err: err})
		return
	}
	var prev uint64
	for i, num := range nums {
		path := filepath.Join(segDir, segmentName(num))
		rep.Segments++
		res, err := scanSegment(fsys, path, prev)
		var ce *CorruptionError
		switch {
		case errors.As(err, &ce):
			rep.Problems = append(rep.Problems, Problem{File: ce.File, Offset: ce.Offset, Corrupt: true, Err: ce.Err})
		case err != nil:
			rep.Problems = append(rep.Problems, Problem{File: path, Offset: -1, Corrupt: true, Err: err})
		case res.tailErr != nil:
			rep.Problems = append(rep.Problems, Problem{File: path, Offset: res.end,
				Corrupt: i < len(nums)-1, Err: res.tailErr})
		}
		rep.Records += res.records
		rep.Bytes += res.end
		if res.lastSeq != 0 {
			prev = res.lastSeq
		}
	}
}

func verifySnapshots(fsys FS, rep *VerifyReport, snapDir string) {
	ents, err := fsys.ReadDir(snapDir)
	if err != nil {
		return
	}
	var names []string
	for _, e := range ents {
		if filepath.Ext(e.Name()) == snapshotExt {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, n := range names {
		rep.Snapshots++
		path := filepath.Join(snapDir, n)
		var seq uint64
		if _, err := fmt.Sscanf(n, "%d"+snapshotExt, &seq); err != nil {
			rep.Problems = append(rep.Problems, Problem{File: path, Offset: -1, Corrupt: true, Err: err})
			continue
		}
		if err := readWholeSnapshot(fsys, path, seq); err != nil {
			rep.Problems = append(rep.Problems, Problem{File: path, Offset: -1, Corrupt: true, Err: err})
		}
	}
}

// readWholeSnapshot checks a snapshot file and decompresses all of it.
func readWholeSnapshot(fsys FS, path string, seq uint64) error {
	rc, err := openSnapshotFile(fsys, path, seq)
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(io.Discard, rc)
	return err
}
