-- Grafana, PostgreSQL data source: the query editor's metadata queries from
-- public/app/plugins/datasource/grafana-postgresql-datasource/postgresMetaQuery.ts
-- (as of grafana/grafana at eb607c51) and a panel query after the backend's
-- macro expansion (pkg/tsdb/grafana-postgresql-datasource/macros.go), sent
-- through pgx: extended protocol, no parameters.
-- The format of this file is described in tools_test.go.
-- protocol: extended

-- postgresMetaQuery.ts: getVersion (configuration editor's feature detection)
-- compare: none
SELECT current_setting('server_version_num')::int/100 as version;

-- postgresMetaQuery.ts: getTimescaleDBVersion
-- compare: *
SELECT extversion FROM pg_extension WHERE extname = 'timescaledb';

-- postgresMetaQuery.ts: showTables (the table picker). DriftDB also has
-- its own schema driftdb (driftdb.tables), which is the "$user" schema of
-- the user driftdb: that row is left out of the comparison.
-- only: table in big_orders, customers, orders
-- compare: *
SELECT
    CASE WHEN 
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          )
      THEN quote_ident(table_name)
      ELSE quote_ident(table_schema) || '.' || quote_ident(table_name)
    END AS "table"
    FROM information_schema.tables
    WHERE quote_ident(table_schema) NOT IN ('information_schema',
                             'pg_catalog',
                             '_timescaledb_cache',
                             '_timescaledb_catalog',
                             '_timescaledb_internal',
                             '_timescaledb_config',
                             'timescaledb_information',
                             'timescaledb_experimental')
    ORDER BY CASE WHEN 
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          ) THEN 0 ELSE 1 END, 1;

-- postgresMetaQuery.ts: getSchema('orders') (the column picker, a table in the search path)
-- compare: *
SELECT quote_ident(column_name) AS "column", data_type AS "type"
    FROM information_schema.columns
    WHERE
      CASE WHEN array_length(parse_ident('orders'),1) = 2
        THEN quote_ident(table_schema) = (parse_ident('orders'))[1]
          AND quote_ident(table_name) = (parse_ident('orders'))[2]
        ELSE quote_ident(table_name) = 'orders'
          AND 
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          )
      END;

-- postgresMetaQuery.ts: getSchema('public.customers') (a schema-qualified table)
-- compare: *
SELECT quote_ident(column_name) AS "column", data_type AS "type"
    FROM information_schema.columns
    WHERE
      CASE WHEN array_length(parse_ident('public.customers'),1) = 2
        THEN quote_ident(table_schema) = (parse_ident('public.customers'))[1]
          AND quote_ident(table_name) = (parse_ident('public.customers'))[2]
        ELSE quote_ident(table_name) = 'public.customers'
          AND 
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          )
      END;

-- A time series panel: SELECT $__timeGroupAlias(created,'1d'), count(*) ...
-- WHERE $__timeFilter(created) GROUP BY 1 ORDER BY 1, after macros.go
-- compare: *
SELECT floor(extract(epoch from created)/86400)*86400 AS "time", count(*) AS "orders"
FROM customers
WHERE created BETWEEN '2024-01-01T00:00:00Z' AND '2024-01-31T00:00:00Z'
GROUP BY 1
ORDER BY 1;

-- A table panel: $__time and $__timeEpoch with $__timeFrom() and $__timeTo()
-- compare: *
SELECT created AS "time", extract(epoch from created) as "time_sec", email
FROM customers
WHERE created >= '2024-01-01T00:00:00Z' AND created < '2024-01-31T00:00:00Z'
ORDER BY 1;

-- A dashboard variable (query variable)
-- compare: *
SELECT DISTINCT email FROM customers ORDER BY 1;

-- $__timeGroup with $__unixEpochFilter on a number column, and
-- $__unixEpochGroupAlias
-- compare: *
SELECT floor((id)/2)*2 AS "time", sum(total) AS total
FROM orders
WHERE id >= 1 AND id <= 1735689600
GROUP BY 1
ORDER BY 1;
