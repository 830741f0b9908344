"""The collector's own records beside the time series: the agent register, check results, inventory.

A check result keeps its message as the agent sent it: the free text and, from agents that send them, the
message parts (catalogue keys and arguments, as JSON) that ``itops.collector.records.check_messages`` renders in the
reader's language. Kept in SQLite (WAL) in ``data_dir``. Check results and inventory snapshots are written idempotently
(keyed by agent, sequence and position), so a replayed batch never records them twice. "Last seen" is
updated in memory on every batch and persisted every few seconds: it is a display value, not data.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from google.protobuf import json_format

from itops.collector.records.check_messages import render_check_message, rendered_messages
from itops.collector.records.inventory import FIRST_INVENTORY, NO_CHANGE, describe_hardware_changes
from itops.v1 import ingest_pb2

__all__ = ["AgentRecord", "AgentRegister"]

STATE_FILE_NAME = "state.sqlite3"
HARDWARE_CHECK = "hardware_inventory"
HARDWARE_CHECK_POSITION = -1
_CHECK_COLUMNS = ("agent_id, sequence, position, check_name, target, status, message, duration_seconds, timestamp_ms, "
                  "labels, message_parts")
_INSERT_CHECK = f"INSERT OR IGNORE INTO check_results ({_CHECK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS agents (
    agent_id TEXT PRIMARY KEY,
    hostname TEXT NOT NULL DEFAULT '',
    agent_version TEXT NOT NULL DEFAULT '',
    os TEXT NOT NULL DEFAULT '',
    platform TEXT NOT NULL DEFAULT '',
    boot_time_ms INTEGER NOT NULL DEFAULT 0,
    ip_addresses TEXT NOT NULL DEFAULT '[]',
    source_address TEXT NOT NULL DEFAULT '',
    asset TEXT NOT NULL DEFAULT '{}',
    first_seen_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS check_results (
    agent_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    position INTEGER NOT NULL,
    check_name TEXT NOT NULL,
    target TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    duration_seconds REAL NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    labels TEXT NOT NULL,
    message_parts TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (agent_id, sequence, position)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS check_results_by_time ON check_results (agent_id, check_name, target, timestamp_ms);
CREATE TABLE IF NOT EXISTS device_owners (
    device TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    since_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS inventory_snapshots (
    agent_id TEXT NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    PRIMARY KEY (agent_id, timestamp_ms)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class AgentRecord:
    agent_id: str
    hostname: str
    agent_version: str
    os: str
    platform: str
    boot_time_ms: int
    ip_addresses: list[str]
    source_address: str
    asset: dict[str, str]
    first_seen_ms: int
    last_seen_ms: int

    def as_json(self, online: bool) -> dict:
        return {**asdict(self), "online": online}


class AgentRegister:
    """Used from the event loop for reads and small writes; heavy writes go through ``write_batch_records``."""

    def __init__(self, data_dir: str):
        os.makedirs(data_dir, exist_ok=True)
        self._db = sqlite3.connect(Path(data_dir) / STATE_FILE_NAME, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._add_message_parts_column()
        self._lock = threading.Lock()
        self._last_seen: dict[str, tuple[int, str]] = {}

    def _add_message_parts_column(self) -> None:
        """A state database from before message parts gets the column (its results keep their free text only)."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(check_results)")}
        if "message_parts" not in columns:
            self._db.execute("ALTER TABLE check_results ADD COLUMN message_parts TEXT NOT NULL DEFAULT '[]'")

    def close(self) -> None:
        self.persist_last_seen()
        self._db.close()

    def record_hello(self, agent_id: str, hello: ingest_pb2.AgentHello, source: str, now_ms: int) -> None:
        with self._lock, self._db:
            self._db.execute(
                """INSERT INTO agents (agent_id, hostname, agent_version, os, platform, boot_time_ms, ip_addresses,
                                       source_address, asset, first_seen_ms, last_seen_ms)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (agent_id) DO UPDATE SET hostname = excluded.hostname,
                     agent_version = excluded.agent_version, os = excluded.os, platform = excluded.platform,
                     boot_time_ms = excluded.boot_time_ms, ip_addresses = excluded.ip_addresses,
                     source_address = excluded.source_address, asset = excluded.asset,
                     last_seen_ms = excluded.last_seen_ms""",
                (agent_id, hello.hostname, hello.agent_version, hello.os, hello.platform, hello.boot_time_unix_ms,
                 json.dumps(list(hello.ip_addresses)), source,
                 json.dumps(json_format.MessageToDict(hello.asset, preserving_proto_field_name=True)), now_ms, now_ms),
            )
        self._last_seen[agent_id] = (now_ms, source)

    def bound_hosts(self) -> dict[str, str]:
        """agent id → the host it speaks for (the hostname it registered first)."""
        with self._lock:
            return dict(self._db.execute("SELECT agent_id, hostname FROM agents WHERE hostname != ''").fetchall())

    def device_owners(self) -> dict[str, str]:
        """device or clock name → the agent that polls it."""
        with self._lock:
            return dict(self._db.execute("SELECT device, agent_id FROM device_owners").fetchall())

    def first_seen_ms(self, name: str) -> int | None:
        """When host or device ``name`` was first heard of (an agent's first contact, a device's first claim by
        its agent), or None for a name never seen."""
        with self._lock:
            row = self._db.execute(
                """SELECT MIN(ms) FROM (SELECT first_seen_ms AS ms FROM agents WHERE hostname = ?
                                        UNION ALL SELECT since_ms FROM device_owners WHERE device = ?)""",
                (name, name)).fetchone()
        return row[0]

    def record_claims(self, agent_id: str, hostname: str | None, devices: Iterable[str], now_ms: int) -> None:
        """Persist what a batch claimed first: its agent's host (when no Hello named it yet), the devices it polls."""
        with self._lock, self._db:
            if hostname is not None:
                self._db.execute(
                    """INSERT INTO agents (agent_id, hostname, first_seen_ms, last_seen_ms) VALUES (?, ?, ?, ?)
                       ON CONFLICT (agent_id) DO UPDATE SET hostname = excluded.hostname WHERE hostname = ''""",
                    (agent_id, hostname, now_ms, now_ms))
            self._db.executemany("INSERT OR REPLACE INTO device_owners VALUES (?, ?, ?)",
                                 [(device, agent_id, now_ms) for device in devices])

    def touch(self, agent_id: str, source: str, now_ms: int) -> None:
        self._last_seen[agent_id] = (now_ms, source)

    def persist_last_seen(self) -> None:
        seen, self._last_seen = self._last_seen, {}
        if not seen:
            return
        with self._lock, self._db:
            self._db.executemany(
                """INSERT INTO agents (agent_id, source_address, first_seen_ms, last_seen_ms) VALUES (?, ?, ?, ?)
                   ON CONFLICT (agent_id) DO UPDATE SET source_address = excluded.source_address,
                     last_seen_ms = MAX(last_seen_ms, excluded.last_seen_ms)""",
                [(agent_id, source, ms, ms) for agent_id, (ms, source) in seen.items()],
            )

    def write_batch_records(self, agent_id: str, batch: ingest_pb2.Batch) -> None:
        """Store the batch's check results and inventory once, however often the batch arrives."""
        if not batch.checks and not batch.HasField("inventory"):
            return
        rows = [
            (agent_id, batch.sequence, position, check.check, check.target,
             ingest_pb2.CheckStatus.Name(check.status).removeprefix("CHECK_STATUS_"), check.message,
             check.duration_seconds, check.timestamp_ms, json.dumps({label.name: label.value for label in check.labels}),
             json.dumps([{"key": part.key, "args": dict(part.args)} for part in check.message_parts], ensure_ascii=False))
            for position, check in enumerate(batch.checks)
        ]
        with self._lock, self._db:
            self._db.executemany(_INSERT_CHECK, rows)
            if batch.HasField("inventory"):
                self._db.execute(
                    "INSERT OR IGNORE INTO inventory_snapshots VALUES (?, ?, ?)",
                    (agent_id, batch.inventory.timestamp_ms, json_format.MessageToJson(batch.inventory, indent=None)),
                )
                self._db.execute(_INSERT_CHECK, self._hardware_check_row(agent_id, batch))

    def prune_check_results(self, before_ms: int) -> int:
        """Forget check results older than ``before_ms``; the latest result of each check is always kept."""
        with self._lock, self._db:
            return self._db.execute(
                """DELETE FROM check_results WHERE timestamp_ms < ? AND timestamp_ms < (
                       SELECT MAX(newer.timestamp_ms) FROM check_results AS newer
                       WHERE newer.agent_id = check_results.agent_id AND newer.check_name = check_results.check_name
                         AND newer.target = check_results.target)""",
                (before_ms,),
            ).rowcount

    def _previous_inventory(self, agent_id: str, before_ms: int) -> ingest_pb2.InventorySnapshot | None:
        row = self._db.execute(
            "SELECT snapshot FROM inventory_snapshots WHERE agent_id = ? AND timestamp_ms < ? ORDER BY timestamp_ms DESC LIMIT 1",
            (agent_id, before_ms),
        ).fetchone()
        return json_format.Parse(row[0], ingest_pb2.InventorySnapshot()) if row else None

    def _hardware_check_row(self, agent_id: str, batch: ingest_pb2.Batch) -> tuple:
        """The collector's own check result ``hardware_inventory`` for this snapshot (position -1 in the
        batch, so a replay records it once)."""
        snapshot = batch.inventory
        previous = self._previous_inventory(agent_id, snapshot.timestamp_ms)
        changes = describe_hardware_changes(previous, snapshot) if previous is not None else []
        if changes:
            status, parts = "WARNING", changes
        else:
            status, parts = "OK", [{"key": FIRST_INVENTORY if previous is None else NO_CHANGE, "args": {}}]
        message = render_check_message(parts, "", "en")
        return (agent_id, batch.sequence, HARDWARE_CHECK_POSITION, HARDWARE_CHECK, agent_id, status, message, 0.0,
                snapshot.timestamp_ms, "{}", json.dumps(parts, ensure_ascii=False))

    def inventory_history(self, agent_id: str) -> list[dict]:
        with self._lock:
            snapshots = self._db.execute(
                "SELECT timestamp_ms, snapshot FROM inventory_snapshots WHERE agent_id = ? ORDER BY timestamp_ms", (agent_id,)
            ).fetchall()
            changes = {ts: (message, json.loads(parts)) for ts, message, parts in self._db.execute(
                "SELECT timestamp_ms, message, message_parts FROM check_results "
                "WHERE agent_id = ? AND check_name = ? AND status != 'OK'", (agent_id, HARDWARE_CHECK),
            ).fetchall()}
        return [{"timestamp_ms": ts, **_changes_entry(*changes.get(ts, ("", []))), "inventory": json.loads(snapshot)}
                for ts, snapshot in snapshots]

    def agents(self) -> list[AgentRecord]:
        """The register, with "last seen" as of now: unsaved sightings are overlaid, not written (a read
        — every /metrics scrape — must not cost a durable commit)."""
        with self._lock:
            rows = self._db.execute(
                """SELECT agent_id, hostname, agent_version, os, platform, boot_time_ms, ip_addresses,
                          source_address, asset, first_seen_ms, last_seen_ms FROM agents ORDER BY agent_id"""
            ).fetchall()
        if set(self._last_seen) - {row[0] for row in rows}:  # an agent with no row yet: it needs one
            self.persist_last_seen()
            return self.agents()
        records = [AgentRecord(*row[:6], json.loads(row[6]), row[7], json.loads(row[8]), *row[9:]) for row in rows]
        return [self._with_unsaved_sighting(record) for record in records]

    def _with_unsaved_sighting(self, record: AgentRecord) -> AgentRecord:
        seen_ms, source = self._last_seen.get(record.agent_id, (0, ""))
        if seen_ms <= record.last_seen_ms:
            return record
        return replace(record, last_seen_ms=seen_ms, source_address=source)

    def latest_checks(self, agent_id: str | None = None) -> list[dict]:
        query = """SELECT agent_id, check_name, target, status, message, duration_seconds, MAX(timestamp_ms), labels,
                          message_parts
                   FROM check_results {where} GROUP BY agent_id, check_name, target ORDER BY agent_id, check_name, target"""
        with self._lock:
            if agent_id is None:
                rows = self._db.execute(query.format(where="")).fetchall()
            else:
                rows = self._db.execute(query.format(where="WHERE agent_id = ?"), (agent_id,)).fetchall()
        keys = ("agent_id", "check", "target", "status", "message", "duration_seconds", "timestamp_ms")
        return [{**dict(zip(keys, row)), "labels": json.loads(row[7]), **_message_fields(row[4], json.loads(row[8]))}
                for row in rows]


def _message_fields(message: str, parts: list[dict]) -> dict:
    """A check's message as the API gives it: the agent's text, its parts, and the text in every language."""
    return {"message_parts": parts, "messages": rendered_messages(parts, message)}


def _changes_entry(message: str, parts: list[dict]) -> dict:
    return {"changes": message, "changes_in": rendered_messages(parts, message) if message else {}}
