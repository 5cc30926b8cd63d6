"""A model error: a mapped class without a primary key raises while the module is imported."""

from sqlalchemy import Integer
from sqlalchemy.orm import DeclarativeBase, mapped_column


class Base(DeclarativeBase):
    pass


class NoKey(Base):
    __tablename__ = "no_key"

    value = mapped_column(Integer)
