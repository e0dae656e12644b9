package vtable

// OidDatabaseOwner is the role pg_database_owner, which owns the public
// schema.
const OidDatabaseOwner = 6171

// NamespaceOid finds a schema's OID by its name.
func NamespaceOid(name string) (int64, bool) {
	for _, n := range namespaces {
		if n.name == name {
			return n.oid, true
		}
	}
	return 0, false
}

// NamespaceName names a schema by its OID.
func NamespaceName(oid int64) (string, bool) {
	for _, n := range namespaces {
		if n.oid == oid {
			return n.name, true
		}
	}
	return "", false
}

// TableOid is the OID of a virtual table in the catalog.
func (c *Catalog) TableOid(t *Table) int64 {
	if r, ok := c.RelByName(t.Schema + "." + t.Name); ok {
		return r.Oid
	}
	return 0
}
