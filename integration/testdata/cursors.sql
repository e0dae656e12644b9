-- Cursors through psql, compared with cursors.out (PostgreSQL 15 prints
-- the same): FETCH_COUNT makes psql read a query through a cursor of its
-- own, in portions; then cursors declared by hand.
CREATE TABLE fc (id int8 PRIMARY KEY, v text);
INSERT INTO fc SELECT g, 'v' || g FROM generate_series(1, 25) g;
\set FETCH_COUNT 10
SELECT id, v FROM fc WHERE id > 12 ORDER BY id;
\unset FETCH_COUNT
BEGIN;
DECLARE c SCROLL CURSOR FOR SELECT id, v FROM fc ORDER BY id;
FETCH 2 FROM c;
MOVE FORWARD 10 IN c;
FETCH BACKWARD 2 FROM c;
FETCH LAST FROM c;
MOVE ABSOLUTE 0 IN c;
FETCH NEXT FROM c;
SELECT name, is_holdable, is_scrollable FROM pg_cursors;
CLOSE c;
COMMIT;
DECLARE h CURSOR WITH HOLD FOR SELECT id FROM fc WHERE id <= 3 ORDER BY id;
FETCH ALL FROM h;
CLOSE ALL;
