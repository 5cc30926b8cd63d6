"""Prints while it is imported: that must not end up in the DDL."""

from sqlalchemy import Column, Integer, MetaData, Table

print("hello from noisy models")
metadata = MetaData()
Table("quiet", metadata, Column("id", Integer, primary_key=True))
