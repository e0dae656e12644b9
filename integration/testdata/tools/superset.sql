-- Apache Superset's PostgreSQL engine spec (superset/db_engine_specs/postgres.py)
-- reads the database through SQLAlchemy 1.4.46's postgresql dialect
-- (lib/sqlalchemy/dialects/postgresql/base.py, PGDialect and its
-- inspector) on psycopg2, which splices parameters into the text and sends
-- each statement as a simple query. The statements below are the ones the
-- dialect sent on connect and for the inspector's calls, as logged.
-- The format of this file is described in tools_test.go.
-- protocol: simple

-- PGDialect.initialize: _get_server_version_info
-- expect: PostgreSQL
select pg_catalog.version();

-- PGDialect._get_default_schema_name
-- compare: *
select current_schema();

-- PGDialect.initialize: standard_conforming_strings
-- compare: *
show standard_conforming_strings;

-- psycopg2 dialect: the connection's isolation level (DriftDB's
-- transactions are snapshot isolation: repeatable read by default)
-- expect: repeatable read
show transaction isolation level;

-- Inspector.get_schema_names (DriftDB's own schema driftdb is left out
-- of the comparison)
-- only: nspname in public, information_schema
-- compare: *
SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg_%' ORDER BY nspname;

-- Inspector.get_table_names('public')
-- compare: *
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind in ('r', 'p');

-- Inspector.get_view_names('public')
-- compare: *
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm');

-- PostgresEngineSpec.get_table_names: Inspector.get_foreign_table_names('public')
-- compare: *
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'f';

-- PGDialect.has_table
-- compare: *
select relname from pg_class c join pg_namespace n on n.oid=c.relnamespace where n.nspname='public' and relname='orders';

-- Inspector.get_columns: get_table_oid
-- compare: none
-- expect: {oid:orders}
SELECT c.oid
            FROM pg_catalog.pg_class c
            LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE (n.nspname = 'public')
            AND c.relname = 'orders' AND c.relkind in
            ('r', 'v', 'm', 'f', 'p');

-- Inspector.get_columns
-- compare: attname, format_type, default, attnotnull, comment, generated, identity_options
SELECT a.attname,
              pg_catalog.format_type(a.atttypid, a.atttypmod),
              (
                SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid)
                FROM pg_catalog.pg_attrdef d
                WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum
                AND a.atthasdef
              ) AS DEFAULT,
              a.attnotnull,
              a.attrelid as table_oid,
              pgd.description as comment,
              a.attgenerated as generated,
                              (SELECT json_build_object(
                    'always', a.attidentity = 'a',
                    'start', s.seqstart,
                    'increment', s.seqincrement,
                    'minvalue', s.seqmin,
                    'maxvalue', s.seqmax,
                    'cache', s.seqcache,
                    'cycle', s.seqcycle)
                FROM pg_catalog.pg_sequence s
                JOIN pg_catalog.pg_class c on s.seqrelid = c."oid"
                WHERE c.relkind = 'S'
                AND a.attidentity != ''
                AND s.seqrelid = pg_catalog.pg_get_serial_sequence(
                    a.attrelid::regclass::text, a.attname
                )::regclass::oid
                ) as identity_options                
            FROM pg_catalog.pg_attribute a
            LEFT JOIN pg_catalog.pg_description pgd ON (
                pgd.objoid = a.attrelid AND pgd.objsubid = a.attnum)
            WHERE a.attrelid = {oid:customers}
            AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum;

-- Inspector.get_columns: _load_domains (PostgreSQL's information_schema
-- has domains; DriftDB has none)
-- only: schema in public
-- compare: *
SELECT t.typname as "name",
               pg_catalog.format_type(t.typbasetype, t.typtypmod) as "attype",
               not t.typnotnull as "nullable",
               t.typdefault as "default",
               pg_catalog.pg_type_is_visible(t.oid) as "visible",
               n.nspname as "schema"
            FROM pg_catalog.pg_type t
               LEFT JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
            WHERE t.typtype = 'd';

-- Inspector.get_columns: _load_enums
-- compare: *
SELECT t.typname as "name",
               -- no enum defaults in 8.4 at least
               -- t.typdefault as "default",
               pg_catalog.pg_type_is_visible(t.oid) as "visible",
               n.nspname as "schema",
               e.enumlabel as "label"
            FROM pg_catalog.pg_type t
                 LEFT JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
                 LEFT JOIN pg_catalog.pg_enum e ON t.oid = e.enumtypid
            WHERE t.typtype = 'e'
        ORDER BY "schema", "name", e.oid;

-- Inspector.get_pk_constraint: the key's columns
-- compare: *
SELECT a.attname
                FROM pg_attribute a JOIN (
                    SELECT unnest(ix.indkey) attnum,
                           generate_subscripts(ix.indkey, 1) ord
                    FROM pg_index ix
                    WHERE ix.indrelid = {oid:orders} AND ix.indisprimary
                    ) k ON a.attnum=k.attnum
                WHERE a.attrelid = {oid:orders}
                ORDER BY k.ord;

-- Inspector.get_pk_constraint: the key's name
-- compare: *
SELECT conname
           FROM  pg_catalog.pg_constraint r
           WHERE r.conrelid = {oid:orders} AND r.contype = 'p'
           ORDER BY 1;

-- Inspector.get_foreign_keys
-- compare: *
SELECT r.conname,
                pg_catalog.pg_get_constraintdef(r.oid, true) as condef,
                n.nspname as conschema
          FROM  pg_catalog.pg_constraint r,
                pg_namespace n,
                pg_class c

          WHERE r.conrelid = {oid:orders} AND
                r.contype = 'f' AND
                c.oid = confrelid AND
                n.oid = c.relnamespace
          ORDER BY 1;

-- Inspector.get_indexes
-- compare: relname, indisunique, indexprs, attname, attnum, indkey, indoption, reloptions, amname, pg_get_expr, indnkeyatts
SELECT
                  i.relname as relname,
                  ix.indisunique, ix.indexprs,
                  a.attname, a.attnum, c.conrelid, ix.indkey::varchar,
                  ix.indoption::varchar, i.reloptions, am.amname,
                  pg_get_expr(ix.indpred, ix.indrelid),
                  ix.indnkeyatts as indnkeyatts
              FROM
                  pg_class t
                        join pg_index ix on t.oid = ix.indrelid
                        join pg_class i on i.oid = ix.indexrelid
                        left outer join
                            pg_attribute a
                            on t.oid = a.attrelid and a.attnum = ANY(ix.indkey)
                        left outer join
                            pg_constraint c
                            on (ix.indrelid = c.conrelid and
                                ix.indexrelid = c.conindid and
                                c.contype in ('p', 'u', 'x'))
                        left outer join
                            pg_am am
                            on i.relam = am.oid
              WHERE
                  t.relkind IN ('r', 'v', 'f', 'm', 'p')
                  and t.oid = {oid:customers}
                  and ix.indisprimary = 'f'
              ORDER BY
                  t.relname,
                  i.relname;

-- Inspector.get_unique_constraints
-- compare: name, key, col_num, col_name
SELECT
                cons.conname as name,
                cons.conkey as key,
                a.attnum as col_num,
                a.attname as col_name
            FROM
                pg_catalog.pg_constraint cons
                join pg_attribute a
                  on cons.conrelid = a.attrelid AND
                    a.attnum = ANY(cons.conkey)
            WHERE
                cons.conrelid = {oid:customers} AND
                cons.contype = 'u';

-- Inspector.get_check_constraints
-- compare: *
SELECT
                cons.conname as name,
                pg_get_constraintdef(cons.oid) as src
            FROM
                pg_catalog.pg_constraint cons
            WHERE
                cons.conrelid = {oid:customers} AND
                cons.contype = 'c';

-- Inspector.get_table_comment
-- compare: *
SELECT
                pgd.description as table_comment
            FROM
                pg_catalog.pg_description pgd
            WHERE
                pgd.objsubid = 0 AND
                pgd.objoid = {oid:orders};

-- Inspector.get_view_definition (DriftDB's text of the query is not
-- PostgreSQL's pretty-printed one)
-- expect: orders, total
SELECT pg_get_viewdef(c.oid) view_def FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relname = 'big_orders' AND c.relkind IN ('v', 'm');

-- Inspector.get_sequence_names
-- compare: *
SELECT relname FROM pg_class c join pg_namespace n on n.oid=c.relnamespace where relkind='S' and n.nspname='public';

-- Superset's SQL Lab: select_star for a table (the preview)
-- compare: *
SELECT id AS id,
       email AS email,
       name AS name,
       created AS created
FROM public.customers
LIMIT 100;

-- A chart with a P1W time grain (PostgresBaseEngineSpec.time_grain_functions)
-- compare: *
SELECT DATE_TRUNC('week', created) AS created,
       count(*) AS count
FROM public.customers
GROUP BY DATE_TRUNC('week', created)
ORDER BY count DESC
LIMIT 10000;

-- SQL Lab: a query run with the row limit applied around it
-- compare: *
SELECT email, name
FROM public.customers
WHERE created < '2024-01-10'
LIMIT 1001;

-- A chart on a time range (PostgresBaseEngineSpec.convert_dttm writes
-- TO_TIMESTAMP for timestamp columns)
-- compare: *
SELECT DATE_TRUNC('day', created) AS created,
       COUNT(*) AS count
FROM public.customers
WHERE created >= TO_TIMESTAMP('2024-01-01 00:00:00.000000', 'YYYY-MM-DD HH24:MI:SS.US')
  AND created < TO_TIMESTAMP('2024-02-01 00:00:00.000000', 'YYYY-MM-DD HH24:MI:SS.US')
GROUP BY DATE_TRUNC('day', created)
ORDER BY count DESC
LIMIT 10000;

-- A table chart with a metric on a virtual dataset (a subquery)
-- compare: *
SELECT customer_id AS customer_id,
       sum(total) AS "SUM(total)"
FROM
  (SELECT * FROM orders WHERE note IS NULL) AS virtual_table
GROUP BY customer_id
ORDER BY "SUM(total)" DESC
LIMIT 1000;
