"""psycopg2 named (server-side) cursors: the connection string is the
first argument."""
import sys

import psycopg2

c = psycopg2.connect(sys.argv[1])
cur = c.cursor()
cur.execute("DROP TABLE IF EXISTS pc")
cur.execute("CREATE TABLE pc (id int8 PRIMARY KEY, v text)")
cur.execute("INSERT INTO pc SELECT g, 'v' || g FROM generate_series(1, 1000) g")
c.commit()

# Iteration fetches itersize rows at a time.
nc = c.cursor("it")
nc.itersize = 64
nc.execute("SELECT id, v FROM pc WHERE id > %s ORDER BY id", (10,))
n, total = 0, 0
for row in nc:
    n += 1
    total += row[0]
print("iterated", n, total, nc.statusmessage)
nc.close()

# fetchone, fetchmany, scroll forward, fetchall; NO SCROLL refuses to go
# back.
nc = c.cursor("m", scrollable=False)
nc.execute("SELECT id, v FROM pc ORDER BY id")
print(nc.fetchone(), nc.rownumber)
print(nc.fetchmany(3), nc.rownumber)
nc.scroll(10)
print(nc.fetchone(), nc.rownumber)
nc.scroll(500, mode="absolute")
print(nc.fetchone(), nc.rownumber)
rest = nc.fetchall()
print(len(rest), rest[0], rest[-1], nc.statusmessage)
print(nc.fetchall(), nc.fetchone())
try:
    nc.scroll(-2)
except psycopg2.Error as e:
    print("error", e.pgcode)
c.rollback()

# A scrollable cursor goes back.
sc = c.cursor("s", scrollable=True)
sc.execute("SELECT id FROM pc WHERE id <= 20 ORDER BY id")
print(sc.fetchmany(5))
sc.scroll(-3)
print(sc.fetchone())
sc.scroll(0, mode="absolute")
print(sc.fetchone())
sc.scroll(19, mode="absolute")
print(sc.fetchall())
sc.scroll(-20)
print(sc.fetchone(), sc.rownumber)
sc.close()
c.commit()

# A held cursor lives across commits and sees its snapshot.
h = c.cursor("h", withhold=True)
h.execute("SELECT id, v FROM pc WHERE id <= 5 ORDER BY id")
print(h.fetchone())
c.commit()
cur.execute("UPDATE pc SET v = 'changed' WHERE id = 2")
c.commit()
print(h.fetchmany(2))
c.commit()
print(h.fetchall())
h.close()
c.commit()
cur.execute("SELECT v FROM pc WHERE id = 2")
print(cur.fetchone())
c.close()
