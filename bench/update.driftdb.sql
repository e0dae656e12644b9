-- Update of one row by key, as a DriftQL merge patch.
\set id random(1, :rows)
\set amount random(1, 100000)
PATCH users KEY :id SET {"amount": :amount};
