// Package bytesize is the flag of a size in bytes that the commands
// share: a number of bytes, or one with a unit as PostgreSQL's settings
// take them.
package bytesize

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Size is a flag of bytes, written as a number of bytes or with a
// unit as PostgreSQL's settings take them: kB, MB, GB, TB (multiples of
// 1024).
type Size int64

type sizeUnit struct {
	name  string
	shift uint
}

// sizeUnits are Size's units, largest first.
var sizeUnits = []sizeUnit{{"TB", 40}, {"GB", 30}, {"MB", 20}, {"kB", 10}}

func (b *Size) String() string {
	n := int64(*b)
	for _, u := range sizeUnits {
		if n != 0 && n%(1<<u.shift) == 0 {
			return strconv.FormatInt(n>>u.shift, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}

func (b *Size) Set(s string) error {
	t := strings.TrimSpace(s)
	shift := uint(0)
	// Plain bytes ("512B") are tried after the larger units that end in B.
	for _, u := range append(sizeUnits[:len(sizeUnits):len(sizeUnits)], sizeUnit{"B", 0}) {
		if num, ok := strings.CutSuffix(t, u.name); ok {
			t, shift = strings.TrimSpace(num), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64>>shift {
		return fmt.Errorf("invalid size %q: want a whole number of bytes, or of kB, MB, GB or TB, 0 or more", s)
	}
	*b = Size(n << shift)
	return nil
}
