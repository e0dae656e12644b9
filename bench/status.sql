-- Indexed equality: each status names about 10 users.
\set s random(0, :statuses - 1)
SELECT id, email, status, amount FROM users WHERE status = 'status-' || :s;
