package engine

import (
	"fmt"
	"maps"
	"slices"
)

// CheckPayloads decodes the payload of every event in every table's log,
// and the document and patch of every version the tables hold (those a
// snapshot brought in too), as reads would; it returns what does not
// decode, each with its table, seq and place. The store's checks (CRCs,
// framing) cannot see a payload that is well framed but does not decode:
// this does.
func (db *DB) CheckPayloads() []string {
	var problems []string
	db.eachTable(func(name string, ts *tableState) {
		it, err := db.st.NewIterator(name, 1)
		if err != nil {
			problems = append(problems, fmt.Sprintf("table %q: %v", name, err))
			return
		}
		for it.Next() {
			rec := it.Record()
			if _, err := decodeEvent(ts.spec, rec); err != nil {
				pos := it.Position()
				problems = append(problems, fmt.Sprintf("table %q seq %d (segment %08d, offset %d): %s payload does not decode: %v",
					name, rec.Seq, pos.Segment, pos.Offset, rec.Type, err))
			}
		}
		if err := it.Err(); err != nil {
			problems = append(problems, fmt.Sprintf("table %q: %v", name, err))
		}
		it.Close()
		ts.rows.Ascend(func(r row) bool {
			err := r.eachDoc(ts.log, 0, func(ver *version, doc []byte) bool {
				for _, b := range [][]byte{doc, ver.patch()} {
					if b == nil {
						continue
					}
					if _, err := decodeDocBytes(b); err != nil {
						problems = append(problems, fmt.Sprintf("table %q key %s seq %d: stored document does not decode: %v", name, r.key, ver.seq, err))
					}
				}
				return true
			})
			if err != nil {
				problems = append(problems, fmt.Sprintf("table %q: %v", name, err))
			}
			return true
		})
	})
	return problems
}

// eachTable calls fn with every table as the latest view has it.
func (db *DB) eachTable(fn func(name string, ts *tableState)) {
	v := db.View()
	for _, name := range v.Tables() {
		if ts, ok := v.lookupTable(name); ok {
			fn(name, ts)
		}
	}
}

// CheckIndexes checks every index of every table against the table's
// rows, as a lookup reads them: each run of versions of a row that hold
// one value in the indexed field must be found under that value, by an
// entry at or before the run's first version (an entry is added when a
// row's value changes, and a lookup checks the row at its own seq). It
// returns what is missing, a line for each index that misses entries.
func (db *DB) CheckIndexes() []string {
	var problems []string
	v := db.View()
	for _, name := range v.Tables() {
		ts, ok := v.lookupTable(name)
		if !ok {
			continue
		}
		fields := slices.Sorted(maps.Keys(ts.indexes))
		for _, f := range fields {
			missing, first, err := indexMisses(ts, f, v.seq)
			if err != nil {
				problems = append(problems, fmt.Sprintf("table %q index on %s: %v", name, f, err))
			}
			if missing > 0 {
				problems = append(problems, fmt.Sprintf("table %q index on %s: %d versions not found under their value, the first %s",
					name, f, missing, first))
			}
		}
	}
	return problems
}

// indexMisses counts the runs of versions of ts's rows that the index on
// field does not find, and describes the first. A lean tree is checked
// for the present at seq as well: each row's value then is found by a
// read at seq, through the version index's current entries.
func indexMisses(ts *tableState, field string, seq uint64) (missing int, first string, err error) {
	// The versions the tree does not hold ask the version index, as a
	// read at their seq does (tableState.entries), through one reader.
	tree := ts.indexes[field]
	below := &indexedEntries{x: ts.log.vx, oid: ts.log.oid, field: field, heldReader: heldReader{hold: true}}
	defer below.Close()
	// A lean tree's reads of the present, through one reader too.
	var now entrySource
	if tree.lean {
		lean := &leanEntries{tree: tree, log: ts.log, field: field, seq: seq, heldReader: heldReader{hold: true}}
		defer lean.Close()
		now = lean
	}
	miss := func(k Key, seq uint64, val any, what string) {
		if missing++; missing == 1 {
			first = fmt.Sprintf("key %s seq %d value %v%s", k, seq, val, what)
		}
	}
	ts.rows.Ascend(func(r row) bool {
		var prev any
		var ferr error // what ended the walk of the row's versions
		err = r.eachDoc(ts.log, 0, func(ver *version, b []byte) bool {
			var val any
			if b != nil {
				var doc map[string]any
				var ok bool
				if val, ok, ferr = fieldAt(b, field, &doc); ferr != nil {
					ferr = fmt.Errorf("key %s seq %d: %w", r.key, ver.seq, ferr)
					return false
				}
				if !ok {
					val = nil
				}
			}
			if val == nil || prev != nil && EqualValues(prev, val) {
				prev = val
				return true
			}
			prev = val
			var idx entrySource = below
			if tree.has(ver.seq) {
				idx = treeEntries{tree}
			}
			found := indexFinds(idx, val, r.key, ver.seq)
			if ferr = idx.Err(); ferr != nil {
				return false
			}
			if !found {
				miss(r.key, ver.seq, val, "")
			}
			return true
		})
		if err == nil {
			err = ferr
		}
		if err == nil && now != nil && prev != nil {
			if !indexFinds(now, prev, r.key, seq) {
				miss(r.key, seq, prev, ", read as it is now")
			}
			err = now.Err()
		}
		return err == nil
	})
	return missing, first, err
}

// indexFinds reports whether idx holds an entry of val for key at or
// before seq.
func indexFinds(idx entrySource, val any, k Key, seq uint64) bool {
	found := false
	idx.AscendGreaterOrEqual(newEntry(val, k, 0), func(e indexEntry) bool {
		found = SortCompare(e.val, val) == 0 && e.key == k && e.seq <= seq
		return false
	})
	return found
}
