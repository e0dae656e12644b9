-- Analytic: the top 10 of every row by an unindexed column.
SELECT id, email, amount FROM users ORDER BY amount DESC, id LIMIT 10;
