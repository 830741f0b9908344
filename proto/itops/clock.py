"""The wall clock as a value: every component that asks "what time is it" takes a ``Clock`` from its
owner, and only a process's entry point hands out ``utc_now``; tests hand out a fixed or fake one.
Durations and timeouts keep ``time.monotonic`` (or the event loop's time), which is not the wall clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "utc_now"]

Clock = Callable[[], datetime]  # returns an aware UTC datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
