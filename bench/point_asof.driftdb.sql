-- Point select at a random past seq (DriftDB only): lo and hi bound the
-- seqs of the update history.
\set id random(1, :rows)
\set s random(:lo, :hi)
SELECT id, email, status, amount FROM users WHERE id = :id AS OF :s;
