# Numbers over the wire, in the spirit of sqllogictest: each statement
# runs on DriftDB, in text (simple protocol) and in binary (extended
# protocol, binary results), and on PostgreSQL 15 when there is one
# (TestNumbersLikePostgres). The expected blocks are what PostgreSQL 15
# returns: rows with columns joined by |, NULL for NULL, or the error as
# "ERROR code: message". With PostgreSQL at hand,
#   go test ./integration -run TestNumbersLikePostgres -args -rewrite
# writes its answers here.

query
SELECT 0.1 + 0.2, 1.0/3, 2.50 * 2, 12345678901234567890.1 + 1
----
0.3|0.33333333333333333333|5.00|12345678901234567891.1

query
SELECT 1, 2147483648, 99999999999999999999, -2147483648, -9223372036854775808, 1.50e-2, 1e3, -0.0
----
1|2147483648|99999999999999999999|-2147483648|-9223372036854775808|0.0150|1000|0.0

query
SELECT 9223372036854775807 + 1
----
ERROR 22003: bigint out of range

query
SELECT -9223372036854775808 / -1
----
ERROR 22003: bigint out of range

query
SELECT 2147483647 + 1
----
ERROR 22003: integer out of range

query
SELECT 32767::int2 + 1::int2
----
ERROR 22003: smallint out of range

query
SELECT 1 / 0
----
ERROR 22012: division by zero

query
SELECT 1.5 / 0
----
ERROR 22012: division by zero

query
SELECT 7 / 2, -7 / 2, -7 % 2, 7.5 % 2, 1 / 7.0, 100.0 / 3, 2 / 3.0, 0.001 / 3, 10 / 4.0
----
3|-3|-1|1.5|0.14285714285714285714|33.3333333333333333|0.66666666666666666667|0.00033333333333333333|2.5000000000000000

query
SELECT 1::int2 + 1::int2, 1 + 1::int8, 1 + 1.5, 1.5 + 1::float8, 1::float4 + 1::float4, 1::float4 + 1
----
2|2|2.5|2.5|2|2

query
SELECT 'NaN'::numeric, 'Infinity'::numeric, '-inf'::numeric, 'NaN'::numeric + 1, 'inf'::numeric - 'inf'::numeric, 1 / 'inf'::numeric
----
NaN|Infinity|-Infinity|NaN|NaN|0

query
SELECT 'abc'::numeric
----
ERROR 22P02: invalid input syntax for type numeric: "abc"

query
SELECT 1e131072
----
ERROR 22003: value overflows numeric format

query
SELECT 1e-16384
----
ERROR 22003: value overflows numeric format

query
SELECT length((1e131071 - 1)::text), length((1e-16383)::text)
----
131071|16385

query
SELECT 0.1::float8 + 0.2::float8, 1234567::float8, 123456789012345::float8, 1e15::float8, 0.00001::float8, 1e300::float8, 'NaN'::float8, '-Infinity'::float8
----
0.30000000000000004|1234567|123456789012345|1e+15|1e-05|1e+300|NaN|-Infinity

query
SELECT 123456::float4, 1234567::float4, 0.1::float4, 0.1::float4::float8
----
123456|1.234567e+06|0.1|0.10000000149011612

query
SELECT 1e300::float8 * 1e300::float8
----
ERROR 22003: value out of range: overflow

query
SELECT 2.5::int8, 3.5::int8, -2.5::int8, 2.5::float8::int8, 3.5::float8::int8, -2.5::float8::int8, 2.5::int4, 2.5::int2
----
3|4|-3|2|4|-2|3|3

query
SELECT 'NaN'::numeric::int8
----
ERROR 0A000: cannot convert NaN to bigint

query
SELECT 9223372036854775807.5::int8
----
ERROR 22003: bigint out of range

query
SELECT (0.1::float8 + 0.2::float8)::numeric, 1e20::float8::numeric, 123456789012345678::float8::numeric
----
0.3|100000000000000000000|123456789012346000

query
SELECT 1.234::numeric(10,2), 1.235::numeric(10,2), -1.235::numeric(10,2), 5::numeric(10,2), 0.05::numeric(2,1)
----
1.23|1.24|-1.24|5.00|0.1

query
SELECT 99999999.995::numeric(10,2)
----
ERROR 22003: numeric field overflow

query
SELECT 'a' || 1.50 || 2 || 1.5::float8 || 1e3 || 1e20::float8
----
a1.5021.510001e+20

query
SELECT abs(-5), abs(-5.50), abs(-2.5::float8), -(-2147483648), -(-9223372036854775808)
----
5|5.50|2.5|2147483648|9223372036854775808

query
SELECT abs(-9223372036854775808)
----
ERROR 22003: bigint out of range

statement
CREATE TABLE nums (id int8 PRIMARY KEY, i int8, n numeric, f float8, m numeric(10,2))
----

statement
INSERT INTO nums (id, i, n, f, m) VALUES (1, 10, 1.5, 0.1, 1.005), (2, 20, 2.25, 0.2, 2), (3, 9223372036854775807, 12345678901234567890.123, 1e300, -0.005), (4, NULL, NULL, NULL, NULL)
----

statement
INSERT INTO nums (id, m) VALUES (5, 123456789)
----
ERROR 22003: numeric field overflow

# Indexes answer the WHERE clauses below as a scan would.
statement
CREATE INDEX nums_n ON nums (n)
----

statement
CREATE INDEX nums_f ON nums (f)
----

statement
CREATE INDEX nums_m ON nums (m)
----

query
SELECT id, i, n, f, m FROM nums ORDER BY id
----
1|10|1.5|0.1|1.01
2|20|2.25|0.2|2.00
3|9223372036854775807|12345678901234567890.123|1e+300|-0.01
4|NULL|NULL|NULL|NULL

query
SELECT m, m + 1, (m), -m, 1.5::numeric(5), 1.5::numeric(10,2)::numeric FROM nums WHERE id = 1
----
1.01|2.01|1.01|-1.01|2|1.50

query
SELECT sum(i), avg(i), sum(n), avg(n), sum(f), sum(m), avg(m), count(m), count(*) FROM nums
----
9223372036854775837|3074457345618258612|12345678901234567893.873|4115226300411522631.291|1e+300|3.00|1.00000000000000000000|3|4

query
SELECT avg(f) FROM nums WHERE id < 3
----
0.15000000000000002

query
SELECT min(i), max(i), min(n), max(n), min(f), max(f), min(m), max(m) FROM nums
----
10|9223372036854775807|1.5|12345678901234567890.123|0.1|1e+300|-0.01|2.00

query
SELECT sum(id), avg(id), sum(id::int4), avg(id::int4), sum(id::int2), sum(DISTINCT n) FROM nums
----
10|2.5000000000000000|10|2.5000000000000000|10|12345678901234567893.873

query
SELECT i + 1 FROM nums WHERE id = 3
----
ERROR 22003: bigint out of range

query
SELECT n / 3, m / 3, f / 3, i / 3, i / 3.0, n * m, m * m FROM nums WHERE id = 1
----
0.50000000000000000000|0.33666666666666666667|0.03333333333333333|3|3.3333333333333333|1.515|1.0201

query
SELECT id FROM nums WHERE m > 1 ORDER BY id
----
1
2

query
SELECT id FROM nums WHERE n = 1.50 OR f = 0.2 ORDER BY id
----
1
2

query
SELECT id FROM nums ORDER BY n DESC
----
4
3
2
1

statement
UPDATE nums SET m = m * 3 WHERE id = 1
----

statement
UPDATE nums SET m = 99999999.999 WHERE id = 1
----
ERROR 22003: numeric field overflow

statement
UPDATE nums SET i = i + 1 WHERE id = 3
----
ERROR 22003: bigint out of range

statement
UPDATE nums SET i = 2.5, f = 1.25 WHERE id = 1
----

query
SELECT i, f, m FROM nums WHERE id = 1
----
3|1.25|3.03

statement
CREATE TABLE t3 (id int8 PRIMARY KEY, a numeric(1001))
----
ERROR 22023: NUMERIC precision 1001 must be between 1 and 1000
