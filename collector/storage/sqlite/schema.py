"""Tables, connections and the dictionaries loaded at open.

Layout: ``agents`` and ``series`` are the dictionary; ``received`` remembers every stored
(agent, sequence) for deduplication; ``head`` holds one row per accepted batch with its columns as raw
blobs; ``chunks`` holds per-series samples of one time window, written by the compactor.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SCHEMA_VERSION", "Dictionary", "connect", "create_schema", "load_dictionary", "load_highest_sequences",
           "chunk_window_ms"]

SCHEMA_VERSION = 1
WAL_SIZE_LIMIT_BYTES = 64 * 2**20  # truncate the log back to this after a checkpoint
PAGE_SIZE_BYTES = 16384  # batch blobs are 8-24 KiB; big pages keep them off long overflow chains

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS agents (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY, agent_id INTEGER NOT NULL, key TEXT NOT NULL,
    name TEXT NOT NULL, labels TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS received (
    agent_id INTEGER NOT NULL, sequence INTEGER NOT NULL, max_ts INTEGER NOT NULL,
    PRIMARY KEY (agent_id, sequence)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS received_by_max_ts ON received (max_ts);
CREATE TABLE IF NOT EXISTS head (
    id INTEGER PRIMARY KEY, agent_id INTEGER NOT NULL, received_ms INTEGER NOT NULL,
    min_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL, count INTEGER NOT NULL,
    series BLOB NOT NULL, ts BLOB NOT NULL, vals BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS head_by_agent ON head (agent_id);  -- rowid order within an agent is write order
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, series_id INTEGER NOT NULL, window_start INTEGER NOT NULL,
    merged INTEGER NOT NULL, start_ts INTEGER NOT NULL, end_ts INTEGER NOT NULL, count INTEGER NOT NULL,
    ts BLOB NOT NULL, vals BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_series ON chunks (series_id, window_start);
-- (window_start, end_ts): retention walks windows; the fleet endpoint asks which chunks end after a moment.
DROP INDEX IF EXISTS chunks_by_window;
CREATE INDEX IF NOT EXISTS chunks_by_window_end ON chunks (window_start, end_ts);
CREATE INDEX IF NOT EXISTS chunks_unmerged ON chunks (window_start, series_id) WHERE merged = 0;
"""


@dataclass
class Dictionary:
    """What the event loop needs in memory: agent and series ids, and the series' names and labels."""

    agent_ids: dict[str, int]
    series_ids: dict[int, dict[str, int]]  # agent id -> series key -> series id
    series: dict[int, tuple[int, str, dict[str, str]]]  # series id -> (agent id, name, labels)


def connect(db_path: Path, cache_size_bytes: int, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
    else:
        conn = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA page_size={PAGE_SIZE_BYTES}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT_BYTES}")
    conn.execute(f"PRAGMA cache_size=-{max(cache_size_bytes // 1024, 1024)}")
    return conn


def create_schema(conn: sqlite3.Connection, chunk_window_ms: int) -> None:
    conn.executescript(_DDL)
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
        [("schema_version", str(SCHEMA_VERSION)), ("chunk_window_ms", str(chunk_window_ms))],
    )
    conn.execute("COMMIT")
    version = int(conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])
    if version != SCHEMA_VERSION:
        raise RuntimeError(f"store schema version {version} is not supported (expected {SCHEMA_VERSION})")


def chunk_window_ms(conn: sqlite3.Connection) -> int:
    """The window the store was created with: chunks never straddle it, so it must not change later."""
    return int(conn.execute("SELECT value FROM meta WHERE key = 'chunk_window_ms'").fetchone()[0])


def load_dictionary(conn: sqlite3.Connection) -> Dictionary:
    agent_ids = {name: agent_id for agent_id, name in conn.execute("SELECT id, name FROM agents")}
    series_ids: dict[int, dict[str, int]] = {agent_id: {} for agent_id in agent_ids.values()}
    series: dict[int, tuple[int, str, dict[str, str]]] = {}
    for series_id, agent_id, key, name, labels in conn.execute("SELECT id, agent_id, key, name, labels FROM series"):
        series_ids[agent_id][key] = series_id
        series[series_id] = (agent_id, name, json.loads(labels))
    return Dictionary(agent_ids, series_ids, series)


def load_highest_sequences(conn: sqlite3.Connection) -> dict[int, int]:
    """agent id -> the highest sequence ``received`` holds for it (one primary-key seek per agent)."""
    rows = conn.execute("SELECT id, (SELECT MAX(sequence) FROM received WHERE agent_id = agents.id) FROM agents")
    return {agent_id: highest for agent_id, highest in rows if highest is not None}
