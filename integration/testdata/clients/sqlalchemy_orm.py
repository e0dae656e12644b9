# SQLAlchemy (psycopg2 dialect): the inspector over a schema and the ORM
# through a whole life: create_all, add and commit, query with filter and
# order_by, update, delete, nested transactions (SAVEPOINT), drop_all. Arguments: host, port, user, dbname.
# Each line's first word names its part; a part that fails prints its
# error's SQLSTATE (TestSQLAlchemyORM compares the lines).
import datetime
import decimal
import sys
import uuid

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects import postgresql as pg

host, port, user, dbname = sys.argv[1:5]
engine = sa.create_engine("postgresql+psycopg2://%s@%s:%s/%s" % (user, host, port, dbname))

Base = orm.declarative_base()


class Author(Base):
    __tablename__ = "authors"
    id = sa.Column(sa.Integer, sa.CheckConstraint("id > 0"), primary_key=True)
    name = sa.Column(sa.String(60), nullable=False, unique=True)


class Book(Base):
    __tablename__ = "books"
    id = sa.Column(sa.BigInteger, primary_key=True)
    title = sa.Column(sa.Text, nullable=False)
    author = sa.Column(sa.String(60), index=True)
    price = sa.Column(sa.Numeric(8, 2))
    published = sa.Column(sa.Date)
    added = sa.Column(sa.DateTime(timezone=True))
    in_print = sa.Column(sa.Boolean, default=True)


class Thing(Base):
    # Many types, an identity key and server defaults.
    __tablename__ = "things"
    id = sa.Column(sa.Integer, sa.Identity(), primary_key=True)
    uid = sa.Column(pg.UUID(as_uuid=True))
    data = sa.Column(pg.JSONB)
    tags = sa.Column(pg.ARRAY(sa.String))
    blob = sa.Column(sa.LargeBinary)
    created = sa.Column(sa.DateTime(timezone=True), server_default=sa.func.now())
    t = sa.Column(sa.Time)
    f = sa.Column(sa.Float)
    small = sa.Column(sa.SmallInteger)
    flag = sa.Column(sa.Boolean, server_default=sa.true())
    name = sa.Column(sa.String(20), server_default="x")


def part(name, fn):
    try:
        fn()
    except sa.exc.DBAPIError as e:
        print(name, "error", getattr(e.orig, "pgcode", None), str(e.orig).splitlines()[0])


def create():
    Base.metadata.create_all(engine)
    print("create", sorted(sa.inspect(engine).get_table_names()))


def inspect():
    insp = sa.inspect(engine)
    for col in insp.get_columns("books"):
        print("columns", col["name"], col["type"], col["nullable"], col["default"] is not None)
    print("pk", insp.get_pk_constraint("books"))
    print("indexes", sorted((i["name"], i["column_names"], i["unique"]) for i in insp.get_indexes("books")))
    print("unique", sorted((u["name"], u["column_names"]) for u in insp.get_unique_constraints("authors")))
    print("fks", insp.get_foreign_keys("books"))
    print("has", insp.has_table("books"), insp.has_table("nope"), insp.has_sequence("books_id_seq"))
    print("checks", insp.get_check_constraints("authors"))
    # DriftDB adds its schema driftdb (history for tools; docs/SQL.md).
    schemas = [n for n in insp.get_schema_names() if n != "driftdb"]
    print("schemas", schemas, sorted(insp.get_sequence_names()))
    m = sa.MetaData()
    m.reflect(bind=engine)
    print("reflect", sorted(m.tables), [c.name for c in m.tables["books"].primary_key])


def add():
    with orm.Session(engine) as s:
        s.add_all([Author(id=1, name="Ann"), Author(id=2, name="Bo")])
        s.add_all([
            Book(id=1, title="Alpha", author="Ann", price=decimal.Decimal("9.50"), published=datetime.date(2020, 1, 2),
                 added=datetime.datetime(2026, 12, 2, 10, 0, tzinfo=datetime.timezone.utc)),
            Book(id=2, title="Beta", author="Bo", price=decimal.Decimal("20"), published=datetime.date(2021, 3, 4)),
            Book(id=3, title="Gamma", author="Ann", price=None, in_print=False),
        ])
        s.commit()
        print("add", s.query(Book).count(), s.query(Author).count())


def query():
    with orm.Session(engine) as s:
        rows = s.query(Book).filter(Book.author == "Ann").order_by(Book.title.desc()).all()
        print("query", [(b.id, b.title, b.price, b.published, b.in_print) for b in rows])
        b = s.get(Book, 1)
        print("query get", b.title, b.added)
        q = sa.select(Book.author, sa.func.count(Book.id)).group_by(Book.author).order_by(Book.author)
        print("query grouped", s.execute(q).all())
        q = sa.select(Book.title).where(Book.price.between(5, 10) | Book.price.is_(None)).order_by(Book.id).limit(5)
        print("query where", s.scalars(q).all())


def update():
    with orm.Session(engine) as s:
        b = s.get(Book, 2)
        b.price = decimal.Decimal("18.25")
        s.commit()
        n = s.execute(sa.update(Book).where(Book.author == "Ann").values(in_print=True)).rowcount
        s.commit()
        print("update", n, s.get(Book, 2).price, s.scalars(sa.select(Book.in_print).order_by(Book.id)).all())


def delete():
    with orm.Session(engine) as s:
        s.delete(s.get(Book, 3))
        s.commit()
        print("delete", s.scalars(sa.select(Book.id).order_by(Book.id)).all())
    with orm.Session(engine) as s:
        try:
            s.add(Author(id=3, name="Ann"))
            s.commit()
        except sa.exc.IntegrityError as e:
            s.rollback()
            print("delete duplicate", e.orig.pgcode)


def things():
    insp = sa.inspect(engine)
    print("things columns", [(c["name"], str(c["type"]), c["nullable"], c.get("identity") is not None, c["default"] is not None)
                             for c in insp.get_columns("things")])
    with orm.Session(engine) as s:
        s.add(Thing(uid=uuid.UUID(int=5), data={"a": [1, {"b": None}]}, tags=["a", "b"], blob=b"\x00\x01",
                    t=datetime.time(10, 11, 12), f=1.5, small=3))
        s.add(Thing(uid=uuid.UUID(int=6)))
        s.commit()
        print("things rows", [(x.id, x.uid, x.data, x.tags, x.blob, x.t, x.f, x.small, x.flag, x.name, x.created is not None)
                              for x in s.query(Thing).order_by(Thing.id)])
        print("things where", s.query(Thing.id).filter(Thing.data["a"][0].astext == "1").all(),
              s.query(Thing.id).filter(Thing.tags.any("b")).all(), s.query(Thing.id).filter(Thing.data.has_key("a")).all(),
              s.query(Thing.id).filter(Thing.tags.contains(["a"])).all(),
              s.query(sa.func.count()).select_from(Thing).filter(Thing.uid == uuid.UUID(int=6)).scalar())
        x = s.get(Thing, 1)
        x.data, x.tags = {"a": [2]}, ["z"]
        s.commit()
        print("things update", s.get(Thing, 1).data, s.get(Thing, 1).tags)
        s.bulk_insert_mappings(Thing, [{"uid": uuid.UUID(int=100 + i), "small": i} for i in range(50)])
        s.commit()
        print("things bulk", s.query(sa.func.count(Thing.id), sa.func.sum(Thing.small)).one())
        print("things page", [x.id for x in s.query(Thing).order_by(Thing.id).offset(2).limit(3)],
              [x.id for x in s.query(Thing).filter(Thing.id == 2).with_for_update()])
    with engine.begin() as c:
        r = c.execute(sa.insert(Thing).values([{"small": 1}, {"small": 2}]).returning(Thing.id, Thing.small))
        print("things returning", r.all())
        st = pg.insert(Thing).values(id=1, small=9)
        c.execute(st.on_conflict_do_update(index_elements=[Thing.id], set_={"small": st.excluded.small}))
        print("things upsert", c.execute(sa.select(Thing.small).where(Thing.id == 1)).scalar())
        low = sa.select(Thing.id).where(Thing.id < 3).cte("low")
        print("things window", c.execute(sa.select(Thing.id, sa.func.row_number().over(order_by=Thing.id.desc()))
                                         .where(Thing.id < 4).order_by(Thing.id)).all(),
              c.execute(sa.select(sa.func.count()).select_from(low)).scalar())


def nested():
    # Session.begin_nested runs SAVEPOINT; a failed flush inside it rolls
    # back to the savepoint and the session's transaction goes on.
    with orm.Session(engine) as s:
        s.add(Author(id=10, name="Cy"))
        s.flush()
        try:
            with s.begin_nested():
                s.add(Author(id=11, name="Cy"))
        except sa.exc.IntegrityError as e:
            print("nested duplicate", e.orig.pgcode)
        with s.begin_nested():
            s.add(Author(id=12, name="Di"))
        sp = s.begin_nested()
        s.add(Author(id=13, name="Ed"))
        s.flush()
        sp.rollback()
        sp = s.begin_nested()
        s.execute(sa.update(Author).where(Author.id == 12).values(name="Dee"))
        sp.commit()
        s.commit()
        print("nested", s.scalars(sa.select(Author.name).where(Author.id >= 10).order_by(Author.id)).all())


def drop():
    Base.metadata.drop_all(engine)
    print("drop", sa.inspect(engine).get_table_names())


for name, fn in [("create", create), ("inspect", inspect), ("add", add), ("query", query),
                 ("update", update), ("delete", delete), ("things", things), ("nested", nested), ("drop", drop)]:
    part(name, fn)
