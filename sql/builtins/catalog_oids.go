package builtins

// CatalogRelationOid returns PostgreSQL 15's OID of the table or view name
// of pg_catalog or information_schema ("pg_catalog.pg_class"), if
// PostgreSQL has it.
func CatalogRelationOid(name string) (uint32, bool) {
	oid, ok := pgRelations[name]
	return oid, ok
}
