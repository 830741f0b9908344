"""LoginThrottle on a real SQLite user store with a fixed clock: waits per client and per client and username.

tests/integration/test_login_throttle_postgres.py collects these tests again on PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from itops.collector.api.login_throttle import BackoffPolicy, LoginThrottle
from itops.collector.api.user_store import UserStore

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
POLICY = BackoffPolicy(per_username=5, per_client=20, first_wait=timedelta(seconds=1),
                       longest_wait=timedelta(minutes=15), forget_after=timedelta(hours=1))
CLIENT, OTHER_CLIENT = "192.0.2.7", "198.51.100.9"


@pytest.fixture
def users_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'users.sqlite3'}"


@pytest.fixture
def throttle(users_url):
    store = UserStore.open(users_url)
    yield LoginThrottle(store.engine, POLICY)
    store.close()


def _fail(throttle: LoginThrottle, times: int, at: datetime, username: str = "admin", client: str = CLIENT) -> None:
    for _ in range(times):
        throttle.failed(client, username, at)


def test_no_wait_before_the_free_failures_are_spent(throttle):
    _fail(throttle, 4, T0)
    assert throttle.retry_after(CLIENT, "admin", T0) == timedelta(0)


def test_wrong_passwords_make_that_client_wait_doubling_each_time(throttle):
    _fail(throttle, 5, T0)
    assert throttle.retry_after(CLIENT, "admin", T0) == timedelta(seconds=1)
    assert throttle.retry_after(CLIENT, "admin", T0 + timedelta(seconds=1)) == timedelta(0)
    _fail(throttle, 1, T0 + timedelta(seconds=1))
    assert throttle.retry_after(CLIENT, "admin", T0 + timedelta(seconds=1)) == timedelta(seconds=2)
    _fail(throttle, 1, T0 + timedelta(seconds=3))
    assert throttle.retry_after(CLIENT, "admin", T0 + timedelta(seconds=4)) == timedelta(seconds=3)


def test_the_wait_is_capped(throttle):
    _fail(throttle, 200, T0)
    assert throttle.retry_after(CLIENT, "admin", T0) == timedelta(minutes=15)


def test_another_client_is_not_slowed_so_nobody_locks_the_user_out(throttle):
    _fail(throttle, 12, T0)
    assert throttle.retry_after(OTHER_CLIENT, "admin", T0) == timedelta(0)
    assert throttle.retry_after(CLIENT, "li", T0) == timedelta(0)  # 12 failures spend none of the client's 20


def test_spraying_usernames_from_one_client_slows_that_client(throttle):
    for number in range(20):
        _fail(throttle, 1, T0, username=f"user{number}")
    assert throttle.retry_after(CLIENT, "user99", T0) == timedelta(seconds=1)
    assert throttle.retry_after(OTHER_CLIENT, "user0", T0) == timedelta(0)


def test_success_clears_the_username_count_but_not_the_clients(throttle):
    _fail(throttle, 5, T0)
    for number in range(15):
        _fail(throttle, 1, T0, username=f"user{number}")
    throttle.succeeded(CLIENT, "admin")
    assert throttle.retry_after(CLIENT, "admin", T0) == timedelta(seconds=1)  # the client's 20 failures remain
    assert throttle.retry_after(OTHER_CLIENT, "admin", T0) == timedelta(0)


def test_failures_are_forgotten_after_a_quiet_hour(throttle):
    _fail(throttle, 30, T0)
    later = T0 + timedelta(hours=1)
    assert throttle.retry_after(CLIENT, "admin", later) == timedelta(0)
    _fail(throttle, 1, later)
    assert throttle.retry_after(CLIENT, "admin", later) == timedelta(0)  # counting from one again


def test_the_waits_survive_reopening_the_store(users_url):
    first = UserStore.open(users_url)
    _fail(LoginThrottle(first.engine, POLICY), 6, T0)
    first.close()
    again = UserStore.open(users_url)
    assert LoginThrottle(again.engine, POLICY).retry_after(CLIENT, "admin", T0) == timedelta(seconds=2)
    again.close()


def test_a_long_username_is_counted_under_its_first_100_characters(throttle):
    _fail(throttle, 5, T0, username="x" * 5000)
    assert throttle.retry_after(CLIENT, "x" * 100, T0) == timedelta(seconds=1)


def test_concurrent_first_failures_of_one_key_are_all_counted(throttle):
    # Each thread's first statement on its own connection: none sees a row, all of them write one.
    start = threading.Barrier(8)

    def fail_once(_):
        start.wait()
        throttle.failed(CLIENT, "admin", T0)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(fail_once, range(8)))
    assert throttle.retry_after(CLIENT, "admin", T0) == timedelta(seconds=8)  # 3 failures past the 5 free


def test_a_database_it_cannot_upsert_in_is_refused_at_start():
    engine = sa.create_mock_engine("mysql://", executor=None)  # only its dialect is looked at
    with pytest.raises(ValueError, match="auth.database: login throttling runs on postgresql or sqlite, not mysql"):
        LoginThrottle(engine, POLICY)
