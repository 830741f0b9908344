"""How long a printer supply lasts at its recent rate: a least-squares line through its share left.

Each supply keeps a bounded history in ``device.state``: at most one point an hour over the last 30 days.
A forecast needs a falling trend over enough points and time; a supply replaced (or refilled: its share left
jumped up, ``itops.common.supply_replacement``) starts its history again.
"""

from __future__ import annotations

from typing import Any

from itops.common.supply_replacement import supply_replaced

__all__ = ["HISTORY_WINDOW_S", "MIN_HISTORY_POINTS", "MIN_HISTORY_SPAN_S", "forecast_exhausted_s", "forget_stale_supplies"]

HISTORY_STATE_KEY = "printer_supply_history"
HISTORY_WINDOW_S = 30 * 86400
HISTORY_SPACING_S = 3600
MIN_HISTORY_POINTS = 5
MIN_HISTORY_SPAN_S = 2 * 86400


def forecast_exhausted_s(state: dict[str, Any], supply_key: str, now_s: float, left_ratio: float) -> float | None:
    """Record this poll's share left; seconds until it reaches 0 at the fitted rate, or None without a
    falling trend."""
    histories = state.setdefault(HISTORY_STATE_KEY, {})
    history = _record(histories.get(supply_key, []), now_s, left_ratio)
    histories[supply_key] = history
    slope = _falling_slope(history)
    return None if slope is None else left_ratio / -slope


def forget_stale_supplies(state: dict[str, Any], now_s: float) -> None:
    """Drop the history of supplies not seen for a whole window (removed, renumbered)."""
    histories = state.get(HISTORY_STATE_KEY, {})
    for key in [key for key, history in histories.items() if now_s - history[-1][0] > HISTORY_WINDOW_S]:
        del histories[key]


def _record(history: list, now_s: float, left_ratio: float) -> list:
    if history and supply_replaced(history[-1][1], left_ratio):
        history = []
    recent = [point for point in history if now_s - point[0] <= HISTORY_WINDOW_S]
    if not recent or now_s - recent[-1][0] >= HISTORY_SPACING_S:
        recent.append([now_s, left_ratio])
    return recent


def _falling_slope(history: list) -> float | None:
    """Least-squares slope in ratio per second, when negative and backed by enough data."""
    if len(history) < MIN_HISTORY_POINTS or history[-1][0] - history[0][0] < MIN_HISTORY_SPAN_S:
        return None
    times = [point[0] for point in history]
    ratios = [point[1] for point in history]
    mean_time = sum(times) / len(times)
    mean_ratio = sum(ratios) / len(ratios)
    covariance = sum((time - mean_time) * (ratio - mean_ratio) for time, ratio in zip(times, ratios))
    variance = sum((time - mean_time) ** 2 for time in times)
    slope = covariance / variance
    return slope if slope < 0 else None
