package vtable

// information_schema.columns, routines, parameters and enabled_roles, as
// PostgreSQL 15 defines them over pg_catalog. DriftDB has no domains, so
// the helpers PostgreSQL calls (_pg_truetypid, _pg_char_max_length ...)
// are written out for a column's own type; the database's encoding is
// UTF8, four bytes a character at most. A view's column is never
// updatable: DriftDB writes no view.

// nullTypeAttrs are the columns of a routine's result or a parameter that
// describe its type beyond its name, NULL in PostgreSQL for both.
const nullTypeAttrs = `       NULL::int4 AS character_maximum_length,
       NULL::int4 AS character_octet_length,
       NULL::name AS character_set_catalog,
       NULL::name AS character_set_schema,
       NULL::name AS character_set_name,
       NULL::name AS collation_catalog,
       NULL::name AS collation_schema,
       NULL::name AS collation_name,
       NULL::int4 AS numeric_precision,
       NULL::int4 AS numeric_precision_radix,
       NULL::int4 AS numeric_scale,
       NULL::int4 AS datetime_precision,
       NULL::varchar AS interval_type,
       NULL::int4 AS interval_precision,`

func init() {
	queries["information_schema.columns"] = `
SELECT current_database()::name AS table_catalog,
       nc.nspname AS table_schema,
       c.relname AS table_name,
       a.attname AS column_name,
       a.attnum::int4 AS ordinal_position,
       (CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END)::varchar AS column_default,
       (CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END)::varchar(3) AS is_nullable,
       (CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN 'ARRAY'
             WHEN nt.nspname = 'pg_catalog' THEN pg_catalog.format_type(a.atttypid, NULL)
             ELSE 'USER-DEFINED' END)::varchar AS data_type,
       (CASE WHEN a.atttypmod = -1 THEN NULL
             WHEN a.atttypid IN (1042, 1043) THEN a.atttypmod - 4
             WHEN a.atttypid IN (1560, 1562) THEN a.atttypmod END)::int4 AS character_maximum_length,
       (CASE WHEN a.atttypid IN (25, 1042, 1043) THEN
                  CASE WHEN a.atttypmod = -1 THEN 1073741824 ELSE (a.atttypmod - 4) * 4 END END)::int4 AS character_octet_length,
       (CASE a.atttypid WHEN 21 THEN 16 WHEN 23 THEN 32 WHEN 20 THEN 64
                        WHEN 1700 THEN CASE WHEN a.atttypmod = -1 THEN NULL ELSE ((a.atttypmod - 4) >> 16) & 65535 END
                        WHEN 700 THEN 24 WHEN 701 THEN 53 END)::int4 AS numeric_precision,
       (CASE WHEN a.atttypid IN (21, 23, 20, 700, 701) THEN 2 WHEN a.atttypid = 1700 THEN 10 END)::int4 AS numeric_precision_radix,
       (CASE WHEN a.atttypid IN (21, 23, 20) THEN 0
             WHEN a.atttypid = 1700 THEN CASE WHEN a.atttypmod = -1 THEN NULL ELSE (a.atttypmod - 4) & 65535 END END)::int4 AS numeric_scale,
       (CASE WHEN a.atttypid = 1082 THEN 0
             WHEN a.atttypid IN (1083, 1114, 1184, 1266) THEN CASE WHEN a.atttypmod < 0 THEN 6 ELSE a.atttypmod END
             WHEN a.atttypid = 1186 THEN CASE WHEN a.atttypmod < 0 OR (a.atttypmod & 65535) = 65535 THEN 6 ELSE a.atttypmod & 65535 END
        END)::int4 AS datetime_precision,
       (CASE WHEN a.atttypid = 1186 THEN upper(substring(pg_catalog.format_type(a.atttypid, a.atttypmod) FROM '^interval[()0-9]* (.*)$')) END)::varchar AS interval_type,
       NULL::int4 AS interval_precision,
       NULL::name AS character_set_catalog,
       NULL::name AS character_set_schema,
       NULL::name AS character_set_name,
       (CASE WHEN nco.nspname IS NOT NULL THEN current_database() END)::name AS collation_catalog,
       nco.nspname AS collation_schema,
       co.collname AS collation_name,
       NULL::name AS domain_catalog,
       NULL::name AS domain_schema,
       NULL::name AS domain_name,
       current_database()::name AS udt_catalog,
       nt.nspname AS udt_schema,
       t.typname AS udt_name,
       NULL::name AS scope_catalog,
       NULL::name AS scope_schema,
       NULL::name AS scope_name,
       NULL::int4 AS maximum_cardinality,
       a.attnum::text::name AS dtd_identifier,
       'NO'::varchar(3) AS is_self_referencing,
       (CASE WHEN a.attidentity IN ('a', 'd') THEN 'YES' ELSE 'NO' END)::varchar(3) AS is_identity,
       (CASE a.attidentity WHEN 'a' THEN 'ALWAYS' WHEN 'd' THEN 'BY DEFAULT' END)::varchar AS identity_generation,
       seq.seqstart::varchar AS identity_start,
       seq.seqincrement::varchar AS identity_increment,
       seq.seqmax::varchar AS identity_maximum,
       seq.seqmin::varchar AS identity_minimum,
       (CASE WHEN seq.seqcycle THEN 'YES' ELSE 'NO' END)::varchar(3) AS identity_cycle,
       (CASE WHEN a.attgenerated <> '' THEN 'ALWAYS' ELSE 'NEVER' END)::varchar AS is_generated,
       (CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END)::varchar AS generation_expression,
       (CASE WHEN c.relkind IN ('r', 'p') THEN 'YES' ELSE 'NO' END)::varchar(3) AS is_updatable
FROM pg_catalog.pg_attribute a
     LEFT JOIN pg_catalog.pg_attrdef ad ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
     JOIN pg_catalog.pg_class c ON a.attrelid = c.oid
     JOIN pg_catalog.pg_namespace nc ON c.relnamespace = nc.oid
     JOIN pg_catalog.pg_type t ON a.atttypid = t.oid
     JOIN pg_catalog.pg_namespace nt ON t.typnamespace = nt.oid
     LEFT JOIN (pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace nco ON co.collnamespace = nco.oid)
          ON a.attcollation = co.oid AND (nco.nspname <> 'pg_catalog' OR co.collname <> 'default')
     LEFT JOIN (pg_catalog.pg_depend dep JOIN pg_catalog.pg_sequence seq
                ON dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = seq.seqrelid AND dep.deptype = 'i')
          ON dep.refclassid = 'pg_catalog.pg_class'::regclass AND dep.refobjid = c.oid AND dep.refobjsubid = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'v', 'f', 'p')`

	queries["information_schema.routines"] = `
SELECT current_database()::name AS specific_catalog,
       n.nspname AS specific_schema,
       (left(p.proname::text, 62 - length(p.oid::text)) || '_' || p.oid::text)::name AS specific_name,
       current_database()::name AS routine_catalog,
       n.nspname AS routine_schema,
       p.proname AS routine_name,
       (CASE p.prokind WHEN 'f' THEN 'FUNCTION' WHEN 'p' THEN 'PROCEDURE' END)::varchar AS routine_type,
       NULL::name AS module_catalog,
       NULL::name AS module_schema,
       NULL::name AS module_name,
       NULL::name AS udt_catalog,
       NULL::name AS udt_schema,
       NULL::name AS udt_name,
       (CASE WHEN p.prokind = 'p' THEN NULL
             WHEN t.typelem <> 0 AND t.typlen = -1 THEN 'ARRAY'
             WHEN nt.nspname = 'pg_catalog' THEN pg_catalog.format_type(t.oid, NULL)
             ELSE 'USER-DEFINED' END)::varchar AS data_type,
` + nullTypeAttrs + `
       (CASE WHEN nt.nspname IS NOT NULL THEN current_database() END)::name AS type_udt_catalog,
       nt.nspname AS type_udt_schema,
       t.typname AS type_udt_name,
       NULL::name AS scope_catalog,
       NULL::name AS scope_schema,
       NULL::name AS scope_name,
       NULL::int4 AS maximum_cardinality,
       (CASE WHEN p.prokind <> 'p' THEN '0' END)::name AS dtd_identifier,
       (CASE WHEN l.lanname = 'sql' THEN 'SQL' ELSE 'EXTERNAL' END)::varchar AS routine_body,
       p.prosrc::varchar AS routine_definition,
       (CASE WHEN l.lanname = 'c' THEN p.prosrc END)::varchar AS external_name,
       upper(l.lanname::text)::varchar AS external_language,
       'GENERAL'::varchar AS parameter_style,
       (CASE WHEN p.provolatile = 'i' THEN 'YES' ELSE 'NO' END)::varchar(3) AS is_deterministic,
       'MODIFIES'::varchar AS sql_data_access,
       (CASE WHEN p.prokind <> 'p' THEN CASE WHEN p.proisstrict THEN 'YES' ELSE 'NO' END END)::varchar(3) AS is_null_call,
       NULL::varchar AS sql_path,
       'YES'::varchar(3) AS schema_level_routine,
       0::int4 AS max_dynamic_result_sets,
       NULL::varchar(3) AS is_user_defined_cast,
       NULL::varchar(3) AS is_implicitly_invocable,
       (CASE WHEN p.prosecdef THEN 'DEFINER' ELSE 'INVOKER' END)::varchar AS security_type,
       NULL::name AS to_sql_specific_catalog,
       NULL::name AS to_sql_specific_schema,
       NULL::name AS to_sql_specific_name,
       'NO'::varchar(3) AS as_locator,
       NULL::timestamptz(2) AS created,
       NULL::timestamptz(2) AS last_altered,
       NULL::varchar(3) AS new_savepoint_level,
       'NO'::varchar(3) AS is_udt_dependent,
       NULL::varchar AS result_cast_from_data_type,
       NULL::varchar(3) AS result_cast_as_locator,
       NULL::int4 AS result_cast_char_max_length,
       NULL::int4 AS result_cast_char_octet_length,
       NULL::name AS result_cast_char_set_catalog,
       NULL::name AS result_cast_char_set_schema,
       NULL::name AS result_cast_char_set_name,
       NULL::name AS result_cast_collation_catalog,
       NULL::name AS result_cast_collation_schema,
       NULL::name AS result_cast_collation_name,
       NULL::int4 AS result_cast_numeric_precision,
       NULL::int4 AS result_cast_numeric_precision_radix,
       NULL::int4 AS result_cast_numeric_scale,
       NULL::int4 AS result_cast_datetime_precision,
       NULL::varchar AS result_cast_interval_type,
       NULL::int4 AS result_cast_interval_precision,
       NULL::name AS result_cast_type_udt_catalog,
       NULL::name AS result_cast_type_udt_schema,
       NULL::name AS result_cast_type_udt_name,
       NULL::name AS result_cast_scope_catalog,
       NULL::name AS result_cast_scope_schema,
       NULL::name AS result_cast_scope_name,
       NULL::int4 AS result_cast_maximum_cardinality,
       NULL::name AS result_cast_dtd_identifier
FROM pg_catalog.pg_namespace n
     JOIN pg_catalog.pg_proc p ON n.oid = p.pronamespace
     JOIN pg_catalog.pg_language l ON p.prolang = l.oid
     LEFT JOIN (pg_catalog.pg_type t JOIN pg_catalog.pg_namespace nt ON t.typnamespace = nt.oid)
          ON p.prorettype = t.oid AND p.prokind <> 'p'`

	queries["information_schema.parameters"] = `
SELECT current_database()::name AS specific_catalog,
       n.nspname AS specific_schema,
       (left(p.proname::text, 62 - length(p.oid::text)) || '_' || p.oid::text)::name AS specific_name,
       x.n::int4 AS ordinal_position,
       (CASE WHEN p.proargmodes IS NULL THEN 'IN'
             WHEN p.proargmodes[x.n::int4] = 'i' THEN 'IN'
             WHEN p.proargmodes[x.n::int4] = 'o' THEN 'OUT'
             WHEN p.proargmodes[x.n::int4] = 'b' THEN 'INOUT'
             WHEN p.proargmodes[x.n::int4] = 'v' THEN 'IN'
             WHEN p.proargmodes[x.n::int4] = 't' THEN 'OUT' END)::varchar AS parameter_mode,
       'NO'::varchar(3) AS is_result,
       'NO'::varchar(3) AS as_locator,
       NULLIF(p.proargnames[x.n::int4], '')::name AS parameter_name,
       (CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN 'ARRAY'
             WHEN nt.nspname = 'pg_catalog' THEN pg_catalog.format_type(t.oid, NULL)
             ELSE 'USER-DEFINED' END)::varchar AS data_type,
` + nullTypeAttrs + `
       current_database()::name AS udt_catalog,
       nt.nspname AS udt_schema,
       t.typname AS udt_name,
       NULL::name AS scope_catalog,
       NULL::name AS scope_schema,
       NULL::name AS scope_name,
       NULL::int4 AS maximum_cardinality,
       x.n::text::name AS dtd_identifier,
       pg_catalog.pg_get_function_arg_default(p.oid, x.n::int4)::varchar AS parameter_default
FROM pg_catalog.pg_namespace n
     JOIN pg_catalog.pg_proc p ON n.oid = p.pronamespace
     CROSS JOIN LATERAL unnest(COALESCE(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY AS x(typid, n)
     JOIN pg_catalog.pg_type t ON t.oid = x.typid
     JOIN pg_catalog.pg_namespace nt ON t.typnamespace = nt.oid`

	queries["information_schema.enabled_roles"] = `
SELECT a.rolname AS role_name
FROM pg_catalog.pg_authid a`
}
