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
	ts.rows.Ascend(func(r row) bool {
		for i := range r.versions {
			ver := &r.versions[i]
			if ver.seq > v.seq {
				break
			}
			st.Versions++
			if st.FirstSeq == 0 || ver.seq < st.FirstSeq {
				st.FirstSeq, st.FirstUnixMs = ver.seq, ver.ms
			}
			if ver.seq > st.LastSeq {
				st.LastSeq, st.LastUnixMs = ver.seq, ver.ms
			}
		}
		if ver := r.at(v.seq); ver != nil && !ver.deleted() {
			st.LiveRows++
		}
		return true
	})
	return st, nil
}
