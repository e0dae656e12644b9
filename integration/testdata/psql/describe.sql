-- psql's describe commands over a small schema. PostgreSQL 15 prints the
-- same for the same schema when connected as postgres to a database named
-- client_psql (TestPsqlMeta checks that when it has a PostgreSQL server).
-- \d of a view is left out: DriftDB gives a view's columns the type text.
-- \dn and \dv name public: DriftDB has a schema driftdb too (driftdb.sql).
-- postgres: same
CREATE TABLE items (id int8 PRIMARY KEY, name text NOT NULL, price numeric(10,2), qty int4 DEFAULT 0, added timestamptz);
CREATE UNIQUE INDEX items_name ON items (name);
CREATE INDEX items_qty ON items (qty);
CREATE TABLE tags (tag varchar(20) PRIMARY KEY, note text);
CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 10;
CREATE SEQUENCE ids START 10 INCREMENT 5;
COMMENT ON TABLE items IS 'what is sold';
COMMENT ON COLUMN items.price IS 'in euros';
COMMENT ON VIEW cheap IS 'under ten';
\dt
\d items
\d+ items
\d tags
\d items_pkey
\di
\dn public
\dv public.*
\ds
\d ids
\dt i*
\di tags*
\dp items
\l client_psql
CREATE TABLE notes (body text NOT NULL, at int4, tag varchar(10) UNIQUE);
\d notes
\d+ notes
CREATE TABLE pairs (a int, b text, v text, PRIMARY KEY (b, a));
\d pairs
\d pairs_pkey
\dv+ public.*
