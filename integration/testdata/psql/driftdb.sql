-- DriftDB's own schema, driftdb, with its history for tools
-- (docs/SQL.md), as psql lists it. PostgreSQL has none.
CREATE TABLE items (id int8 PRIMARY KEY, name text);
INSERT INTO items VALUES (1, 'a'), (2, 'b');
UPDATE items SET name = 'c' WHERE id = 2;
\dn
\dv driftdb.*
SELECT table_name, live_rows, versions FROM driftdb.tables ORDER BY table_name;
SELECT key, event, doc FROM driftdb.history('items') ORDER BY seq;
COMMENT ON TABLE items IS 'two items';
\dt+
CREATE VIEW named AS SELECT id, name FROM items WHERE id > 1;
\d+ named
