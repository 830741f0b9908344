"""Silences: "keep alerts matching these labels quiet from start to end", created by a person with a
comment, kept in SQLite so they survive a restart. Expiring a silence ends it now; an ended silence mutes
nothing but stays listed for the record."""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from itops.alerting.rules.model import Alert, MuteReason
from itops.alerting.muting.matchers import Matcher, MatcherError, matches_all, parse_matchers

__all__ = ["Silence", "SilenceError", "SilenceStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS silences (
    id TEXT PRIMARY KEY,
    matchers TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    comment TEXT NOT NULL,
    created_at TEXT NOT NULL
)
"""


class SilenceError(ValueError):
    """A silence that cannot be created or expired, with what to change."""


@dataclass(frozen=True, slots=True)
class Silence:
    id: str
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    created_at: datetime

    def active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def covers(self, alert: Alert, now: datetime) -> bool:
        return self.active(now) and matches_all(self.matchers, alert.labels)

    def reason(self) -> MuteReason:
        return MuteReason("silence", f"silence {self.id[:8]} by {self.created_by}: {self.comment}",
                          id=self.id[:8], by=self.created_by, comment=self.comment)


class SilenceStore:
    """The silences, in SQLite; also the ``Muter`` for them (active ones are kept in memory)."""

    def __init__(self, path: str | Path = ":memory:"):
        self._db = sqlite3.connect(str(path))
        self._db.execute(_SCHEMA)
        self._db.commit()
        self._silences = {silence.id: silence for silence in self._load()}

    def close(self) -> None:
        self._db.close()

    def create(self, matchers: list[str], starts_at: datetime, ends_at: datetime, created_by: str, comment: str,
               now: datetime) -> Silence:
        silence = Silence(
            id=uuid.uuid4().hex,
            matchers=_valid_matchers(matchers),
            starts_at=_utc(starts_at, "starts_at"),
            ends_at=_utc(ends_at, "ends_at"),
            created_by=created_by.strip(),
            comment=comment.strip(),
            created_at=_utc(now, "now"),
        )
        _check(silence, now)
        self._db.execute(
            "INSERT INTO silences VALUES (?, ?, ?, ?, ?, ?, ?)",
            (silence.id, json.dumps([str(m) for m in silence.matchers]), silence.starts_at.isoformat(),
             silence.ends_at.isoformat(), silence.created_by, silence.comment, silence.created_at.isoformat()),
        )
        self._db.commit()
        self._silences[silence.id] = silence
        return silence

    def get(self, silence_id: str) -> Silence:
        try:
            return self._silences[silence_id]
        except KeyError:
            raise SilenceError(f"no silence with id {silence_id!r}") from None

    def list(self, now: datetime, include_ended: bool = False) -> list[Silence]:
        """Active and not yet started silences (and ended ones if asked), soonest end first."""
        chosen = [s for s in self._silences.values() if include_ended or s.ends_at > now]
        return sorted(chosen, key=lambda s: (s.ends_at, s.id))

    def expire(self, silence_id: str, now: datetime) -> Silence:
        silence = self.get(silence_id)
        if silence.ends_at <= now:
            raise SilenceError(f"silence {silence_id[:8]} already ended at {silence.ends_at.isoformat()}")
        expired = Silence(silence.id, silence.matchers, min(silence.starts_at, now), now, silence.created_by,
                          silence.comment, silence.created_at)
        self._db.execute("UPDATE silences SET starts_at = ?, ends_at = ? WHERE id = ?",
                         (expired.starts_at.isoformat(), expired.ends_at.isoformat(), silence_id))
        self._db.commit()
        self._silences[silence_id] = expired
        return expired

    def mutes(self, alert: Alert, now: datetime) -> MuteReason | None:
        for silence in self._silences.values():
            if silence.covers(alert, now):
                return silence.reason()
        return None

    def _load(self) -> list[Silence]:
        rows = self._db.execute("SELECT id, matchers, starts_at, ends_at, created_by, comment, created_at FROM silences")
        return [
            Silence(row[0], parse_matchers(json.loads(row[1])), datetime.fromisoformat(row[2]),
                    datetime.fromisoformat(row[3]), row[4], row[5], datetime.fromisoformat(row[6]))
            for row in rows
        ]


def _valid_matchers(texts: list[str]) -> tuple[Matcher, ...]:
    if not texts:
        raise SilenceError("a silence needs at least one matcher, e.g. host=\"db-1\"")
    try:
        matchers = parse_matchers(texts)
    except MatcherError as exc:
        raise SilenceError(str(exc)) from None
    if all(matcher.matches({}) for matcher in matchers):
        raise SilenceError("these matchers would silence every alert; add one that requires a label value")
    return matchers


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None:
        raise SilenceError(f"{name} needs a time zone (got {moment.isoformat()})")
    return moment.astimezone(UTC)


def _check(silence: Silence, now: datetime) -> None:
    if not silence.created_by:
        raise SilenceError("a silence needs an author (created_by)")
    if not silence.comment:
        raise SilenceError("a silence needs a comment saying why")
    if silence.ends_at <= silence.starts_at:
        raise SilenceError(
            f"ends_at ({silence.ends_at.isoformat()}) must be after starts_at ({silence.starts_at.isoformat()})"
        )
    if silence.ends_at <= now:
        raise SilenceError(f"ends_at ({silence.ends_at.isoformat()}) is already in the past")
