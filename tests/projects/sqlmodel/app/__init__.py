"""A small SaaS app (organizations, users, projects, tasks) whose schema pgshift takes from its
SQLModel models through pgshift_sqlalchemy."""
