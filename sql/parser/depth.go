package parser

import (
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/sql/pgcode"
)

// MaxDepth bounds how deep a statement's expressions may nest: chains of
// operators (1+1+...+1 is as deep as it is long), casts and parentheses.
// PostgreSQL's grammar builds such trees recursively, in C: far deeper
// ones overflow its stack and would take the whole server down, so the
// parser refuses them first (54001, as PostgreSQL's stack depth check).
const MaxDepth = 4000

// checkDepth estimates, from the scanner's tokens, how deep the trees of
// text nest, and refuses text deeper than MaxDepth. The estimate counts,
// at each point, the operators since the start of the innermost
// expression (a comma, AND, OR, a clause keyword start one: PostgreSQL
// keeps AND and OR lists flat) plus those of the expressions around it.
// Only text long enough to hold such a tree is scanned.
func checkDepth(text string) error {
	if len(text) < 2*MaxDepth {
		return nil
	}
	res, err := pg.Scan(text)
	if err != nil {
		return nil // the grammar reports it
	}
	type level struct{ base, cur int }
	stack := []level{{}}
	for _, t := range res.Tokens {
		top := &stack[len(stack)-1]
		switch t.Token {
		case pg.Token_ASCII_40, pg.Token_ASCII_91:
			stack = append(stack, level{base: top.cur + 1, cur: top.cur + 1})
		case pg.Token_ASCII_41, pg.Token_ASCII_93:
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		case pg.Token_ASCII_44, pg.Token_AND, pg.Token_OR, pg.Token_WHEN, pg.Token_THEN, pg.Token_ELSE,
			pg.Token_SELECT, pg.Token_FROM, pg.Token_WHERE, pg.Token_GROUP_P, pg.Token_HAVING,
			pg.Token_ORDER, pg.Token_LIMIT, pg.Token_OFFSET, pg.Token_VALUES, pg.Token_SET,
			pg.Token_RETURNING, pg.Token_ON, pg.Token_ASCII_59:
			top.cur = top.base
		case pg.Token_ASCII_37, pg.Token_ASCII_42, pg.Token_ASCII_43, pg.Token_ASCII_45, pg.Token_ASCII_47,
			pg.Token_ASCII_60, pg.Token_ASCII_61, pg.Token_ASCII_62, pg.Token_ASCII_94, pg.Token_Op,
			pg.Token_TYPECAST, pg.Token_LESS_EQUALS, pg.Token_GREATER_EQUALS, pg.Token_NOT_EQUALS,
			pg.Token_NOT, pg.Token_LIKE, pg.Token_ILIKE, pg.Token_IS, pg.Token_BETWEEN, pg.Token_IN_P,
			pg.Token_COLLATE, pg.Token_AT:
			if top.cur++; top.cur > MaxDepth {
				return pgcode.Newf(pgcode.StatementTooComplex, "statement too complex: expressions nested deeper than %d", MaxDepth).
					WithHint("Split the expression, or use a list (IN, ARRAY[...], VALUES) where it is one.")
			}
		}
	}
	return nil
}
