package engine

import "fmt"

// CheckPayloads decodes the payload of every event in every table's log,
// and the document and patch of every version the tables hold (those a
// snapshot brought in too), as reads would; it returns what does not
// decode, each with its table, seq and place. The store's checks (CRCs,
// framing) cannot see a payload that is well framed but does not decode:
// this does.
func (db *DB) CheckPayloads() []string {
	var problems []string
	v := db.View()
	for _, name := range v.Tables() {
		ts, ok := v.lookupTable(name)
		if !ok {
			continue
		}
		it, err := db.st.NewIterator(name, 1)
		if err != nil {
			problems = append(problems, fmt.Sprintf("table %q: %v", name, err))
			continue
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
			err := r.eachDoc(len(r.versions), func(ver *version, doc []byte) bool {
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
	}
	return problems
}
