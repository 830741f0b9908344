"""Maintenance windows created at run time (CLI, HTTP API) beside those in the config file, kept in SQLite so
they survive a restart. A stored window is checked exactly like a configured one; it lives until deleted
(an ended one-off window mutes nothing but stays listed for the record).

``MaintenanceStore`` is the maintenance ``Muter`` of the pipeline: it answers from one calendar of the
configured and the stored windows, which SLA reports read through ``windows_between``/``maintenance_seconds``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import msgspec
from itops.alerting.muting.maintenance import (
    MaintenanceCalendar,
    MaintenanceConfig,
    MaintenancePeriod,
    MaintenanceWindowConfig,
    check_maintenance,
)
from itops.alerting.rules.model import Alert, MuteReason
from itops.common.yaml_config import ConfigError, FieldProblem, load_text

__all__ = ["ConfiguredWindowError", "MaintenanceStore", "NoSuchWindowError", "StoredWindow", "parse_window", "window_fields"]

log = logging.getLogger("itops.alerting")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS maintenance_windows (
    id TEXT PRIMARY KEY,
    window TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
)
"""


class NoSuchWindowError(LookupError):
    """No stored window has this id."""


class ConfiguredWindowError(ValueError):
    """The window is in the config file; only the file can remove it."""


@dataclass(frozen=True, slots=True)
class StoredWindow:
    id: str
    window: MaintenanceWindowConfig
    created_by: str
    created_at: datetime


def parse_window(fields: Mapping[str, object]) -> MaintenanceWindowConfig:
    """A window from JSON-like fields (durations may be written ``4h``); raises FieldProblem naming the field."""
    try:
        return load_text(json.dumps(fields), MaintenanceWindowConfig, "window")
    except ConfigError as exc:
        raise FieldProblem(exc.field or "window", exc.problem) from None


def window_fields(window: MaintenanceWindowConfig) -> dict[str, object]:
    """The window as JSON-ready fields (durations in seconds)."""
    return msgspec.to_builtins(window, enc_hook=float)


class MaintenanceStore:
    """The stored windows, in SQLite, and the ``Muter`` for them together with the configured ones."""

    def __init__(self, path: str | Path = ":memory:", configured: MaintenanceConfig | None = None):
        self.configured = configured or MaintenanceConfig()
        self._db = sqlite3.connect(str(path))
        self._db.execute(_SCHEMA)
        self._db.commit()
        self._stored = {stored.id: stored for stored in self._load()}
        self.calendar = self._calendar()

    def close(self) -> None:
        self._db.close()

    def create(self, window: MaintenanceWindowConfig, created_by: str, now: datetime) -> StoredWindow:
        if not created_by.strip():
            raise FieldProblem("created_by", "a maintenance window needs an author")
        self._check(window, now)
        stored = StoredWindow(uuid.uuid4().hex, window, created_by.strip(), now.astimezone(UTC))
        self._db.execute("INSERT INTO maintenance_windows VALUES (?, ?, ?, ?)",
                         (stored.id, json.dumps(window_fields(window)), stored.created_by, stored.created_at.isoformat()))
        self._db.commit()
        self._stored[stored.id] = stored
        self.calendar = self._calendar()
        return stored

    def list(self) -> list[StoredWindow]:
        """The stored windows, oldest first."""
        return sorted(self._stored.values(), key=lambda stored: (stored.created_at, stored.id))

    def delete(self, window_id: str) -> StoredWindow:
        if window_id in self._configured_names():
            raise ConfiguredWindowError(f"window {window_id!r} is in the config file; remove it there and reload")
        stored = self._stored.pop(window_id, None)
        if stored is None:
            raise NoSuchWindowError(f"no stored maintenance window with id {window_id!r}")
        self._db.execute("DELETE FROM maintenance_windows WHERE id = ?", (window_id,))
        self._db.commit()
        self.calendar = self._calendar()
        return stored

    def mutes(self, alert: Alert, now: datetime) -> MuteReason | None:
        return self.calendar.mutes(alert, now)

    def windows_between(self, start: datetime, end: datetime) -> list[MaintenancePeriod]:
        return self.calendar.windows_between(start, end)

    def maintenance_seconds(self, labels: Mapping[str, str], start: datetime, end: datetime) -> float:
        return self.calendar.maintenance_seconds(labels, start, end)

    def _check(self, window: MaintenanceWindowConfig, now: datetime) -> None:
        try:
            check_maintenance(MaintenanceConfig(self.configured.timezone, [window]))
        except FieldProblem as problem:
            raise FieldProblem(problem.field.removeprefix("windows[0]").lstrip(".") or "window", problem.problem) from None
        if window.name in self._configured_names() | {stored.window.name for stored in self._stored.values()}:
            raise FieldProblem("name", f"a maintenance window named {window.name!r} already exists")
        if window.end is not None and _ended(window, self.configured.timezone, now):
            raise FieldProblem("end", f"{window.end} is already in the past")

    def _configured_names(self) -> set[str]:
        return {window.name for window in self.configured.windows}

    def _calendar(self) -> MaintenanceCalendar:
        # a window added to the config file after one of the same name was stored wins; the stored one waits
        clashing = [s for s in self._stored.values() if s.window.name in self._configured_names()]
        for stored in clashing:
            log.warning("stored maintenance window %s (%r) is ignored: the config file has a window of that name",
                        stored.id, stored.window.name)
        extra = [s.window for s in self.list() if s not in clashing]
        return MaintenanceCalendar(MaintenanceConfig(self.configured.timezone, [*self.configured.windows, *extra]))

    def _load(self) -> list[StoredWindow]:
        rows = self._db.execute("SELECT id, window, created_by, created_at FROM maintenance_windows")
        return [StoredWindow(row[0], parse_window(json.loads(row[1])), row[2], datetime.fromisoformat(row[3]))
                for row in rows]


def _ended(one_off: MaintenanceWindowConfig, timezone: str, now: datetime) -> bool:
    calendar = MaintenanceCalendar(MaintenanceConfig(timezone, [one_off]))
    return not calendar.windows_between(now, datetime.max.replace(tzinfo=UTC))
