package engine

// TableStats sums up a table's rows and history as a view sees them.
type TableStats struct {
	// LiveRows are the rows live at the view's seq; Versions the
	// versions the history keeps up to it (one per event: INSERT, PATCH,
	// SOFT_DELETE, TRUNCATE), since the compaction horizon.
	LiveRows, Versions int64
	// FirstSeq and LastSeq are the seqs of the oldest and newest of those
	// versions, FirstUnixMs and LastUnixMs their times (zero when there
	// are none).
	FirstSeq, LastSeq       uint64
	FirstUnixMs, LastUnixMs int64
	// Horizon is the table's compaction horizon (0: none).
	Horizon uint64
}

// Stats returns the table's TableStats at the view's seq. It visits every
// row of the table (not their documents), as a count would. A
// transaction's own writes are not counted.
func (v *View) Stats(table string) (TableStats, error) {
	ts, err := v.table(table)
	if err != nil {
		return TableStats{}, err
	}
	st := TableStats{Horizon: ts.horizon}
	ts = v.trees(table, ts)
	// A gap counts its versions; only one the view's seq falls in is read
	// from the version index (countAt).
	ts.rows.Ascend(func(r row) bool {
		n, last, lastMs, live, cerr := r.countAt(ts.log, v.seq)
		if err = cerr; err != nil || n == 0 {
			return err == nil
		}
		st.Versions += int64(n)
		if first := &r.versions[0]; st.FirstSeq == 0 || first.seq < st.FirstSeq {
			st.FirstSeq, st.FirstUnixMs = first.seq, first.ms
		}
		if last > st.LastSeq {
			st.LastSeq, st.LastUnixMs = last, lastMs
		}
		if live {
			st.LiveRows++
		}
		return true
	})
	return st, err
}
