package vtable

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// wanted are the catalog tables and views clients read: each must exist,
// with PostgreSQL 15's columns.
var wanted = []string{
	"pg_catalog.pg_namespace", "pg_catalog.pg_class", "pg_catalog.pg_attribute", "pg_catalog.pg_type",
	"pg_catalog.pg_index", "pg_catalog.pg_constraint", "pg_catalog.pg_attrdef", "pg_catalog.pg_description",
	"pg_catalog.pg_database", "pg_catalog.pg_roles", "pg_catalog.pg_user", "pg_catalog.pg_authid",
	"pg_catalog.pg_am", "pg_catalog.pg_collation", "pg_catalog.pg_proc", "pg_catalog.pg_operator",
	"pg_catalog.pg_aggregate", "pg_catalog.pg_settings", "pg_catalog.pg_tables", "pg_catalog.pg_views",
	"pg_catalog.pg_matviews", "pg_catalog.pg_indexes", "pg_catalog.pg_sequence", "pg_catalog.pg_sequences",
	"pg_catalog.pg_stat_activity", "pg_catalog.pg_stat_user_tables", "pg_catalog.pg_locks",
	"pg_catalog.pg_enum", "pg_catalog.pg_inherits", "pg_catalog.pg_extension", "pg_catalog.pg_tablespace",
	"pg_catalog.pg_range", "pg_catalog.pg_policy", "pg_catalog.pg_trigger", "pg_catalog.pg_rewrite",
	"pg_catalog.pg_event_trigger", "pg_catalog.pg_publication", "pg_catalog.pg_foreign_table",
	"pg_catalog.pg_depend", "pg_catalog.pg_shdescription", "pg_catalog.pg_timezone_names",
	"pg_catalog.pg_timezone_abbrevs", "pg_catalog.pg_cast", "pg_catalog.pg_auth_members",
	"information_schema.routines", "information_schema.parameters", "information_schema.character_sets",
	"information_schema.enabled_roles", "information_schema.referential_constraints",
	"information_schema.constraint_column_usage", "information_schema.key_column_usage",
	"information_schema.check_constraints", "information_schema.sequences", "information_schema.schemata",
	"information_schema.tables", "information_schema.columns", "information_schema.views",
	"information_schema.table_constraints",
}

// pgColumns lists a relation's columns as columnDefs writes them, the
// domains of information_schema as their base types.
const pgColumns = `SELECT a.attname || ' ' || CASE WHEN t.typtype = 'd'
    THEN format_type(t.typbasetype, t.typtypmod) ELSE format_type(a.atttypid, a.atttypmod) END
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`

// TestColumnsMatchPostgreSQL checks that every wanted table exists and
// that every virtual table has PostgreSQL's columns, in its order.
func TestColumnsMatchPostgreSQL(t *testing.T) {
	for _, name := range wanted {
		schema, table, _ := strings.Cut(name, ".")
		if _, ok := Lookup(schema, table); !ok {
			t.Errorf("%s: missing", name)
		}
	}
	url := os.Getenv("DRIFTDB_PG_URL")
	if url == "" {
		t.Skip("DRIFTDB_PG_URL is not set")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgconn.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, tab := range All() {
		if tab.Schema != PgCatalog && tab.Schema != InformationSchema {
			continue // DriftDB's own
		}
		name := tab.Schema + "." + tab.Name
		res := conn.ExecParams(ctx, pgColumns, [][]byte{[]byte(name)}, nil, nil, nil).Read()
		if res.Err != nil {
			t.Errorf("%s: %v", name, res.Err)
			continue
		}
		var pg []string
		for _, r := range res.Rows {
			pg = append(pg, string(r[0]))
		}
		ours := strings.Split(strings.TrimSpace(columnDefs[name]), "\n")
		if strings.Join(ours, "\n") != strings.Join(pg, "\n") {
			t.Errorf("%s: columns differ from PostgreSQL's:\nours:\n%s\nPostgreSQL's:\n%s", name,
				strings.Join(ours, "\n"), strings.Join(pg, "\n"))
		}
	}
}
