# SQLAlchemy's PostgreSQL dialect (psycopg2) connects, runs SQL, and its
# inspector reads the catalog: tables, views, columns, keys, indexes, comments.
import sys

import sqlalchemy as sa

e = sa.create_engine("postgresql+psycopg2://driftdb@127.0.0.1:%s/driftdb" % sys.argv[1])
with e.begin() as c:
    c.execute(sa.text("CREATE TABLE users (id serial PRIMARY KEY, email varchar(80) NOT NULL UNIQUE, n int4 DEFAULT 0)"))
    c.execute(sa.text("CREATE INDEX users_n ON users (n)"))
    c.execute(sa.text("COMMENT ON TABLE users IS 'who signed up'"))
    c.execute(sa.text("COMMENT ON COLUMN users.email IS 'where to write'"))
    c.execute(sa.text("CREATE VIEW big AS SELECT id, email FROM users WHERE n > 10"))
    c.execute(sa.text("INSERT INTO users (email, n) VALUES (:e, :n)"), [{"e": "a@x", "n": 5}, {"e": "b@x", "n": 50}])
with e.connect() as c:
    print(c.execute(sa.text("SELECT id, email, n FROM users ORDER BY id")).fetchall())
    insp = sa.inspect(c)
    print(insp.get_table_names(), insp.get_view_names())
    for col in insp.get_columns("users"):
        print(col["name"], col["type"], col["nullable"], col["default"], col["comment"])
    print(insp.get_table_comment("users"))
    print(insp.get_pk_constraint("users")["constrained_columns"])
    print(sorted((i["name"], i["column_names"], i["unique"]) for i in insp.get_indexes("users")))
    print([u["column_names"] for u in insp.get_unique_constraints("users")])
    print(insp.get_foreign_keys("users"))
    users = sa.Table("users", sa.MetaData(), autoload_with=c)
    print(c.execute(sa.select(users.c.email).where(users.c.n > 10)).scalars().all())
# A table without a primary key: its declared columns, and no key.
with e.begin() as c:
    c.execute(sa.text("CREATE TABLE notes (body text, at int4)"))
    c.execute(sa.text("INSERT INTO notes VALUES (:b, :a)"), [{"b": "x", "a": 1}, {"b": "x", "a": 1}])
with e.connect() as c:
    insp = sa.inspect(c)
    print([col["name"] for col in insp.get_columns("notes")], insp.get_pk_constraint("notes")["constrained_columns"], insp.get_indexes("notes"))
    notes = sa.Table("notes", sa.MetaData(), autoload_with=c)
    print(c.execute(sa.select(notes)).fetchall())
# A primary key of two columns, in the key's order.
with e.begin() as c:
    c.execute(sa.text("CREATE TABLE memberships (grp text, usr int8, PRIMARY KEY (usr, grp))"))
with e.connect() as c:
    pk = sa.inspect(c).get_pk_constraint("memberships")
    print(pk["name"], pk["constrained_columns"])
