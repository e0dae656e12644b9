-- Rows by a list of primary keys, as ORMs fetch related rows.
\set a random(1, :rows)
\set b random(1, :rows)
\set c random(1, :rows)
\set d random(1, :rows)
\set e random(1, :rows)
SELECT id, email, status, amount FROM users WHERE id IN (:a, :b, :c, :d, :e);
