// Package types owns the SQL layer's types and values: the type catalog
// (PostgreSQL 15's OIDs, names, categories and array types, with type
// modifiers), the Go values a column of each type holds (Datum), their text
// input and output in PostgreSQL's formats, comparison and hashing, and
// casts with PostgreSQL's cast contexts.
//
// A Datum's Go type follows from its SQL type, which the binder knows for
// every column and expression; nothing at run time needs to ask a value
// what it is, except where a type is polymorphic:
//
//	NULL                            nil
//	bool                            bool
//	int2, int4, int8, oid, reg*     int64
//	float4, float8                  float64
//	numeric                         *apd.Decimal (NaN and ±Infinity too)
//	text, varchar, bpchar, name,
//	"char"                          string
//	bytea                           []byte
//	uuid                            DUUID
//	date                            DDate
//	time                            DTime
//	timestamp                       DTimestamp
//	timestamptz                     DTimestampTZ
//	interval                        DInterval
//	json                            DJSON (json keeps its text)
//	jsonb                           DJSONB
//	arrays                          *DArray
//
// What the package does with values, each as PostgreSQL 15 does it:
//
//	AppendText, FormatText   typoutput (DateStyle ISO, IntervalStyle postgres)
//	ParseText                typinput, with PostgreSQL's errors (*pgcode.Error)
//	AppendBinary, ParseBinary  the protocol's binary format (typsend, typreceive)
//	Compare, Equal, Hash     the btree order, = and a hash that agrees with =
//	Cast, CastWith           casts, with rounding, range errors and modifiers
//	CastContext, CanCast     whether a cast is implicit, assignment or explicit
//
// Context holds the session settings text input and output depend on
// (time zone, extra_float_digits, date order, the clock). docs/TYPES.md
// lists the formats and where DriftDB differs from PostgreSQL.
//
// The package knows no tables, plans or protocol.
package types

import (
	"fmt"
	"strings"
)

// Oid is a PostgreSQL object id: here, a type's.
type Oid = uint32

// Family groups types that share a Go representation and most behaviour.
type Family uint8

// Families.
const (
	UnknownFamily Family = iota // an untyped literal, until resolved
	BoolFamily
	IntFamily     // int2, int4, int8
	FloatFamily   // float4, float8
	DecimalFamily // numeric
	StringFamily  // text, varchar, bpchar, name, "char"
	BytesFamily
	UUIDFamily
	DateFamily
	TimeFamily
	TimestampFamily
	TimestampTZFamily
	IntervalFamily
	JSONFamily  // json
	JSONBFamily // jsonb
	ArrayFamily
	OidFamily    // oid and the reg* types
	VoidFamily   // void: a function that returns nothing
	RecordFamily // a row value
	AnyFamily    // the polymorphic pseudo-types
)

// Category is PostgreSQL's typcategory: overload resolution prefers
// implicit casts within a category, to its preferred type.
type Category byte

// Categories (pg_type.typcategory).
const (
	CatArray       Category = 'A'
	CatBoolean     Category = 'B'
	CatComposite   Category = 'C'
	CatDatetime    Category = 'D'
	CatNumeric     Category = 'N'
	CatPseudo      Category = 'P'
	CatString      Category = 'S'
	CatTimespan    Category = 'T'
	CatUser        Category = 'U'
	CatUnknown     Category = 'X'
	CatInternalUse Category = 'Z'
)

// T is a SQL type. The catalog's types are shared values: compare types
// with Identical or by Oid, never change one; a type with a modifier
// (varchar(20), numeric(10,2)) is a copy made by WithMod.
type T struct {
	Oid  Oid
	Name string // pg_type.typname
	// SQL is how format_type writes the type without a modifier.
	SQL       string
	Family    Family
	Category  Category
	Preferred bool  // typispreferred
	Len       int16 // typlen: bytes, -1 variable, -2 a C string
	// Mod is the type modifier (atttypmod): -1 for none; for varchar and
	// bpchar the length plus 4, for numeric ((precision << 16) | scale) + 4,
	// for timestamp(p) and time(p) the precision, for interval PostgreSQL's
	// (fields << 16) | precision.
	Mod int32
	// Elem is the element type of an array type; Array the array type of
	// an element type (0: none).
	Elem  *T
	Array Oid
}

// String writes the type as format_type does, modifier included.
func (t *T) String() string {
	if t.Mod < 0 {
		return t.SQL
	}
	switch t.Oid {
	case OidVarchar, OidBpchar:
		return fmt.Sprintf("%s(%d)", t.SQL, t.Mod-4)
	case OidNumeric:
		p, s := NumericTypmod(t.Mod)
		return fmt.Sprintf("numeric(%d,%d)", p, s)
	case OidTimestamp:
		return fmt.Sprintf("timestamp(%d) without time zone", t.Mod)
	case OidTimestampTZ:
		return fmt.Sprintf("timestamp(%d) with time zone", t.Mod)
	case OidTime:
		return fmt.Sprintf("time(%d) without time zone", t.Mod)
	}
	if t.Family == ArrayFamily && t.Elem != nil {
		e := *t.Elem
		e.Mod = t.Mod
		return e.String() + "[]"
	}
	return t.SQL
}

// NumericTypmod returns the precision and scale of a numeric type
// modifier (PostgreSQL 15 keeps the scale in 11 signed bits).
func NumericTypmod(mod int32) (precision, scale int) {
	m := mod - 4
	precision = int(m>>16) & 0xffff
	scale = int(((m & 0x7ff) ^ 1024) - 1024)
	return precision, scale
}

// WithMod returns the type with a modifier (a copy; t itself for -1 and
// t.Mod).
func (t *T) WithMod(mod int32) *T {
	if mod == t.Mod {
		return t
	}
	c := *t
	c.Mod = mod
	return &c
}

// Identical reports whether a and b are the same type, modifier included.
func Identical(a, b *T) bool { return a.Oid == b.Oid && a.Mod == b.Mod }

// IsArray reports whether t is an array type.
func (t *T) IsArray() bool { return t.Family == ArrayFamily }

// Type OIDs (PostgreSQL 15's pg_type). Part of the protocol: never change.
const (
	OidBool         Oid = 16
	OidBytea        Oid = 17
	OidChar         Oid = 18 // "char", one byte
	OidName         Oid = 19
	OidInt8         Oid = 20
	OidInt2         Oid = 21
	OidInt2Vector   Oid = 22
	OidInt4         Oid = 23
	OidRegproc      Oid = 24
	OidText         Oid = 25
	OidOid          Oid = 26
	OidOidVector    Oid = 30
	OidJSON         Oid = 114
	OidPgNodeTree   Oid = 194
	OidFloat4       Oid = 700
	OidFloat8       Oid = 701
	OidUnknown      Oid = 705
	OidInet         Oid = 869
	OidBpchar       Oid = 1042
	OidVarchar      Oid = 1043
	OidDate         Oid = 1082
	OidTime         Oid = 1083
	OidTimestamp    Oid = 1114
	OidTimestampTZ  Oid = 1184
	OidInterval     Oid = 1186
	OidNumeric      Oid = 1700
	OidRegprocedure Oid = 2202
	OidRegoper      Oid = 2203
	OidRegclass     Oid = 2205
	OidRegtype      Oid = 2206
	OidRecord       Oid = 2249
	OidCstring      Oid = 2275
	OidAny          Oid = 2276
	OidAnyArray     Oid = 2277
	OidVoid         Oid = 2278
	OidTrigger      Oid = 2279
	OidInternal     Oid = 2281
	OidAnyElement   Oid = 2283
	OidAnyNonArray  Oid = 2776
	OidUUID         Oid = 2950
	OidJSONB        Oid = 3802
	OidRegnamespace Oid = 4089
	OidRegrole      Oid = 4096
	OidAnyCompat    Oid = 5077
)

func scalar(oid Oid, name, sql string, f Family, cat Category, pref bool, size int16, array Oid) *T {
	return &T{Oid: oid, Name: name, SQL: sql, Family: f, Category: cat, Preferred: pref, Len: size, Mod: -1, Array: array}
}

// The catalog's scalar types.
var (
	Bool         = scalar(OidBool, "bool", "boolean", BoolFamily, CatBoolean, true, 1, 1000)
	Bytea        = scalar(OidBytea, "bytea", "bytea", BytesFamily, CatUser, false, -1, 1001)
	Char         = scalar(OidChar, "char", `"char"`, StringFamily, CatInternalUse, false, 1, 1002)
	Name         = scalar(OidName, "name", "name", StringFamily, CatString, false, 64, 1003)
	Int8         = scalar(OidInt8, "int8", "bigint", IntFamily, CatNumeric, false, 8, 1016)
	Int2         = scalar(OidInt2, "int2", "smallint", IntFamily, CatNumeric, false, 2, 1005)
	Int4         = scalar(OidInt4, "int4", "integer", IntFamily, CatNumeric, false, 4, 1007)
	Regproc      = scalar(OidRegproc, "regproc", "regproc", OidFamily, CatNumeric, false, 4, 1008)
	Text         = scalar(OidText, "text", "text", StringFamily, CatString, true, -1, 1009)
	OidT         = scalar(OidOid, "oid", "oid", OidFamily, CatNumeric, true, 4, 1028)
	JSON         = scalar(OidJSON, "json", "json", JSONFamily, CatUser, false, -1, 199)
	PgNodeTree   = scalar(OidPgNodeTree, "pg_node_tree", "pg_node_tree", StringFamily, CatInternalUse, false, -1, 0)
	Float4       = scalar(OidFloat4, "float4", "real", FloatFamily, CatNumeric, false, 4, 1021)
	Float8       = scalar(OidFloat8, "float8", "double precision", FloatFamily, CatNumeric, true, 8, 1022)
	Unknown      = scalar(OidUnknown, "unknown", "unknown", UnknownFamily, CatUnknown, false, -2, 0)
	Bpchar       = scalar(OidBpchar, "bpchar", "character", StringFamily, CatString, false, -1, 1014)
	Varchar      = scalar(OidVarchar, "varchar", "character varying", StringFamily, CatString, false, -1, 1015)
	Date         = scalar(OidDate, "date", "date", DateFamily, CatDatetime, false, 4, 1182)
	Time         = scalar(OidTime, "time", "time without time zone", TimeFamily, CatDatetime, false, 8, 1183)
	Timestamp    = scalar(OidTimestamp, "timestamp", "timestamp without time zone", TimestampFamily, CatDatetime, false, 8, 1115)
	TimestampTZ  = scalar(OidTimestampTZ, "timestamptz", "timestamp with time zone", TimestampTZFamily, CatDatetime, true, 8, 1185)
	Interval     = scalar(OidInterval, "interval", "interval", IntervalFamily, CatTimespan, true, 16, 1187)
	Numeric      = scalar(OidNumeric, "numeric", "numeric", DecimalFamily, CatNumeric, false, -1, 1231)
	Regprocedure = scalar(OidRegprocedure, "regprocedure", "regprocedure", OidFamily, CatNumeric, false, 4, 2207)
	Regoper      = scalar(OidRegoper, "regoper", "regoper", OidFamily, CatNumeric, false, 4, 2208)
	Regclass     = scalar(OidRegclass, "regclass", "regclass", OidFamily, CatNumeric, false, 4, 2210)
	Regtype      = scalar(OidRegtype, "regtype", "regtype", OidFamily, CatNumeric, false, 4, 2211)
	Regnamespace = scalar(OidRegnamespace, "regnamespace", "regnamespace", OidFamily, CatNumeric, false, 4, 4090)
	Regrole      = scalar(OidRegrole, "regrole", "regrole", OidFamily, CatNumeric, false, 4, 4097)
	UUID         = scalar(OidUUID, "uuid", "uuid", UUIDFamily, CatUser, false, 16, 2951)
	JSONB        = scalar(OidJSONB, "jsonb", "jsonb", JSONBFamily, CatUser, false, -1, 3807)
	Record       = scalar(OidRecord, "record", "record", RecordFamily, CatPseudo, false, -1, 2287)
	Void         = scalar(OidVoid, "void", "void", VoidFamily, CatPseudo, false, 4, 0)
	AnyT         = scalar(OidAny, "any", `"any"`, AnyFamily, CatPseudo, false, 4, 0)
	AnyElement   = scalar(OidAnyElement, "anyelement", "anyelement", AnyFamily, CatPseudo, false, 4, 0)
	AnyArray     = scalar(OidAnyArray, "anyarray", "anyarray", AnyFamily, CatPseudo, false, -1, 0)
	AnyNonArray  = scalar(OidAnyNonArray, "anynonarray", "anynonarray", AnyFamily, CatPseudo, false, 4, 0)
	AnyCompat    = scalar(OidAnyCompat, "anycompatible", "anycompatible", AnyFamily, CatPseudo, false, 4, 0)
	Cstring      = scalar(OidCstring, "cstring", "cstring", StringFamily, CatPseudo, false, -2, 1263)
	Int2Vector   = scalar(OidInt2Vector, "int2vector", "int2vector", ArrayFamily, CatArray, false, -1, 1006)
	OidVector    = scalar(OidOidVector, "oidvector", "oidvector", ArrayFamily, CatArray, false, -1, 1013)

	// Internal is the pseudo-type of the arguments and results of the
	// functions only the server calls (a type's typreceive). It has no
	// values.
	Internal = scalar(OidInternal, "internal", "internal", VoidFamily, CatPseudo, false, 8, 0)
)

func init() {
	// The vector types are arrays of their element, zero-based in
	// PostgreSQL; DriftDB shows them one-based like any array.
	Int2Vector.Elem, OidVector.Elem = Int2, OidT
}

// scalars lists the scalar types that have an array type.
var scalars = []*T{
	Bool, Bytea, Char, Name, Int8, Int2, Int4, Regproc, Text, OidT, JSON, Float4, Float8,
	Bpchar, Varchar, Date, Time, Timestamp, TimestampTZ, Interval, Numeric, Regprocedure,
	Regoper, Regclass, Regtype, Regnamespace, Regrole, UUID, JSONB, Record, Cstring,
}

// byOid holds every type of the catalog, arrays included.
var byOid = func() map[Oid]*T {
	m := map[Oid]*T{}
	for _, t := range append(scalars, Unknown, Void, AnyT, AnyElement, AnyArray, AnyNonArray, AnyCompat,
		PgNodeTree, Int2Vector, OidVector, Internal) {
		m[t.Oid] = t
	}
	for _, t := range scalars {
		if t.Array != 0 {
			m[t.Array] = &T{Oid: t.Array, Name: "_" + t.Name, SQL: t.SQL + "[]", Family: ArrayFamily,
				Category: CatArray, Len: -1, Mod: -1, Elem: t}
		}
	}
	return m
}()

// ByOid returns the catalog's type with an OID.
func ByOid(oid Oid) (*T, bool) {
	t, ok := byOid[oid]
	return t, ok
}

// ArrayOf returns the array type of t (nil when t has none). A modifier
// carries over.
func ArrayOf(t *T) *T {
	a, ok := byOid[t.Array]
	if !ok || t.Array == 0 {
		return nil
	}
	return a.WithMod(t.Mod)
}

// All returns every type of the catalog, in OID order.
func All() []*T {
	out := make([]*T, 0, len(byOid))
	for _, t := range byOid {
		out = append(out, t)
	}
	sortTypes(out)
	return out
}

func sortTypes(ts []*T) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].Oid < ts[j-1].Oid; j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}

// names maps the names SQL writes a type with (after lowering and joining
// words with one space) to the catalog's type.
var names = map[string]*T{
	"bool": Bool, "boolean": Bool,
	"bytea": Bytea,
	"char":  Bpchar, "character": Bpchar, "bpchar": Bpchar, `"char"`: Char,
	"name": Name,
	"int8": Int8, "bigint": Int8, "bigserial": Int8, "serial8": Int8,
	"int2": Int2, "smallint": Int2, "smallserial": Int2, "serial2": Int2,
	"int4": Int4, "int": Int4, "integer": Int4, "serial": Int4, "serial4": Int4,
	"text": Text, "oid": OidT,
	"json": JSON, "jsonb": JSONB,
	"float4": Float4, "real": Float4,
	"float8": Float8, "double precision": Float8, "float": Float8,
	"varchar": Varchar, "character varying": Varchar, "char varying": Varchar,
	"date": Date,
	"time": Time, "time without time zone": Time,
	"timestamp": Timestamp, "timestamp without time zone": Timestamp,
	"timestamptz": TimestampTZ, "timestamp with time zone": TimestampTZ,
	"interval": Interval,
	"numeric":  Numeric, "decimal": Numeric, "dec": Numeric,
	"uuid":    UUID,
	"regproc": Regproc, "regprocedure": Regprocedure, "regoper": Regoper,
	"regclass": Regclass, "regtype": Regtype, "regnamespace": Regnamespace, "regrole": Regrole,
	"record": Record, "void": Void, "unknown": Unknown, "cstring": Cstring, "internal": Internal,
	"anyelement": AnyElement, "anyarray": AnyArray, "anynonarray": AnyNonArray,
	"anycompatible": AnyCompat, "any": AnyT,
	"int2vector": Int2Vector, "oidvector": OidVector, "pg_node_tree": PgNodeTree,
}

// ByName finds a type by a name SQL writes it with: "integer", "double
// precision", "pg_catalog.int4", "_int4" (an array by its pg_type name).
// Modifiers and [] are the caller's (see the parser's TypeName).
func ByName(name string) (*T, bool) {
	n := strings.Join(strings.Fields(strings.ToLower(name)), " ")
	n = strings.TrimPrefix(n, "pg_catalog.")
	if t, ok := names[n]; ok {
		return t, true
	}
	if elem, ok := strings.CutPrefix(n, "_"); ok {
		if e, ok := names[elem]; ok && e.Array != 0 {
			return byOid[e.Array], true
		}
	}
	return nil, false
}

// IsSerial reports whether a type name is one of the serial pseudo-types,
// which declare an integer column with a sequence behind its default.
func IsSerial(name string) bool {
	switch strings.ToLower(name) {
	case "serial", "serial4", "bigserial", "serial8", "smallserial", "serial2":
		return true
	}
	return false
}
