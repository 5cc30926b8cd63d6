"""A second MetaData whose table refers to one of first.py's: printed after first's tables."""

from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table

from first import parents

metadata = MetaData()
children = Table(
    "children",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("parent_id", Integer, ForeignKey(parents.c.id)),
)
