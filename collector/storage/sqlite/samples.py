"""Column helpers shared by the compactor and the query path: chunk encoding and last-write-wins merging."""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["encode_chunk", "decode_chunk", "latest_per_timestamp", "latest_per_series_timestamp"]

ZLIB_LEVEL = 6


def encode_chunk(timestamps_ms: np.ndarray, values: np.ndarray, merged: bool) -> tuple[bytes, bytes]:
    """Fresh chunks are raw columns: they are written on every compaction step and soon merged, so
    compressing them costs more than it saves. Merged chunks keep timestamps as zlib-compressed deltas,
    which at a steady interval shrink to almost nothing."""
    if not merged:
        return timestamps_ms.tobytes(), values.tobytes()
    deltas = np.diff(timestamps_ms, prepend=np.int64(0))
    return zlib.compress(deltas.tobytes(), ZLIB_LEVEL), zlib.compress(values.tobytes(), ZLIB_LEVEL)


def decode_chunk(ts_blob: bytes, vals_blob: bytes, merged: bool) -> tuple[np.ndarray, np.ndarray]:
    if not merged:
        return np.frombuffer(ts_blob, dtype=np.int64), np.frombuffer(vals_blob, dtype=np.float64)
    deltas = np.frombuffer(zlib.decompress(ts_blob), dtype=np.int64)
    return np.cumsum(deltas), np.frombuffer(zlib.decompress(vals_blob), dtype=np.float64)


def latest_per_timestamp(timestamps_ms: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort samples given in write order by time; of samples sharing a timestamp keep the last written."""
    if timestamps_ms.size < 2 or bool(np.all(timestamps_ms[1:] > timestamps_ms[:-1])):
        return timestamps_ms, values
    order = np.argsort(timestamps_ms, kind="stable")
    sorted_ts = timestamps_ms[order]
    last_of_run = np.append(sorted_ts[1:] != sorted_ts[:-1], True)
    return sorted_ts[last_of_run], values[order][last_of_run]


def latest_per_series_timestamp(
    series_ids: np.ndarray, timestamps_ms: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Like ``latest_per_timestamp`` for many series at once, sorted by (series, time)."""
    order = np.lexsort((timestamps_ms, series_ids))  # stable, so write order survives among equal keys
    series_ids, timestamps_ms, values = series_ids[order], timestamps_ms[order], values[order]
    same_as_next = (series_ids[1:] == series_ids[:-1]) & (timestamps_ms[1:] == timestamps_ms[:-1])
    keep = np.append(~same_as_next, True)
    return series_ids[keep], timestamps_ms[keep], values[keep]
