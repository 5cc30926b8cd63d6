"""The app's tables, as SQLModel models.

pgshift reads the desired schema from these through
``python -m pgshift_sqlalchemy app.models:SQLModel.metadata`` (see ../pgshift.toml).
"""

import enum
import uuid
from datetime import datetime
from typing import Any, Dict, Optional

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Enum,
    Identity,
    Index,
    Integer,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

# Every constraint and index gets a name, so that migrations can refer to it.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class PlanTier(str, enum.Enum):
    """A native PostgreSQL enum type, plan_tier."""

    free = "free"
    pro = "pro"
    enterprise = "enterprise"
    team = "team"


class TaskStatus(str, enum.Enum):
    """Stored as VARCHAR (native_enum=False), not as a PostgreSQL enum type."""

    todo = "todo"
    doing = "doing"
    done = "done"


def uuid_pk() -> Any:
    return Field(
        default=None,
        primary_key=True,
        sa_column_kwargs={"server_default": text("gen_random_uuid()")},
    )


def created_at() -> Any:
    return Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


class Organization(SQLModel, table=True):
    __tablename__ = "organizations"

    id: Optional[uuid.UUID] = uuid_pk()
    name: str = Field(max_length=100)
    slug: str = Field(max_length=60, unique=True)
    plan: PlanTier = Field(
        default=PlanTier.free,
        sa_column=Column(Enum(PlanTier, name="plan_tier"), nullable=False, server_default="free"),
    )
    settings: Dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    )
    created_at: Optional[datetime] = created_at()


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: Optional[int] = Field(
        default=None, sa_column=Column(Integer, Identity(), primary_key=True)
    )
    organization_id: uuid.UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")
    email: str
    full_name: str = Field(max_length=200)
    display_name: Optional[str] = None
    is_active: bool = Field(default=True, sa_column_kwargs={"server_default": text("true")})
    created_at: Optional[datetime] = created_at()


# Emails are unique whatever their case.
Index("ix_users_lower_email", func.lower(User.__table__.c.email), unique=True)


class Project(SQLModel, table=True):
    __tablename__ = "projects"
    __table_args__ = (
        UniqueConstraint("organization_id", "name", name="uq_projects_organization_name"),
        CheckConstraint("length(btrim(name)) > 0", name="name_not_blank"),
        Index(
            "ix_projects_active_by_organization",
            "organization_id",
            postgresql_where=text("archived_at IS NULL"),
        ),
    )

    id: Optional[uuid.UUID] = uuid_pk()
    organization_id: uuid.UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")
    owner_id: Optional[int] = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL", index=True
    )
    name: str = Field(max_length=120)
    description: Optional[str] = None
    attributes: Dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    )
    archived_at: Optional[datetime] = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    created_at: Optional[datetime] = created_at()


class Task(SQLModel, table=True):
    __tablename__ = "tasks"
    __table_args__ = (CheckConstraint("priority BETWEEN 0 AND 5", name="priority_range"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    project_id: uuid.UUID = Field(foreign_key="projects.id", ondelete="CASCADE", index=True)
    assignee_id: Optional[int] = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    title: str = Field(max_length=200)
    status: TaskStatus = Field(
        default=TaskStatus.todo,
        sa_column=Column(
            Enum(TaskStatus, native_enum=False, length=20),
            nullable=False,
            server_default="todo",
        ),
    )
    priority: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    due_at: Optional[datetime] = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    created_at: Optional[datetime] = created_at()


class Membership(SQLModel, table=True):
    """A user's role in a project; the table is not named after the class."""

    __tablename__ = "project_members"

    project_id: uuid.UUID = Field(foreign_key="projects.id", ondelete="CASCADE", primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    role: str = Field(
        default="member", max_length=20, sa_column_kwargs={"server_default": "member"}
    )
    created_at: Optional[datetime] = created_at()


class AuditEvent(SQLModel, table=True):
    """Nothing refers to this table."""

    __tablename__ = "audit_events"

    id: Optional[int] = Field(
        default=None,
        sa_column=Column(BigInteger, Identity(always=True), primary_key=True),
    )
    organization_id: uuid.UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")
    actor_id: Optional[int] = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    action: str = Field(max_length=64)
    payload: Dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    )
    occurred_at: Optional[datetime] = created_at()
