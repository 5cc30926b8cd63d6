"""Plain SQLAlchemy (declarative) models that use most of what create_all() can build."""

import enum

from sqlalchemy import (
    CheckConstraint,
    Column,
    Computed,
    DateTime,
    Enum,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Numeric,
    Sequence,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    func,
    text,
)
from sqlalchemy.schema import DDL
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Mood(enum.Enum):
    happy = "happy"
    sad = "sad"


class Size(enum.Enum):
    small = "small"
    large = "large"


# One named native enum used by two tables: CREATE TYPE mood once, before both.
mood = Enum(Mood, name="mood")

invoice_number = Sequence("invoice_number_seq", start=1000, increment=10)


class Order(Base):
    """Refers to Customer, which is defined below it: created after customers."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("total >= 0", name="total_not_negative"),
        Index("ix_orders_open", "customer_id", postgresql_where=text("closed_at IS NULL")),
        Index("ix_orders_tags", "tags", postgresql_using="gin"),
        Index("ix_orders_customer_incl", "customer_id", postgresql_include=["total"]),
        {"comment": "orders placed by customers; 100% of them"},
    )

    id: Mapped[int] = mapped_column(Integer, Identity(start=1, cycle=False), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    invoice: Mapped[int] = mapped_column(
        Integer, invoice_number, server_default=invoice_number.next_value()
    )
    total: Mapped[float] = mapped_column(Numeric(12, 2), server_default=text("0"))
    tax: Mapped[float] = mapped_column(Numeric(12, 2), Computed("total * 0.2"))
    mood = mapped_column(mood, nullable=True)
    size = mapped_column(Enum(Size, native_enum=False, length=10), nullable=True)
    checked_size = mapped_column(
        Enum(Size, native_enum=False, create_constraint=True, name="checked_size"),
        nullable=True,
    )
    tags = mapped_column(ARRAY(Text), nullable=True)
    extra = mapped_column(JSONB, nullable=True)
    closed_at = mapped_column(DateTime(timezone=True), nullable=True)
    created_at = mapped_column(DateTime(timezone=True), server_default=func.now())


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("email"),
        CheckConstraint("name LIKE 'a%' OR name NOT LIKE '%\\_x'", name="name_pattern"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), comment="the customer's e-mail, 100% unique")
    name: Mapped[str] = mapped_column(String(100), server_default="50% off")
    note: Mapped[str] = mapped_column(Text, server_default=text("'a\\b'"))
    mood = mapped_column(mood, nullable=True)
    # A FK cycle with Employee, broken by use_alter: ALTER TABLE ... ADD CONSTRAINT.
    account_manager_id = mapped_column(
        ForeignKey("employees.id", use_alter=True, ondelete="SET NULL"), nullable=True
    )


Index("ix_customers_lower_email", func.lower(Customer.__table__.c.email), unique=True)


class Employee(Base):
    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(primary_key=True)
    favourite_customer_id = mapped_column(ForeignKey("customers.id"), nullable=True)


# A table in another schema, with an enum type in that schema.
report_runs = Table(
    "report_runs",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", Enum("daily", "weekly", name="report_kind", schema="reporting")),
    Column("customer_id", ForeignKey("customers.id")),
    schema="reporting",
)


# DDL run by an event hook is part of what create_all() does.
event.listen(
    Base.metadata,
    "after_create",
    DDL("CREATE VIEW open_orders AS SELECT id, customer_id FROM orders WHERE closed_at IS NULL"),
)
