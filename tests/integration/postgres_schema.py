"""A fresh schema on the PostgreSQL at 127.0.0.1:5432 (trust auth, database `test`) for one test, dropped
afterwards. An unreachable server fails the test, never skips it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def fresh_schema_url(prefix: str) -> Iterator[str]:
    """For a fixture to ``yield from``: the SQLAlchemy URL of a new schema named ``prefix`` + a random suffix."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        admin = sa.create_engine(SERVER_URL, connect_args={"connect_timeout": 5})
        with admin.begin() as connection:
            connection.execute(sa.schema.CreateSchema(schema))
    except sa.exc.OperationalError as error:
        pytest.fail(f"PostgreSQL at {SERVER_URL} is needed for this test and is unreachable: {error}")
    yield f"{SERVER_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(sa.schema.DropSchema(schema, cascade=True))
    admin.dispose()
