-- The statements of one query string (psql's \;) run in one implicit
-- transaction block: an error rolls back those before it; a ROLLBACK or
-- COMMIT among them ends it, with PostgreSQL's warning; a BEGIN makes it
-- an explicit block, the statements before it in; SAVEPOINT is refused;
-- LISTEN waits for the block's commit too; DISCARD ALL and VACUUM are
-- refused in it, a cursor may be declared and fetched from in it; a
-- BEGIN whose modes fail fails the block, which rolls back.
-- postgres: same
\set ON_ERROR_STOP 0
CREATE TABLE z (id int PRIMARY KEY);
INSERT INTO z VALUES (1) \; ROLLBACK;
SELECT count(*) FROM z;
INSERT INTO z VALUES (2) \; COMMIT \; INSERT INTO z VALUES (3) \; SELECT 1/0;
SELECT id FROM z ORDER BY id;
BEGIN \; INSERT INTO z VALUES (4) \; COMMIT;
SELECT id FROM z ORDER BY id;
INSERT INTO z VALUES (5) \; BEGIN \; INSERT INTO z VALUES (6);
ROLLBACK;
SELECT id FROM z ORDER BY id;
INSERT INTO z VALUES (7) \; INSERT INTO z VALUES (7);
SELECT id FROM z ORDER BY id;
INSERT INTO z VALUES (8) \; UPDATE z SET id = 9 WHERE id = 8 \; SELECT id FROM z WHERE id > 7;
SELECT id FROM z ORDER BY id;
SELECT 1 \; SAVEPOINT a;
LISTEN a \; SELECT 1/0;
SELECT pg_listening_channels();
COMMIT;
SELECT 1 \; DISCARD ALL;
SELECT 1 \; VACUUM;
DISCARD ALL \; SELECT 2;
DECLARE c CURSOR FOR SELECT id FROM z ORDER BY id \; FETCH 2 FROM c;
INSERT INTO z VALUES (10) \; BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT count(*) FROM z;
INSERT INTO z VALUES (11) \; BEGIN READ WRITE \; INSERT INTO z VALUES (12) \; COMMIT;
SELECT id FROM z WHERE id > 9 ORDER BY id;
DROP TABLE z;
