CREATE TABLE ct (id int8 PRIMARY KEY, name text, amount numeric(10,2));
\copy ct FROM 'testdata/copy/rows.tsv'
\copy ct FROM 'testdata/copy/rows.csv' WITH (FORMAT csv, HEADER true)
SELECT * FROM ct ORDER BY id;
\copy ct TO STDOUT
\copy (SELECT id, name FROM ct WHERE id > 3) TO STDOUT WITH (FORMAT csv, HEADER)
\copy (SELECT id, name, amount FROM ct WHERE id < 3) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)
\copy (SELECT id, name, amount FROM ct WHERE id < 3) TO STDOUT WITH (DELIMITER '|', NULL 'nil')
COPY ct FROM STDIN;
7	bad	abc
\.
COPY ct FROM STDIN;
7	bad
\.
COPY ct FROM STDIN;
7	bad	1	2
\.
COPY ct FROM STDIN WITH (FORMAT csv);
"7,unterminated
\.
COPY ct FROM STDIN WITH (FORMAT csv, HEADER match);
id,nam,amount
\.
COPY ct FROM STDIN WITH (FORMAT text, QUOTE '"');
\.
SELECT count(*) FROM ct;
COPY ct FROM STDIN;
1	dup	1
\.
COPY ct (name) FROM STDIN;
noid
\.
COPY ct FROM STDIN WITH (FORMAT csv);
10,"a""b",1
11,,
12,"",2
13,ab"c,d"ef,3
14,"x"y"z",4
15,"""",5
\.
COPY ct FROM STDIN WITH (FORMAT csv, QUOTE '''', ESCAPE '\', FORCE_NULL (name));
16,'it\'s',5
17,'',6
18,a'\''b,7
\.
SELECT id, name IS NULL, name FROM ct WHERE id >= 10 ORDER BY id;
-- Many rows: more than one batch goes to the inserter. A key repeated
-- far into the data, a NOT NULL broken before a line that does not read,
-- then all of them read.
CREATE TABLE big (id int8 PRIMARY KEY, v text NOT NULL);
\copy big FROM PROGRAM 'awk ''BEGIN { for (i = 1; i <= 700; i++) print i ",v" i; print "650,again" }''' WITH (FORMAT csv)
\copy big FROM PROGRAM 'awk ''BEGIN { for (i = 1; i <= 700; i++) print i "," (i == 300 ? "" : "v" i) (i == 600 ? ",extra" : "") }''' WITH (FORMAT csv)
\copy big FROM PROGRAM 'awk ''BEGIN { for (i = 1; i <= 700; i++) print i ",v" i (i == 600 ? ",extra" : "") }''' WITH (FORMAT csv)
\copy big FROM PROGRAM 'awk ''BEGIN { for (i = 1; i <= 1300; i++) print i "\tv" i }'''
SELECT count(*), min(id), max(id), count(DISTINCT v) FROM big;
-- A newline escaped by a backslash is data: the row goes on.
CREATE TABLE esc (id int8 PRIMARY KEY, v text);
\copy esc FROM 'testdata/copy/escaped.tsv'
SELECT id, v, length(v) FROM esc ORDER BY id;
-- Keys are checked in bulk: a duplicate of a row the table had is
-- reported at its line, after an error in an earlier row's values and
-- before one in a later row's (as PostgreSQL, which checks the keys of
-- the rows it holds when it inserts them); the duplicates, of the table's
-- rows or of the COPY's own, in the order of their lines.
CREATE TABLE kc1 (id int8 PRIMARY KEY, v text NOT NULL);
INSERT INTO kc1 VALUES (10, 'a'), (20, 'b'), (30, 'c');
CREATE TABLE kc2 (a int8, b text, v int4, PRIMARY KEY (a, b));
INSERT INTO kc2 VALUES (1, 'x', 1), (2, 'y', 2);
CREATE TABLE kc3 (id text PRIMARY KEY, v int4);
INSERT INTO kc3 VALUES ('k1', 1);
COPY kc1 FROM STDIN WITH (FORMAT csv);
1,a
2,b
20,dup
4,d
x,e
\.
COPY kc1 FROM STDIN WITH (FORMAT csv);
5,a
y,b
6,c
30,dup
\.
COPY kc1 FROM STDIN WITH (FORMAT csv);
7,a
10,b
7,c
\.
COPY kc1 FROM STDIN WITH (FORMAT csv);
30,q
8,
\.
COPY kc2 FROM STDIN WITH (FORMAT csv);
3,z,3
2,y,9
\.
COPY kc3 FROM STDIN;
k2	2
k1	3
\.
BEGIN;
INSERT INTO kc1 VALUES (40, 'mine');
COPY kc1 FROM STDIN WITH (FORMAT csv);
41,a
40,b
\.
ROLLBACK;
BEGIN;
DELETE FROM kc1 WHERE id = 10;
COPY kc1 FROM STDIN WITH (FORMAT csv);
10,again
11,b
\.
COMMIT;
-- 2,000 keys in no order, one of them a row the table had at line 1,500.
\copy kc1 FROM PROGRAM 'awk ''BEGIN { for (i = 1; i <= 2000; i++) print (i == 1500 ? 20 : (i * 7919) % 2000 + 1001) ",v" i }''' WITH (FORMAT csv)
\copy kc1 FROM PROGRAM 'awk ''BEGIN { for (i = 1; i <= 2000; i++) print (i * 7919) % 2000 + 1001 ",v" i }''' WITH (FORMAT csv)
SELECT count(*), min(id), max(id), sum(id) FROM kc1;
SELECT * FROM kc1 WHERE id < 100 ORDER BY id;
