package pgwire

import (
	"crypto/subtle"
	"fmt"
	"net/netip"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xdg-go/scram"

	"github.com/driftdb/driftdb/sql"
)

// authenticate runs the configured authentication and starts the session.
// It reports false when the connection must close (the reason was sent).
func (c *conn) authenticate(startup *pgproto3.StartupMessage) bool {
	cfg := &c.srv.cfg
	switch cfg.Auth {
	case AuthPassword:
		if !c.tls {
			c.fatal("28000", "cleartext password authentication is only allowed over TLS (connect with sslmode=require)")
			return false
		}
		fallthrough
	case AuthSCRAM:
		if !c.checkPassword() {
			return false
		}
	}
	c.be.Send(&pgproto3.AuthenticationOk{})
	settings := splitOptions(startup.Parameters["options"])
	for k, v := range startup.Parameters {
		switch k {
		case "user", "database", "options", "replication":
		default:
			settings[k] = v
		}
	}
	opts := sql.Options{User: c.user, Database: cfg.Database, Settings: settings, Cache: c.srv.cache, DeferCommits: true,
		PID: int(c.pid), Cancel: c.cancelRunning, Terminate: c.terminate, Wake: c.wake, Statements: c.namedStatements}
	if ap, err := netip.ParseAddrPort(c.nc.RemoteAddr().String()); err == nil {
		opts.ClientAddr, opts.ClientPort = ap.Addr().Unmap().String(), int(ap.Port())
	}
	sess, err := sql.NewSession(c.srv.db, opts)
	if err != nil {
		e := errorResponse(err)
		e.Severity, e.SeverityUnlocalized = "FATAL", "FATAL"
		c.be.Send(e)
		c.be.Flush()
		return false
	}
	c.sess = sess
	return true
}

// checkPassword runs the password exchange, slowed down for an address
// that failed before (see loginThrottle). It reports whether the client
// proved its password; if not, the reason was sent.
func (c *conn) checkPassword() bool {
	addr, throttled := addrOf(c.nc.RemoteAddr())
	if throttled {
		if ok, retry := c.srv.logins.admit(addr); !ok {
			c.fatal("28000", fmt.Sprintf("too many failed login attempts from %s: try again in %s", addr, retry.Round(time.Millisecond)))
			return false
		}
	}
	var res loginResult
	if c.srv.cfg.Auth == AuthSCRAM {
		res = c.scram()
	} else {
		res = c.cleartext()
	}
	if throttled {
		if d := c.srv.logins.done(addr, res); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-c.srv.shutdown:
				t.Stop()
			}
		}
	}
	if res == loginFailed {
		c.fatal("28P01", fmt.Sprintf("password authentication failed for user %q", c.user))
	}
	return res == loginOK
}

// cleartext asks for the password in clear (over TLS only).
func (c *conn) cleartext() loginResult {
	c.be.Send(&pgproto3.AuthenticationCleartextPassword{})
	if c.be.Flush() != nil || c.be.SetAuthType(pgproto3.AuthTypeCleartextPassword) != nil {
		return loginAbandoned
	}
	msg, err := c.be.Receive()
	if err != nil {
		return loginAbandoned
	}
	pm, ok := msg.(*pgproto3.PasswordMessage)
	if !ok {
		c.fatal("28000", "expected a password message")
		return loginAbandoned
	}
	want, known := c.srv.cfg.Users[c.user]
	if !known || subtle.ConstantTimeCompare([]byte(pm.Password), []byte(want)) != 1 {
		return loginFailed
	}
	return loginOK
}

// scram runs a SCRAM-SHA-256 exchange. The user name inside the SCRAM
// messages is ignored, as PostgreSQL does: the startup packet names it.
func (c *conn) scram() loginResult {
	// An unknown user goes through the exchange too, with a made-up
	// verifier, so that it looks like a wrong password.
	creds, known := c.srv.verifiers.lookup(c.user)
	server, err := scram.SHA256.NewServer(func(string) (scram.StoredCredentials, error) { return creds, nil })
	if err != nil {
		return loginFailed
	}
	conv := server.NewConversation()
	c.be.Send(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{"SCRAM-SHA-256"}})
	if c.be.Flush() != nil || c.be.SetAuthType(pgproto3.AuthTypeSASL) != nil {
		return loginAbandoned
	}
	msg, err := c.be.Receive()
	if err != nil {
		return loginAbandoned
	}
	first, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok || first.AuthMechanism != "SCRAM-SHA-256" {
		c.fatal("28000", "expected a SCRAM-SHA-256 initial response")
		return loginAbandoned
	}
	out, err := conv.Step(string(first.Data))
	if err != nil {
		return loginFailed
	}
	c.be.Send(&pgproto3.AuthenticationSASLContinue{Data: []byte(out)})
	if c.be.Flush() != nil || c.be.SetAuthType(pgproto3.AuthTypeSASLContinue) != nil {
		return loginAbandoned
	}
	msg, err = c.be.Receive()
	if err != nil {
		return loginAbandoned
	}
	resp, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		c.fatal("28000", "expected a SCRAM response")
		return loginAbandoned
	}
	out, err = conv.Step(string(resp.Data))
	if err != nil || !conv.Valid() || !known {
		return loginFailed
	}
	c.be.Send(&pgproto3.AuthenticationSASLFinal{Data: []byte(out)})
	return loginOK
}
