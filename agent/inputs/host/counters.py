"""Turn ever-growing counters into differences between two gathers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["CounterDelta", "CounterTracker"]


@dataclass(frozen=True)
class CounterDelta:
    elapsed_s: float
    deltas: tuple[float, ...]

    def per_second(self) -> tuple[float, ...]:
        return tuple(delta / self.elapsed_s for delta in self.deltas)


class CounterTracker:
    """Remembers the last counters of each key (a disk, an interface, a CPU) and the time they were read.

    A key seen for the first time, or whose counters went down (reset, wrap, device replaced or recreated),
    gives no delta that round and starts over from the new values. Keys no longer reported are forgotten.
    """

    def __init__(self) -> None:
        self._last: dict[str, tuple[float, Sequence[float]]] = {}

    def update(self, counters: Mapping[str, Sequence[float]], now: float) -> dict[str, CounterDelta]:
        previous, self._last = self._last, {key: (now, values) for key, values in counters.items()}
        result: dict[str, CounterDelta] = {}
        for key, values in counters.items():
            if key not in previous:
                continue
            then, old_values = previous[key]
            deltas = tuple(new - old for new, old in zip(values, old_values, strict=True))
            if now > then and min(deltas, default=0) >= 0:
                result[key] = CounterDelta(now - then, deltas)
        return result
