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

	"information_schema.table_constraints": `
SELECT current_database()::name AS constraint_catalog,
       nc.nspname AS constraint_schema,
       c.conname AS constraint_name,
       current_database()::name AS table_catalog,
       nr.nspname AS table_schema,
       r.relname AS table_name,
       (CASE c.contype WHEN 'c' THEN 'CHECK' WHEN 'f' THEN 'FOREIGN KEY'
                       WHEN 'p' THEN 'PRIMARY KEY' WHEN 'u' THEN 'UNIQUE' END)::varchar AS constraint_type,
       (CASE WHEN c.condeferrable THEN 'YES' ELSE 'NO' END)::varchar(3) AS is_deferrable,
       (CASE WHEN c.condeferred THEN 'YES' ELSE 'NO' END)::varchar(3) AS initially_deferred,
       'YES'::varchar(3) AS enforced,
       (CASE WHEN c.contype = 'u' THEN 'YES' END)::varchar(3) AS nulls_distinct
FROM pg_catalog.pg_constraint c
     JOIN pg_catalog.pg_namespace nc ON nc.oid = c.connamespace
     JOIN pg_catalog.pg_class r ON r.oid = c.conrelid
     JOIN pg_catalog.pg_namespace nr ON nr.oid = r.relnamespace
WHERE r.relkind = 'r'
UNION ALL
SELECT current_database()::name,
       nr.nspname,
       (nr.oid::text || '_' || r.oid::text || '_' || a.attnum::text || '_not_null')::name,
       current_database()::name,
       nr.nspname,
       r.relname,
       'CHECK'::varchar,
       'NO'::varchar(3),
       'NO'::varchar(3),
       'YES'::varchar(3),
       NULL::varchar(3)
FROM pg_catalog.pg_namespace nr
     JOIN pg_catalog.pg_class r ON r.relnamespace = nr.oid
     JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid
WHERE a.attnotnull AND a.attnum > 0 AND r.relkind = 'r'`,

	"information_schema.check_constraints": `
SELECT current_database()::name AS constraint_catalog,
       n.nspname AS constraint_schema,
       c.conname AS constraint_name,
       substring(pg_catalog.pg_get_constraintdef(c.oid) FROM 7)::varchar AS check_clause
FROM pg_catalog.pg_constraint c
     JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace
WHERE c.contype = 'c'
UNION ALL
SELECT current_database()::name,
       n.nspname,
       (n.oid::text || '_' || r.oid::text || '_' || a.attnum::text || '_not_null')::name,
       (a.attname::text || ' IS NOT NULL')::varchar
FROM pg_catalog.pg_namespace n
     JOIN pg_catalog.pg_class r ON r.relnamespace = n.oid
     JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid
WHERE a.attnotnull AND a.attnum > 0 AND r.relkind = 'r'`,

	"information_schema.key_column_usage": `
SELECT current_database()::name AS constraint_catalog,
       nc.nspname AS constraint_schema,
       c.conname AS constraint_name,
       current_database()::name AS table_catalog,
       nr.nspname AS table_schema,
       r.relname AS table_name,
       a.attname AS column_name,
       k.n::int4 AS ordinal_position,
       NULL::int4 AS position_in_unique_constraint
FROM pg_catalog.pg_constraint c
     JOIN pg_catalog.pg_namespace nc ON nc.oid = c.connamespace
     JOIN pg_catalog.pg_class r ON r.oid = c.conrelid
     JOIN pg_catalog.pg_namespace nr ON nr.oid = r.relnamespace
     CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
     JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum = k.attnum
WHERE c.contype IN ('p', 'u', 'f')`,

	"information_schema.constraint_column_usage": `
SELECT current_database()::name AS table_catalog,
       nr.nspname AS table_schema,
       r.relname AS table_name,
       a.attname AS column_name,
       current_database()::name AS constraint_catalog,
       nc.nspname AS constraint_schema,
       c.conname AS constraint_name
FROM pg_catalog.pg_constraint c
     JOIN pg_catalog.pg_namespace nc ON nc.oid = c.connamespace
     JOIN pg_catalog.pg_class r ON r.oid = c.conrelid
     JOIN pg_catalog.pg_namespace nr ON nr.oid = r.relnamespace
     CROSS JOIN LATERAL unnest(c.conkey) AS k(attnum)
     JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum = k.attnum
WHERE c.contype IN ('p', 'u')`,

	"information_schema.views": `
SELECT current_database()::name AS table_catalog,
       v.schemaname AS table_schema,
       v.viewname AS table_name,
       v.definition::varchar AS view_definition,
       'NONE'::varchar AS check_option,
       'NO'::varchar(3) AS is_updatable,
       'NO'::varchar(3) AS is_insertable_into,
       'NO'::varchar(3) AS is_trigger_updatable,
       'NO'::varchar(3) AS is_trigger_deletable,
       'NO'::varchar(3) AS is_trigger_insertable_into
FROM pg_catalog.pg_views v`,

	"information_schema.character_sets": `
SELECT NULL::name AS character_set_catalog,
       NULL::name AS character_set_schema,
       'UTF8'::name AS character_set_name,
       'UCS'::name AS character_repertoire,
       'UTF8'::name AS form_of_use,
       current_database()::name AS default_collate_catalog,
       NULL::name AS default_collate_schema,
       NULL::name AS default_collate_name`,
}
