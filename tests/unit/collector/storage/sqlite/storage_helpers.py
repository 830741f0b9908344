"""Shared by the storage tests: opening a store and building batches."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from itops.collector.storage.base import SampleWrite
from itops.collector.storage.sqlite.config import SQLiteConfig
from itops.collector.storage.sqlite.sqlite import SQLiteStorage


def labels_of(key: str) -> tuple[str, dict[str, str]]:
    """Keys in these tests are ``name,label=value,...``."""
    name, *pairs = key.split(",")
    return name, dict(pair.split("=") for pair in pairs)


@contextlib.asynccontextmanager
async def opened_store(path: Path, on_commit=None, **config):
    store = SQLiteStorage(SQLiteConfig(path=str(path), **config), on_commit=on_commit)
    await store.open()
    try:
        yield store
    finally:
        await store.close()


def batch(agent_id: str, sequence: int, series_ids, timestamps_ms, values) -> SampleWrite:
    return SampleWrite(
        agent_id, sequence, np.asarray(series_ids, dtype=np.int64), np.asarray(timestamps_ms, dtype=np.int64),
        np.asarray(values, dtype=np.float64),
    )
