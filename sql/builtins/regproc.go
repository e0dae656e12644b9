package builtins

import (
	"strings"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Input and output of regproc, regprocedure and regoper: the names of
// the registry's functions and operators (see pgproc.go). Every function
// is pg_catalog's.

// SplitQualifiedName splits a possibly qualified name as SQL writes it
// ("pg_catalog.abs", "\"My Func\"") into its parts: unquoted parts are
// folded to lower case, quoted ones kept ("" is a quote).
func SplitQualifiedName(s string) ([]string, error) {
	var parts []string
	i := 0
	for {
		for i < len(s) && isSpaceByte(s[i]) {
			i++
		}
		var b strings.Builder
		if i < len(s) && s[i] == '"' {
			i++
			for {
				if i >= len(s) {
					return nil, pgcode.New(pgcode.InvalidTextRepresentation, "invalid name syntax")
				}
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						b.WriteByte('"')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
		} else {
			for i < len(s) && s[i] != '.' && !isSpaceByte(s[i]) {
				c := s[i]
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				b.WriteByte(c)
				i++
			}
		}
		if b.Len() == 0 {
			return nil, pgcode.New(pgcode.InvalidTextRepresentation, "invalid name syntax")
		}
		parts = append(parts, b.String())
		for i < len(s) && isSpaceByte(s[i]) {
			i++
		}
		if i == len(s) {
			return parts, nil
		}
		if s[i] != '.' {
			return nil, pgcode.New(pgcode.InvalidTextRepresentation, "invalid name syntax")
		}
		i++
	}
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// schemaOfFunctions checks a function's or operator's qualified name: its
// schema, when it has one, is pg_catalog, or another schema (then no
// function is there), or no schema at all. It returns the bare name and
// whether it can be one of the registry's.
func schemaOfFunctions(parts []string) (string, bool, error) {
	switch len(parts) {
	case 1:
		return parts[0], true, nil
	case 2:
		switch parts[0] {
		case "pg_catalog":
			return parts[1], true, nil
		case "public", "information_schema":
			return parts[1], false, nil
		}
		return "", false, pgcode.Newf(pgcode.InvalidSchemaName, "schema %q does not exist", parts[0])
	}
	return "", false, pgcode.New(pgcode.InvalidTextRepresentation, "improper qualified name (too many dotted names): "+strings.Join(parts, "."))
}

// LookupRegproc resolves regproc input: a function's name, which must
// name one function.
func LookupRegproc(s string) (uint32, error) {
	parts, err := SplitQualifiedName(s)
	if err != nil {
		return 0, err
	}
	name, ours, err := schemaOfFunctions(parts)
	if err != nil {
		return 0, err
	}
	var procs []*Proc
	if ours {
		procs = ProcsByName(name)
	}
	switch len(procs) {
	case 0:
		return 0, pgcode.Newf(pgcode.UndefinedFunction, "function %q does not exist", s)
	case 1:
		return procs[0].Oid, nil
	}
	return 0, pgcode.Newf(pgcode.AmbiguousFunction, "more than one function named %q", s)
}

// LookupRegprocedure resolves regprocedure input: a function's name and
// its argument types, "abs(integer)".
func LookupRegprocedure(s string) (uint32, error) {
	open := strings.IndexByte(s, '(')
	if open < 0 {
		return 0, pgcode.New(pgcode.InvalidTextRepresentation, "expected a left parenthesis")
	}
	rest := strings.TrimRightFunc(s[open+1:], func(r rune) bool { return r < 0x80 && isSpaceByte(byte(r)) })
	if !strings.HasSuffix(rest, ")") {
		return 0, pgcode.New(pgcode.InvalidTextRepresentation, "expected a right parenthesis")
	}
	parts, err := SplitQualifiedName(s[:open])
	if err != nil {
		return 0, err
	}
	name, ours, err := schemaOfFunctions(parts)
	if err != nil {
		return 0, err
	}
	args, err := parseTypeList(rest[:len(rest)-1])
	if err != nil {
		return 0, err
	}
	if ours {
		for _, p := range ProcsByName(name) {
			if sameTypes(p.Args, args) {
				return p.Oid, nil
			}
		}
	}
	return 0, pgcode.Newf(pgcode.UndefinedFunction, "function %q does not exist", s)
}

// parseTypeList reads the comma-separated type names of a signature.
func parseTypeList(s string) ([]*types.T, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []*types.T
	depth, start := 0, 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) {
			switch s[i] {
			case '(':
				depth++
				continue
			case ')':
				depth--
				continue
			case ',':
				if depth > 0 {
					continue
				}
			default:
				continue
			}
		}
		t, err := parseTypeName(s[start:i])
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		start = i + 1
	}
	return out, nil
}

// typeByName finds a type by a name of SQL ("integer", "int4") or, quoted,
// by its pg_type name ("char" is the one-byte type, not character).
func typeByName(name string) (*types.T, bool) {
	if bare, ok := strings.CutPrefix(name, `"`); ok {
		bare = strings.TrimSuffix(bare, `"`)
		for _, t := range types.All() {
			if t.Name == bare {
				return t, true
			}
		}
		return nil, false
	}
	if strings.EqualFold(name, types.AnyCompatArray.Name) {
		return types.AnyCompatArray, true
	}
	return types.ByName(name)
}

// parseTypeName reads one type name of a signature: modifiers are
// dropped, [] makes an array, a quoted name is taken as written.
func parseTypeName(s string) (*types.T, error) {
	name := strings.TrimSpace(s)
	arrays := 0
	for strings.HasSuffix(name, "[]") {
		name = strings.TrimSpace(strings.TrimSuffix(name, "[]"))
		arrays++
	}
	if i := strings.IndexByte(name, '('); i >= 0 {
		if j := strings.LastIndexByte(name, ')'); j > i {
			name = strings.TrimSpace(name[:i] + name[j+1:])
		}
	}
	t, ok := typeByName(name)
	if !ok {
		bare := strings.Trim(name, `"`)
		return nil, pgcode.Newf(pgcode.UndefinedObject, "type %q does not exist", bare)
	}
	for ; arrays > 0; arrays-- {
		t = types.ArrayOf(t)
	}
	return t, nil
}

func sameTypes(a, b []*types.T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Oid != b[i].Oid {
			return false
		}
	}
	return true
}

// LookupRegoper resolves regoper input: an operator's name, which must
// name one operator.
func LookupRegoper(s string) (uint32, error) {
	name := strings.TrimPrefix(strings.TrimSpace(s), "pg_catalog.")
	var found []*Oper
	for _, op := range Opers() {
		if op.Name == name {
			found = append(found, op)
		}
	}
	switch len(found) {
	case 0:
		return 0, pgcode.New(pgcode.UndefinedFunction, "operator does not exist: "+s)
	case 1:
		return found[0].Oid, nil
	}
	return 0, pgcode.New(pgcode.AmbiguousFunction, "more than one operator named "+s)
}

// RegprocName is regproc's output of a function's OID: its name, qualified
// when several functions have it.
func RegprocName(oid uint32) (string, bool) {
	p, ok := ProcByOid(oid)
	if !ok {
		name, ok := ProcName(oid)
		return name, ok
	}
	if len(ProcsByName(p.Name)) > 1 {
		return "pg_catalog." + QuoteIdent(p.Name), true
	}
	return QuoteIdent(p.Name), true
}

// RegprocedureName is regprocedure's output: the function's name and its
// argument types.
func RegprocedureName(oid uint32) (string, bool) {
	p, ok := ProcByOid(oid)
	if !ok {
		return "", false
	}
	names := make([]string, len(p.Args))
	for i, a := range p.Args {
		names[i] = a.String()
	}
	return QuoteIdent(p.Name) + "(" + strings.Join(names, ",") + ")", true
}

// RegoperName is regoper's output: the operator's name, qualified when
// several operators have it.
func RegoperName(oid uint32) (string, bool) {
	op, ok := OperByOid(oid)
	if !ok {
		return "", false
	}
	n := 0
	for _, o := range Opers() {
		if o.Name == op.Name {
			n++
		}
	}
	if n > 1 {
		return "pg_catalog." + op.Name, true
	}
	return op.Name, true
}

// LookupRegoperator resolves regoperator input: an operator's name and
// its operand types, NONE for a missing one: "+(integer,integer)",
// "-(NONE,numeric)".
func LookupRegoperator(s string) (uint32, error) {
	open := strings.IndexByte(s, '(')
	if open < 0 {
		return 0, pgcode.New(pgcode.InvalidTextRepresentation, "expected a left parenthesis")
	}
	rest := strings.TrimRightFunc(s[open+1:], func(r rune) bool { return r < 0x80 && isSpaceByte(byte(r)) })
	if !strings.HasSuffix(rest, ")") {
		return 0, pgcode.New(pgcode.InvalidTextRepresentation, "expected a right parenthesis")
	}
	name := strings.TrimPrefix(strings.TrimSpace(s[:open]), "pg_catalog.")
	parts := strings.Split(rest[:len(rest)-1], ",")
	if len(parts) != 2 {
		if len(parts) > 2 {
			return 0, pgcode.New(pgcode.TooManyArguments, "too many arguments").
				WithHint("Provide two argument types for operator.")
		}
		return 0, pgcode.New(pgcode.UndefinedParameter, "missing argument").
			WithHint("Use NONE to denote the missing argument of a unary operator.")
	}
	var operands [2]uint32
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if strings.EqualFold(p, "none") {
			continue
		}
		t, err := parseTypeName(p)
		if err != nil {
			return 0, err
		}
		operands[i] = uint32(t.Oid)
	}
	for _, op := range Opers() {
		if op.Name == name && oidOf(op.Left) == operands[0] && oidOf(op.Right) == operands[1] {
			return op.Oid, nil
		}
	}
	return 0, pgcode.New(pgcode.UndefinedFunction, "operator does not exist: "+s)
}

// RegoperatorName is regoperator's output: the operator's name and its
// operand types.
func RegoperatorName(oid uint32) (string, bool) {
	op, ok := OperByOid(oid)
	if !ok {
		return "", false
	}
	left := "NONE"
	if op.Left != nil {
		left = op.Left.String()
	}
	return op.Name + "(" + left + "," + op.Right.String() + ")", true
}
