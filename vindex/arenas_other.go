//go:build !linux || !cgo

package vindex

// LimitArenas does nothing where the C allocator is not glibc's, or with
// no C allocator at all.
func LimitArenas(n int) {}

// TrimArenas does nothing where the C allocator is not glibc's.
func TrimArenas() {}
