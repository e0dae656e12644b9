package types

// OidAnyCompatArray is PostgreSQL's anycompatiblearray. Part of the
// protocol: never change.
const OidAnyCompatArray Oid = 5078

// AnyCompatArray is the pseudo-type anycompatiblearray: an array whose
// element type is the common type of the call's anycompatible arguments
// and of the other anycompatiblearray arguments' elements. It is a type
// of function signatures only; no value has it.
var AnyCompatArray = scalar(OidAnyCompatArray, "anycompatiblearray", "anycompatiblearray", AnyFamily, CatPseudo, false, -1, 0)
