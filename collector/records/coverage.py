"""Which hosts, devices and services sent data in which 5-minute bucket: the "data completeness" of reports.

Ingest hands over every stored batch; the ledger notes, in memory, the buckets its samples and check results
were *taken* in (a replayed backlog fills the hours it was recorded in, not the minute it arrived). ``flush``
(housekeeping, and at stop) OR-merges them into SQLite as one 288-bit bitmap per entity and UTC day, so
re-recording a batch changes nothing. Entities are named as alerts name them (``itops.entities``): a series covers
the entity it is about and the host that reports it, a check result what it checks (a device, clock, backup or
service). An entity is keyed by its labels alone, so an SNMP device is one ``device`` whatever its series' profile;
the ledger also remembers which profiles' metric families each device has series of, and ``device_kinds`` names
its kind from them as the entity directory does (a UPS card with room probes is a UPS).
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import sqlite3
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Protocol

import numpy as np

from itops.common.key_cache import KEY_LIST_CACHE_LIMIT, KeyCache
from itops.entities import (
    DEVICE_LABEL,
    ENTITY_OF_LABELS,
    Entity,
    EntityKind,
    entities_of,
    entity_of,
    primary_device_kind,
)
from itops.series_key import parse_series_key
from itops.v1 import ingest_pb2

__all__ = ["BUCKET_S", "FLUSH_PERIOD_S", "CoverageLedger", "StoredBatch"]

BUCKET_S = 300
FLUSH_PERIOD_S = 60  # how often housekeeping should call flush(); a crash loses at most this much coverage
BUCKETS_PER_DAY = 86400 // BUCKET_S
_BUCKET_MS = BUCKET_S * 1000
_BITMAP_BYTES = BUCKETS_PER_DAY // 8


class StoredBatch(Protocol):
    """What the ledger reads of a batch ingest stored (``itops.collector.ingest.validation.ValidBatch``)."""

    keys: list[str]
    series_index: np.ndarray
    timestamps_ms: np.ndarray
    checks: list[ingest_pb2.CheckResult]
# The labels entity_of reads, straight off a canonical key (sorted labels, `"` always escaped in values).
_ENTITY_LABEL_RE = re.compile(rf'[{{,]({"|".join(ENTITY_OF_LABELS)})="((?:[^"\\]|\\.)*)"')

EntityKey = tuple[str, str]
_SCHEMA = """
CREATE TABLE IF NOT EXISTS coverage (
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    day INTEGER NOT NULL,
    bits BLOB NOT NULL,
    PRIMARY KEY (kind, name, day)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS coverage_by_day ON coverage (day);
CREATE TABLE IF NOT EXISTS coverage_entities (
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    labels TEXT NOT NULL,
    asset_number TEXT,
    PRIMARY KEY (kind, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS coverage_device_families (
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (name, kind)
) WITHOUT ROWID;
"""


class CoverageLedger:
    def __init__(self, path: str | Path):
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._db_lock = threading.Lock()
        self._lock = threading.Lock()  # guards the in-memory buckets: recorded on the loop, flushed from a thread
        self._pending: dict[int, set[EntityKey]] = {}  # bucket → who has data in it
        self._flushing: dict[int, set[EntityKey]] = {}
        self._new_entities: dict[EntityKey, Entity] = {}
        self._rekey_older_entities()
        self._known: set[EntityKey] = {key for key in self._db.execute("SELECT kind, name FROM coverage_entities")}
        # (device name, kind of a profile's metric family it has series of)
        self._families: set[tuple[str, str]] = set(self._db.execute("SELECT name, kind FROM coverage_device_families"))
        self._new_families: list[tuple[str, str]] = []
        # Series keys repeat batch after batch: each is parsed once into the index of its entity group.
        self._group_of_key: KeyCache[str, int] = KeyCache()
        self._by_key_list: KeyCache[tuple[str, ...], tuple[tuple[EntityKey, ...], np.ndarray]] = KeyCache(
            KEY_LIST_CACHE_LIMIT)
        self._group_of_labels: dict[tuple[tuple[str, str], ...], int] = {}
        self._group_index: dict[tuple[EntityKey, ...], int] = {(): 0}
        self._groups: list[tuple[EntityKey, ...]] = [()]

    # --- recording (event loop, per batch) ------------------------------------------------------------

    def record_batch(self, batch: StoredBatch) -> None:
        touched = self._sample_buckets(batch) + self._check_buckets(batch)
        if not touched:
            return
        with self._lock:
            for bucket, entities in touched:
                self._pending.setdefault(bucket, set()).update(entities)

    def _sample_buckets(self, batch: StoredBatch) -> list[tuple[int, Iterable[EntityKey]]]:
        if not len(batch.series_index):
            return []
        everyone, groups = self._entities_of_keys(batch.keys)
        if not everyone:
            return []
        buckets = batch.timestamps_ms // _BUCKET_MS
        first, last = int(buckets.min()), int(buckets.max())
        if first == last:  # the usual batch: taken within one bucket, so every entity in it has that bucket
            return [(first, everyone)]
        width = len(self._groups)
        pairs = np.unique(buckets * width + groups[batch.series_index])
        return [(bucket, self._groups[group]) for bucket, group in (divmod(pair, width) for pair in pairs.tolist())]

    def _entities_of_keys(self, keys: list[str]) -> tuple[tuple[EntityKey, ...], np.ndarray]:
        """(every entity the keys name, each key's entity group). An agent sends the same keys batch after
        batch, so the whole list is looked up at once: hashing the tuple reuses the keys' cached hashes."""
        return self._by_key_list.get_or_make(tuple(keys), self._groups_of_key_list)

    def _groups_of_key_list(self, keys: tuple[str, ...]) -> tuple[tuple[EntityKey, ...], np.ndarray]:
        groups = [self._group_of_key.get_or_make(key, self._group_of) for key in keys]
        everyone = tuple({entity: None for group in dict.fromkeys(groups) for entity in self._groups[group]})
        return everyone, np.array(groups, dtype=np.int64)

    def _group_of(self, series_key: str) -> int:
        named = tuple(_ENTITY_LABEL_RE.findall(series_key))
        group = self._group_of_labels.get(named)
        if group is None:  # a new combination: unescape through the key parser, build its entities once
            labels = parse_series_key("k{" + ",".join(f'{name}="{value}"' for name, value in named) + "}")[1] if named else {}
            group = self._group_of_labels[named] = self._group_id(entities_of(labels))
        self._note_family(series_key, self._groups[group])
        return group

    def _note_family(self, series_key: str, members: tuple[EntityKey, ...]) -> None:
        """Which profile's metric family a device's series is of: what ``device_kinds`` names it by."""
        if not members or members[0][0] != EntityKind.DEVICE:
            return
        name = members[0][1]
        family = entity_of({DEVICE_LABEL: name}, series_key.partition("{")[0]).kind.value
        if family != EntityKind.DEVICE and (name, family) not in self._families:
            self._families.add((name, family))
            with self._lock:
                self._new_families.append((name, family))

    def _group_id(self, entities: tuple[Entity, ...]) -> int:
        members = tuple(entity.key for entity in entities)
        group = self._group_index.get(members)
        if group is None:
            group = self._group_index[members] = len(self._groups)
            self._groups.append(members)
        for entity in entities:
            self._note_entity(entity)
        return group

    def _check_buckets(self, batch: StoredBatch) -> list[tuple[int, Iterable[EntityKey]]]:
        touched = []
        for check in batch.checks:
            labels = {label.name: label.value for label in check.labels}
            entity = entity_of({**labels, "check": check.check, "target": check.target})
            if entity is not None:
                self._note_entity(entity)
                touched.append((check.timestamp_ms // _BUCKET_MS, (entity.key,)))
        return touched

    def _note_entity(self, entity: Entity) -> None:
        if entity.key not in self._known:
            self._known.add(entity.key)
            with self._lock:
                self._new_entities[entity.key] = entity

    # --- persistence (housekeeping thread) ------------------------------------------------------------

    def flush(self) -> None:
        """Write what was recorded since the last flush; cheap when nothing was."""
        with self._lock:
            self._flushing, self._pending = self._pending, {}
            entities, self._new_entities = self._new_entities, {}
            families, self._new_families = self._new_families, []
        masks = _day_masks(self._flushing)
        with self._db_lock, self._db:
            self._save_entities(entities.values())
            self._db.executemany("INSERT OR IGNORE INTO coverage_device_families (name, kind) VALUES (?, ?)", families)
            self._merge_masks(masks)
        with self._lock:
            self._flushing = {}

    def _save_entities(self, entities: Iterable[Entity]) -> None:
        self._db.executemany(
            "INSERT INTO coverage_entities (kind, name, labels, asset_number) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (kind, name) DO UPDATE SET labels = excluded.labels,"
            " asset_number = COALESCE(excluded.asset_number, asset_number)",
            [(e.kind.value, e.name, json.dumps(dict(e.identity), ensure_ascii=False), e.asset_number) for e in entities])

    def _merge_masks(self, masks: dict[tuple[str, str, int], int]) -> None:
        """OR the day masks into what is stored."""
        stored = self._stored_masks(masks)
        self._db.executemany(
            "INSERT OR REPLACE INTO coverage (kind, name, day, bits) VALUES (?, ?, ?, ?)",
            [(kind, name, day, (mask | stored.get((kind, name, day), 0)).to_bytes(_BITMAP_BYTES, "little"))
             for (kind, name, day), mask in masks.items()])

    def _rekey_older_entities(self) -> None:
        """Entities recorded under an older naming take the key ``entity_of`` gives their labels now, their days
        merged into it: a clock was a device, a clock's or a backup's check a service."""
        moved: dict[EntityKey, Entity] = {}
        for kind, name, labels, asset_number in self._db.execute("SELECT kind, name, labels, asset_number FROM coverage_entities"):
            entity = entity_of(json.loads(labels))
            if entity is not None and entity.key != (kind, name):
                moved[(kind, name)] = dataclasses.replace(entity, asset_number=asset_number)
        if not moved:
            return
        masks: dict[tuple[str, str, int], int] = {}
        with self._db_lock, self._db:
            for (kind, name), entity in moved.items():
                for day, bits in self._db.execute("SELECT day, bits FROM coverage WHERE kind = ? AND name = ?", (kind, name)):
                    where = (*entity.key, day)
                    masks[where] = masks.get(where, 0) | int.from_bytes(bits, "little")
            self._db.executemany("DELETE FROM coverage WHERE kind = ? AND name = ?", list(moved))
            self._db.executemany("DELETE FROM coverage_entities WHERE kind = ? AND name = ?", list(moved))
            self._save_entities(moved.values())
            self._merge_masks(masks)

    def _stored_masks(self, masks: dict[tuple[str, str, int], int]) -> dict[tuple[str, str, int], int]:
        days = sorted({day for _, _, day in masks})
        found: dict[tuple[str, str, int], int] = {}
        for chunk in range(0, len(days), 500):
            part = days[chunk:chunk + 500]
            rows = self._db.execute(f"SELECT kind, name, day, bits FROM coverage WHERE day IN ({','.join('?' * len(part))})", part)
            found.update(((kind, name, day), int.from_bytes(bits, "little")) for kind, name, day, bits in rows)
        return found

    # --- reading (reports) ----------------------------------------------------------------------------

    def covered_seconds(self, start: datetime, end: datetime) -> dict[EntityKey, float]:
        """Seconds of [start, end) each entity has data in, at 5-minute resolution (unflushed data included)."""
        start_s, end_s = start.timestamp(), end.timestamp()
        first_day, last_day = int(start_s // 86400), int(end_s // 86400)
        with self._db_lock:
            rows = self._db.execute("SELECT kind, name, day, bits FROM coverage WHERE day BETWEEN ? AND ?",
                                    (first_day, last_day)).fetchall()
        masks = {(kind, name, day): int.from_bytes(bits, "little") for kind, name, day, bits in rows}
        with self._lock:
            unflushed = (_day_masks(self._pending), _day_masks(self._flushing))
        for extra in unflushed:
            for where, mask in extra.items():
                masks[where] = masks.get(where, 0) | mask
        covered: dict[EntityKey, float] = {}
        for (kind, name, day), mask in masks.items():
            seconds = _mask_seconds(mask, day, start_s, end_s)
            if seconds:
                covered[(kind, name)] = covered.get((kind, name), 0.0) + seconds
        return covered

    def entities(self) -> list[Entity]:
        """Every entity that ever sent data, with its asset number when one was seen."""
        with self._db_lock:
            rows = self._db.execute("SELECT labels, asset_number FROM coverage_entities ORDER BY kind, name").fetchall()
        with self._lock:
            unsaved = list(self._new_entities.values())
        return [dataclasses.replace(entity_of(json.loads(labels)), asset_number=asset) for labels, asset in rows] + unsaved

    def device_kinds(self) -> dict[str, EntityKind]:
        """The kind of each SNMP device that sent series of a profile's metric family, by device name; a device
        keyed ``device`` in coverage and alert history is shown as this."""
        with self._db_lock:
            rows = self._db.execute("SELECT name, kind FROM coverage_device_families").fetchall()
        with self._lock:
            rows += self._new_families
        families: dict[str, set[EntityKind]] = {}
        for name, kind in rows:
            families.setdefault(name, set()).add(EntityKind(kind))
        return {name: primary_device_kind(kinds) for name, kinds in families.items()}

    def prune(self, before: datetime) -> int:
        """Forget whole UTC days before ``before``; returns the rows dropped."""
        with self._db_lock, self._db:
            return self._db.execute("DELETE FROM coverage WHERE day < ?", (int(before.timestamp() // 86400),)).rowcount

    def close(self) -> None:
        self.flush()
        with self._db_lock:
            self._db.close()


def _day_masks(entities_by_bucket: dict[int, set[EntityKey]]) -> dict[tuple[str, str, int], int]:
    masks: dict[tuple[str, str, int], int] = {}
    for bucket, entities in entities_by_bucket.items():
        day, bit = divmod(bucket, BUCKETS_PER_DAY)
        for kind, name in entities:
            masks[(kind, name, day)] = masks.get((kind, name, day), 0) | (1 << bit)
    return masks


def _mask_seconds(mask: int, day: int, start_s: float, end_s: float) -> float:
    """Seconds of [start_s, end_s) inside the day's set buckets; only the two edge buckets can count partly."""
    day_start = day * 86400
    if start_s <= day_start and day_start + 86400 <= end_s:  # most days of a month: every bucket counts whole
        return float(mask.bit_count() * BUCKET_S)
    low = max(0, math.ceil((start_s - day_start) / BUCKET_S))
    high = min(BUCKETS_PER_DAY, math.floor((end_s - day_start) / BUCKET_S))
    seconds = float(((mask >> low) & ((1 << max(0, high - low)) - 1)).bit_count() * BUCKET_S) if high > low else 0.0
    for edge in {low - 1, high}:
        if 0 <= edge < BUCKETS_PER_DAY and mask >> edge & 1:
            bucket_start = day_start + edge * BUCKET_S
            seconds += max(0.0, min(end_s, bucket_start + BUCKET_S) - max(start_s, bucket_start))
    return seconds
