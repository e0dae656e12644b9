package pgwire

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/driftdb/driftdb/sql"
	"github.com/driftdb/driftdb/sql/pgcode"
)

// The COPY sub-protocol. COPY ... FROM STDIN: the server sends
// CopyInResponse and reads CopyData messages until CopyDone (the rows are
// committed, CommandComplete COPY n) or CopyFail (nothing is). COPY ... TO
// STDOUT: CopyOutResponse, a CopyData per row, CopyDone. An error during
// copy-in is reported at once, and the CopyData, CopyDone and CopyFail
// messages the client still sends are dropped as they come, as
// PostgreSQL does.

// copyFormats is the CopyInResponse/CopyOutResponse of n columns.
func copyFormats(binaryFormat bool, n int) (uint8, []uint16) {
	f := uint16(0)
	if binaryFormat {
		f = 1
	}
	codes := make([]uint16, n)
	for i := range codes {
		codes[i] = f
	}
	return uint8(f), codes
}

// copyIn carries out a COPY ... FROM STDIN under ctx and returns its
// result (tag COPY n).
func (c *conn) copyIn(ctx context.Context, cin *sql.CopyIn) (*sql.Result, error) {
	format, codes := copyFormats(cin.Binary(), len(cin.Columns))
	c.be.Send(&pgproto3.CopyInResponse{OverallFormat: format, ColumnFormatCodes: codes})
	if err := c.be.Flush(); err != nil {
		cin.Fail("connection lost")
		return nil, err
	}
	// While the client sends, a cancel or the statement timeout must end
	// the wait for its next message.
	c.mu.Lock()
	c.copying = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.copying = false
		c.mu.Unlock()
		c.nc.SetReadDeadline(time.Time{})
	}()
	if d, ok := ctx.Deadline(); ok {
		c.nc.SetReadDeadline(d)
	}
	for {
		msg, err := c.be.Receive()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// The deadline is the statement's, or a cancel's wake-up:
				// the context ends with it, if not quite yet.
				select {
				case <-ctx.Done():
					cin.Fail(ctx.Err().Error())
					return nil, ctx.Err()
				case <-time.After(time.Second):
				}
			}
			cin.Fail("connection lost")
			return nil, err
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			if err := cin.Write(m.Data); err != nil {
				return nil, err
			}
		case *pgproto3.CopyDone:
			res, err := cin.Done()
			c.deferCommit()
			return res, err
		case *pgproto3.CopyFail:
			return nil, cin.Fail(m.Message)
		case *pgproto3.Flush, *pgproto3.Sync:
			// Ignored during copy-in, as PostgreSQL does.
		default:
			err := pgcode.Newf(pgcode.ProtocolViolation, "unexpected message type %T during COPY from stdin", msg)
			cin.Fail(err.Error())
			return nil, err
		}
	}
}

// copyOut sends the rows of a COPY ... TO STDOUT, batched as a query's
// rows are (see stream).
func (c *conn) copyOut(ctx context.Context, res *sql.Result) error {
	co := res.CopyOut
	format, codes := copyFormats(co.Binary(), len(res.Columns))
	c.be.Send(&pgproto3.CopyOutResponse{OverallFormat: format, ColumnFormatCodes: codes})
	c.batching = true
	defer func() { c.batching = false }()
	c.be.Flush() // into the batch
	data := func(fill func([]byte) ([]byte, error)) error {
		start := len(c.batch)
		b := append(c.batch, 'd', 0, 0, 0, 0)
		b, err := fill(b)
		if err != nil {
			c.batch = c.batch[:start]
			return err
		}
		if len(b) == start+5 {
			c.batch = b[:start] // nothing to send
			return nil
		}
		binary.BigEndian.PutUint32(b[start+1:], uint32(len(b)-start-1))
		c.batch = b
		if len(c.batch) >= rowBatch {
			return c.writeBatch(ctx)
		}
		return nil
	}
	if err := data(func(b []byte) ([]byte, error) { return co.Header(b), nil }); err != nil {
		res.Close()
		return err
	}
	for {
		row, err := res.Next(ctx)
		if err != nil {
			return err
		}
		if row == nil {
			break
		}
		if err := data(func(b []byte) ([]byte, error) { return co.Row(b, row) }); err != nil {
			res.Close()
			return err
		}
	}
	if err := data(func(b []byte) ([]byte, error) { return co.Trailer(b), nil }); err != nil {
		return err
	}
	c.be.Send(&pgproto3.CopyDone{})
	return nil
}
