-- Analytic: group every row by status (10,000 groups), the largest sums first.
SELECT status, count(*), sum(amount) FROM users GROUP BY status ORDER BY 3 DESC, 1 LIMIT 10;
