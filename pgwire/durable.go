package pgwire

import (
	"net"
	"syscall"
)

// A statement that commits leaves its commit to the connection (the
// session's DeferCommits): the reply is held, not sent, until the commit is
// durable. When the client waits for it (Sync, or the end of a simple
// query), the held reply is handed to the commit, and whichever goroutine
// makes the commit durable writes it to the socket at once: the client
// does not wait for this connection's goroutine to be scheduled again. Any
// other message waits for the commit first, so a statement always sees
// the ones before it. If the commit fails, the statement's part of the
// held reply is replaced with the error.

// sink is what the protocol backend writes to: the socket, or the held
// reply while a commit is pending.
type sink struct{ c *conn }

func (s sink) Write(p []byte) (int, error) {
	c := s.c
	if c.pending != nil {
		c.held = append(c.held, p...)
		return len(p), nil
	}
	return c.nc.Write(p)
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

// settle waits for the pending commit and sends the held reply; early
// hands it to the commit to be sent the moment it is durable. When the
// commit failed, the statement's part of the reply is dropped, its error
// is queued in its place, and settle reports false.
func (c *conn) settle(early bool) bool {
	cm := c.pending
	if cm == nil {
		return true
	}
	c.be.Flush() // into held
	c.pending = nil
	c.sent = 0
	hooked := early && c.raw != nil && cm.OnDurable(c.sendEarly)
	_, err := cm.Wait()
	out := c.held
	if err != nil {
		out = out[:c.mark]
	} else if hooked {
		out = out[c.sent:]
	}
	if len(out) > 0 {
		if _, werr := c.nc.Write(out); werr != nil {
			c.nc.Close()
		}
	}
	clear(c.held) // no reply data kept between statements
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

// sendEarly writes as much of the held reply as the socket takes without
// blocking. It runs on the goroutine that made the commit durable, while
// this connection's goroutine waits for the commit.
func (c *conn) sendEarly() {
	c.raw.Write(func(fd uintptr) bool {
		for c.sent < len(c.held) {
			n, err := syscall.Write(int(fd), c.held[c.sent:])
			if err == syscall.EINTR {
				continue
			}
			if n <= 0 || err != nil {
				break // the connection's goroutine sends the rest, or fails
			}
			c.sent += n
		}
		return true // never wait for the socket here
	})
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
