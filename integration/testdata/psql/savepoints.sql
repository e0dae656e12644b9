-- psql's ON_ERROR_ROLLBACK runs each statement of a transaction block
-- after a SAVEPOINT and rolls a failed one back to it: the block goes on.
-- postgres: same
\set ON_ERROR_STOP 0
\set ON_ERROR_ROLLBACK on
CREATE TABLE sp (id int8 PRIMARY KEY, v text);
BEGIN;
INSERT INTO sp VALUES (1, 'one');
INSERT INTO sp VALUES (1, 'again');
INSERT INTO sp VALUES (2, 'two'), (3, 'three'), (2, 'twice');
INSERT INTO sp VALUES (2, 'two'), (3, 'three');
SELECT 1 / 0;
SAVEPOINT mine;
INSERT INTO sp VALUES (4, 'four');
ROLLBACK TO mine;
INSERT INTO sp VALUES (5, 'five');
RELEASE mine;
UPDATE sp SET v = 'uno' WHERE id = 1;
SELECT * FROM nope;
COMMIT;
SELECT * FROM sp ORDER BY id;
-- Without it, an error fails the block, and COMMIT rolls it back.
\set ON_ERROR_ROLLBACK off
BEGIN;
INSERT INTO sp VALUES (6, 'six');
SELECT 1 / 0;
SELECT 1;
COMMIT;
SELECT count(*) FROM sp;
