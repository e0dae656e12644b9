-- Analytic: a hash join of the table with itself, grouped.
SELECT a.status, count(*) FROM users a JOIN users b ON b.id = a.amount GROUP BY a.status ORDER BY 2 DESC, 1 LIMIT 5;
