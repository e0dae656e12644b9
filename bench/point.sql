-- Point select by primary key.
\set id random(1, :rows)
SELECT id, email, status, amount FROM users WHERE id = :id;
