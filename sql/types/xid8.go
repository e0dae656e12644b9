package types

// Type OIDs of xid8 and its array. Part of the protocol: never change.
const (
	OidXid8      Oid = 5069
	OidXid8Array Oid = 271
)

// Xid8 is xid8, a 64-bit transaction ID (pg_current_xact_id). Its values
// are int64s, written and read as integers; it has no arithmetic and no
// casts but through text.
var Xid8 = scalar(OidXid8, "xid8", "xid8", IntFamily, CatUser, false, 8, OidXid8Array)

func init() {
	byOid[OidXid8] = Xid8
	byOid[OidXid8Array] = &T{Oid: OidXid8Array, Name: "_xid8", SQL: "xid8[]", Family: ArrayFamily,
		Category: CatArray, Len: -1, Mod: -1, Elem: Xid8}
	names["xid8"] = Xid8
}
