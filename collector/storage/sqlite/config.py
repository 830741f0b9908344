"""The ``storage.sqlite`` section of the collector config."""

from __future__ import annotations

from typing import Annotated

import msgspec

from itops.collector.storage.base import StorageConfig
from itops.common.plugin_registry import plugin_name
from itops.common.yaml_config import ByteSize, Duration

__all__ = ["SQLiteConfig"]

DAY_S = 86400.0


class SQLiteConfig(StorageConfig, tag=plugin_name(__name__)):
    path: Annotated[str, msgspec.Meta(description="Data directory; the store lives in `series.db` inside it.")]
    retention: Annotated[
        Duration, msgspec.Meta(description="Samples older than this are dropped by the retention pass.")
    ] = Duration(30 * DAY_S)
    chunk_window: Annotated[
        Duration,
        msgspec.Meta(
            description="Time window of one compressed chunk per series. Fixed when the store is created; "
            "later changes are ignored for an existing store."
        ),
    ] = Duration(2 * 3600)
    window_close_delay: Annotated[
        Duration,
        msgspec.Meta(description="How long after a window ends its small chunks are merged into one."),
    ] = Duration(600)
    head_compaction_age: Annotated[
        Duration,
        msgspec.Meta(description="Accepted batches older than this are regrouped from the head into per-series chunks."),
    ] = Duration(600)
    head_max_samples: Annotated[
        int,
        msgspec.Meta(ge=1, description="Regroup the head early once it holds more samples than this."),
    ] = 10_000_000
    compaction_step_samples: Annotated[
        int,
        msgspec.Meta(
            ge=1000,
            description="Samples regrouped per compaction step between two commits; bounds how long an ack can wait.",
        ),
    ] = 100_000
    query_threads: Annotated[
        int, msgspec.Meta(ge=1, description="Threads (each with its own read connection) serving range queries.")
    ] = 2
    cache_size: Annotated[
        ByteSize, msgspec.Meta(description="SQLite page cache per connection.")
    ] = ByteSize(64 * 2**20)
