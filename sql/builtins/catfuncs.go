package builtins

import (
	"math/big"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Functions clients call to learn about the server and its objects: the
// search path, key words, relation sizes, privileges, transaction IDs
// and the definitions of functions.

// RelationReader is what a session answers of its relations for the
// privilege and size functions. A Session that is no RelationReader
// knows no relations.
type RelationReader interface {
	// Relation describes the relation with an OID.
	Relation(oid int64) (Relation, bool, error)
	// RelationSize is the bytes a relation keeps on disk: its data
	// (fork "main"), or the data of its indexes (fork "indexes").
	RelationSize(oid int64, fork string) (int64, error)
}

// Relation is a table, index, sequence or view, as RelationReader
// describes it.
type Relation struct {
	Name    string
	Kind    byte // pg_class.relkind: 'r', 'i', 'S', 'v'
	Columns []string
	// Indexes are the OIDs of a table's indexes.
	Indexes []int64
	// Query is a view's query.
	Query string
}

// XactReader is a session that numbers its transactions (txid_current,
// pg_current_xact_id).
type XactReader interface {
	XactID() int64
}

// startTime is when the server started, as pg_postmaster_start_time and
// pg_conf_load_time report it: DriftDB reads no configuration file after
// it starts.
var startTime = time.Now()

var _ = register(catFuncs()...)

func catFuncs() []*Overload {
	T, B, I8, O := types.Text, types.Bool, types.Int8, types.OidT
	rc := types.Regclass
	start := func(*Context, []types.Datum) (types.Datum, error) { return types.TimestampTZFromTime(startTime), nil }
	size := func(oid uint32, name string, args []*types.T, f func(c *Context, r RelationReader, a []types.Datum) (types.Datum, error)) *Overload {
		return def(oid, name, args, I8, func(c *Context, a []types.Datum) (types.Datum, error) {
			r, ok := c.Session.(RelationReader)
			if !ok {
				return nil, nil
			}
			return f(c, r, a)
		}).volatile()
	}
	xact := func(c *Context, _ []types.Datum) (types.Datum, error) {
		if x, ok := c.Session.(XactReader); ok {
			return x.XactID(), nil
		}
		return nil, nil
	}
	funcs := []*Overload{
		def(1403, "current_schemas", ts(B), types.ArrayOf(types.Name), currentSchemas).stable(),
		{Name: "pg_get_keywords", Oid: 1686, Kind: SetReturning, Ret: types.Record, Strict: true, Volatility: Stable,
			SRF: keywordRows, SRFCols: []SRFCol{{"word", T}, {"catcode", types.Char}, {"barelabel", B}, {"catdesc", T}, {"baredesc", T}}},
		def(2288, "pg_size_pretty", ts(I8), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return sizePretty(big.NewInt(a[0].(int64))), nil
		}),
		def(3166, "pg_size_pretty", ts(types.Numeric), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return sizePrettyNumeric(a[0].(*apd.Decimal)), nil
		}),
		size(2325, "pg_relation_size", ts(rc), func(c *Context, r RelationReader, a []types.Datum) (types.Datum, error) {
			return relationSize(r, a[0].(int64), "main")
		}),
		size(2332, "pg_relation_size", ts(rc, T), func(c *Context, r RelationReader, a []types.Datum) (types.Datum, error) {
			switch fork := a[1].(string); fork {
			case "main":
				return relationSize(r, a[0].(int64), fork)
			case "fsm", "vm", "init":
				return relationSize(r, a[0].(int64), fork)
			}
			return nil, pgcode.New(pgcode.InvalidParameterValue, "invalid fork name").
				WithHint(`Valid fork names are "main", "fsm", "vm", and "init".`)
		}),
		size(2997, "pg_table_size", ts(rc), func(c *Context, r RelationReader, a []types.Datum) (types.Datum, error) {
			return relationSize(r, a[0].(int64), "main")
		}),
		size(2998, "pg_indexes_size", ts(rc), func(c *Context, r RelationReader, a []types.Datum) (types.Datum, error) {
			return relationSize(r, a[0].(int64), "indexes")
		}),
		size(2286, "pg_total_relation_size", ts(rc), func(c *Context, r RelationReader, a []types.Datum) (types.Datum, error) {
			return relationSize(r, a[0].(int64), "main", "indexes")
		}),
		def(2943, "txid_current", nil, I8, xact).stable(),
		def(5059, "pg_current_xact_id", nil, types.Xid8, xact).stable(),
		def(2560, "pg_postmaster_start_time", nil, types.TimestampTZ, start).stable(),
		def(2034, "pg_conf_load_time", nil, types.TimestampTZ, start).stable(),
		def(3810, "pg_is_in_recovery", nil, B, func(*Context, []types.Datum) (types.Datum, error) { return false, nil }).volatile(),
		def(2162, "pg_get_function_arguments", ts(O), T, procText(FunctionArguments)).stable(),
		def(2232, "pg_get_function_identity_arguments", ts(O), T, procText(FunctionIdentityArguments)).stable(),
		def(2165, "pg_get_function_result", ts(O), T, procText(FunctionResult)).stable(),
		def(2081, "pg_function_is_visible", ts(O), B, func(_ *Context, a []types.Datum) (types.Datum, error) {
			if _, ok := ProcByOid(uint32(a[0].(int64))); ok {
				return true, nil
			}
			return nil, nil
		}).stable(),
		def(2082, "pg_operator_is_visible", ts(O), B, func(_ *Context, a []types.Datum) (types.Datum, error) {
			if _, ok := OperByOid(uint32(a[0].(int64))); ok {
				return true, nil
			}
			return nil, nil
		}).stable(),
		def(2080, "pg_type_is_visible", ts(O), B, func(_ *Context, a []types.Datum) (types.Datum, error) {
			if _, ok := types.ByOid(uint32(a[0].(int64))); ok {
				return true, nil
			}
			return nil, nil
		}).stable(),
		// DriftDB has no extended statistics: no OID names one.
		def(3403, "pg_statistics_obj_is_visible", ts(O), B, func(*Context, []types.Datum) (types.Datum, error) { return nil, nil }).stable(),
		def(3815, "pg_collation_is_visible", ts(O), B, func(_ *Context, a []types.Datum) (types.Datum, error) {
			switch a[0].(int64) {
			case 100, 950, 951:
				return true, nil
			}
			return nil, nil
		}).stable(),
		def(1039, "getdatabaseencoding", nil, types.Name, func(*Context, []types.Datum) (types.Datum, error) { return "UTF8", nil }).stable(),
		def(1264, "pg_char_to_encoding", ts(types.Name), types.Int4, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return encodingNumber(a[0].(string)), nil
		}).stable(),
		// The tablespaces are the built-in ones, which live in the data
		// directory: their location is "".
		def(3778, "pg_tablespace_location", ts(O), T, func(*Context, []types.Datum) (types.Datum, error) { return "", nil }).stable(),
		def(2168, "pg_database_size", ts(types.Name), I8, func(c *Context, a []types.Datum) (types.Datum, error) {
			if a[0].(string) != c.Session.Database() {
				return nil, pgcode.Newf(pgcode.InvalidCatalogName, "database %q does not exist", a[0].(string))
			}
			return databaseSize(c)
		}).volatile(),
		def(2324, "pg_database_size", ts(O), I8, func(c *Context, a []types.Datum) (types.Datum, error) {
			if a[0].(int64) != oidDatabase {
				return nil, nil
			}
			return databaseSize(c)
		}).volatile(),
		def(2098, "pg_get_functiondef", ts(O), T, functionDef).stable(),
		// No function has a body of SQL statements (BEGIN ATOMIC).
		def(6197, "pg_get_function_sqlbody", ts(O), T, func(*Context, []types.Datum) (types.Datum, error) { return nil, nil }).stable(),
		def(2322, "pg_tablespace_size", ts(O), I8, func(c *Context, a []types.Datum) (types.Datum, error) {
			switch a[0].(int64) {
			case oidDefaultTablespace:
				return databaseSize(c)
			case oidGlobalTablespace:
				return int64(0), nil
			}
			return nil, nil
		}).volatile(),
		def(2323, "pg_tablespace_size", ts(types.Name), I8, func(c *Context, a []types.Datum) (types.Datum, error) {
			switch a[0].(string) {
			case "pg_default":
				return databaseSize(c)
			case "pg_global":
				return int64(0), nil
			}
			return nil, pgcode.Newf(pgcode.UndefinedObject, "tablespace %q does not exist", a[0].(string))
		}).volatile(),
		def(3537, "pg_describe_object", ts(O, O, types.Int4), T, describeObject).stable(),
		def(1641, "pg_get_viewdef", ts(O), T, viewDef).stable(),
		def(2506, "pg_get_viewdef", ts(O, B), T, viewDef).stable(),
		def(3159, "pg_get_viewdef", ts(O, types.Int4), T, viewDef).stable(),
		def(1640, "pg_get_viewdef", ts(T), T, viewDefByName).stable(),
		// DriftDB has no rules (pg_rewrite is empty): no oid is a rule's,
		// and PostgreSQL gives NULL for an oid that is none.
		def(1573, "pg_get_ruledef", ts(O), T, func(*Context, []types.Datum) (types.Datum, error) { return nil, nil }).stable(),
		def(2504, "pg_get_ruledef", ts(O, B), T, func(*Context, []types.Datum) (types.Datum, error) { return nil, nil }).stable(),
		def(2505, "pg_get_viewdef", ts(T, B), T, viewDefByName).stable(),
	}
	return append(funcs, privilegeFuncs()...)
}

// The tablespaces: the database's and the shared catalogs'. DriftDB keeps
// both in the data directory; the shared catalogs are virtual.
const (
	oidDefaultTablespace = 1663
	oidGlobalTablespace  = 1664
)

// functionDef is pg_get_functiondef: the CREATE FUNCTION statement of a
// built-in function, in the language internal (its source the name of
// the Go function's entry, which is the function's name).
func functionDef(_ *Context, a []types.Datum) (types.Datum, error) {
	p, ok := ProcByOid(uint32(a[0].(int64)))
	if !ok {
		return nil, nil
	}
	if p.Kind == 'a' {
		return nil, pgcode.Newf(pgcode.WrongObjectType, "%q is an aggregate function", p.Name)
	}
	var b strings.Builder
	b.WriteString("CREATE OR REPLACE FUNCTION pg_catalog." + QuoteIdent(p.Name) + "(" + FunctionArguments(p) + ")\n")
	b.WriteString(" RETURNS " + FunctionResult(p) + "\n")
	b.WriteString(" LANGUAGE internal\n")
	if p.Kind == 'w' {
		b.WriteString(" WINDOW")
	}
	switch p.Volatility {
	case 'i':
		b.WriteString(" IMMUTABLE")
	case 's':
		b.WriteString(" STABLE")
	}
	b.WriteString(" PARALLEL SAFE")
	if p.Strict {
		b.WriteString(" STRICT")
	}
	b.WriteString("\nAS $function$" + p.Name + "$function$\n")
	return b.String(), nil
}

// viewDef is pg_get_viewdef of a view's OID: its query as it was
// written (DriftDB keeps the text, not a tree to write anew; pretty
// printing and the wrap column change nothing), ended by a semicolon as
// PostgreSQL's is (pg_dump cuts the last character). NULL for a relation
// that is no view or an OID that names nothing.
func viewDef(c *Context, a []types.Datum) (types.Datum, error) {
	r, ok := c.Session.(RelationReader)
	if !ok {
		return nil, nil
	}
	rel, found, err := r.Relation(a[0].(int64))
	if err != nil || !found || rel.Kind != 'v' || rel.Query == "" {
		return nil, err
	}
	q := rel.Query
	if vq, ok := c.Session.(ViewQualifier); ok {
		q = vq.QualifiedView(q)
	}
	return q + ";", nil
}

// ViewQualifier writes a view's query as PostgreSQL does: with the
// relations the search path does not reach named by their schema.
type ViewQualifier interface {
	QualifiedView(query string) string
}

// viewDefByName is pg_get_viewdef of a view's name.
func viewDefByName(c *Context, a []types.Datum) (types.Datum, error) {
	oid, err := relationByName(c, a[0].(string))
	if err != nil {
		return nil, err
	}
	return viewDef(c, []types.Datum{oid})
}

// describeObject is pg_describe_object: what an object of the catalog
// table classid is, in words ("table t", "column a of table t", "function
// abs(integer)"), for relations, functions, types and schemas; NULL for
// another catalog or an object that does not exist.
func describeObject(c *Context, a []types.Datum) (types.Datum, error) {
	r, ok := c.Session.(RelationReader)
	if !ok {
		return nil, nil
	}
	class, found, err := r.Relation(a[0].(int64))
	if err != nil || !found {
		return nil, err
	}
	oid, sub := a[1].(int64), a[2].(int64)
	switch class.Name {
	case "pg_class":
		rel, found, err := r.Relation(oid)
		if err != nil || !found {
			return nil, err
		}
		kind := map[byte]string{'r': "table", 'i': "index", 'S': "sequence", 'v': "view"}[rel.Kind]
		s := kind + " " + QuoteIdent(rel.Name)
		if sub > 0 && sub <= int64(len(rel.Columns)) {
			s = "column " + QuoteIdent(rel.Columns[sub-1]) + " of " + s
		}
		return s, nil
	case "pg_proc":
		if s, ok := RegprocedureName(uint32(oid)); ok {
			return "function " + s, nil
		}
	case "pg_type":
		if t, ok := types.ByOid(uint32(oid)); ok {
			return "type " + t.SQL, nil
		}
	case "pg_namespace":
		switch oid {
		case 11:
			return "schema pg_catalog", nil
		case 2200:
			return "schema public", nil
		case 13207:
			return "schema information_schema", nil
		}
	}
	return nil, nil
}

// DatabaseSizer is a session that knows the size of its database.
type DatabaseSizer interface {
	// DatabaseSize is the bytes of the database's data directory.
	DatabaseSize() (int64, error)
}

func databaseSize(c *Context) (types.Datum, error) {
	d, ok := c.Session.(DatabaseSizer)
	if !ok {
		return int64(0), nil
	}
	n, err := d.DatabaseSize()
	if err != nil {
		return nil, err
	}
	return n, nil
}

// encodingNumber is pg_char_to_encoding: the number of an encoding
// PostgreSQL knows by its name (any case), -1 for another name. DriftDB
// speaks UTF8 only; the names clients ask for are these.
func encodingNumber(name string) int64 {
	switch strings.ToUpper(strings.ReplaceAll(name, "-", "")) {
	case "SQL_ASCII":
		return 0
	case "EUC_JP":
		return 1
	case "UTF8", "UNICODE":
		return 6
	case "LATIN1":
		return 8
	case "WIN1252":
		return 24
	}
	return -1
}

func procText(f func(*Proc) string) fnBody {
	return func(_ *Context, a []types.Datum) (types.Datum, error) {
		p, ok := ProcByOid(uint32(a[0].(int64)))
		if !ok {
			return nil, nil
		}
		return f(p), nil
	}
}

// currentSchemas lists the schemas of search_path that exist, with
// pg_catalog first when implicit is true and the path does not name it.
func currentSchemas(c *Context, a []types.Datum) (types.Datum, error) {
	path, _ := c.Session.Setting("search_path")
	out := &types.DArray{Elem: types.Name}
	if a[0].(bool) && !strings.Contains(path, "pg_catalog") {
		out.Vals = append(out.Vals, "pg_catalog")
	}
	for _, name := range SearchPath(path, c.Session.User()) {
		switch name {
		case "pg_catalog", "public", "information_schema":
			out.Vals = append(out.Vals, name)
		}
	}
	return out, nil
}

// SearchPath reads a search_path setting into the schema names it lists,
// $user as user.
func SearchPath(path, user string) []string {
	var names []string
	for _, part := range strings.Split(path, ",") {
		name := strings.TrimSpace(part)
		if unq, ok := strings.CutPrefix(name, `"`); ok {
			name = strings.ReplaceAll(strings.TrimSuffix(unq, `"`), `""`, `"`)
		} else {
			name = strings.ToLower(name)
		}
		if name == "$user" {
			name = user
		}
		names = append(names, name)
	}
	return names
}

// keywordRows are pg_get_keywords()'s rows.
func keywordRows(*Context, []types.Datum) (Rows, error) {
	rows := make([][]types.Datum, len(pgKeywords))
	for i, k := range pgKeywords {
		cat := map[byte]string{'U': "unreserved", 'C': "unreserved (cannot be function or type name)",
			'T': "reserved (can be function or type name)", 'R': "reserved"}[k.catcode]
		bare := "requires AS"
		if k.barelabel {
			bare = "can be bare label"
		}
		rows[i] = []types.Datum{k.word, string(k.catcode), k.barelabel, cat, bare}
	}
	return &sliceRows{rows: rows}, nil
}

// Units of pg_size_pretty: each is used below its limit; the next is
// 2^bits of it.
var sizeUnits = []struct {
	name  string
	limit int64
	round bool
	bits  uint
}{{"bytes", 10 * 1024, false, 0}, {"kB", 20*1024 - 1, true, 10}, {"MB", 20*1024 - 1, true, 20},
	{"GB", 20*1024 - 1, true, 30}, {"TB", 20*1024 - 1, true, 40}, {"PB", 20*1024 - 1, true, 50}}

// sizePretty writes a number of bytes in the largest unit that keeps it
// below the unit's limit, halving with rounding away from zero where a
// unit rounds.
func sizePretty(n *big.Int) string {
	n = new(big.Int).Set(n)
	for i, u := range sizeUnits {
		last := i == len(sizeUnits)-1
		if last || new(big.Int).Abs(n).Cmp(big.NewInt(u.limit)) < 0 {
			if u.round {
				n = halfRounded(n)
			}
			return n.String() + " " + u.name
		}
		next := sizeUnits[i+1]
		bits := next.bits - u.bits
		if next.round {
			bits--
		}
		if u.round {
			bits++
		}
		n.Quo(n, new(big.Int).Lsh(big.NewInt(1), bits))
	}
	panic("unreachable")
}

// halfRounded is (n ± 1) / 2, truncated: n halved, rounded away from
// zero.
func halfRounded(n *big.Int) *big.Int {
	one := big.NewInt(1)
	if n.Sign() < 0 {
		one.Neg(one)
	}
	m := new(big.Int).Add(n, one)
	return m.Quo(m, big.NewInt(2))
}

// sizePrettyNumeric is pg_size_pretty of a numeric: a size below the
// first limit is written as it is; a larger one is truncated to whole
// bytes before it is divided down.
func sizePrettyNumeric(d *apd.Decimal) string {
	if d.Form != apd.Finite {
		return types.FormatText(d, types.Numeric, nil) + " bytes"
	}
	lim := apd.New(sizeUnits[0].limit, 0)
	abs := new(apd.Decimal).Abs(d)
	if abs.Cmp(lim) < 0 {
		return types.FormatText(d, types.Numeric, nil) + " bytes"
	}
	var whole apd.Decimal
	ctx := apd.BaseContext.WithPrecision(1000)
	ctx.Rounding = apd.RoundDown
	if _, err := ctx.RoundToIntegralValue(&whole, d); err != nil {
		return types.FormatText(d, types.Numeric, nil) + " bytes"
	}
	n, ok := new(big.Int).SetString(types.FormatText(&whole, types.Numeric, nil), 10)
	if !ok {
		return types.FormatText(d, types.Numeric, nil) + " bytes"
	}
	return sizePretty(n)
}

// relationSize adds up the forks of a relation; NULL when there is no
// relation with the OID.
func relationSize(r RelationReader, oid int64, forks ...string) (types.Datum, error) {
	if _, ok, err := r.Relation(oid); err != nil || !ok {
		return nil, err
	}
	var total int64
	for _, f := range forks {
		n, err := r.RelationSize(oid, f)
		if err != nil {
			return nil, err
		}
		total += n
	}
	return total, nil
}

// FunctionArguments is pg_get_function_arguments' text of a function:
// its arguments with their names, modes and defaults.
func FunctionArguments(p *Proc) string {
	if p.pg.args != "" {
		return p.pg.args
	}
	return plainArguments(p)
}

// FunctionIdentityArguments is pg_get_function_identity_arguments' text:
// the arguments without their defaults.
func FunctionIdentityArguments(p *Proc) string {
	if p.pg.identity != "" {
		return p.pg.identity
	}
	return FunctionArguments(p)
}

// FunctionResult is pg_get_function_result's text: the result type.
func FunctionResult(p *Proc) string {
	if p.pg.result != "" {
		return p.pg.result
	}
	s := p.Ret.String()
	if p.RetSet {
		s = "SETOF " + s
	}
	return s
}

// plainArguments writes the arguments of a function PostgreSQL's texts do
// not cover.
func plainArguments(p *Proc) string {
	var parts []string
	for i, t := range p.Args {
		s := t.String()
		if i < len(p.Overload.ArgNames) && p.Overload.ArgNames[i] != "" {
			s = QuoteIdent(p.Overload.ArgNames[i]) + " " + s
		}
		if p.Variadic != nil && i == len(p.Args)-1 {
			s = "VARIADIC " + s
		}
		parts = append(parts, s)
	}
	for _, c := range p.OutCols {
		t := c.T
		if t == nil {
			t = p.Overload.Ret
		}
		parts = append(parts, "OUT "+QuoteIdent(c.Name)+" "+t.String())
	}
	return strings.Join(parts, ", ")
}
