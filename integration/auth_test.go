package integration

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/driftdb/driftdb/pgwire"
)

// TestFailedLoginsSlowed: after three free failures, each wrong password
// from an address is answered later, 100 ms doubling; while one is being
// answered, other logins from the address are refused without a look at
// their password (28000); a success resets the count.
func TestFailedLoginsSlowed(t *testing.T) {
	s := startServer(t, pgwire.Config{Auth: pgwire.AuthSCRAM, Users: map[string]string{"alice": "s3cret"}})
	host, port, _ := net.SplitHostPort(s.addr)
	url := func(password string) string {
		return "postgres://alice:" + password + "@" + host + ":" + port + "/driftdb?sslmode=disable"
	}
	login := func(password string) (time.Duration, error) {
		start := time.Now()
		c, err := pgx.Connect(bg, url(password))
		if err == nil {
			c.Close(bg)
		}
		return time.Since(start), err
	}
	var took []time.Duration
	for range 7 {
		d, err := login("wrong")
		if sqlState(err) != "28P01" {
			t.Fatalf("wrong password: %v", err)
		}
		took = append(took, d)
	}
	t.Logf("7 wrong passwords: %v", took)
	for i, min := range []time.Duration{3: 100 * time.Millisecond, 4: 200 * time.Millisecond, 5: 400 * time.Millisecond, 6: 800 * time.Millisecond} {
		if took[i] < min {
			t.Fatalf("failure %d answered after %v, want %v or more", i+1, took[i], min)
		}
	}
	// The eighth is answered after 1.6 s; meanwhile even the right
	// password is not checked.
	eighth := make(chan error, 1)
	go func() {
		_, err := login("wrong")
		eighth <- err
	}()
	time.Sleep(300 * time.Millisecond)
	_, err := login("s3cret")
	var pe *pgconn.PgError
	if sqlState(err) != "28000" || !errors.As(err, &pe) || !strings.Contains(pe.Message, "too many failed login attempts") {
		t.Fatalf("a login while a failure is answered: %v", err)
	}
	if err := <-eighth; sqlState(err) != "28P01" {
		t.Fatalf("eighth wrong password: %v", err)
	}
	if _, err := login("s3cret"); err != nil {
		t.Fatalf("right password after the delay: %v", err)
	}
	// The count starts over: three wrong passwords at once are all
	// checked (a penalized address would have two of them refused).
	errs := make(chan error, 3)
	for range 3 {
		go func() {
			_, err := login("wrong")
			errs <- err
		}()
	}
	for range 3 {
		if err := <-errs; sqlState(err) != "28P01" {
			t.Fatalf("a wrong password after a success: %v, want a free failure", err)
		}
	}
}
