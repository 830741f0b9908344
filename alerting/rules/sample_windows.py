"""Per-series recent samples, kept only as long as the longest window of the rules that read the series."""

from __future__ import annotations

from collections import deque
from itertools import pairwise
from typing import Callable

__all__ = ["COVERED_FUNCTIONS", "DEFAULT_MIN_COVERAGE", "SampleWindow", "WINDOW_FUNCTIONS", "evaluate_window"]

# The share of its window a function's samples must cover before it answers: a trend fitted to the first
# seconds of a series (a disk "full in 2 days" from three samples) is noise, not a trend.
DEFAULT_MIN_COVERAGE = 0.5


class SampleWindow:
    """Samples ``(t_s, value)`` in time order; older ones than ``retention_s`` behind the newest are dropped."""

    __slots__ = ("retention_s", "samples")

    def __init__(self, retention_s: float):
        self.retention_s = retention_s
        self.samples: deque[tuple[float, float]] = deque()

    def add(self, t_s: float, value: float) -> None:
        samples = self.samples
        if samples and t_s <= samples[-1][0]:
            if t_s == samples[-1][0]:
                samples[-1] = (t_s, value)
            return  # a late sample cannot change what has already been evaluated
        samples.append((t_s, value))
        oldest_kept = t_s - self.retention_s
        while samples[0][0] < oldest_kept:
            samples.popleft()

    def newest_s(self) -> float | None:
        return self.samples[-1][0] if self.samples else None

    def since(self, start_s: float) -> list[tuple[float, float]]:
        """The samples at or after ``start_s`` (scans from the newest end: windows are short)."""
        recent = []
        for sample in reversed(self.samples):
            if sample[0] < start_s:
                break
            recent.append(sample)
        recent.reverse()
        return recent

    def coverage(self, now_s: float, window_s: float) -> float:
        """The share of the window ``(now_s - window_s, now_s]`` its samples cover, each sample standing for
        one sampling interval (their mean spacing): 0 with fewer than two samples, at most 1."""
        samples = self.since(now_s - window_s)
        if len(samples) < 2 or window_s <= 0:
            return 0.0
        span_s = samples[-1][0] - samples[0][0]
        return min(1.0, span_s * len(samples) / (len(samples) - 1) / window_s)


def _last(window: SampleWindow, now_s: float, window_s: float) -> float | None:
    return window.samples[-1][1] if window.samples else None


def _aggregate(combine: Callable[[list[float]], float]) -> Callable[[SampleWindow, float, float], float | None]:
    def evaluate(window: SampleWindow, now_s: float, window_s: float) -> float | None:
        values = [value for _, value in window.since(now_s - window_s)]
        return combine(values) if values else None
    return evaluate


def _count(window: SampleWindow, now_s: float, window_s: float) -> float:
    return float(len(window.since(now_s - window_s)))


def _rate(window: SampleWindow, now_s: float, window_s: float) -> float | None:
    """Per-second increase of a counter; a drop means the counter restarted from zero."""
    samples = window.since(now_s - window_s)
    if len(samples) < 2:
        return None
    increase = 0.0
    for (_, previous), (_, current) in pairwise(samples):
        increase += current - previous if current >= previous else current
    return increase / (samples[-1][0] - samples[0][0])


def _seconds_until_full(window: SampleWindow, now_s: float, window_s: float) -> float | None:
    """For a ratio gauge (0–1, e.g. filesystem usage): seconds until the least-squares trend over the
    window reaches 1; None when it is not rising (so a cleanup never looks like a fast fill)."""
    samples = window.since(now_s - window_s)
    if len(samples) < 3:
        return None
    mean_t = sum(t for t, _ in samples) / len(samples)
    mean_v = sum(v for _, v in samples) / len(samples)
    spread = sum((t - mean_t) ** 2 for t, _ in samples)
    slope = sum((t - mean_t) * (v - mean_v) for t, v in samples) / spread if spread else 0.0
    if slope <= 0:
        return None
    fitted_now = mean_v + slope * (samples[-1][0] - mean_t)
    return max(0.0, (1.0 - fitted_now) / slope)


def _seconds_since_last(window: SampleWindow, now_s: float, window_s: float) -> float | None:
    newest = window.newest_s()
    return None if newest is None else now_s - newest


WINDOW_FUNCTIONS: dict[str, Callable[[SampleWindow, float, float], float | None]] = {
    "last": _last,
    "avg": _aggregate(lambda values: sum(values) / len(values)),
    "min": _aggregate(min),
    "max": _aggregate(max),
    "count": _count,
    "rate": _rate,
    "seconds_until_full": _seconds_until_full,
    "absent": _seconds_since_last,  # the value of an absent alert: seconds without a sample
}
# The functions of a window's samples (``last`` has no window; ``absent`` counts time since the newest sample).
COVERED_FUNCTIONS = frozenset(WINDOW_FUNCTIONS) - {"last", "absent"}


def evaluate_window(function: str, window: SampleWindow, now_s: float, window_s: float,
                    min_coverage: float = DEFAULT_MIN_COVERAGE) -> float | None:
    """``function`` over the window; None (no answer) while its samples cover less than ``min_coverage`` of it."""
    if function in COVERED_FUNCTIONS and window.coverage(now_s, window_s) < min_coverage:
        return None
    return WINDOW_FUNCTIONS[function](window, now_s, window_s)
