package pgwire

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// Failed logins are slowed down per client address, so that guessing
// passwords goes slowly however many connections the guesser opens:
//
//   - the first loginFreeFailures failures of an address cost nothing;
//   - each one after that is answered only after a delay, 100 ms doubling
//     to 2 s, and until then no other login from that address is checked:
//     one arriving meanwhile is refused at once (28000), without its
//     password being looked at;
//   - a success, or an hour without failures, forgets the address.
//
// A thousand wrong passwords from one address then take over half an hour
// instead of a second. The table of addresses is bounded: when it is
// full, the addresses forgotten first are the expired ones, then the ones
// whose last failure is oldest.
const (
	loginFreeFailures = 3
	loginDelayMin     = 100 * time.Millisecond
	loginDelayMax     = 2 * time.Second
	loginForget       = time.Hour
	loginMaxAddresses = 10000
)

// loginThrottle holds the failed logins of recent client addresses.
type loginThrottle struct {
	mu    sync.Mutex
	addrs map[netip.Addr]*loginFailures
	now   func() time.Time
}

type loginFailures struct {
	n     int       // failures since the last success
	last  time.Time // of the last failure
	until time.Time // no login from the address is checked before
	busy  bool      // a login of the address is being checked
}

func newLoginThrottle() *loginThrottle {
	return &loginThrottle{addrs: map[netip.Addr]*loginFailures{}, now: time.Now}
}

// loginDelay is the delay after the nth failure.
func loginDelay(n int) time.Duration {
	if n <= loginFreeFailures {
		return 0
	}
	d := loginDelayMin
	for i := loginFreeFailures + 1; i < n && d < loginDelayMax; i++ {
		d *= 2
	}
	return min(d, loginDelayMax)
}

// addrOf is the address a client's failures count against: its IP.
func addrOf(remote net.Addr) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(remote.String())
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

// admit reports whether a login from addr may be checked now. One that
// may be must be followed by done.
func (th *loginThrottle) admit(addr netip.Addr) (ok bool, retryIn time.Duration) {
	th.mu.Lock()
	defer th.mu.Unlock()
	f := th.addrs[addr]
	if f == nil || f.n < loginFreeFailures {
		return true, 0
	}
	now := th.now()
	if now.Sub(f.last) > loginForget {
		delete(th.addrs, addr)
		return true, 0
	}
	if f.busy || now.Before(f.until) {
		return false, max(f.until.Sub(now), loginDelayMin)
	}
	f.busy = true
	return true, 0
}

// loginResult is how a login ended.
type loginResult int

const (
	loginOK        loginResult = iota
	loginFailed                // a wrong password, or an unknown user
	loginAbandoned             // the client left, or broke the protocol, before a password was checked
)

// done records how a login from addr ended. After a failure it returns
// how long to wait before telling the client.
func (th *loginThrottle) done(addr netip.Addr, res loginResult) time.Duration {
	th.mu.Lock()
	defer th.mu.Unlock()
	f := th.addrs[addr]
	switch res {
	case loginOK:
		delete(th.addrs, addr)
		return 0
	case loginAbandoned:
		if f != nil {
			f.busy = false
		}
		return 0
	}
	now := th.now()
	if f == nil {
		if len(th.addrs) >= loginMaxAddresses {
			th.evict(now)
		}
		f = &loginFailures{}
		th.addrs[addr] = f
	}
	f.n++
	f.last, f.busy = now, false
	d := loginDelay(f.n)
	f.until = now.Add(d)
	return d
}

// evict makes room in a full table: it drops the expired addresses, or
// else the one whose last failure is the oldest.
func (th *loginThrottle) evict(now time.Time) {
	var oldest netip.Addr
	var oldestAt time.Time
	for a, f := range th.addrs {
		if now.Sub(f.last) > loginForget {
			delete(th.addrs, a)
			continue
		}
		if !f.busy && (oldestAt.IsZero() || f.last.Before(oldestAt)) {
			oldest, oldestAt = a, f.last
		}
	}
	if len(th.addrs) >= loginMaxAddresses && oldest.IsValid() {
		delete(th.addrs, oldest)
	}
}
