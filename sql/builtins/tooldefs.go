package builtins

import (
	"strings"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Catalog functions that database tools call when they read a schema:
// pg_get_partkeydef, pg_stat_get_numscans and parse_ident.

var _ = register(toolCatalogFuncs()...)

func toolCatalogFuncs() []*Overload {
	oid := types.OidT
	return []*Overload{
		// DriftDB has no partitioned tables: no relation has a partition key.
		def(3352, "pg_get_partkeydef", ts(oid), types.Text, func(*Context, []types.Datum) (types.Datum, error) {
			return nil, nil
		}).stable(),
		// DriftDB keeps no statistics of index scans: every index has had
		// none, as a new one in PostgreSQL.
		def(1928, "pg_stat_get_numscans", ts(oid), types.Int8, func(*Context, []types.Datum) (types.Datum, error) {
			return int64(0), nil
		}).stable(),
		def(1268, "parse_ident", ts(types.Text, types.Bool), types.ArrayOf(types.Text), parseIdentFn),
		{Name: "parse_ident", Oid: 1268, Args: ts(types.Text), Ret: types.ArrayOf(types.Text), Strict: true,
			Fn: parseIdentFn},
	}
}

// parseIdentFn is parse_ident(qualified_identifier [, strict]).
func parseIdentFn(_ *Context, a []types.Datum) (types.Datum, error) {
	strict := len(a) < 2 || a[1].(bool)
	parts, err := parseIdent(str(a[0]), strict)
	if err != nil {
		return nil, err
	}
	vals := make([]types.Datum, len(parts))
	for i, p := range parts {
		vals[i] = p
	}
	return buildArray(types.Text, vals)
}

// parseIdent splits a qualified identifier (a, "A".b) into its names:
// quoted ones as written (a doubled quote for a quote), the others in
// lower case. Without strict it stops quietly at what follows the last
// name.
func parseIdent(s string, strict bool) ([]string, error) {
	invalid := func(detail string) error {
		err := pgcode.Newf(pgcode.InvalidParameterValue, `string is not a valid identifier: "%s"`, s)
		if detail != "" {
			return err.WithDetail(detail)
		}
		return err
	}
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' }
	isStart := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80 }
	isCont := func(c byte) bool { return isStart(c) || c >= '0' && c <= '9' || c == '$' }
	var parts []string
	i := 0
	afterDot := false
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		switch {
		case i < len(s) && s[i] == '"':
			var b strings.Builder
			i++
			for {
				j := strings.IndexByte(s[i:], '"')
				if j < 0 {
					return nil, invalid("String has unclosed double quotes.")
				}
				b.WriteString(s[i : i+j])
				i += j + 1
				if i < len(s) && s[i] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				break
			}
			if b.Len() == 0 {
				return nil, invalid("Quoted identifier must not be empty.")
			}
			parts = append(parts, b.String())
		case i < len(s) && isStart(s[i]):
			j := i
			for j < len(s) && isCont(s[j]) {
				j++
			}
			parts = append(parts, strings.ToLower(s[i:j]))
			i = j
		case i < len(s) && s[i] == '.':
			if afterDot {
				return nil, invalid(`No valid identifier after ".".`)
			}
			return nil, invalid(`No valid identifier before ".".`)
		case afterDot:
			return nil, invalid(`No valid identifier after ".".`)
		default:
			return nil, invalid("")
		}
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i < len(s) && s[i] == '.' {
			i++
			afterDot = true
			continue
		}
		if i < len(s) && strict {
			return nil, invalid("")
		}
		return parts, nil
	}
}

// prettyExpr is pg_get_expr's pretty form of an expression's text: without
// the parentheses around the whole of it, or around the operand of a cast
// that is the whole of it ((2)::numeric is 2::numeric).
func prettyExpr(s string) string {
	if end := closingParen(s); end == len(s)-1 {
		return s[1:end]
	} else if end > 0 && strings.HasPrefix(s[end+1:], "::") && !strings.ContainsAny(s[end+1:], "()'") {
		return s[1:end] + s[end+1:]
	}
	return s
}

// closingParen is the index of the parenthesis that closes the one s
// starts with (quoted text aside), or -1.
func closingParen(s string) int {
	if !strings.HasPrefix(s, "(") {
		return -1
	}
	depth, quote := 0, byte(0)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// prettyConstraintDefiner answers pg_get_constraintdef(oid, true): a
// constraint's definition in the pretty form.
type prettyConstraintDefiner interface {
	ConstraintDefPretty(oid int64) (string, bool, error)
}

func prettyConstraintDef(p prettyConstraintDefiner, oid int64) (types.Datum, error) {
	s, found, err := p.ConstraintDefPretty(oid)
	if err != nil || !found {
		return nil, err
	}
	return s, nil
}
