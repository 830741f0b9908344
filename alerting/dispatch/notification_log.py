"""Every delivery attempt, kept in SQLite: who was told (receiver, integration), about what (group key,
alert fingerprints, firing/resolved), when, how it went and which attempt it was. The HTTP API and the
console read it with ``query``."""

from __future__ import annotations

import enum
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["NotificationAttempt", "NotificationLog", "Outcome"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS notification_attempts (
    at TEXT NOT NULL,
    receiver TEXT NOT NULL,
    integration TEXT NOT NULL,
    group_key TEXT NOT NULL,
    fingerprints TEXT NOT NULL,
    status TEXT NOT NULL,
    outcome TEXT NOT NULL,
    error TEXT NOT NULL,
    attempt INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS notification_attempts_at ON notification_attempts (at);
"""
_COLUMNS = "at, receiver, integration, group_key, fingerprints, status, outcome, error, attempt"


class Outcome(str, enum.Enum):
    SENT = "sent"
    RETRYING = "retrying"  # failed, another attempt follows
    FAILED = "failed"  # failed for good: not retryable, or out of attempts


@dataclass(frozen=True, slots=True)
class NotificationAttempt:
    at: datetime  # UTC
    receiver: str
    integration: str  # which of the receiver's notifiers, e.g. "email[1]"
    group_key: str
    fingerprints: tuple[str, ...]
    status: str  # firing | resolved
    outcome: Outcome
    error: str
    attempt: int  # 1 for the first try


class NotificationLog:
    def __init__(self, path: str | Path = ":memory:"):
        self._db = sqlite3.connect(str(path))
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def record(self, attempt: NotificationAttempt) -> None:
        self._db.execute(
            f"INSERT INTO notification_attempts ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (_stored_time(attempt.at), attempt.receiver, attempt.integration, attempt.group_key,
             ",".join(attempt.fingerprints), attempt.status, attempt.outcome.value, attempt.error, attempt.attempt),
        )
        self._db.commit()

    def query(self, receiver: str | None = None, since: datetime | None = None, until: datetime | None = None,
              outcome: Outcome | None = None, limit: int = 100) -> list[NotificationAttempt]:
        """Newest first; ``since`` is inclusive, ``until`` exclusive."""
        conditions, values = [], []
        for condition, value in (("receiver = ?", receiver), ("at >= ?", since and _stored_time(since)),
                                 ("at < ?", until and _stored_time(until)), ("outcome = ?", outcome and outcome.value)):
            if value is not None:
                conditions.append(condition)
                values.append(value)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM notification_attempts {where} ORDER BY at DESC, rowid DESC LIMIT ?",
            (*values, limit),
        )
        return [_attempt(row) for row in rows]

    def last_sent(self, group_key: str, integration: str) -> NotificationAttempt | None:
        """The latest delivered notification of a group to one integration (what it was last told)."""
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM notification_attempts WHERE group_key = ? AND integration = ? AND outcome = ?"
            " ORDER BY at DESC, rowid DESC LIMIT 1", (group_key, integration, Outcome.SENT.value),
        ).fetchone()
        return _attempt(row) if row else None


def _stored_time(moment: datetime) -> str:
    """Fixed-width UTC text, so that SQLite's text order is time order."""
    if moment.tzinfo is None:
        raise ValueError(f"notification times must carry a time zone, got {moment.isoformat()}")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _attempt(row: tuple) -> NotificationAttempt:
    return NotificationAttempt(
        at=datetime.fromisoformat(row[0]), receiver=row[1], integration=row[2], group_key=row[3],
        fingerprints=tuple(row[4].split(",")) if row[4] else (), status=row[5], outcome=Outcome(row[6]),
        error=row[7], attempt=row[8],
    )
