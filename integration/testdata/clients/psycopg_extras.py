# psycopg2 beyond plain execute: psycopg2.extras (execute_values,
# execute_batch, RealDictCursor, uuid adaptation), executemany, COPY
# through copy_expert, a cursor's description, session settings,
# autocommit, notices, RETURNING and ON CONFLICT. Arguments: host, port,
# user, dbname. Each line's first word names its part; a part that fails
# prints its error's SQLSTATE (TestPsycopgExtras compares the lines).
import datetime
import decimal
import io
import sys
import uuid

import psycopg2
import psycopg2.extras

host, port, user, dbname = sys.argv[1:5]
c = psycopg2.connect(host=host, port=int(port), user=user, dbname=dbname, sslmode="disable")
cur = c.cursor()
psycopg2.extras.register_uuid()


def part(name, fn):
    try:
        print(name, fn())
    except psycopg2.Error as e:
        print(name, "error", e.pgcode, str(e).splitlines()[0])
        c.rollback()


def create():
    cur.execute("CREATE TABLE ev (id serial PRIMARY KEY, u uuid, d date, n numeric(6,2), tags text[], at timestamp)")
    c.commit()
    return cur.statusmessage


def values():
    rows = [(uuid.UUID(int=i), datetime.date(2020, 1, i + 1), decimal.Decimal(i) / 4, ["x", str(i)]) for i in range(5)]
    psycopg2.extras.execute_values(cur, "INSERT INTO ev (u, d, n, tags) VALUES %s", rows)
    psycopg2.extras.execute_batch(cur, "INSERT INTO ev (u, d) VALUES (%s, %s)", [(uuid.UUID(int=9), None)] * 3)
    cur.executemany("INSERT INTO ev (n, at) VALUES (%s, %s)", [(1, datetime.datetime(2026, 1, 2, 3, 4, 5, 600000)), (2, None)])
    c.commit()
    cur.execute("SELECT count(*), count(u), count(DISTINCT u), sum(n) FROM ev")
    return cur.fetchone()


def select():
    cur.execute("SELECT id, u, d, n, tags FROM ev WHERE u = %s OR id = %s ORDER BY id", (uuid.UUID(int=1), 10))
    return cur.fetchall()


def dicts():
    d = c.cursor(cursor_factory=psycopg2.extras.RealDictCursor)
    d.execute("SELECT id, n, at FROM ev WHERE id = %(i)s OR n = %(n)s ORDER BY id", {"i": 2, "n": 1})
    return [dict(r) for r in d.fetchall()]


def copy_in():
    cur.copy_expert("COPY ev (id, n, tags) FROM STDIN WITH (FORMAT csv)", io.StringIO('100,1.5,"{a,b}"\n101,2.5,\n'))
    n = cur.rowcount
    c.commit()
    return n


def copy_out():
    f = io.StringIO()
    cur.copy_expert("COPY (SELECT id, n, tags FROM ev WHERE id >= 100 ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)", f)
    return f.getvalue().splitlines()


def description():
    cur.execute("SELECT id, u, n, tags, d, 1 AS one FROM ev LIMIT 0")
    return [(d.name, d.type_code, d.table_column) for d in cur.description]


def session():
    c.rollback()
    c.set_session(readonly=True)
    cur.execute("SELECT count(*) FROM ev")
    n = cur.fetchone()[0]
    try:
        cur.execute("DELETE FROM ev")
    except psycopg2.Error as e:
        n = (n, e.pgcode)
    c.rollback()
    c.set_session(readonly=False)
    return n


def autocommit():
    c.autocommit = True
    cur.execute("INSERT INTO ev (n) VALUES (3)")
    c.autocommit = False
    other = psycopg2.connect(host=host, port=int(port), user=user, dbname=dbname, sslmode="disable")
    oc = other.cursor()
    oc.execute("SELECT count(*) FROM ev WHERE n = 3")
    n = oc.fetchone()[0]
    other.close()
    return n


def notices():
    cur.execute("DROP TABLE IF EXISTS nope")
    c.commit()
    return c.notices


def returning():
    cur.execute("INSERT INTO ev (n) VALUES (7) RETURNING id, n")
    r = cur.fetchone()
    cur.execute("INSERT INTO ev (id, n) VALUES (1, 9) ON CONFLICT (id) DO UPDATE SET n = excluded.n RETURNING id, n")
    c.commit()
    return r, cur.fetchone()


def arrays():
    cur.execute("SELECT %s::int[], %s, %s::numeric[]", ([1, 2, None], ["a", "b c"], [decimal.Decimal("1.5")]))
    return cur.fetchone()


for name, fn in [("create", create), ("values", values), ("select", select), ("dicts", dicts), ("copyin", copy_in),
                 ("copyout", copy_out), ("description", description), ("session", session), ("autocommit", autocommit),
                 ("notices", notices), ("returning", returning), ("arrays", arrays)]:
    part(name, fn)
