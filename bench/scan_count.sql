-- Analytic: count every row (a full scan).
SELECT count(*) FROM users;
