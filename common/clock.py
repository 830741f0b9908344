"""The one place the wall clock is read, for the collector and the agent alike.

Every component that asks "what time is it" takes a clock it is given; only a process's entry point hands
out the real one (``utc_now``, ``epoch_now``), tests a fixed or fake one. A ``Clock`` gives an aware UTC
``datetime``; code that counts in epoch seconds or milliseconds (the wire contract, the time series, the
agent) takes an ``EpochClock``, made from a ``Clock`` with ``epoch_seconds`` where both are needed.
Durations are measured with ``time.monotonic``/``perf_counter``, which an NTP step cannot move, never here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "EpochClock", "epoch_ms", "epoch_now", "epoch_seconds", "said_utc", "unix_ms", "utc_datetime",
           "utc_now"]

Clock = Callable[[], datetime]  # an aware datetime in UTC
EpochClock = Callable[[], float]  # seconds since the epoch


def utc_now() -> datetime:
    return datetime.now(UTC)


epoch_now: EpochClock = time.time


def epoch_seconds(clock: Clock) -> EpochClock:
    """The same clock as seconds since the epoch, for the components that count in (milli)seconds."""
    return lambda: clock().timestamp()


def epoch_ms(clock: Clock) -> int:
    """What ``clock`` says, in whole milliseconds since the epoch (the time series' unit)."""
    return int(clock().timestamp() * 1000)


def unix_ms(clock: EpochClock) -> int:
    """What an epoch-seconds clock says, in whole milliseconds."""
    return int(clock() * 1000)


def utc_datetime(clock: EpochClock) -> datetime:
    """What an epoch-seconds clock says, as an aware UTC datetime."""
    return datetime.fromtimestamp(clock(), UTC)


def said_utc(moment: datetime) -> str:
    """A time as an error message says it: UTC to the second, ``2026-12-04T20:38:38Z`` (whatever zone and
    precision it came in)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
