package pgwire

import (
	"net"
	"syscall"

	"github.com/driftdb/driftdb/engine"
)

// A statement that commits leaves its commit to the connection (the
// session's DeferCommits): the reply is held, not sent, until the commit is
// durable. When the client waits for it (Sync, or the end of a simple
// query), the held reply is handed to the commit, and whichever goroutine
// makes the commit durable writes it to the socket at once: the client
// does not wait for this connection's goroutine to be scheduled again, and
// this goroutine does not wait for the commit but goes on to read the next
// message. Whatever comes next (a message, a shutdown, the end of the
// connection) completes the commit first, so a statement always sees the
// ones before it and nothing else is written in between. If the commit
// fails, or the socket takes only part of the reply, the goroutine that
// finished the commit wakes the reader (an expired read deadline), which
// sends the error in place of the statement's part of the reply, or the
// rest of it.

// sink is what the protocol backend writes to: the socket, or the held
// reply while a commit is pending.
type sink struct{ c *conn }

func (s sink) Write(p []byte) (int, error) {
	c := s.c
	if c.batching {
		c.batch = append(c.batch, p...)
		return len(p), nil
	}
	n := len(p)
	if len(c.batch) > 0 {
		// The last rows of a streamed reply go out with what follows them.
		c.batch = append(c.batch, p...)
		p = c.batch
		defer func() { c.batch = c.batch[:0] }()
	}
	if c.pending != nil {
		c.held = append(c.held, p...)
		return n, nil
	}
	if len(p) == 0 {
		return 0, nil
	}
	if _, err := c.nc.Write(p); err != nil {
		return 0, err
	}
	return n, nil
}

// deferCommit takes the commit the statement just run left, if any, and
// starts holding the reply: what was sent before the statement is kept,
// the statement's own part starts at mark.
func (c *conn) deferCommit() {
	cm := c.sess.TakeCommit()
	if cm == nil {
		return
	}
	c.pending = cm
	c.be.Flush() // earlier messages: held too, to be sent as they are
	c.mark = len(c.held)
}

// settle completes the commits of earlier statements before anything else
// is done or sent. With early, the pending commit's reply, which ends with
// ReadyForQuery, is handed to the commit to be sent the moment it is
// durable, and settle returns without waiting (finish completes it later).
// Otherwise it waits and sends the held reply. When a commit failed, the
// statement's part of the reply is dropped, its error is queued in its
// place, and settle reports false.
func (c *conn) settle(early bool) bool {
	if !c.finish() {
		return false
	}
	cm := c.pending
	if cm == nil {
		return true
	}
	c.be.Flush() // into held
	c.pending = nil
	c.sent = 0
	if early && c.onDone != nil && cm.OnDone(c.onDone) {
		c.inflight = cm
		cm.Start()
		return true
	}
	return c.conclude(cm, false)
}

// finish completes the commit whose reply sendEarly sends. If the commit
// failed, the error and ReadyForQuery go out in place of the reply.
func (c *conn) finish() bool {
	cm := c.inflight
	if cm == nil {
		return true
	}
	c.inflight = nil
	if c.conclude(cm, true) {
		return true
	}
	c.sendReady()
	c.flush()
	return false
}

// conclude waits for the commit and sends what is left of the held reply
// (after what sendEarly wrote, if early).
func (c *conn) conclude(cm *engine.Commit, early bool) bool {
	_, err := cm.Wait()
	if err == nil {
		c.sess.PublishNotifications() // the commit is durable: its NOTIFYs go
	} else {
		c.sess.DropNotifications()
	}
	if early {
		c.attention.Store(false) // sendEarly has run: Wait returns after it
	}
	out := c.held
	if err != nil {
		out = out[:c.mark]
	} else if early {
		out = out[c.sent:]
	}
	if len(out) > 0 {
		if _, werr := c.nc.Write(out); werr != nil {
			c.nc.Close()
		}
	}
	c.held = c.held[:0]
	if cap(c.held) > 64<<10 {
		c.held = nil
	}
	if err != nil {
		c.sendError(err)
		return false
	}
	return true
}

// sendEarly runs on the goroutine that finished the commit, while this
// connection's goroutine may be waiting for the next message: on success
// it writes as much of the held reply as the socket takes without
// blocking. If anything is left to do (an error to report, the rest of the
// reply), it wakes the reader.
func (c *conn) sendEarly(durable bool) {
	if durable {
		c.raw.Write(c.writeRaw)
		if c.sent == len(c.held) && !c.notifying.Load() {
			return
		}
	}
	c.attention.Store(true)
	c.wake()
}

// writeHeld writes the held reply from sent on to the socket fd, as far as
// it goes without blocking; it never asks to wait for the socket.
func (c *conn) writeHeld(fd uintptr) bool {
	for c.sent < len(c.held) {
		n, err := syscall.Write(int(fd), c.held[c.sent:])
		if err == syscall.EINTR {
			continue
		}
		if n <= 0 || err != nil {
			break // the connection's goroutine sends the rest
		}
		c.sent += n
	}
	return true
}

// rawConn is the socket of a plain connection, for sendEarly; nil for TLS,
// whose records only the connection's goroutine writes.
func rawConn(nc net.Conn) syscall.RawConn {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	if _, isTCP := nc.(*net.TCPConn); !isTCP {
		if _, isUnix := nc.(*net.UnixConn); !isUnix {
			return nil
		}
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw
}
