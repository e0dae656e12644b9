-- Expanded output (\x), null display and \copy to and from a file and
-- standard output. PostgreSQL 15 prints the same.
-- postgres: same
CREATE TABLE items (id int8 PRIMARY KEY, name text NOT NULL, price numeric(10,2), added date);
INSERT INTO items VALUES (1, 'pen', 1.50, '2026-01-02'), (2, 'book', 12.00, NULL), (3, 'tab	and "quote"', NULL, '2026-12-31');
\x
SELECT id, name, price, added FROM items ORDER BY id;
SELECT id FROM items WHERE id > 10;
\x auto
\pset null '(null)'
SELECT id, name, price, added FROM items ORDER BY id;
\x off
\copy items TO 'items.csv' WITH (FORMAT csv, HEADER)
\copy (SELECT id, name FROM items WHERE price IS NOT NULL ORDER BY id) TO stdout
\copy items TO stdout WITH (FORMAT csv)
CREATE TABLE copied (id int8 PRIMARY KEY, name text NOT NULL, price numeric(10,2), added date);
\copy copied FROM 'items.csv' WITH (FORMAT csv, HEADER)
\copy copied (id, name) FROM 'names.txt'
\copy copied (id, name, price) FROM stdin WITH (FORMAT csv)
20,"twenty, inline",2.5
21,"",
\.
SELECT * FROM copied ORDER BY id;
