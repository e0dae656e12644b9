package types

// Type OIDs of regoperator and its array. Part of the protocol: never
// change.
const (
	OidRegoperator      Oid = 2204
	OidRegoperatorArray Oid = 2209
)

// Regoperator is regoperator: an operator's OID, written as its name and
// operand types, "+(integer,integer)". The catalog resolves the names
// (Context.RegLookup, Context.RegName).
var Regoperator = scalar(OidRegoperator, "regoperator", "regoperator", OidFamily, CatNumeric, false, 4, OidRegoperatorArray)

func init() {
	byOid[OidRegoperator] = Regoperator
	byOid[OidRegoperatorArray] = &T{Oid: OidRegoperatorArray, Name: "_regoperator", SQL: "regoperator[]",
		Family: ArrayFamily, Category: CatArray, Len: -1, Mod: -1, Elem: Regoperator}
	names["regoperator"] = Regoperator
}
