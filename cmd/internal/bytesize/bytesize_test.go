package bytesize

import "testing"

// TestSize: sizes in bytes or with PostgreSQL's units (multiples of
// 1024), printed back in the largest unit that divides them; anything
// else is refused.
func TestSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		out  string
	}{
		{"0", 0, "0"},
		{"512", 512, "512"},
		{"512B", 512, "512"},
		{"1kB", 1 << 10, "1kB"},
		{"1536kB", 1536 << 10, "1536kB"},
		{"128MB", 128 << 20, "128MB"},
		{" 2 GB ", 2 << 30, "2GB"},
		{"3TB", 3 << 40, "3TB"},
		{"2048MB", 2 << 30, "2GB"},
	} {
		var b Size
		if err := b.Set(c.in); err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		if int64(b) != c.want || b.String() != c.out {
			t.Fatalf("%q: %d (%s), want %d (%s)", c.in, int64(b), b.String(), c.want, c.out)
		}
	}
	for _, bad := range []string{"", "-1", "1.5GB", "12XB", "kB", "1 kb", "9000000TB", "99999999999999999999"} {
		var b Size
		if err := b.Set(bad); err == nil {
			t.Fatalf("%q accepted as %d bytes", bad, int64(b))
		}
	}
}
