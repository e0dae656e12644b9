package store

import (
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
)

// commitPayload is the msgpack payload of an EventCommit frame. A batch
// that touches several streams carries the sorted list of all of them in
// every stream's commit frame, so that recovery can tell whether the batch
// reached every stream before a crash.
type commitPayload struct {
	N       int      `msgpack:"n"`           // records of the batch in this stream
	Streams []string `msgpack:"s,omitempty"` // all streams of the batch, when more than one
}

// commitSmallSize is the size of the common single-table commit payload.
const commitSmallSize = 4

// appendCommit appends the encoded commit payload to dst.
func appendCommit(dst []byte, cp commitPayload) []byte {
	if len(cp.Streams) == 0 && cp.N >= 0 && cp.N < 128 {
		// The common single-table batch: map{"n": positive fixint}, the
		// bytes msgpack.Marshal gives, without its allocations.
		return append(dst, 0x81, 0xa1, 'n', byte(cp.N))
	}
	v := cp // escapes; cp itself stays on the stack in the common case
	b, err := msgpack.Marshal(&v)
	if err != nil {
		// An int and a slice of strings always encode.
		panic(fmt.Sprintf("store: encode commit frame: %v", err))
	}
	return append(dst, b...)
}

func decodeCommit(b []byte) (commitPayload, error) {
	var cp commitPayload
	if err := msgpack.Unmarshal(b, &cp); err != nil {
		return cp, fmt.Errorf("bad commit frame: %w", err)
	}
	if cp.N <= 0 {
		return cp, fmt.Errorf("bad commit frame: %d records", cp.N)
	}
	return cp, nil
}
