"""Names and comments outside ASCII: the DDL is printed as UTF-8 whatever the locale."""

from sqlalchemy import Column, Integer, MetaData, String, Table

metadata = MetaData()
Table(
    "café",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("prix", String(20), server_default="10 €", comment="prix en € — TTC"),
    comment="la carte du café",
)
