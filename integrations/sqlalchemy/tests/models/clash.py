"""Defines a table named like one of first.py's."""

from sqlalchemy import Column, Integer, MetaData, Table

metadata = MetaData()
parents = Table("parents", metadata, Column("id", Integer, primary_key=True))
