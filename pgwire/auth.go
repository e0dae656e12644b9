package pgwire

import (
	"crypto/rand"
	"fmt"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xdg-go/scram"

	"github.com/driftdb/driftdb/driftql/exec"
)

// scramIterations is the PBKDF2 iteration count of the credentials the
// server derives from configured passwords (PostgreSQL's default).
const scramIterations = 4096

// authenticate runs the configured authentication and starts the session.
// It reports false when the connection must close (the reason was sent).
func (c *conn) authenticate(startup *pgproto3.StartupMessage) bool {
	cfg := &c.srv.cfg
	switch cfg.Auth {
	case AuthSCRAM:
		if !c.scram() {
			return false
		}
	case AuthPassword:
		if !c.tls {
			c.fatal("28000", "cleartext password authentication is only allowed over TLS (connect with sslmode=require)")
			return false
		}
		c.be.Send(&pgproto3.AuthenticationCleartextPassword{})
		if err := c.be.Flush(); err != nil {
			return false
		}
		if err := c.be.SetAuthType(pgproto3.AuthTypeCleartextPassword); err != nil {
			return false
		}
		msg, err := c.be.Receive()
		if err != nil {
			return false
		}
		pm, ok := msg.(*pgproto3.PasswordMessage)
		want, known := cfg.Users[c.user]
		if !ok || !known || pm.Password != want {
			c.fatal("28P01", fmt.Sprintf("password authentication failed for user %q", c.user))
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
	sess, err := exec.NewSession(c.srv.db, exec.Options{User: c.user, Database: cfg.Database, Settings: settings, Cache: c.srv.cache, DeferCommits: true})
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

// scram runs a SCRAM-SHA-256 exchange. The user name inside the SCRAM
// messages is ignored, as PostgreSQL does: the startup packet names it.
func (c *conn) scram() bool {
	fail := func() bool {
		c.fatal("28P01", fmt.Sprintf("password authentication failed for user %q", c.user))
		return false
	}
	password, known := c.srv.cfg.Users[c.user]
	salt := make([]byte, 16)
	rand.Read(salt)
	if !known {
		// Go through the exchange anyway, so that an unknown user looks
		// like a wrong password.
		password = string(salt)
	}
	client, err := scram.SHA256.NewClient(c.user, password, "")
	if err != nil {
		return fail()
	}
	creds := client.GetStoredCredentials(scram.KeyFactors{Salt: string(salt), Iters: scramIterations})
	server, err := scram.SHA256.NewServer(func(string) (scram.StoredCredentials, error) { return creds, nil })
	if err != nil {
		return fail()
	}
	conv := server.NewConversation()
	c.be.Send(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{"SCRAM-SHA-256"}})
	if c.be.Flush() != nil || c.be.SetAuthType(pgproto3.AuthTypeSASL) != nil {
		return false
	}
	msg, err := c.be.Receive()
	if err != nil {
		return false
	}
	first, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok || first.AuthMechanism != "SCRAM-SHA-256" {
		c.fatal("28000", "expected a SCRAM-SHA-256 initial response")
		return false
	}
	out, err := conv.Step(string(first.Data))
	if err != nil {
		return fail()
	}
	c.be.Send(&pgproto3.AuthenticationSASLContinue{Data: []byte(out)})
	if c.be.Flush() != nil || c.be.SetAuthType(pgproto3.AuthTypeSASLContinue) != nil {
		return false
	}
	msg, err = c.be.Receive()
	if err != nil {
		return false
	}
	resp, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		c.fatal("28000", "expected a SCRAM response")
		return false
	}
	out, err = conv.Step(string(resp.Data))
	if err != nil || !conv.Valid() || !known {
		return fail()
	}
	c.be.Send(&pgproto3.AuthenticationSASLFinal{Data: []byte(out)})
	return true
}
