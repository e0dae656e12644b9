-- pg_prepared_statements lists the statements PREPARE made, with their
-- parameters' types, until DEALLOCATE or DISCARD ALL.
-- postgres: same
\set ON_ERROR_STOP 0
CREATE TABLE pp (id int8 PRIMARY KEY, name text);
SELECT count(*) FROM pg_prepared_statements;
PREPARE byid (int8) AS SELECT name FROM pp WHERE id = $1;
PREPARE put (int8, text) AS INSERT INTO pp VALUES ($1, $2);
PREPARE plain AS SELECT 1;
SELECT name, parameter_types, from_sql, generic_plans + custom_plans >= 0 AS plans, prepare_time <= now() AS before_now
  FROM pg_prepared_statements ORDER BY name;
EXECUTE put (1, 'a');
EXECUTE byid (1);
DEALLOCATE put;
SELECT name FROM pg_prepared_statements ORDER BY name;
DISCARD ALL;
SELECT count(*) FROM pg_prepared_statements;
