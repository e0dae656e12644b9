package vtable

import (
	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/types"
)

// pg_proc, pg_operator and pg_aggregate: the functions, operators and
// aggregates of the builtins registry, all of them pg_catalog's.

func init() {
	columnDefs["pg_catalog.pg_aggregate"] = `
aggfnoid regproc
aggkind "char"
aggnumdirectargs smallint
aggtransfn regproc
aggfinalfn regproc
aggcombinefn regproc
aggserialfn regproc
aggdeserialfn regproc
aggmtransfn regproc
aggminvtransfn regproc
aggmfinalfn regproc
aggfinalextra boolean
aggmfinalextra boolean
aggfinalmodify "char"
aggmfinalmodify "char"
aggsortop oid
aggtranstype oid
aggtransspace integer
aggmtranstype oid
aggmtransspace integer
agginitval text
aggminitval text`
	builders["pg_catalog.pg_proc"] = pgProc
	builders["pg_catalog.pg_operator"] = pgOperator
	builders["pg_catalog.pg_aggregate"] = pgAggregate
}

// prolangInternal is the language of built-in functions.
const prolangInternal = 12

func pgProc(_ *Catalog, emit func(row)) error {
	for _, p := range builtins.Procs() {
		o := p.Overload
		rows := float64(0)
		if p.RetSet {
			rows = 1000
		}
		var variadic int64
		if p.Variadic != nil {
			variadic = int64(p.Variadic.Oid)
		}
		src := p.Name
		if p.Kind == 'a' {
			src = "aggregate_dummy"
		}
		argTypes := &types.DArray{Elem: types.OidT}
		for _, a := range p.Args {
			argTypes.Vals = append(argTypes.Vals, int64(a.Oid))
		}
		r := row{"oid": int64(p.Oid), "proname": p.Name, "pronamespace": int64(OidPgCatalog),
			"proowner": int64(OidSuperuser), "prolang": int64(prolangInternal), "procost": float64(1),
			"prorows": rows, "provariadic": variadic, "prokind": string(p.Kind), "proisstrict": p.Strict,
			"proretset": p.RetSet, "provolatile": string(p.Volatility), "proparallel": "s", "pronargs": int64(len(p.Args)),
			"pronargdefaults": int64(len(o.Defaults)), "prorettype": int64(p.Ret.Oid), "proargtypes": argTypes,
			"prosrc": src}
		addArgModes(r, p)
		emit(r)
	}
	return nil
}

// addArgModes fills proallargtypes, proargmodes and proargnames, which
// PostgreSQL leaves NULL for a function of input arguments only (the
// names but for a function that names its arguments).
func addArgModes(r row, p *builtins.Proc) {
	o := p.Overload
	n := len(p.Args)
	names := make([]string, 0, n+len(p.OutCols))
	named := false
	for i := range p.Args {
		name := ""
		if i < len(o.ArgNames) {
			name = o.ArgNames[i]
		}
		named = named || name != ""
		names = append(names, name)
	}
	if len(p.OutCols) == 0 && p.Variadic == nil {
		if named {
			r["proargnames"] = textArray(names)
		}
		return
	}
	all := &types.DArray{Elem: types.OidT}
	modes := &types.DArray{Elem: types.Char}
	for i, a := range p.Args {
		all.Vals = append(all.Vals, int64(a.Oid))
		mode := "i"
		if p.Variadic != nil && i == n-1 {
			mode = "v"
		}
		modes.Vals = append(modes.Vals, mode)
	}
	for _, c := range p.OutCols {
		t := c.T
		if t == nil {
			t = o.Ret
		}
		all.Vals = append(all.Vals, int64(t.Oid))
		modes.Vals = append(modes.Vals, "o")
		names = append(names, c.Name)
		named = true
	}
	if len(p.OutCols) > 0 {
		r["proallargtypes"] = all
	}
	r["proargmodes"] = modes
	if named {
		r["proargnames"] = textArray(names)
	}
}

func textArray(ss []string) *types.DArray {
	a := &types.DArray{Elem: types.Text}
	for _, s := range ss {
		a.Vals = append(a.Vals, s)
	}
	return a
}

func pgOperator(_ *Catalog, emit func(row)) error {
	for _, op := range builtins.Opers() {
		kind := "b"
		var left int64
		if op.Left == nil {
			kind = "l"
		} else {
			left = int64(op.Left.Oid)
		}
		emit(row{"oid": int64(op.Oid), "oprname": op.Name, "oprnamespace": int64(OidPgCatalog),
			"oprowner": int64(OidSuperuser), "oprkind": kind, "oprleft": left, "oprright": int64(op.Right.Oid),
			"oprresult": int64(op.Ret.Oid), "oprcode": int64(op.Code)})
	}
	return nil
}

func pgAggregate(_ *Catalog, emit func(row)) error {
	for _, p := range builtins.Procs() {
		if p.Kind != 'a' {
			continue
		}
		emit(row{"aggfnoid": int64(p.Oid), "aggkind": "n", "aggfinalmodify": "r", "aggmfinalmodify": "r"})
	}
	return nil
}
