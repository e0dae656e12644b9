# pandas over a SQLAlchemy engine (psycopg2): to_sql creates a table,
# appends to it and replaces it; read_sql reads a query and a whole table
# by name; the column types go and come back (int, float, text, bool,
# timestamp). Arguments: host, port, user, dbname. Each line's first word
# names its part (TestPandas compares the lines).
import sys

import pandas as pd
import sqlalchemy as sa

host, port, user, dbname = sys.argv[1:5]
engine = sa.create_engine("postgresql+psycopg2://%s@%s:%s/%s" % (user, host, port, dbname))


def part(name, fn):
    try:
        fn()
    except sa.exc.DBAPIError as e:
        print(name, "error", getattr(e.orig, "pgcode", None), str(e.orig).splitlines()[0])
    except ValueError as e:
        print(name, "error", e)


frame = pd.DataFrame({
    "id": [1, 2, 3],
    "score": [1.5, -2.25, None],
    "name": ["a", "b é", None],
    "ok": [True, False, True],
    "at": pd.to_datetime(["2026-01-02 03:04:05", "2026-12-31 23:59:59.5", None]),
})


def dtypes(df):
    return " ".join("%s:%s" % (c, t) for c, t in df.dtypes.items())


def create():
    # The table is made first, with a primary key, and the frame appended
    # to it.
    with engine.begin() as c:
        c.execute(sa.text("CREATE TABLE scores (id int8 PRIMARY KEY, score float8, name text, ok bool, at timestamp)"))
    n = frame.to_sql("scores", engine, if_exists="append", index=False)
    more = pd.DataFrame({"id": [4], "score": [10.0], "name": ["d"], "ok": [False], "at": pd.to_datetime(["2027-01-01"])})
    m = more.to_sql("scores", engine, if_exists="append", index=False)
    print("create", n, m)


def read_query():
    df = pd.read_sql("SELECT id, score, name, ok, at FROM scores WHERE id <= 3 ORDER BY id", engine)
    print("query", dtypes(df))
    print("query equal", df.equals(frame))
    df = pd.read_sql(sa.text("SELECT name FROM scores WHERE score > :s ORDER BY id"), engine, params={"s": 0})
    print("query params", list(df["name"]))


def read_table():
    df = pd.read_sql("scores", engine)
    df = df.sort_values("id").reset_index(drop=True)
    print("table", dtypes(df), len(df))
    print("table values", df.iloc[3].tolist())


def replace():
    # if_exists="replace" drops the table and creates it anew, without a
    # primary key.
    small = pd.DataFrame({"id": [7, 8], "v": ["x", "y"]})
    n = small.to_sql("scores", engine, if_exists="replace", index=False)
    print("replace", n, pd.read_sql("SELECT * FROM scores ORDER BY id", engine).values.tolist())


def create_new():
    # A new table from a frame: to_sql writes CREATE TABLE without a key.
    n = frame.to_sql("fresh", engine, index=False)
    print("new", n, dtypes(pd.read_sql("SELECT * FROM fresh ORDER BY id", engine)))


for name, fn in [("create", create), ("query", read_query), ("table", read_table), ("replace", replace), ("new", create_new)]:
    part(name, fn)
