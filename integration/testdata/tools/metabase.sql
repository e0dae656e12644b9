-- Metabase, PostgreSQL driver src/metabase/driver/postgres.clj (the version
-- with describe-fields-sql, describe-fks-sql and describe-indexes-sql), run
-- through pgjdbc: extended protocol, HoneySQL's string parameters bound as
-- varchar. The statements are HoneySQL's renderings (ANSI quoting).
-- The format of this file is described in tools_test.go.
-- protocol: extended

-- postgres.clj: driver/db-default-timezone
-- compare: none
show timezone;

-- sql_jdbc/execute.clj with postgres.clj's set-timezone-sql
-- compare: *
SET SESSION TIMEZONE TO 'UTC';

-- pgjdbc PgDatabaseMetaData.getSchemas, called by sql-jdbc's syncable-schemas
-- only: table_schem in public, information_schema, pg_catalog
-- compare: *
SELECT nspname AS TABLE_SCHEM, NULL AS TABLE_CATALOG FROM pg_catalog.pg_namespace  WHERE nspname <> 'pg_toast' AND (nspname !~ '^pg_temp_'  OR nspname = (pg_catalog.current_schemas(true))[1]) AND (nspname !~ '^pg_toast_temp_'  OR nspname = replace((pg_catalog.current_schemas(true))[1], 'pg_temp_', 'pg_toast_temp_'))  ORDER BY TABLE_SCHEM;

-- postgres.clj: enum-types (before describe-fields)
-- compare: *
SELECT nspname, typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid IN (SELECT DISTINCT enumtypid FROM pg_enum e);

-- postgres.clj: get-tables-sql (describe-database)
-- (estimated_row_count is PostgreSQL's n_live_tup, which its statistics
-- report about a second after the inserts: not compared)
-- args: varchar ^pg_, varchar information_schema, varchar public
-- compare: schema, name, type, description
SELECT "n"."nspname" AS "schema", "c"."relname" AS "name", CASE "c"."relkind" WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'PARTITIONED TABLE' WHEN 'v' THEN 'VIEW' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE NULL END AS "type", "d"."description" AS "description", "stat"."n_live_tup" AS "estimated_row_count" FROM "pg_catalog"."pg_class" AS "c" INNER JOIN "pg_catalog"."pg_namespace" AS "n" ON "c"."relnamespace" = "n"."oid" LEFT JOIN "pg_catalog"."pg_description" AS "d" ON ("c"."oid" = "d"."objoid") AND ("d"."objsubid" = 0) AND ("d"."classoid" = 'pg_class'::regclass) LEFT JOIN "pg_stat_user_tables" AS "stat" ON ("n"."nspname" = "stat"."schemaname") AND ("c"."relname" = "stat"."relname") WHERE ("c"."relnamespace" = "n"."oid") AND ("n"."nspname" !~ $1) AND ("n"."nspname" <> $2) AND c.relkind in ('r', 'p', 'v', 'f', 'm') AND ("n"."nspname" IN ($3)) ORDER BY "type" ASC, "schema" ASC, "name" ASC;

-- sql_jdbc/sync/describe_database.clj: have-select-privilege-fn, per table
-- args: varchar public, varchar orders
-- compare: *
SELECT has_table_privilege(quote_ident($1) || '.' || quote_ident($2), 'SELECT') AS "select";

-- postgres.clj: describe-fields-sql (schema and table names bound)
-- args: varchar public, varchar customers, varchar orders, varchar big_orders, varchar public, varchar customers, varchar orders, varchar big_orders
-- compare: *
SELECT "c"."column_name" AS "name", CASE WHEN "c"."udt_schema" IN ('public', 'pg_catalog') THEN FORMAT('%s', "c"."udt_name") ELSE FORMAT('"%s"."%s"', "c"."udt_schema", "c"."udt_name") END AS "database-type", "c"."ordinal_position" - 1 AS "database-position", "c"."table_schema" AS "table-schema", "c"."table_name" AS "table-name", "pk"."column_name" IS NOT NULL AS "pk?", COL_DESCRIPTION(CAST(CAST(FORMAT('%I.%I', CAST("c"."table_schema" AS TEXT), CAST("c"."table_name" AS TEXT)) AS REGCLASS) AS OID), "c"."ordinal_position") AS "field-comment", (("column_default" IS NULL) OR (LOWER("column_default") = 'null')) AND ("is_nullable" = 'NO') AND NOT ((("column_default" IS NOT NULL) AND ("column_default" LIKE '%nextval(%')) OR ("is_identity" <> 'NO')) AS "database-required", (("column_default" IS NOT NULL) AND ("column_default" LIKE '%nextval(%')) OR ("is_identity" <> 'NO') AS "database-is-auto-increment" FROM "information_schema"."columns" AS "c" LEFT JOIN (SELECT "tc"."table_schema", "tc"."table_name", "kc"."column_name" FROM "information_schema"."table_constraints" AS "tc" INNER JOIN "information_schema"."key_column_usage" AS "kc" ON ("tc"."constraint_name" = "kc"."constraint_name") AND ("tc"."table_schema" = "kc"."table_schema") AND ("tc"."table_name" = "kc"."table_name") WHERE "tc"."constraint_type" = 'PRIMARY KEY') AS "pk" ON ("c"."table_schema" = "pk"."table_schema") AND ("c"."table_name" = "pk"."table_name") AND ("c"."column_name" = "pk"."column_name") WHERE c.table_schema !~ '^information_schema|catalog_history|pg_' AND ("c"."table_schema" IN ($1)) AND ("c"."table_name" IN ($2, $3, $4)) UNION ALL SELECT "pa"."attname" AS "name", CASE WHEN "ptn"."nspname" IN ('public', 'pg_catalog') THEN FORMAT('%s', "pt"."typname") ELSE FORMAT('"%s"."%s"', "ptn"."nspname", "pt"."typname") END AS "database-type", "pa"."attnum" - 1 AS "database-position", "pn"."nspname" AS "table-schema", "pc"."relname" AS "table-name", FALSE AS "pk?", NULL AS "field-comment", FALSE AS "database-required", FALSE AS "database-is-auto-increment" FROM "pg_catalog"."pg_class" AS "pc" INNER JOIN "pg_catalog"."pg_namespace" AS "pn" ON "pn"."oid" = "pc"."relnamespace" INNER JOIN "pg_catalog"."pg_attribute" AS "pa" ON "pa"."attrelid" = "pc"."oid" INNER JOIN "pg_catalog"."pg_type" AS "pt" ON "pt"."oid" = "pa"."atttypid" INNER JOIN "pg_catalog"."pg_namespace" AS "ptn" ON "ptn"."oid" = "pt"."typnamespace" WHERE ("pc"."relkind" = 'm') AND ("pa"."attnum" >= 1) AND ("pn"."nspname" IN ($5)) AND ("pc"."relname" IN ($6, $7, $8)) ORDER BY "table-schema" ASC, "table-name" ASC, "database-position" ASC;

-- postgres.clj: describe-fks-sql (schema names bound)
-- args: varchar public
-- compare: *
SELECT "fk_ns"."nspname" AS "fk-table-schema", "fk_table"."relname" AS "fk-table-name", "fk_column"."attname" AS "fk-column-name", "pk_ns"."nspname" AS "pk-table-schema", "pk_table"."relname" AS "pk-table-name", "pk_column"."attname" AS "pk-column-name" FROM "pg_constraint" AS "c" INNER JOIN "pg_class" AS "fk_table" ON "c"."conrelid" = "fk_table"."oid" INNER JOIN "pg_namespace" AS "fk_ns" ON "c"."connamespace" = "fk_ns"."oid" INNER JOIN "pg_attribute" AS "fk_column" ON "c"."conrelid" = "fk_column"."attrelid" INNER JOIN "pg_class" AS "pk_table" ON "c"."confrelid" = "pk_table"."oid" INNER JOIN "pg_namespace" AS "pk_ns" ON "pk_table"."relnamespace" = "pk_ns"."oid" INNER JOIN "pg_attribute" AS "pk_column" ON "c"."confrelid" = "pk_column"."attrelid" WHERE fk_ns.nspname !~ '^information_schema|catalog_history|pg_' AND ("c"."contype" = 'f'::char) AND ("fk_column"."attnum" = ANY(c.conkey)) AND ("pk_column"."attnum" = ANY(c.confkey)) AND ("fk_ns"."nspname" IN ($1)) ORDER BY "fk-table-schema" ASC, "fk-table-name" ASC;

-- postgres.clj: describe-indexes-sql (schema names bound)
-- args: varchar public
-- compare: *
SELECT "tmp"."table-schema", "tmp"."table-name", TRIM(BOTH '"' FROM PG_CATALOG.PG_GET_INDEXDEF("tmp"."ci_oid", "tmp"."pos", FALSE)) AS "field-name" FROM (SELECT "n"."nspname" AS "table-schema", "ct"."relname" AS "table-name", "ci"."oid" AS "ci_oid", (INFORMATION_SCHEMA._PG_EXPANDARRAY("i"."indkey")).n AS "pos" FROM "pg_catalog"."pg_class" AS "ct" INNER JOIN "pg_catalog"."pg_namespace" AS "n" ON "ct"."relnamespace" = "n"."oid" INNER JOIN "pg_catalog"."pg_index" AS "i" ON "ct"."oid" = "i"."indrelid" INNER JOIN "pg_catalog"."pg_class" AS "ci" ON "ci"."oid" = "i"."indexrelid" WHERE (PG_CATALOG.PG_GET_EXPR("i"."indpred", "i"."indrelid") IS NULL) AND n.nspname !~ '^information_schema|catalog_history|pg_' AND ("n"."nspname" IN ($1))) AS "tmp" WHERE "tmp"."pos" = 1;

-- A table's first rows, as the sync's fingerprinting samples them
-- compare: *
SELECT "public"."customers"."id" AS "id", "public"."customers"."email" AS "email", "public"."customers"."name" AS "name" FROM "public"."customers" LIMIT 10000;

-- postgres.clj: sql.qp/date :week on a timestamptz column, grouped (a question's breakout)
-- compare: *
SELECT DATE_TRUNC('week', "public"."customers"."created") AS "created", COUNT(*) AS "count" FROM "public"."customers" GROUP BY DATE_TRUNC('week', "public"."customers"."created") ORDER BY DATE_TRUNC('week', "public"."customers"."created") ASC;

-- sync's field values: the distinct values of a category field
-- compare: *
SELECT "public"."customers"."name" AS "name" FROM "public"."customers" GROUP BY "public"."customers"."name" ORDER BY "public"."customers"."name" ASC LIMIT 1000;

-- A question's row count
-- fields
-- compare: *
SELECT COUNT(*) AS "count" FROM "public"."orders";

-- A question: orders by customer, with a join, a filter and a sum
-- fields
-- compare: *
SELECT "Customers"."email" AS "Customers__email", SUM("public"."orders"."total") AS "sum" FROM "public"."orders" LEFT JOIN "public"."customers" AS "Customers" ON "public"."orders"."customer_id" = "Customers"."id" WHERE "public"."orders"."total" > 10 GROUP BY "Customers"."email" ORDER BY "sum" DESC, "Customers"."email" ASC;

-- A question on a nested query (a saved question as source)
-- compare: *
SELECT "source"."customer_id" AS "customer_id", COUNT(*) AS "count" FROM (SELECT "public"."orders"."id" AS "id", "public"."orders"."customer_id" AS "customer_id", "public"."orders"."total" AS "total" FROM "public"."orders") AS "source" GROUP BY "source"."customer_id" ORDER BY "source"."customer_id" ASC;

-- A question bucketed by day of a timestamptz column, in the report time zone
-- compare: *
SELECT CAST("public"."customers"."created" AS date) AS "created", COUNT(*) AS "count" FROM "public"."customers" WHERE ("public"."customers"."created" >= timestamp with time zone '2024-01-01 00:00:00.000Z') AND ("public"."customers"."created" < timestamp with time zone '2024-02-01 00:00:00.000Z') GROUP BY CAST("public"."customers"."created" AS date) ORDER BY CAST("public"."customers"."created" AS date) ASC;

-- A question with a distinct count and an average, and an extracted hour
-- compare: *
SELECT CAST(extract(hour from "public"."customers"."created") AS integer) AS "created", COUNT(DISTINCT "public"."customers"."email") AS "count", AVG("public"."customers"."id") AS "avg" FROM "public"."customers" GROUP BY CAST(extract(hour from "public"."customers"."created") AS integer) ORDER BY CAST(extract(hour from "public"."customers"."created") AS integer) ASC;

-- pgjdbc PgDatabaseMetaData.getPrimaryKeys(null, 'public', 'customers'), which
-- sql-jdbc's describe-table reads for a table's key
-- compare: *
SELECT        result.TABLE_CAT,        result.TABLE_SCHEM,        result.TABLE_NAME,        result.COLUMN_NAME,        result.KEY_SEQ,        result.PK_NAME FROM      (SELECT NULL AS TABLE_CAT, n.nspname AS TABLE_SCHEM,   ct.relname AS TABLE_NAME, a.attname AS COLUMN_NAME,   (information_schema._pg_expandarray(i.indkey)).n AS KEY_SEQ, ci.relname AS PK_NAME,   information_schema._pg_expandarray(i.indkey) AS KEYS, a.attnum AS A_ATTNUM FROM pg_catalog.pg_class ct   JOIN pg_catalog.pg_attribute a ON (ct.oid = a.attrelid)   JOIN pg_catalog.pg_namespace n ON (ct.relnamespace = n.oid)   JOIN pg_catalog.pg_index i ON ( a.attrelid = i.indrelid)   JOIN pg_catalog.pg_class ci ON (ci.oid = i.indexrelid) WHERE true  AND n.nspname = 'public' AND ct.relname = 'customers' AND i.indisprimary  ) result where  result.A_ATTNUM = (result.KEYS).x  ORDER BY result.table_name, result.pk_name, result.key_seq;

-- pgjdbc PgDatabaseMetaData.getImportedKeys(null, 'public', 'orders'), for a
-- table's foreign keys
-- compare: *
SELECT NULL::text AS PKTABLE_CAT, pkn.nspname AS PKTABLE_SCHEM, pkc.relname AS PKTABLE_NAME, pka.attname AS PKCOLUMN_NAME, NULL::text AS FKTABLE_CAT, fkn.nspname AS FKTABLE_SCHEM, fkc.relname AS FKTABLE_NAME, fka.attname AS FKCOLUMN_NAME, pos.n AS KEY_SEQ, CASE con.confupdtype  WHEN 'c' THEN 0 WHEN 'n' THEN 2 WHEN 'd' THEN 4 WHEN 'r' THEN 1 WHEN 'p' THEN 1 WHEN 'a' THEN 3 ELSE NULL END AS UPDATE_RULE, CASE con.confdeltype  WHEN 'c' THEN 0 WHEN 'n' THEN 2 WHEN 'd' THEN 4 WHEN 'r' THEN 1 WHEN 'p' THEN 1 WHEN 'a' THEN 3 ELSE NULL END AS DELETE_RULE, con.conname AS FK_NAME, pkic.relname AS PK_NAME, CASE  WHEN con.condeferrable AND con.condeferred THEN 5 WHEN con.condeferrable THEN 6 ELSE 7 END AS DEFERRABILITY  FROM  pg_catalog.pg_namespace pkn, pg_catalog.pg_class pkc, pg_catalog.pg_attribute pka,  pg_catalog.pg_namespace fkn, pg_catalog.pg_class fkc, pg_catalog.pg_attribute fka,  pg_catalog.pg_constraint con,  pg_catalog.generate_series(1, 32) pos(n),  pg_catalog.pg_class pkic WHERE pkn.oid = pkc.relnamespace AND pkc.oid = pka.attrelid AND pka.attnum = con.confkey[pos.n] AND con.confrelid = pkc.oid  AND fkn.oid = fkc.relnamespace AND fkc.oid = fka.attrelid AND fka.attnum = con.conkey[pos.n] AND con.conrelid = fkc.oid  AND con.contype = 'f' AND (pkic.relkind = 'i' OR pkic.relkind = 'I') AND pkic.oid = con.conindid  AND fkn.nspname = 'public' AND fkc.relname = 'orders' ORDER BY pkn.nspname,pkc.relname, con.conname,pos.n;
