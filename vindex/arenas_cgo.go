//go:build linux && cgo

package vindex

/*
#include <malloc.h>

// Both are glibc's; another C library keeps its own ways.
static void limit_arenas(int n) {
#ifdef __GLIBC__
	mallopt(M_ARENA_MAX, n);
#endif
}

static void trim_arenas(void) {
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}
*/
import "C"

// LimitArenas caps the C allocator's arenas at n. The index's block cache
// and memtables live in C memory, allocated and freed by whichever thread
// reads a block; glibc gives each thread that meets a busy arena one of its
// own (up to eight per core), and each arena keeps the blocks freed in it.
// A server reading from many connections held 150 MB more with the default
// than with two arenas, at the same cache size. Call it at the start of a
// process, before the threads that allocate.
func LimitArenas(n int) { C.limit_arenas(C.int(n)) }

// TrimArenas gives back to the system the free pages inside the C
// allocator's arenas: blocks the index's cache evicted leave free chunks
// between those it holds, which glibc keeps (about as much again as the
// cache itself once it has turned over), returning only what is free at
// the top of an arena.
func TrimArenas() { C.trim_arenas() }
