package builtins

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"hash"
	"strings"
	"sync"
	"time"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// gen_random_uuid (PostgreSQL 13's), the functions of the uuid-ossp
// extension and those of pgcrypto that hash and draw random bytes. They
// are built in: CREATE EXTENSION only records the extension (sql,
// extension.go).

var _ = register(uuidFuncs()...)

func uuidFuncs() []*Overload {
	U, T, BA := types.UUID, types.Text, types.Bytea
	random := func(*Context, []types.Datum) (types.Datum, error) { return randomUUID(), nil }
	constant := func(u types.DUUID) fnBody {
		return func(*Context, []types.Datum) (types.Datum, error) { return u, nil }
	}
	named := func(version byte, h func() hash.Hash) fnBody {
		return func(_ *Context, a []types.Datum) (types.Datum, error) {
			ns := a[0].(types.DUUID)
			w := h()
			w.Write(ns[:])
			w.Write([]byte(str(a[1])))
			var u types.DUUID
			copy(u[:], w.Sum(nil))
			return stamp(u, version), nil
		}
	}
	timed := func(*Context, []types.Datum) (types.Datum, error) { return timeUUID(), nil }
	ns := func(last byte) types.DUUID {
		return types.DUUID{0x6b, 0xa7, 0xb8, last, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	}
	digest := func(_ *Context, a []types.Datum) (types.Datum, error) {
		h, err := hashNamed(str(a[1]))
		if err != nil {
			return nil, err
		}
		return hashSum(h, bytesOf(a[0])), nil
	}
	mac := func(_ *Context, a []types.Datum) (types.Datum, error) {
		h, err := hashNamed(str(a[2]))
		if err != nil {
			return nil, err
		}
		w := hmac.New(h, bytesOf(a[1]))
		w.Write(bytesOf(a[0]))
		return w.Sum(nil), nil
	}
	randomBytes := func(_ *Context, a []types.Datum) (types.Datum, error) {
		n := a[0].(int64)
		if n < 1 || n > 1024 {
			return nil, pgcode.New(pgcode.ExternalRoutineInvocationException, "Length not in range")
		}
		b := make([]byte, n)
		rand.Read(b)
		return b, nil
	}
	return []*Overload{
		def(3432, "gen_random_uuid", nil, U, random).volatile(),
		def(0, "uuid_generate_v4", nil, U, random).volatile(),
		def(0, "uuid_generate_v1", nil, U, timed).volatile(),
		def(0, "uuid_generate_v1mc", nil, U, timed).volatile(),
		def(0, "uuid_generate_v3", ts(U, T), U, named(3, md5.New)),
		def(0, "uuid_generate_v5", ts(U, T), U, named(5, sha1.New)),
		def(0, "uuid_nil", nil, U, constant(types.DUUID{})),
		def(0, "uuid_ns_dns", nil, U, constant(ns(0x10))),
		def(0, "uuid_ns_url", nil, U, constant(ns(0x11))),
		def(0, "uuid_ns_oid", nil, U, constant(ns(0x12))),
		def(0, "uuid_ns_x500", nil, U, constant(ns(0x14))),
		def(0, "digest", ts(T, T), BA, digest),
		def(0, "digest", ts(BA, T), BA, digest),
		def(0, "hmac", ts(T, T, T), BA, mac),
		def(0, "hmac", ts(BA, BA, T), BA, mac),
		def(0, "gen_random_bytes", ts(types.Int4), BA, randomBytes).volatile(),
	}
}

// bytesOf is a text or bytea argument's bytes.
func bytesOf(d types.Datum) []byte {
	if b, ok := d.([]byte); ok {
		return b
	}
	return []byte(str(d))
}

// hashNamed is pgcrypto's hash of a name.
func hashNamed(name string) (func() hash.Hash, error) {
	switch strings.ToLower(name) {
	case "md5":
		return md5.New, nil
	case "sha1":
		return sha1.New, nil
	case "sha224":
		return sha256.New224, nil
	case "sha256":
		return sha256.New, nil
	case "sha384":
		return sha512.New384, nil
	case "sha512":
		return sha512.New, nil
	}
	return nil, pgcode.Newf(pgcode.InvalidParameterValue, "Cannot use \"%s\": No such hash algorithm", name)
}

// hashSum is h's digest of b.
func hashSum(h func() hash.Hash, b []byte) []byte {
	w := h()
	w.Write(b)
	return w.Sum(nil)
}

// hashOf is a function of a bytea returning h's digest of it (sha256 and
// its kin).
func hashOf(h func() hash.Hash) fnBody {
	return func(_ *Context, a []types.Datum) (types.Datum, error) { return hashSum(h, a[0].([]byte)), nil }
}

// stamp sets a UUID's version and its RFC 4122 variant.
func stamp(u types.DUUID, version byte) types.DUUID {
	u[6] = u[6]&0x0f | version<<4
	u[8] = u[8]&0x3f | 0x80
	return u
}

func randomUUID() types.DUUID {
	var u types.DUUID
	rand.Read(u[:])
	return stamp(u, 4)
}

// timeClock keeps version 1 UUIDs of one process apart: their times
// increase.
var timeClock struct {
	mu   sync.Mutex
	last uint64
	seq  uint16
	node [6]byte
}

// timeUUID is a version 1 UUID: the time in 100 ns since 1582-10-15, a
// random clock sequence, and a random node with the multicast bit set
// (uuid-ossp's v1mc; DriftDB does not read the machine's MAC address).
func timeUUID() types.DUUID {
	c := &timeClock
	c.mu.Lock()
	if c.node == [6]byte{} {
		var b [8]byte
		rand.Read(b[:])
		copy(c.node[:], b[:6])
		c.node[0] |= 0x01
		c.seq = binary.BigEndian.Uint16(b[6:]) & 0x3fff
	}
	t := uint64(time.Now().UnixNano()/100) + 0x01b21dd213814000
	if t <= c.last {
		t = c.last + 1
	}
	c.last = t
	node, seq := c.node, c.seq
	c.mu.Unlock()
	var u types.DUUID
	binary.BigEndian.PutUint32(u[0:], uint32(t))
	binary.BigEndian.PutUint16(u[4:], uint16(t>>32))
	binary.BigEndian.PutUint16(u[6:], uint16(t>>48)&0x0fff)
	binary.BigEndian.PutUint16(u[8:], seq)
	copy(u[10:], node[:])
	return stamp(u, 1)
}
