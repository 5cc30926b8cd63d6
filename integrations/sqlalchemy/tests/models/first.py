"""A MetaData of its own, combined with second.py's on the command line."""

from sqlalchemy import Column, Integer, MetaData, Table

metadata = MetaData()
parents = Table("parents", metadata, Column("id", Integer, primary_key=True))
