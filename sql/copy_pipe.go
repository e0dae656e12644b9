package sql

import (
	"sync"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// The rows of a COPY FROM in text or csv go to the inserter on a goroutine
// of their own, in batches, so that reading the data and inserting its
// rows share the machine's processors. The session's goroutine splits the
// lines and reads the values; the inserter's goroutine checks and writes
// the rows into the transaction, which nothing else touches until the
// COPY ends (Done or fail wait for the inserter first). An error keeps
// its place: a line that does not read is reported only once every line
// before it is inserted, so that an earlier line's constraint failure is
// the one reported, as it would be row by row. Binary data is inserted
// as it is read: its values may point into the buffer being reused.

// copyBatch is rows on their way to the inserter.
type copyBatch struct {
	vals  []types.Datum // the rows' values, one per column each
	lines []int         // each row's line number
	ends  []int         // where each row's line ends in text
	text  []byte        // the rows' lines, for the errors that quote them
}

// copyBatchRows is how many rows a batch takes before it is sent.
const copyBatchRows = 256

// copyBatches holds the batches the inserters are done with, for any COPY
// to fill again: a COPY's own were not enough (the reader often needed one
// before the inserter gave one back), and each new batch grew its lists
// by doubling (600 MB made over an import of 9 million rows).
var copyBatches = sync.Pool{New: func() any { return &copyBatch{} }}

// queue hands a row to the inserter (in order, after the rows before it);
// an error is one of an earlier row's.
func (c *CopyIn) queue(vals []types.Datum) error {
	if c.failed.Load() {
		return c.drain()
	}
	b := c.batch
	if b == nil {
		b = copyBatches.Get().(*copyBatch)
		c.batch = b
	}
	b.vals = append(b.vals, vals...)
	b.lines = append(b.lines, c.line)
	b.text = append(b.text, c.raw...)
	b.ends = append(b.ends, len(b.text))
	if len(b.lines) == copyBatchRows {
		c.send()
	}
	return nil
}

// send hands the batch being filled to the inserter, started with the
// first one.
func (c *CopyIn) send() {
	if c.pipe == nil {
		c.pipe = make(chan *copyBatch, 2)
		c.inserted = make(chan struct{})
		go c.insertRows()
	}
	c.pipe <- c.batch
	c.batch = nil
}

// insertRows is the inserter: it inserts the rows of each batch until one
// fails (its error is werr), then takes the batches still sent without
// inserting them.
func (c *CopyIn) insertRows() {
	defer close(c.inserted)
	n := len(c.Columns)
	for b := range c.pipe {
		for i := 0; i < len(b.lines) && c.werr == nil; i++ {
			if err := c.ctx.Err(); err != nil {
				c.werr = err
				break
			}
			err := c.ins.Insert(b.vals[i*n : (i+1)*n])
			if err == nil {
				c.werr = c.noteInserted(b.lines[i])
				continue
			}
			if c.werr = c.keysBefore(err); c.werr != nil {
				break
			}
			var raw []byte
			if pgcode.Of(err) == pgcode.NotNullViolation {
				// PostgreSQL quotes the line for this one only:
				// the others it checks once the line is gone.
				start := 0
				if i > 0 {
					start = b.ends[i-1]
				}
				raw = b.text[start:b.ends[i]]
			}
			c.werr = c.contextAt(err, b.lines[i], raw, -1, nil)
		}
		if c.werr != nil {
			c.failed.Store(true)
		}
		clear(b.vals) // hold on to no value
		b.vals, b.lines, b.ends, b.text = b.vals[:0], b.lines[:0], b.ends[:0], b.text[:0]
		copyBatches.Put(b)
	}
}

// drain inserts every row queued, waits for the inserter and returns its
// error: the first row that failed.
func (c *CopyIn) drain() error {
	if c.batch != nil && len(c.batch.lines) > 0 {
		c.send()
	}
	c.stopInserter()
	return c.werr
}

// copyKeyCheckRows is how many rows a COPY inserts before it checks their
// keys against the table's rows: the checks go in key order, as the
// table's rows lie, the more of them the fewer the tree's leaves each
// reads (1,048,576 rows: 56 MB of keys and lines until the check; a bulk
// load keeps 32 bytes of each key after it, for its own duplicates).
const copyKeyCheckRows = 1 << 20

// keysBefore returns, when err is a unique violation, the error of an
// earlier row whose key the table had, if one had: the duplicates are
// reported in the order of their lines.
func (c *CopyIn) keysBefore(err error) error {
	if pgcode.Of(err) != pgcode.UniqueViolation {
		return nil
	}
	return c.checkKeys()
}

// noteInserted notes the row of line inserted; every copyKeyCheckRows rows
// their keys are checked.
func (c *CopyIn) noteInserted(line int) error {
	if c.keyLines = append(c.keyLines, line); len(c.keyLines) < copyKeyCheckRows {
		return nil
	}
	return c.checkKeys()
}

// checkKeys checks that no row the transaction sees had the key of a row
// the COPY inserted since the last check (the transaction defers those
// checks: engine.Txn.DeferKeyChecks), and returns the error of the first
// that failed, at its line. An error in a later row's values is reported
// first, as PostgreSQL, which checks the keys of the rows it holds
// before it inserts them, does for up to 1,000 rows; the COPY fails
// either way, and leaves nothing.
func (c *CopyIn) checkKeys() error {
	i, err := c.tx.CheckKeys()
	lines := c.keyLines
	c.keyLines = c.keyLines[:0]
	if err == nil {
		return nil
	}
	line := c.line
	if i >= 0 && i < len(lines) {
		line = lines[i]
	}
	return c.contextAt(err, line, nil, -1, nil)
}

// stopInserter ends the inserter once it has taken what was sent, and
// drops a batch not sent.
func (c *CopyIn) stopInserter() {
	c.batch = nil
	if c.pipe != nil {
		close(c.pipe)
		<-c.inserted
		c.pipe = nil
	}
}
