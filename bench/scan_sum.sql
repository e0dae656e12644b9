-- Analytic: count and sum every row's amount (a full scan that reads a field of each row).
SELECT count(*), sum(amount) FROM users;
