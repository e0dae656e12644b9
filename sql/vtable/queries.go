package vtable

// queries define virtual tables as SQL over others, as PostgreSQL defines
// information_schema's views over pg_catalog: the binder binds the query
// where the table is named, so it is planned and executed as any view,
// and reads the catalog as the statement does (AS OF, the transaction).
// Each column is cast to the type columnDefs gives it, so that the view
// and its description in pg_attribute and information_schema.columns
// agree. DriftDB has one role, a superuser: the privilege filters of
// PostgreSQL's views let every row through and are left out.
var queries = map[string]string{
	"information_schema.schemata": `
SELECT current_database()::name AS catalog_name,
       n.nspname AS schema_name,
       pg_catalog.pg_get_userbyid(n.nspowner) AS schema_owner,
       NULL::name AS default_character_set_catalog,
       NULL::name AS default_character_set_schema,
       NULL::name AS default_character_set_name,
       NULL::varchar AS sql_path
FROM pg_catalog.pg_namespace n`,

	"information_schema.tables": `
SELECT current_database()::name AS table_catalog,
       n.nspname AS table_schema,
       c.relname AS table_name,
       (CASE c.relkind WHEN 'r' THEN 'BASE TABLE' WHEN 'v' THEN 'VIEW' END)::varchar AS table_type,
       NULL::name AS self_referencing_column_name,
       NULL::varchar AS reference_generation,
       NULL::name AS user_defined_type_catalog,
       NULL::name AS user_defined_type_schema,
       NULL::name AS user_defined_type_name,
       (CASE WHEN c.relkind = 'r' THEN 'YES' ELSE 'NO' END)::varchar(3) AS is_insertable_into,
       'NO'::varchar(3) AS is_typed,
       NULL::varchar AS commit_action
FROM pg_catalog.pg_namespace n
     JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid
WHERE c.relkind IN ('r', 'v')`,

	"information_schema.sequences": `
SELECT current_database()::name AS sequence_catalog,
       n.nspname AS sequence_schema,
       c.relname AS sequence_name,
       pg_catalog.format_type(s.seqtypid, NULL)::varchar AS data_type,
       (CASE s.seqtypid WHEN 'int2'::regtype THEN 16 WHEN 'int4'::regtype THEN 32 ELSE 64 END)::int4 AS numeric_precision,
       2::int4 AS numeric_precision_radix,
       0::int4 AS numeric_scale,
       s.seqstart::varchar AS start_value,
       s.seqmin::varchar AS minimum_value,
       s.seqmax::varchar AS maximum_value,
       s.seqincrement::varchar AS increment,
       (CASE WHEN s.seqcycle THEN 'YES' ELSE 'NO' END)::varchar(3) AS cycle_option
FROM pg_catalog.pg_namespace n
     JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid
     JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
WHERE c.relkind = 'S'`,
}
