"""The IncidentStore behaviour suite again, on the PostgreSQL at 127.0.0.1:5432 (trust auth, database `test`).

Each test gets a fresh schema, dropped afterwards. An unreachable server fails the tests, never skips them.
"""

import pytest

from tests.unit.alerting.incidents.test_store import *  # noqa: F403 - the same tests, collected again against PostgreSQL

from .postgres_schema import fresh_schema_url

pytestmark = pytest.mark.integration


@pytest.fixture
def store_url():
    yield from fresh_schema_url("incidents_test")
