"""Alert states in SQLite, written on every state change, so that a restarted evaluator neither notifies
again about what is already firing nor forgets it, and pending timers keep running."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from itops.alerting.rules.model import Alert, AlertState, Severity

__all__ = ["AlertStore", "TrackedAlert"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    fingerprint TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    state TEXT NOT NULL,
    record TEXT NOT NULL
)
"""
_TIMES = ("pending_since", "firing_since", "resolved_at", "last_change")


@dataclass
class TrackedAlert:
    """An alert and what the evaluator needs to continue it: whether the condition held at the last
    evaluation, when it last held (``keep_firing_for``), and its recent state changes (flap detection)."""

    alert: Alert
    holds: bool = False
    last_held: datetime | None = None
    changes: tuple[datetime, ...] = ()
    message: str = ""  # the last check message, for ``{{ message }}``
    messages: dict[str, str] = field(default_factory=dict)  # …rendered per language, for ``summary_zh`` and ``summary``


class AlertStore:
    def __init__(self, path: str | Path):
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)

    def save(self, tracked: TrackedAlert) -> None:
        self.write([tracked], [])

    def delete(self, fingerprint: str) -> None:
        self.write([], [fingerprint])

    def write(self, saved: Iterable[TrackedAlert], deleted: Iterable[str]) -> None:
        """One transaction for all the changes of one batch: an alert storm costs one commit, not thousands."""
        rows = [(t.alert.fingerprint, t.alert.rule, t.alert.state.value, json.dumps(_to_record(t), ensure_ascii=False))
                for t in saved]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO alerts (fingerprint, rule, state, record) VALUES (?, ?, ?, ?)", rows)
            self._db.executemany("DELETE FROM alerts WHERE fingerprint = ?", [(fp,) for fp in deleted])

    def load_all(self) -> list[TrackedAlert]:
        return [_from_record(json.loads(row[0])) for row in self._db.execute("SELECT record FROM alerts ORDER BY fingerprint")]

    def close(self) -> None:
        self._db.close()


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _to_record(tracked: TrackedAlert) -> dict:
    alert = tracked.alert
    return {
        "rule": alert.rule, "labels": alert.labels, "annotations": alert.annotations,
        "severity": alert.severity.value, "state": alert.state.value, "value": alert.value,
        "value_texts": alert.value_texts,
        "flapping": alert.flapping, **{name: _iso(getattr(alert, name)) for name in _TIMES},
        "holds": tracked.holds, "last_held": _iso(tracked.last_held), "changes": [_iso(t) for t in tracked.changes],
        "message": tracked.message, "messages": tracked.messages,
    }


def _from_record(record: dict) -> TrackedAlert:
    alert = Alert(
        rule=record["rule"], labels=record["labels"], annotations=record["annotations"],
        severity=Severity(record["severity"]), state=AlertState(record["state"]), value=record["value"],
        value_texts=record.get("value_texts", {}), flapping=record["flapping"], **{name: _parse(record[name]) for name in _TIMES})
    return TrackedAlert(alert, record["holds"], _parse(record["last_held"]), tuple(map(_parse, record["changes"])),
                        record["message"], record.get("messages", {}))  # records from before messages have none
