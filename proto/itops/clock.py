"""The one place the wall clock is read.

Every component that asks "what time is it" takes a ``Clock`` (aware UTC ``datetime``) it is given; the
running collector and agent pass ``utc_now``, tests a fixed or fake clock. Code that counts in epoch
seconds or milliseconds (the wire contract, the time series) takes an ``EpochClock`` made from the same
``Clock`` with ``epoch_seconds``. Durations are measured with ``time.monotonic``/``perf_counter``, never here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "EpochClock", "epoch_ms", "epoch_seconds", "utc_now"]

Clock = Callable[[], datetime]  # an aware datetime in UTC
EpochClock = Callable[[], float]  # seconds since the epoch


def utc_now() -> datetime:
    return datetime.now(UTC)


def epoch_seconds(clock: Clock) -> EpochClock:
    """The same clock as seconds since the epoch, for the components that count in (milli)seconds."""
    return lambda: clock().timestamp()


def epoch_ms(clock: Clock) -> int:
    """What ``clock`` says, in whole milliseconds since the epoch (the time series' unit)."""
    return int(clock().timestamp() * 1000)
