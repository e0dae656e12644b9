package builtins

import (
	"strings"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Resolved is the overload chosen for a call, with the type each argument
// must be cast to (the argument's own type where no cast is needed) and
// the result type.
type Resolved struct {
	Fn       *Overload
	ArgTypes []*types.T
	Ret      *types.T
}

// Resolve chooses the overload of name for arguments of the given types
// (types.Unknown for an untyped literal or parameter), as PostgreSQL's
// func_select_candidate and oper_select_candidate do:
//
//  1. an overload whose argument types are exactly those given (unknown
//     arguments match anything, and for a binary operator an unknown
//     argument is first taken to be of the other argument's type);
//  2. else the overloads every argument can reach by an implicit cast;
//     among them those with the most exact matches, then the most
//     arguments of the category's preferred type where a cast is needed;
//  3. unknown arguments then take the category the candidates agree on,
//     the string category when any candidate takes one.
//
// It fails with 42883 (no overload) or 42725 (ambiguous).
func Resolve(name string, args []*types.T, kind Kind) (*Resolved, error) {
	r, err := resolve(name, args, kind)
	if err != nil || r.Fn.FnFor == nil {
		return r, err
	}
	o := *r.Fn
	o.Fn = o.FnFor(r.ArgTypes)
	r.Fn = &o
	return r, nil
}

func resolve(name string, args []*types.T, kind Kind) (*Resolved, error) {
	all := Lookup(name)
	var cands []*Overload
	for _, o := range all {
		if o.Kind == kind || kind == Normal && o.Kind == SetReturning {
			cands = append(cands, o)
		}
	}
	if len(cands) == 0 {
		return nil, undefined(name, args, kind)
	}
	// An unknown operand of a binary operator is taken to be of the
	// other operand's type, if an overload takes that exactly.
	if len(args) == 2 && isOperator(name) {
		for i := range 2 {
			if args[i].Family == types.UnknownFamily && args[1-i].Family != types.UnknownFamily {
				try := []*types.T{args[1-i], args[1-i]}
				for _, o := range cands {
					if r, ok := exactly(o, try); ok {
						return r, nil
					}
				}
			}
		}
	}
	type fit struct {
		r      *Resolved
		exact  int
		prefer int
	}
	var fits []fit
	for _, o := range cands {
		if r, ok := exactly(o, args); ok {
			return r, nil
		}
		r, exact, prefer, ok := coerce(o, args)
		if ok {
			fits = append(fits, fit{r, exact, prefer})
		}
	}
	if len(fits) == 0 {
		return nil, undefined(name, args, kind)
	}
	best := func(key func(f fit) int) {
		m := -1
		for _, f := range fits {
			m = max(m, key(f))
		}
		kept := fits[:0]
		for _, f := range fits {
			if key(f) == m {
				kept = append(kept, f)
			}
		}
		fits = kept
	}
	best(func(f fit) int { return f.exact })
	best(func(f fit) int { return f.prefer })
	if len(fits) > 1 {
		// Unknown arguments: keep the candidates that take the string
		// category there when any does, else the category's preferred
		// type. The category is that of the declared type, as in
		// PostgreSQL: a polymorphic argument is of none of them.
		for i, a := range args {
			if a.Family != types.UnknownFamily || len(fits) == 1 {
				continue
			}
			declared := func(f fit) *types.T {
				want, _ := expand(f.r.Fn, len(args))
				return want[i]
			}
			var str []fit
			for _, f := range fits {
				if declared(f).Category == types.CatString {
					str = append(str, f)
				}
			}
			if len(str) > 0 {
				fits = str
				if len(fits) > 1 {
					var text []fit
					for _, f := range fits {
						if declared(f).Preferred {
							text = append(text, f)
						}
					}
					if len(text) > 0 {
						fits = text
					}
				}
			}
		}
	}
	if len(fits) > 1 {
		cands := make([]*Overload, len(fits))
		for i, f := range fits {
			cands[i] = f.r.Fn
		}
		if k := sameAsKnown(args, cands); k >= 0 {
			return fits[k].r, nil
		}
	}
	if len(fits) > 1 {
		if isOperator(name) {
			return nil, pgcode.Newf(pgcode.AmbiguousFunction, "operator is not unique: %s", signature(name, args, kind)).
				WithHint("Could not choose a best candidate operator. You might need to add explicit type casts.")
		}
		return nil, pgcode.Newf(pgcode.AmbiguousFunction, "function %s is not unique", signature(name, args, kind)).
			WithHint("Could not choose a best candidate function. You might need to add explicit type casts.")
	}
	return fits[0].r, nil
}

// sameAsKnown is PostgreSQL's last attempt at a choice among candidates
// when some arguments are unknown and the others all of one type: the
// unknown ones are taken to be of that type, and the one candidate that
// then takes the arguments is chosen ('{1}'::int[] || '{2}' concatenates
// two arrays). It returns the candidate's index, or -1.
func sameAsKnown(args []*types.T, cands []*Overload) int {
	var known *types.T
	unknowns := 0
	for _, a := range args {
		switch {
		case a.Family == types.UnknownFamily:
			unknowns++
		case known == nil:
			known = a
		case known.Oid != a.Oid:
			return -1
		}
	}
	if known == nil || unknowns == 0 {
		return -1
	}
	as := make([]*types.T, len(args))
	for i := range as {
		as[i] = known
	}
	found := -1
	for i, o := range cands {
		if _, _, _, ok := coerce(o, as); ok {
			if found >= 0 {
				return -1
			}
			found = i
		}
	}
	return found
}

// exactly checks an overload against argument types that must match it
// as they are. An unknown argument matches nothing exactly, as in
// PostgreSQL: with several overloads it could take, the order they were
// registered in must not choose; coerce and the category rules do.
func exactly(o *Overload, args []*types.T) (*Resolved, bool) {
	want, ok := expand(o, len(args))
	if !ok {
		return nil, false
	}
	for i, w := range want {
		if w.Family == types.AnyFamily || args[i].Family == types.UnknownFamily {
			return nil, false // polymorphic or unknown: coerce works it out
		}
		if args[i].Oid != w.Oid {
			return nil, false
		}
	}
	ts := make([]*types.T, len(args))
	copy(ts, args) // the arguments' own types keep their modifiers
	return &Resolved{Fn: o, ArgTypes: ts, Ret: o.ReturnType(ts)}, true
}

// coerce checks that every argument reaches the overload's type by an
// implicit cast, resolving polymorphic types; it counts the exact
// matches and the casts to a preferred type.
func coerce(o *Overload, args []*types.T) (r *Resolved, exact, prefer int, ok bool) {
	want, ok := expand(o, len(args))
	if !ok {
		return nil, 0, 0, false
	}
	ts := make([]*types.T, len(args))
	// Polymorphic arguments first: anyelement / anycompatible take one
	// type for all of them; anyarray / anycompatiblearray an array of it.
	var elem, compat *types.T
	unite := func(t *types.T) bool {
		t = t.WithMod(-1) // a polymorphic type has no modifier
		if compat == nil {
			compat = t
		} else if c := CommonType(compat, t); c != nil {
			compat = c
		} else {
			return false
		}
		return true
	}
	for i, w := range want {
		a := args[i]
		switch w.Oid {
		case types.OidAnyElement, types.OidAnyNonArray:
			if a.Family == types.UnknownFamily {
				continue
			}
			if elem != nil && elem.Oid != a.Oid {
				return nil, 0, 0, false
			}
			if w.Oid == types.OidAnyNonArray && a.IsArray() {
				return nil, 0, 0, false
			}
			elem = a
		case types.OidAnyArray:
			if a.Family == types.UnknownFamily {
				continue
			}
			if !a.IsArray() || a.Elem == nil || elem != nil && elem.Oid != a.Elem.Oid {
				return nil, 0, 0, false
			}
			elem = a.Elem
		case types.OidAnyCompat:
			if a.Family == types.UnknownFamily {
				continue
			}
			if !unite(a) {
				return nil, 0, 0, false
			}
		case types.OidAnyCompatArray:
			if a.Family == types.UnknownFamily {
				continue
			}
			if !a.IsArray() || a.Elem == nil || !unite(a.Elem) {
				return nil, 0, 0, false
			}
		}
	}
	for i, w := range want {
		a := args[i]
		switch w.Oid {
		case types.OidAnyElement, types.OidAnyNonArray:
			if elem == nil {
				elem = types.Text // all unknown: text, as PostgreSQL resolves them
			}
			ts[i] = elem
		case types.OidAnyArray:
			if elem == nil {
				return nil, 0, 0, false
			}
			ts[i] = types.ArrayOf(elem)
			if ts[i] == nil {
				return nil, 0, 0, false
			}
		case types.OidAnyCompat:
			if compat == nil {
				compat = types.Text
			}
			ts[i] = compat
		case types.OidAnyCompatArray:
			if compat == nil {
				compat = types.Text // all unknown: text[], as PostgreSQL resolves them
			}
			if ts[i] = types.ArrayOf(compat); ts[i] == nil {
				return nil, 0, 0, false
			}
		case types.OidAny:
			ts[i] = a // an untyped literal stays unknown, as PostgreSQL keeps it
		default:
			ts[i] = w
		}
		switch {
		case a.Family == types.UnknownFamily:
		case a.Oid == ts[i].Oid:
			// An exact match is with the declared type, as PostgreSQL
			// counts them: a polymorphic one matches no type exactly
			// ('a' || 'b'::name is text || text, not an array's).
			if w.Oid == a.Oid {
				exact++
			}
			ts[i] = a
		case types.CastContext(a, ts[i]) == types.ContextImplicit:
			if ts[i].Preferred {
				prefer++
			}
		default:
			return nil, 0, 0, false
		}
	}
	return &Resolved{Fn: o, ArgTypes: ts, Ret: o.ReturnType(ts)}, exact, prefer, true
}

// expand returns the overload's argument types for n arguments, a
// VARIADIC tail repeated as needed.
func expand(o *Overload, n int) ([]*types.T, bool) {
	if o.Variadic == nil {
		return o.Args, len(o.Args) == n
	}
	if n <= len(o.Args) {
		return nil, false // a VARIADIC list has one value at least
	}
	out := append([]*types.T(nil), o.Args...)
	for len(out) < n {
		out = append(out, o.Variadic)
	}
	return out, true
}

// CommonType is the type two values become in a UNION, CASE, COALESCE or
// an anycompatible argument: PostgreSQL's select_common_type for two
// inputs. Unknown yields to the other; within a category the first,
// unless it is not the preferred type and casts implicitly to the second
// but not back. Nil when there is none.
func CommonType(a, b *types.T) *types.T {
	switch {
	case a.Family == types.UnknownFamily && b.Family == types.UnknownFamily:
		return types.Text
	case a.Family == types.UnknownFamily:
		return b
	case b.Family == types.UnknownFamily:
		return a
	case a.Oid == b.Oid:
		if a.Mod != b.Mod {
			return a.WithMod(-1)
		}
		return a
	case a.Category != b.Category:
		return nil
	}
	ab := types.CastContext(a, b) == types.ContextImplicit
	ba := types.CastContext(b, a) == types.ContextImplicit
	// As select_common_type: the first type stays unless it is not the
	// category's preferred type and casts implicitly to the second but
	// not back ('a'::varchar and 'b'::text unite in varchar, 'b'::text
	// and 'a'::varchar in text).
	switch {
	case !a.Preferred && ab && !ba:
		return b
	case ba:
		return a
	}
	return nil
}

func isOperator(name string) bool {
	return name != "" && !(name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z' || name[0] == '_')
}

func undefined(name string, args []*types.T, kind Kind) error {
	what := "function"
	hint := "No function matches the given name and argument types. You might need to add explicit type casts."
	if isOperator(name) {
		what = "operator"
		hint = "No operator matches the given name and argument types. You might need to add explicit type casts."
	}
	if what == "function" {
		return pgcode.Newf(pgcode.UndefinedFunction, "function %s does not exist", signature(name, args, kind)).WithHint(hint)
	}
	return pgcode.Newf(pgcode.UndefinedFunction, "operator does not exist: %s", signature(name, args, kind)).WithHint(hint)
}

// signature writes a call as PostgreSQL's messages do: f(integer, text),
// or for an operator integer + text.
func signature(name string, args []*types.T, kind Kind) string {
	names := make([]string, len(args))
	for i, a := range args {
		names[i] = a.SQL
	}
	if isOperator(name) {
		switch len(args) {
		case 1:
			return name + " " + names[0]
		case 2:
			return names[0] + " " + name + " " + names[1]
		}
	}
	return name + "(" + strings.Join(names, ", ") + ")"
}
