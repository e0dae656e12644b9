-- A correlated subquery that reads one row by key for each of 10 rows.
\set lo random(1, :rows - 10)
SELECT u.id, (SELECT v.email FROM users v WHERE v.id = u.id + 1) FROM users u WHERE u.id BETWEEN :lo AND :lo + 9;
