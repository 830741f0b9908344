"""``LoginThrottle``: failed logins make the client that sent them wait, twice as long after each further failure.

Two counts are kept, both per client address: its failures for one username (``per_username`` free failures) and
its failures whatever the username (``per_client`` free failures, against spraying many usernames). A client
over either count waits ``first_wait``, doubling with each further failure, up to ``longest_wait``. Other clients
are never slowed, so guessing a user's password from one address does not lock that user out. The counts live in
the user store's database, so a restart does not reset them; a count is forgotten ``forget_after`` its last
failure. Every decision is made at the time it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from itops.alerting.incidents.model import UtcDateTime

__all__ = ["BackoffPolicy", "LoginThrottle"]

KEY_MAX_CHARS = 250
USERNAME_KEPT_CHARS = 100  # usernames are at most 100 characters; a longer one is counted under its start
MAX_DOUBLINGS = 40  # far beyond any longest_wait; keeps 2**n small

_UPSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}  # the databases the user store runs on

_metadata = sa.MetaData()
_failures = sa.Table(
    "login_failures", _metadata,
    sa.Column("key", sa.String(KEY_MAX_CHARS), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failure_at", UtcDateTime, nullable=False, index=True),
)


@dataclass(frozen=True, slots=True)
class BackoffPolicy:
    per_username: int
    per_client: int
    first_wait: timedelta
    longest_wait: timedelta
    forget_after: timedelta

    def wait_after(self, failures: int, free: int) -> timedelta:
        """How long to wait after the last of ``failures`` when ``free`` of them cost nothing."""
        if failures < free:
            return timedelta(0)
        return min(self.first_wait * 2 ** min(failures - free, MAX_DOUBLINGS), self.longest_wait)


def _client_key(client: str) -> str:
    return f"client {client}"[:KEY_MAX_CHARS]


def _username_key(client: str, username: str) -> str:
    return f"user {client} {username[:USERNAME_KEPT_CHARS]}"[:KEY_MAX_CHARS]


def _counts(client: str, username: str, policy: BackoffPolicy) -> dict[str, int]:
    """key of each count a login attempt belongs to → its free failures."""
    return {_client_key(client): policy.per_client, _username_key(client, username): policy.per_username}


class LoginThrottle:
    def __init__(self, engine: sa.Engine, policy: BackoffPolicy):
        if engine.dialect.name not in _UPSERTS:
            raise ValueError(f"auth.database: login throttling runs on {' or '.join(_UPSERTS)}, not {engine.dialect.name}")
        self._engine, self._policy = engine, policy
        _metadata.create_all(engine)

    def retry_after(self, client: str, username: str, at: datetime) -> timedelta:
        """How long ``client`` must still wait before trying ``username`` again (zero: it may try now)."""
        counts = _counts(client, username, self._policy)
        with self._engine.connect() as connection:
            rows = connection.execute(sa.select(_failures).where(_failures.c.key.in_(counts))).all()
        waits = [row.last_failure_at + self._policy.wait_after(row.failures, counts[row.key]) - at
                 for row in rows if at - row.last_failure_at < self._policy.forget_after]
        return max([timedelta(0), *waits])

    def failed(self, client: str, username: str, at: datetime) -> None:
        with self._engine.begin() as connection:
            connection.execute(_failures.delete().where(_failures.c.last_failure_at <= at - self._policy.forget_after))
            for key in _counts(client, username, self._policy):
                self._count_failure(connection, key, at)

    def succeeded(self, client: str, username: str) -> None:
        """Forget ``client``'s failures for ``username`` (not its failures for other usernames)."""
        with self._engine.begin() as connection:
            connection.execute(_failures.delete().where(_failures.c.key == _username_key(client, username)))

    @staticmethod
    def _count_failure(connection: sa.Connection, key: str, at: datetime) -> None:
        """One upsert: an update, then an insert when no row was there, lets two concurrent first failures
        of one key both insert, and on PostgreSQL the second then fails the login with a unique violation."""
        insert = _UPSERTS[connection.dialect.name](_failures).values(key=key, failures=1, last_failure_at=at)
        connection.execute(insert.on_conflict_do_update(
            index_elements=[_failures.c.key],
            set_={"failures": _failures.c.failures + 1, "last_failure_at": insert.excluded.last_failure_at}))
