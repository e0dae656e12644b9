-- Single-row insert, its own durable transaction. Keys are drawn from a
-- range so wide that two clients practically never collide.
\set id random(1, 9000000000000000000)
\set amount random(1, 100000)
INSERT INTO orders (id, user_id, status, amount) VALUES (:id, :amount, 'new', :amount);
