"""Attributes of every kind, for the error messages about ATTR."""

from sqlalchemy import Column, Integer, MetaData, Table, create_mock_engine
from sqlalchemy.orm import declarative_base, registry

metadata = MetaData()
things = Table("things", metadata, Column("id", Integer, primary_key=True))

Base = declarative_base()


class Widget(Base):
    __tablename__ = "widgets"
    id = Column(Integer, primary_key=True)


mapper_registry = registry()

engine = create_mock_engine("postgresql+psycopg2://", lambda *a, **k: None)
answer = 42


class FakeHolder:
    metadata = "not a MetaData"


fake = FakeHolder()
