package builtins

import (
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/driftdb/driftdb/sql/types"
)

// The functions of the registry as pg_proc rows, and its operators as
// pg_operator rows. A function or operator PostgreSQL 15 also has keeps
// PostgreSQL's OID (pg_catalog_data.go lists them); the others get an
// OID derived from their signature, in a range PostgreSQL leaves unused.

// Proc is one overload of a function, as a row of pg_proc.
type Proc struct {
	Oid  uint32
	Name string
	// Kind is prokind: 'f' a function, 'a' an aggregate, 'w' a window
	// function.
	Kind byte
	// Args are the declared argument types (proargtypes): a VARIADIC
	// tail is its array type, or "any".
	Args []*types.T
	// Variadic is the element type of a VARIADIC tail (provariadic), or
	// nil.
	Variadic *types.T
	// Ret is the declared result type: a set-returning function's row
	// type is record when it has several columns.
	Ret    *types.T
	RetSet bool
	// OutCols are the output columns of a set-returning function of
	// several columns (its OUT arguments).
	OutCols []SRFCol
	// Strict and Volatility are proisstrict and provolatile ('i', 's',
	// 'v'): PostgreSQL's declaration of the function where it has it.
	Strict     bool
	Volatility byte
	Overload   *Overload
	pg         pgProc // PostgreSQL's texts of the function, when it has it
}

// Oper is an operator, as a row of pg_operator.
type Oper struct {
	Oid         uint32
	Name        string
	Left, Right *types.T // nil for a missing operand
	Ret         *types.T
	// Code and CodeName are the function that computes it (oprcode):
	// PostgreSQL's, or 0 and "-" for an operator only DriftDB has.
	Code     uint32
	CodeName string
}

// Derived OIDs of functions and operators PostgreSQL does not have are
// in [firstDerivedOid, endDerivedOid): PostgreSQL's own catalogs use no
// OID there.
const (
	firstDerivedOid = 8000
	endDerivedOid   = 10000
)

var procCatalog procCatalogT

// procCatalogT holds the registry's functions and operators as catalog
// rows, made once.
type procCatalogT struct {
	once   sync.Once
	procs  []*Proc
	byOid  map[uint32]*Proc
	byName map[string][]*Proc
	opers  []*Oper
	operBy map[uint32]*Oper
	// pgNames names PostgreSQL's functions by OID, those the registry
	// has not too (an operator's oprcode).
	pgNames map[uint32]string
}

// Procs returns every overload of the registry's functions as pg_proc
// rows, in OID order.
func Procs() []*Proc {
	procCatalog.once.Do(loadProcs)
	return procCatalog.procs
}

// ProcByOid finds a function's overload by its OID.
func ProcByOid(oid uint32) (*Proc, bool) {
	procCatalog.once.Do(loadProcs)
	p, ok := procCatalog.byOid[oid]
	return p, ok
}

// ProcsByName returns the overloads of a function, in OID order.
func ProcsByName(name string) []*Proc {
	procCatalog.once.Do(loadProcs)
	return procCatalog.byName[strings.ToLower(name)]
}

// ProcName names a function by OID, for regproc output: the registry's,
// or one of PostgreSQL's the registry does not have (an operator's
// implementation).
func ProcName(oid uint32) (string, bool) {
	procCatalog.once.Do(loadProcs)
	if p, ok := procCatalog.byOid[oid]; ok {
		return p.Name, true
	}
	n, ok := procCatalog.pgNames[oid]
	return n, ok
}

// Opers returns the registry's operators as pg_operator rows, in OID
// order.
func Opers() []*Oper {
	procCatalog.once.Do(loadProcs)
	return procCatalog.opers
}

// OperByOid finds an operator by its OID.
func OperByOid(oid uint32) (*Oper, bool) {
	procCatalog.once.Do(loadProcs)
	o, ok := procCatalog.operBy[oid]
	return o, ok
}

// internalName reports whether a registry entry is no function a user
// calls by name: one of the binder's forms of SQL syntax.
func internalName(name string) bool {
	return strings.HasPrefix(name, "_") || strings.Contains(name, " ")
}

func loadProcs() {
	c := &procCatalog
	c.byOid = map[uint32]*Proc{}
	c.byName = map[string][]*Proc{}
	c.operBy = map[uint32]*Oper{}
	c.pgNames = map[uint32]string{}
	used := map[uint32]bool{}
	for key, pg := range pgProcs {
		name, _, _ := strings.Cut(key, "(")
		c.pgNames[pg.oid] = name
		used[pg.oid] = true
	}
	for _, op := range pgOperators {
		used[op.oid] = true
	}
	names := Names()
	sort.Strings(names)
	var derived []*Proc
	var derivedOps []*Oper
	seen := map[string]bool{}
	for _, name := range names {
		if internalName(name) {
			continue
		}
		for _, o := range funcs[name] {
			if isOperator(name) {
				op := newOper(name, o)
				if op == nil || seen["op "+op.key()] {
					continue
				}
				seen["op "+op.key()] = true
				if op.Oid == 0 {
					derivedOps = append(derivedOps, op)
				}
				c.opers = append(c.opers, op)
				continue
			}
			p := newProc(name, o)
			k := p.key()
			if seen[k] {
				continue
			}
			seen[k] = true
			if pg, ok := pgProcs[k]; ok {
				p.Oid, p.pg = pg.oid, pg
				p.Strict, p.Volatility = pg.strict, pg.volatility
			} else if o.Oid != 0 && !used[o.Oid] {
				p.Oid = o.Oid
				used[o.Oid] = true
			} else {
				derived = append(derived, p)
			}
			c.procs = append(c.procs, p)
		}
	}
	for oid := range pgTypeFuncs {
		used[oid] = true
	}
	c.addTypeFuncs(used)
	derived = c.dropDefaultForms(derived)
	for _, p := range derived {
		p.Oid = deriveOid(p.key(), used)
	}
	for _, op := range derivedOps {
		op.Oid = deriveOid("op "+op.key(), used)
	}
	sort.Slice(c.procs, func(i, j int) bool { return c.procs[i].Oid < c.procs[j].Oid })
	sort.Slice(c.opers, func(i, j int) bool { return c.opers[i].Oid < c.opers[j].Oid })
	for _, p := range c.procs {
		c.byOid[p.Oid] = p
		c.byName[p.Name] = append(c.byName[p.Name], p)
	}
	for _, op := range c.opers {
		c.operBy[op.Oid] = op
	}
}

// dropDefaultForms leaves out of the catalog the overloads that are a
// shorter form of one of PostgreSQL's functions, which declares the
// arguments they leave out with defaults (make_interval(int4), jsonb_set
// without create_if_missing): PostgreSQL lists the one function.
func (c *procCatalogT) dropDefaultForms(derived []*Proc) []*Proc {
	drop := map[*Proc]bool{}
	for _, p := range derived {
		for _, q := range c.procs {
			if q.pg.oid != 0 && q.Name == p.Name && len(q.Args) > len(p.Args) && sameTypes(q.Args[:len(p.Args)], p.Args) {
				drop[p] = true
			}
		}
	}
	kept := derived[:0]
	for _, p := range derived {
		if !drop[p] {
			kept = append(kept, p)
		}
	}
	procs := c.procs[:0]
	for _, p := range c.procs {
		if !drop[p] {
			procs = append(procs, p)
		}
	}
	c.procs = procs
	return kept
}

// deriveOid gives a signature an OID in the derived range: its hash, or
// the next free one.
func deriveOid(key string, used map[uint32]bool) uint32 {
	h := fnv.New32a()
	h.Write([]byte(key))
	oid := firstDerivedOid + h.Sum32()%(endDerivedOid-firstDerivedOid)
	for used[oid] {
		oid++
		if oid == endDerivedOid {
			oid = firstDerivedOid
		}
	}
	used[oid] = true
	return oid
}

func newProc(name string, o *Overload) *Proc {
	p := &Proc{Name: name, Kind: 'f', Args: append([]*types.T(nil), o.Args...), Overload: o, Strict: o.Strict,
		Volatility: "isv"[o.Volatility]}
	switch o.Kind {
	case Aggregate:
		p.Kind = 'a'
	case Window:
		p.Kind = 'w'
	}
	if o.Variadic != nil {
		p.Variadic = o.Variadic
		if o.Variadic.Oid == types.OidAny {
			p.Args = append(p.Args, o.Variadic)
		} else {
			p.Args = append(p.Args, types.ArrayOf(o.Variadic))
		}
	}
	p.Ret = declaredRet(o)
	if o.Kind == SetReturning {
		p.RetSet = true
		if len(o.SRFCols) > 1 {
			p.OutCols = o.SRFCols
			p.Ret = types.Record
		}
	}
	return p
}

// declaredRet is an overload's declared result type. A polymorphic
// result, worked out from the arguments, is found by a call with int4
// for each polymorphic element and int4[] for each polymorphic array.
func declaredRet(o *Overload) *types.T {
	if o.Ret != nil {
		return o.Ret
	}
	if o.RetFn == nil {
		return types.Void
	}
	probe := make([]*types.T, len(o.Args))
	compat := false
	for i, a := range o.Args {
		switch a.Oid {
		case types.OidAnyArray:
			probe[i] = types.ArrayOf(types.Int4)
		case types.OidAnyCompatArray:
			probe[i], compat = types.ArrayOf(types.Int4), true
		case types.OidAnyElement, types.OidAnyNonArray, types.OidAny:
			probe[i] = types.Int4
		case types.OidAnyCompat:
			probe[i], compat = types.Int4, true
		default:
			probe[i] = a
		}
	}
	t := o.RetFn(probe)
	switch {
	case t == nil:
		return types.AnyElement
	case t.Oid == types.OidInt4 && compat:
		return types.AnyCompat
	case t.Oid == types.OidInt4:
		return types.AnyElement
	case t.IsArray() && t.Elem != nil && t.Elem.Oid == types.OidInt4 && compat:
		return types.AnyCompatArray
	case t.IsArray() && t.Elem != nil && t.Elem.Oid == types.OidInt4:
		return types.AnyArray
	}
	return t
}

// key is the signature pg_catalog_data.go lists a function by.
func (p *Proc) key() string {
	return p.Name + "(" + oidList(p.Args) + ")"
}

func oidList(ts []*types.T) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = strconv.FormatUint(uint64(t.Oid), 10)
	}
	return strings.Join(parts, ",")
}

func newOper(name string, o *Overload) *Oper {
	if o.Kind != Normal || o.Variadic != nil {
		return nil
	}
	op := &Oper{Name: name, Ret: declaredRet(o), CodeName: "-"}
	switch len(o.Args) {
	case 1:
		op.Right = o.Args[0]
	case 2:
		op.Left, op.Right = o.Args[0], o.Args[1]
	default:
		return nil
	}
	for i := range pgOperators {
		pg := &pgOperators[i]
		if pg.name == name && pg.left == oidOf(op.Left) && pg.right == oidOf(op.Right) {
			op.Oid, op.Code, op.CodeName = pg.oid, pg.code, pg.codeName
			if t, ok := types.ByOid(pg.result); ok {
				op.Ret = t
			}
			break
		}
	}
	return op
}

func oidOf(t *types.T) uint32 {
	if t == nil {
		return 0
	}
	return uint32(t.Oid)
}

func (op *Oper) key() string {
	return op.Name + "(" + strconv.FormatUint(uint64(oidOf(op.Left)), 10) + "," + strconv.FormatUint(uint64(oidOf(op.Right)), 10) + ")"
}

// pgOperator is a row of PostgreSQL's pg_operator: the operator's name,
// its operand and result type OIDs (0 for a missing operand), its OID and
// the function that implements it.
type pgOperator struct {
	name                string
	left, right, result uint32
	oid, code           uint32
	codeName            string
}

// pgProc is a function of PostgreSQL's pg_proc: its OID and, where they
// are not the plain list of its types, the texts of its arguments (with
// their names, modes and defaults), of its identity arguments and of its
// result, whether it is strict and its volatility.
type pgProc struct {
	oid                    uint32
	args, identity, result string
	strict                 bool
	volatility             byte // 'i', 's' or 'v'
}

// pgKeyword is a row of pg_get_keywords(): a key word, its category
// (U unreserved, C column name, T type or function name, R reserved) and
// whether it may be a bare column label.
type pgKeyword struct {
	word      string
	catcode   byte
	barelabel bool
}
