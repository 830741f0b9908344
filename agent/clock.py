"""The agent's wall clock: what time it is, for timestamps, ages and schedules.

Every agent component that needs the date or time of day takes a ``WallClock`` it is given, so a test
can pass a fixed or fake one; only the entry point (``itops.agent.cli``) hands out ``system_clock``.
Durations and timeouts are not wall-clock questions: they use ``time.monotonic``/``perf_counter``, which
an NTP step cannot move.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["WallClock", "system_clock", "unix_ms", "utc_datetime"]

WallClock = Callable[[], float]
"""Seconds since the Unix epoch, like ``time.time``."""

system_clock: WallClock = time.time


def unix_ms(clock: WallClock) -> int:
    return int(clock() * 1000)


def utc_datetime(clock: WallClock) -> datetime:
    return datetime.fromtimestamp(clock(), UTC)
