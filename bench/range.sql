-- A range of 100 rows on the primary key.
\set lo random(1, :rows - 100)
SELECT id, email, amount FROM users WHERE id BETWEEN :lo AND :lo + 99;
