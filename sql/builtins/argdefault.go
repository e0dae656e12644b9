package builtins

import (
	"strings"

	"github.com/driftdb/driftdb/sql/types"
)

// pg_get_function_arg_default(oid, n): the text of the default of a
// function's n-th argument (counting from 1 over all of them, OUT ones
// too), NULL when it has none. The defaults are those of
// pg_get_function_arguments' text, PostgreSQL's for its functions.

var _ = register(
	def(3808, "pg_get_function_arg_default", ts(types.OidT, types.Int4), types.Text, argDefault).stable(),
)

func argDefault(_ *Context, a []types.Datum) (types.Datum, error) {
	p, ok := ProcByOid(uint32(a[0].(int64)))
	n := int(a[1].(int64))
	// Only PostgreSQL's texts have defaults; the text written for the
	// other functions (plainArguments) has none.
	if !ok || n < 1 || !strings.Contains(p.pg.args, " DEFAULT ") {
		return nil, nil
	}
	args := splitArguments(p.pg.args)
	if n > len(args) {
		return nil, nil
	}
	if _, def, ok := strings.Cut(args[n-1], " DEFAULT "); ok {
		return def, nil
	}
	return nil, nil
}

// splitArguments splits an argument list at the commas outside quotes
// and parentheses.
func splitArguments(s string) []string {
	var out []string
	depth, start := 0, 0
	quote := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	if rest := strings.TrimSpace(s[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}
