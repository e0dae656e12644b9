package driftql

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// hugeParam finds $n too long to compare: the lexer's count overflows.
var hugeParam = regexp.MustCompile(`\$[0-9]{10,}`)

// paramPieces are bits of statement text where $n means a parameter or
// does not.
var paramPieces = []string{
	"$1", "$2", "$12", "$65535", "$65536", "$70000", "'$5'", "'it''s $6'", `"$7"`, `"a\"$8"`, `""`,
	"--$9\n", "-- $10", "/*$11*/", "/* $13", "a$14", "x1$15", "e'$16'", "E'$17", "1.5", "1e$18", "$",
	" ", ",", "(", ")", "::", "SELECT", "WHERE", "=", "'", `"`, "\n", "{", "}", ".5", "é$19", "#", "*/",
	"!", "!=", "|", "||", "$20",
}

func checkMaxParam(t *testing.T, src string) {
	t.Helper()
	if hugeParam.MatchString(src) {
		return
	}
	if got, want := MaxParamNumber(src), (&Statement{SQL: src}).MaxParam(); got != want {
		t.Fatalf("MaxParamNumber(%q) = %d, the lexer says %d", src, got, want)
	}
}

// TestMaxParamNumber: the quick scan finds the highest $n the lexer finds,
// in statements assembled from pieces where $n is, or is not, a parameter.
func TestMaxParamNumber(t *testing.T) {
	for _, src := range []string{
		"", "SELECT 1", "SELECT $1, $2", "SELECT '$3', $1", "SELECT a$5 FROM t WHERE x = $2",
		"SELECT $70000", "SELECT 1 /* $9 */ + $3 -- $99", "SELECT e'$4' || $2", `SELECT "$8" = $1`,
	} {
		checkMaxParam(t, src)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range 1 + rng.IntN(12) {
			b.WriteString(paramPieces[rng.IntN(len(paramPieces))])
		}
		checkMaxParam(t, b.String())
	}
	if n := MaxParamNumber("SELECT $99999999999999999999999"); n <= 65535 {
		t.Fatalf("a huge $n reads as %d", n)
	}
}

// FuzzMaxParamNumber compares the quick scan with the lexer on any text.
func FuzzMaxParamNumber(f *testing.F) {
	for _, p := range paramPieces {
		f.Add("SELECT " + p + " $3")
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 1024 {
			return
		}
		checkMaxParam(t, src)
	})
}
