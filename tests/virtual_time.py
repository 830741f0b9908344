"""An asyncio event loop on virtual time, for tests of code that waits (group_wait, backoff, timeouts).

When every task is waiting on a timer and no I/O is ready, the loop jumps its clock to the next timer
instead of sleeping, so a scenario of hours takes milliseconds and every wait ends at exactly its
deadline: no test depends on how busy the machine is. Real I/O still wakes the loop as usual; with
nothing scheduled at all it blocks on I/O like any loop. ``wall_clock`` is the matching wall clock."""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

__all__ = ["EPOCH", "VirtualTimeLoop", "run_virtual"]

EPOCH = datetime(2031, 3, 4, 19, 30, tzinfo=UTC)  # the wall time at loop time 0; no real date
T = TypeVar("T")


class _JumpingSelector(selectors.DefaultSelector):
    def __init__(self, loop: VirtualTimeLoop):
        super().__init__()
        self._loop = loop

    def select(self, timeout: float | None = None):
        if timeout is None:  # nothing scheduled: only I/O can wake the loop
            return super().select(None)
        ready = super().select(0)
        if not ready:
            self._loop.advance(timeout)
        return ready


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self):
        self._virtual_s = 0.0
        super().__init__(_JumpingSelector(self))

    def time(self) -> float:
        return self._virtual_s

    def advance(self, seconds: float) -> None:
        self._virtual_s += seconds

    def wall_clock(self) -> datetime:
        return EPOCH + timedelta(seconds=self._virtual_s)


def run_virtual(main: Awaitable[T]) -> T:
    """``asyncio.run`` on a fresh VirtualTimeLoop."""
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(main)
