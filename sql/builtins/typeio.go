package builtins

import (
	"github.com/driftdb/driftdb/sql/types"
)

// The input, output, receive, send and type modifier functions of the
// types sql/types knows, as pg_proc rows with PostgreSQL's OIDs
// (pg_catalog_data.go lists them). They are in the catalog for regproc,
// regprocedure and pg_type to name; SQL does not call them.

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
		if p.pg.oid != 0 {
			have[p.Oid] = true
		}
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
	vol := Immutable
	switch f.volatility {
	case 's':
		vol = Stable
	case 'v':
		vol = Volatile
	}
	o := &Overload{Name: f.name, Args: args, Ret: ret, Strict: f.strict, Volatility: vol, Oid: oid}
	return &Proc{Oid: oid, Name: f.name, Kind: 'f', Args: args, Ret: ret, Strict: f.strict,
		Volatility: f.volatility, Overload: o}
}
