"""psycopg2 against a driftdb-pg server: the port is the first argument."""
import json
import sys

import psycopg2

c = psycopg2.connect(host="127.0.0.1", port=int(sys.argv[1]), user="driftdb", dbname="driftdb", sslmode="disable")
cur = c.cursor()
cur.execute("CREATE TABLE users (id int8 PRIMARY KEY, email text, amount numeric, meta jsonb)")
cur.execute("INSERT INTO users (id, email, amount, meta) VALUES (%s, %s, %s, %s)", (1, "a@x", 12.5, json.dumps({"k": [1, 2]})))
cur.execute("INSERT INTO users {\"id\": 2, \"email\": \"b@x\"}")
c.commit()
cur.execute("SELECT id, email, amount, meta FROM users ORDER BY id")
print(cur.fetchall())
cur.execute("PATCH users KEY 1 SET {\"email\": \"new@x\"}")
c.commit()
cur.execute("SELECT email FROM users WHERE id = %s AS OF '@seq:1'", (1,))
print(cur.fetchone())
cur.execute("SHOW DRIFT users KEY 1")
print(len(cur.fetchall()), "events")
try:
    cur.execute("INSERT INTO users (id) VALUES (1)")
except psycopg2.Error as e:
    print("error", e.pgcode)
    c.rollback()
print(c.server_version)
