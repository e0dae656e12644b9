-- A statement's notices and warnings reach the client one message each,
-- before its result or its error: the skipped objects of one DROP ... IF
-- EXISTS, a function's warning (pg_advisory_unlock of a lock not held),
-- COMMIT outside a block.
-- postgres: same
\set ON_ERROR_STOP 0
CREATE TABLE nt (id int8 PRIMARY KEY);
DROP TABLE IF EXISTS nx1, nx2;
DROP TABLE IF EXISTS nx1, nt;
DROP SEQUENCE IF EXISTS nsq1, nsq2;
CREATE TABLE IF NOT EXISTS nt2 (id int8 PRIMARY KEY);
CREATE TABLE IF NOT EXISTS nt2 (id int8 PRIMARY KEY);
ALTER TABLE IF EXISTS nx3 ADD COLUMN x int4;
SELECT pg_advisory_unlock(5);
SELECT pg_advisory_unlock_shared(5);
SELECT pg_advisory_lock(5);
SELECT pg_advisory_unlock(5), pg_advisory_unlock(5);
SELECT pg_advisory_unlock(6) \; SELECT 1/0;
COMMIT;
SELECT pg_advisory_unlock(7) FROM generate_series(1, 2);
