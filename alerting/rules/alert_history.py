"""Every firing episode of every alert, kept for reports: availability (downtime) and the noisiest entities.

The pipeline hands over each batch of changed alerts; only a change to or from firing is written, in one
transaction per batch. An episode is identified by (fingerprint, firing_since), so an alert re-sent after a
restart updates its episode instead of adding one. Each episode names the entity it is about — a host, a
device, a clock, a backup or a service — derived from its labels by ``itops.entities.entity_of``, which the
collector's data-coverage ledger asks too, so that downtime and coverage talk about the same things.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from itops.alerting.rules.model import Alert, AlertState, Severity
from itops.entities import Entity, entity_of

__all__ = ["AlertHistory", "Episode"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_episodes (
    fingerprint TEXT NOT NULL,
    started_at_ms INTEGER NOT NULL,
    ended_at_ms INTEGER,
    alertname TEXT NOT NULL,
    severity TEXT NOT NULL,
    labels TEXT NOT NULL,
    entity_kind TEXT,
    entity_name TEXT,
    PRIMARY KEY (fingerprint, started_at_ms)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS alert_episodes_by_start ON alert_episodes (started_at_ms);
"""
# The end only ever moves from NULL (firing) to the resolution time; a late "firing" re-send must not reopen it.
_UPSERT = """
INSERT INTO alert_episodes (fingerprint, started_at_ms, ended_at_ms, alertname, severity, labels, entity_kind, entity_name)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (fingerprint, started_at_ms) DO UPDATE SET ended_at_ms = COALESCE(excluded.ended_at_ms, ended_at_ms)
"""


@dataclass(frozen=True, slots=True)
class Episode:
    fingerprint: str
    alertname: str
    severity: Severity
    labels: dict[str, str]
    entity: Entity | None
    started_at: datetime
    ended_at: datetime | None  # None while still firing


class AlertHistory:
    def __init__(self, path: str | Path):
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()  # the pipeline writes on the event loop, reports read from a thread

    def record(self, alerts: Iterable[Alert]) -> None:
        rows = [_row(alert) for alert in alerts
                if alert.firing_since is not None and alert.state in (AlertState.FIRING, AlertState.RESOLVED)]
        if not rows:
            return
        with self._lock, self._db:
            self._db.executemany(_UPSERT, rows)

    def episodes(self, start: datetime, end: datetime, alertnames: Sequence[str] | None = None) -> list[Episode]:
        """Episodes overlapping [start, end) (still firing ones included), oldest first."""
        query = ("SELECT fingerprint, started_at_ms, ended_at_ms, alertname, severity, labels FROM alert_episodes"
                 " WHERE started_at_ms < ? AND (ended_at_ms IS NULL OR ended_at_ms > ?)")
        params: list = [_ms(end), _ms(start)]
        if alertnames is not None:
            query += f" AND alertname IN ({','.join('?' * len(alertnames))})"
            params += list(alertnames)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY started_at_ms, fingerprint", params).fetchall()
        return [_episode(*row) for row in rows]

    def labels_of(self, fingerprints: Sequence[str]) -> dict[str, dict[str, str]]:
        """The labels of each of ``fingerprints`` that ever fired (a fingerprint is its labels' hash)."""
        query = f"SELECT DISTINCT fingerprint, labels FROM alert_episodes WHERE fingerprint IN ({','.join('?' * len(fingerprints))})"
        with self._lock:
            rows = self._db.execute(query, list(fingerprints)).fetchall()
        return {fingerprint: json.loads(labels) for fingerprint, labels in rows}

    def prune(self, before: datetime) -> int:
        """Forget episodes that ended before ``before``; returns how many."""
        with self._lock, self._db:
            return self._db.execute("DELETE FROM alert_episodes WHERE ended_at_ms < ?", (_ms(before),)).rowcount

    def close(self) -> None:
        self._db.close()


def _ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def _moment(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


def _row(alert: Alert) -> tuple:
    entity = entity_of(alert.labels)
    ended = _ms(alert.resolved_at) if alert.state is AlertState.RESOLVED and alert.resolved_at else None
    return (alert.fingerprint, _ms(alert.firing_since), ended, alert.labels.get("alertname", alert.rule),
            alert.severity.value, json.dumps(alert.labels, ensure_ascii=False, sort_keys=True),
            entity.kind.value if entity else None, entity.name if entity else None)


def _episode(fingerprint: str, started_ms: int, ended_ms: int | None, alertname: str, severity: str, labels: str) -> Episode:
    parsed = json.loads(labels)
    return Episode(fingerprint, alertname, Severity(severity), parsed, entity_of(parsed), _moment(started_ms),
                   _moment(ended_ms))
