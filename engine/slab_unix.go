//go:build unix

package engine

import "syscall"

// slabAlloc returns n bytes of zeroed memory outside the collector's heap,
// an anonymous private mapping: its pages count once touched, and go back
// to the system whole when it is freed. It falls back to the heap when
// the mapping is refused.
func slabAlloc(n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]byte, n)
	}
	return b[:n:n]
}

// slabFree frees a slab slabAlloc returned. Nothing may refer to it after.
func slabFree(b []byte) {
	if err := syscall.Munmap(b[:cap(b)]); err != nil && err != syscall.EINVAL {
		panic("engine: a cache slab could not be unmapped: " + err.Error())
	}
}
