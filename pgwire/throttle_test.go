package pgwire

import (
	"net/netip"
	"testing"
	"time"
)

// TestLoginThrottle: the first failures of an address are free; after
// them each failure is answered after a delay that doubles up to
// loginDelayMax, during which no other login of the address is checked;
// a success forgets the address, so does an hour without failures, and a
// client that leaves before proving anything costs nothing.
func TestLoginThrottle(t *testing.T) {
	th := newLoginThrottle()
	now := time.Unix(1_800_000_000, 0)
	th.now = func() time.Time { return now }
	a := netip.MustParseAddr("192.0.2.7")
	other := netip.MustParseAddr("2001:db8::1")
	var delays []time.Duration
	for range 10 {
		ok, _ := th.admit(a)
		if !ok {
			t.Fatalf("failure %d: refused, although the last delay is over", len(delays)+1)
		}
		if len(delays) >= loginFreeFailures {
			// While this login is checked, another one of the address is
			// not; one of another address is.
			if ok, _ := th.admit(a); ok {
				t.Fatal("two logins of a penalized address checked at once")
			}
			if ok, _ := th.admit(other); !ok {
				t.Fatal("another address refused")
			}
		}
		d := th.done(a, loginFailed)
		delays = append(delays, d)
		if d > 0 {
			if ok, retry := th.admit(a); ok || retry != d {
				t.Fatalf("during the delay: admitted %v, retry in %v (want %v)", ok, retry, d)
			}
		}
		now = now.Add(d)
	}
	want := []time.Duration{0, 0, 0, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond,
		800 * time.Millisecond, 1600 * time.Millisecond, 2 * time.Second, 2 * time.Second}
	for i := range want {
		if delays[i] != want[i] {
			t.Fatalf("delays %v, want %v", delays, want)
		}
	}
	// Leaving costs nothing and frees the address for the next login.
	if ok, _ := th.admit(a); !ok {
		t.Fatal("refused after the delay")
	}
	if d := th.done(a, loginAbandoned); d != 0 {
		t.Fatalf("an abandoned login delayed by %v", d)
	}
	if ok, _ := th.admit(a); !ok {
		t.Fatal("refused after an abandoned login")
	}
	// A success forgets the failures.
	th.done(a, loginOK)
	if ok, _ := th.admit(a); !ok {
		t.Fatal("refused after a success")
	}
	if d := th.done(a, loginFailed); d != 0 {
		t.Fatalf("the first failure after a success delayed by %v", d)
	}
	// So does an hour without failures.
	for range loginFreeFailures + 2 {
		now = now.Add(th.done(a, loginFailed))
	}
	now = now.Add(loginForget + time.Second)
	if ok, _ := th.admit(a); !ok {
		t.Fatal("refused after an hour")
	}
	if d := th.done(a, loginFailed); d != 0 {
		t.Fatalf("the first failure after an hour delayed by %v", d)
	}
}

// TestLoginThrottleBounded: the table of addresses never holds more than
// loginMaxAddresses; a full one drops the expired addresses first, then
// the one whose last failure is the oldest.
func TestLoginThrottleBounded(t *testing.T) {
	th := newLoginThrottle()
	now := time.Unix(1_800_000_000, 0)
	th.now = func() time.Time { return now }
	addr := func(i int) netip.Addr {
		return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
	}
	for i := range loginMaxAddresses {
		th.done(addr(i), loginFailed)
		now = now.Add(time.Millisecond)
	}
	th.done(addr(loginMaxAddresses), loginFailed)
	if n := len(th.addrs); n != loginMaxAddresses {
		t.Fatalf("%d addresses", n)
	}
	if _, kept := th.addrs[addr(0)]; kept {
		t.Fatal("the oldest address was kept")
	}
	now = now.Add(loginForget + time.Second)
	th.done(addr(loginMaxAddresses+1), loginFailed)
	if n := len(th.addrs); n != 1 {
		t.Fatalf("%d addresses after they all expired, want the new one only", n)
	}
}
