package main

import (
	"fmt"
	"syscall"
)

// File descriptors the server may hold at once, beside its sockets (see
// pgwire.Config.Sockets):
const (
	// fdsPerTable: a table's active segment is open twice, for buffered
	// reads and syncs and for direct commit writes. Each segment a
	// document was read back from is open once more (store.ReadRecord):
	// one descriptor a segment counts for those.
	fdsPerTable = 2
	// fdReserve covers the process itself (standard streams, the
	// listener, the network poller, the lock file, the runtime's cgroup
	// files: about a dozen), the files snapshots and compaction open for
	// a moment, the profiler and its connections, and the tables created
	// after start (fdsPerTable each).
	fdReserve = 64
)

// descriptorsNeeded is how many file descriptors a server with this many
// sockets, tables and segments may need.
func descriptorsNeeded(sockets, tables, segments int) int {
	return sockets + fdsPerTable*tables + segments + fdReserve
}

// raiseFileLimit raises the soft limit on open files to the hard limit, as
// a server that holds a descriptor per connection should, and returns it.
func raiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("read the limit on open files: %w", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, fmt.Errorf("raise the limit on open files to %d: %w", lim.Max, err)
		}
	}
	return lim.Cur, nil
}

// checkDescriptors says what to do when the limit on open files is below
// what the connections and tables may need, or returns nil.
func checkDescriptors(limit uint64, maxConns, sockets, tables, segments int) error {
	need := descriptorsNeeded(sockets, tables, segments)
	if uint64(need) <= limit {
		return nil
	}
	hint := fmt.Sprintf("raise the limit to %d or more (ulimit -n, or LimitNOFILE= in a systemd unit)", need)
	if fit := maxConns - (need - int(limit)); fit >= 1 {
		hint += fmt.Sprintf(", or lower --max-connections to %d", fit)
	}
	return fmt.Errorf("--max-connections %d needs up to %d file descriptors (%d sockets, %d for %d tables and %d segments, %d in reserve), but the limit on open files is %d: %s",
		maxConns, need, sockets, fdsPerTable*tables+segments, tables, segments, fdReserve, limit, hint)
}
