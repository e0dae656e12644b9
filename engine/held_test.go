package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// entriesOf makes n index entries of the values val gives, keys and seqs
// in random order.
func entriesOf(n int, val func(r *rand.Rand) any) []indexEntry {
	r := rand.New(rand.NewPCG(7, uint64(n)))
	es := make([]indexEntry, n)
	for i := range es {
		es[i] = indexEntry{val: val(r), key: Key{Int: int64(r.IntN(n / 4)), IsInt: true}, seq: uint64(r.IntN(1000))}
	}
	return es
}

// TestSortEntries: the sort of held entries orders them as the tree
// does, for strings that share their first bytes, are shorter than the
// prefix or hold zero bytes, for integers of both signs, and for a mix
// of kinds (which takes the general comparison).
func TestSortEntries(t *testing.T) {
	strs := []string{"", "a", "a\x00", "a\x00b", "ab", "abcdefgh", "abcdefgh\x00", "abcdefghi", "abcdefgi", "b", "\xff\xff", "é"}
	kinds := map[string]func(r *rand.Rand) any{
		"strings": func(r *rand.Rand) any {
			if r.IntN(2) == 0 {
				return strs[r.IntN(len(strs))]
			}
			return fmt.Sprintf("abcdefgh%d", r.IntN(50))
		},
		"shared start": func(r *rand.Rand) any {
			return fmt.Sprintf("status-%d", r.IntN(3000)) + strs[r.IntN(len(strs))]
		},
		"integers": func(r *rand.Rand) any { return int64(r.IntN(200)-100) << (r.IntN(3) * 30) },
		"mixed": func(r *rand.Rand) any {
			if r.IntN(2) == 0 {
				return int64(r.IntN(20))
			}
			return strs[r.IntN(len(strs))]
		},
	}
	for name, val := range kinds {
		t.Run(name, func(t *testing.T) {
			es := entriesOf(2000, val)
			want := slices.Clone(es)
			slices.SortFunc(want, func(a, b indexEntry) int { return compareEntries(&a, &b) })
			sortEntries(es)
			for i := range es {
				if compareEntries(&es[i], &want[i]) != 0 {
					t.Fatalf("at %d: %v, want %v", i, es[i], want[i])
				}
			}
		})
	}
}

// BenchmarkSortEntries compares the ranked sort of a commit's held
// entries with the plain one, for string values.
func BenchmarkSortEntries(b *testing.B) {
	es := entriesOf(200000, func(r *rand.Rand) any { return fmt.Sprintf("status-%d", r.IntN(20000)) })
	for _, bc := range []struct {
		name string
		sort func([]indexEntry)
	}{
		{"ranked", sortEntries},
		{"plain", func(es []indexEntry) {
			slices.SortFunc(es, func(a, b indexEntry) int { return compareEntries(&a, &b) })
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			work := make([]indexEntry, len(es))
			for b.Loop() {
				copy(work, es)
				bc.sort(work)
			}
		})
	}
}
