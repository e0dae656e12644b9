-- Analytic: a full scan with a filter on an unindexed column (about 1,000 rows match).
\set a random(0, 99000)
SELECT count(*), sum(amount) FROM users WHERE amount BETWEEN :a AND :a + 1000;
