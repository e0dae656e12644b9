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
