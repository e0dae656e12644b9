package builtins

import (
	"github.com/driftdb/driftdb/sql/types"
)

// The input, output, receive, send and type modifier functions of the
// types sql/types knows, as pg_proc rows with PostgreSQL's OIDs
// (pg_catalog_data.go lists them), for regproc, regprocedure and pg_type
// to name. SQL calls the input and output functions of the scalar types
// that take one argument (int4in('1'), int4out(1)); the others are in
// the catalog only.

var _ = register(typeIOOverloads()...)

// typeIOOverloads makes the input and output functions SQL calls: those
// of the scalar types, whose input takes the text alone.
func typeIOOverloads() []*Overload {
	var out []*Overload
	for _, t := range types.All() {
		if t.Category == types.CatPseudo || t.Family == types.ArrayFamily || t.Family == types.UnknownFamily {
			continue
		}
		io := pgTypeIO[uint32(t.Oid)]
		if f, ok := pgTypeFuncs[io[0]]; ok && len(f.args) == 1 && f.args[0] == uint32(types.OidCstring) && f.ret == uint32(t.Oid) {
			out = append(out, inputOverload(io[0], f, t))
		}
		if f, ok := pgTypeFuncs[io[1]]; ok && len(f.args) == 1 && f.args[0] == uint32(t.Oid) && f.ret == uint32(types.OidCstring) {
			out = append(out, outputOverload(io[1], f, t))
		}
	}
	return out
}

// inputOverload is a type's input function: its text form to a value.
func inputOverload(oid uint32, f pgTypeFunc, t *types.T) *Overload {
	return &Overload{Name: f.name, Oid: oid, Args: ts(types.Cstring), Ret: t, Strict: f.strict,
		Volatility: volatilityOf(f.volatility),
		Fn: func(c *Context, a []types.Datum) (types.Datum, error) {
			return types.ParseText(a[0].(string), t, c.Types)
		}}
}

// outputOverload is a type's output function: a value to its text form.
func outputOverload(oid uint32, f pgTypeFunc, t *types.T) *Overload {
	return &Overload{Name: f.name, Oid: oid, Args: ts(t), Ret: types.Cstring, Strict: f.strict,
		Volatility: volatilityOf(f.volatility),
		Fn: func(c *Context, a []types.Datum) (types.Datum, error) {
			return types.FormatText(a[0], t, c.Types), nil
		}}
}

// volatilityOf reads provolatile.
func volatilityOf(v byte) Volatility {
	switch v {
	case 's':
		return Stable
	case 'v':
		return Volatile
	}
	return Immutable
}

// pgTypeFunc is one of the functions of PostgreSQL's types: its name,
// argument and result type OIDs, whether it is strict and its
// volatility.
type pgTypeFunc struct {
	name       string
	args       []uint32
	ret        uint32
	strict     bool
	volatility byte
}

// TypeIO returns a type's typinput, typoutput, typreceive, typsend,
// typmodin and typmodout: the OIDs of its functions, 0 for none.
func TypeIO(oid types.Oid) [6]uint32 {
	return pgTypeIO[uint32(oid)]
}

// addTypeFuncs adds to the catalog the functions of the types sql/types
// knows that the registry has not: those whose argument and result types
// are all known too.
func (c *procCatalogT) addTypeFuncs(used map[uint32]bool) {
	have := map[uint32]bool{}
	for _, p := range c.procs {
		have[p.Oid] = true
	}
	for _, t := range types.All() {
		for _, oid := range pgTypeIO[uint32(t.Oid)] {
			if oid == 0 || have[oid] {
				continue
			}
			if p := newTypeFunc(oid); p != nil {
				have[oid] = true
				used[oid] = true
				c.procs = append(c.procs, p)
			}
		}
	}
}

// newTypeFunc makes the pg_proc row of one of the functions of a type,
// or nil when one of its types is not known.
func newTypeFunc(oid uint32) *Proc {
	f, ok := pgTypeFuncs[oid]
	if !ok {
		return nil
	}
	ret, ok := types.ByOid(types.Oid(f.ret))
	if !ok {
		return nil
	}
	args := make([]*types.T, len(f.args))
	for i, a := range f.args {
		if args[i], ok = types.ByOid(types.Oid(a)); !ok {
			return nil
		}
	}
	o := &Overload{Name: f.name, Args: args, Ret: ret, Strict: f.strict, Volatility: volatilityOf(f.volatility), Oid: oid}
	return &Proc{Oid: oid, Name: f.name, Kind: 'f', Args: args, Ret: ret, Strict: f.strict,
		Volatility: f.volatility, Overload: o}
}
