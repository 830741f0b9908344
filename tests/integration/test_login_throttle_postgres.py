"""The LoginThrottle suite again, on the PostgreSQL at 127.0.0.1:5432 (trust auth, database `test`), where two
connections' first failures of one key really race. Each test gets a fresh schema, dropped afterwards; an
unreachable server fails the tests, never skips them."""

import uuid

import pytest
import sqlalchemy as sa

from tests.unit.collector.test_login_throttle import *  # noqa: F403 - the same tests, collected again on PostgreSQL

pytestmark = pytest.mark.integration

SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def users_url():
    schema = f"throttle_test_{uuid.uuid4().hex[:12]}"
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
