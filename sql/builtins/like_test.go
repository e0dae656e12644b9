package builtins

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"
)

// likeRegexp is LIKE written as a regular expression: the definition
// likeMatch is checked against.
func likeRegexp(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '%':
			b.WriteString(`.*`)
		case '_':
			b.WriteString(`.`)
		case '\\':
			i++
			fallthrough
		default:
			// One rune, quoted: the bytes up to the next rune's start.
			j := i + 1
			for j < len(p) && p[j]&0xc0 == 0x80 {
				j++
			}
			b.WriteString(regexp.QuoteMeta(p[i:j]))
			i = j - 1
		}
	}
	b.WriteString(`\z`)
	return regexp.MustCompile(b.String())
}

func TestLikeMatchCases(t *testing.T) {
	for _, c := range []struct {
		s, p string
		want bool
	}{
		{"hello", "h%", true},
		{"hello", "_ello", true},
		{"hello", "h_o", false},
		{"hello", "%", true},
		{"", "%", true},
		{"", "", true},
		{"", "_", false},
		{"a", "", false},
		{"user1990@example.com", "%99%", true},
		{"user1090@example.com", "%99%", false},
		{"abcabd", "%abd", true},
		{"abcab", "%abd", false},
		{"aaa", "a%a%a", true},
		{"aa", "a%a%a", false},
		{"50%", `50\%`, true},
		{"50x", `50\%`, false},
		{`a\b`, `a\\b`, true},
		{"ñandú", "_and_", true},
		{"ñandú", "ñ%ú", true},
		{"日本語", "__", false},
		{"日本語", "___", true},
		{"日本語", "%本%", true},
		{"x", "%%%", true},
		{"xy", "%_%_%", true},
		{"x", "%_%_%", false},
	} {
		got, err := likeMatch(c.s, c.p)
		if err != nil || got != c.want {
			t.Errorf("%q LIKE %q = %v, %v; want %v", c.s, c.p, got, err, c.want)
		}
	}
	// A pattern that ends with the escape is an error once the match
	// reaches it, as in PostgreSQL; one that fails before does not.
	if _, err := likeMatch("ab", `a\`); err == nil {
		t.Errorf(`'ab' LIKE 'a\' gave no error`)
	}
	if ok, err := likeMatch("ab", `x\`); ok || err != nil {
		t.Errorf(`'ab' LIKE 'x\' = %v, %v; want false`, ok, err)
	}
}

// TestLikeMatchRandom checks likeMatch against the regular expression of
// each pattern over random strings of a small alphabet, where runs and
// near misses are common.
func TestLikeMatchRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alpha := []string{"a", "b", "é", "日"}
	pat := []string{"a", "b", "é", "日", "%", "_", `\%`, `\_`, `\a`}
	word := func(parts []string, n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(parts[rng.Intn(len(parts))])
		}
		return b.String()
	}
	for range 20000 {
		p := word(pat, rng.Intn(7))
		re := likeRegexp(p)
		for range 5 {
			s := word(alpha, rng.Intn(9))
			if rng.Intn(4) == 0 {
				s += "%_" // the characters the pattern escapes
			}
			got, err := likeMatch(s, p)
			if err != nil {
				t.Fatalf("%q LIKE %q: %v", s, p, err)
			}
			if want := re.MatchString(s); got != want {
				t.Fatalf("%q LIKE %q = %v, want %v", s, p, got, want)
			}
		}
	}
}

// A pattern of many %s against a long string that does not match: the
// match must not go back over the string once for each of them.
func BenchmarkLikeMatch(b *testing.B) {
	s := strings.Repeat("a", 200)
	for _, p := range []string{"%99%", "%a%a%a%a%a%a%a%b", "user%@example.com"} {
		b.Run(p, func(b *testing.B) {
			for b.Loop() {
				_, _ = likeMatch(s, p)
			}
		})
	}
}
