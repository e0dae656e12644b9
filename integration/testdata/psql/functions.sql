-- \df lists the overloads of built-in functions as PostgreSQL 15 does.
-- postgres: same
\df abs
\df sqrt
