"""A small migration runner: numbered steps, each a function of a SQLAlchemy connection, applied in order.

Chosen over Alembic because this store has one schema, owned by one package, upgraded only forward at
open: a list of steps and a version table say all of it, without an ini file, an env.py and a second
package to install. Steps are written with SQLAlchemy constructs, never dialect SQL, and are frozen once
released: a schema change is a new step, never an edit of an old one.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from itops.alerting.incidents.migrations import step_0001_initial, step_0002_alert_grouping, step_0003_entered_times

__all__ = ["STEPS", "current_version", "upgrade"]

STEPS: tuple[tuple[int, Callable[[sa.Connection], None]], ...] = (
    (1, step_0001_initial.upgrade),
    (2, step_0002_alert_grouping.upgrade),
    (3, step_0003_entered_times.upgrade),
)

_VERSION_TABLE = sa.Table(
    "incident_schema_version", sa.MetaData(),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
)
_POSTGRES_LOCK_KEY = 0x17C1D  # any constant; only this store's migrations take it


def current_version(connection: sa.Connection) -> int:
    if not sa.inspect(connection).has_table(_VERSION_TABLE.name):
        return 0
    return connection.scalar(sa.select(sa.func.max(_VERSION_TABLE.c.version))) or 0


def upgrade(engine: sa.Engine) -> int:
    """Apply every step above the database's version in one transaction; returns the version reached."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Two processes opening a fresh database at once: the second waits, then finds nothing to do.
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_POSTGRES_LOCK_KEY)))
        _VERSION_TABLE.create(connection, checkfirst=True)
        version = current_version(connection)
        for number, step in STEPS:
            if number > version:
                step(connection)
                connection.execute(_VERSION_TABLE.insert().values(version=number))
                version = number
        return version
