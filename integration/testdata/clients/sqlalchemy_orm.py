# SQLAlchemy (psycopg2 dialect): the inspector over a schema and the ORM
# through a whole life: create_all, add and commit, query with filter and
# order_by, update, delete, drop_all. Arguments: host, port, user, dbname.
# Each line's first word names its part; a part that fails prints its
# error's SQLSTATE (TestSQLAlchemyORM compares the lines).
import datetime
import decimal
import sys

import sqlalchemy as sa
from sqlalchemy import orm

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
    print("schemas", insp.get_schema_names(), sorted(insp.get_sequence_names()))
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


def drop():
    Base.metadata.drop_all(engine)
    print("drop", sa.inspect(engine).get_table_names())


for name, fn in [("create", create), ("inspect", inspect), ("add", add), ("query", query),
                 ("update", update), ("delete", delete), ("drop", drop)]:
    part(name, fn)
