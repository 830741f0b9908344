"""The LoginThrottle suite again, on PostgreSQL, where two connections' first failures of one key really race."""

import pytest

from tests.unit.collector.api.test_login_throttle import *  # noqa: F403 - the same tests, collected again on PostgreSQL

from .postgres_schema import fresh_schema_url

pytestmark = pytest.mark.integration


@pytest.fixture
def users_url():
    yield from fresh_schema_url("throttle_test")
