-- Update of one row by primary key.
\set id random(1, :rows)
\set amount random(1, 100000)
UPDATE users SET amount = :amount WHERE id = :id;
