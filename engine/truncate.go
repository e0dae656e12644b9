package engine

import (
	"context"
	"fmt"

	"github.com/driftdb/driftdb/store"
)

// TRUNCATE is one event, whatever the size of the table: its record
// (store.EventTruncate, payload an empty map) deletes every row live at
// its seq. Applying it adds a version to each of those rows, with the
// event's seq and no document, so every read (by key, scan, index, AS OF,
// history) sees the rows deleted from that seq on and alive before it,
// and snapshots and compaction keep it like any other version.

// truncatePayload is the payload of a TRUNCATE record: an empty msgpack
// map, which later versions of the format may fill.
var truncatePayload = []byte{0x80}

// Truncate deletes every row of the table, as of the transaction's
// commit: the rows live then, including any another transaction inserted
// after this one began, and those this one wrote before. Rows it writes
// after the truncate stay. History stays: AS OF before the commit sees
// the rows, and each row's history shows the TRUNCATE.
func (tx *Txn) Truncate(table string) error {
	ts, err := tx.table(table)
	if err != nil {
		return err
	}
	tx.ops = append(tx.ops, &event{tbl: ts.spec.Name, typ: store.EventTruncate, payload: truncatePayload, gen: ts.gen})
	tx.logTruncate(ts.spec.Name)
	tx.pending.truncate(ts.spec.Name)
	return nil
}

// Truncate deletes every row of a table in a transaction of its own and
// returns its seq.
func (db *DB) Truncate(ctx context.Context, table string) (uint64, error) {
	return db.autocommitWait(ctx, func(tx *Txn) error { return tx.Truncate(table) })
}

// truncate applies a TRUNCATE: a deleting version, at the event's seq, on
// every live row. It appends the rows it changed to out.
func (ts *tableState) truncate(ev *event, out []row) []row {
	var live []row
	ts.rows.Ascend(func(r row) bool {
		if r.live() {
			live = append(live, r)
		}
		return true
	})
	v := newVersion(ev.seq, ev.ms, store.EventTruncate)
	for _, r := range live {
		out = append(out, ts.addVersion(r, true, r.key, v, nil, nil))
	}
	return out
}

// checkTruncatePayload checks that a TRUNCATE record's payload is a map.
func checkTruncatePayload(b []byte) error {
	if _, err := decodeDocBytes(b); err != nil {
		return fmt.Errorf("TRUNCATE payload: %w", err)
	}
	return nil
}
