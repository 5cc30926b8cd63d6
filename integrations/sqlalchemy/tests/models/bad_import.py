"""The module exists, but one of its own imports does not."""

import pgshift_test_missing_dependency  # noqa: F401

from sqlalchemy import MetaData

metadata = MetaData()
