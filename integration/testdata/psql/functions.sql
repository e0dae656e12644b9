-- pending: \df reads pg_proc through pg_get_function_result and pg_get_function_arguments
-- \df lists the overloads of built-in functions as PostgreSQL 15 does.
-- postgres: same
\df abs
\df sqrt
