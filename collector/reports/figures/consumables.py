"""Printer supplies replaced in a month, read off the level history: a rise of the share left from one hourly
point to the next that ``itops.common.supply_replacement`` calls a replacement (the agent's rule too).

The series read is ``itops_printer_supply_remaining_ratio``, which the printer profile reports only for
consumed supplies with a measured level: the sentinels (-3 "some remaining", -2 unknown) never become
points, so they can neither fake a replacement nor hide one (the rise is measured from the last real level).
Receptacles (waste toner) report a fill ratio instead and are not counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from itops.collector.reports.figures.inputs import ConsumableReplacement
from itops.common.supply_replacement import supply_replaced

__all__ = ["REMAINING_RATIO_METRIC", "supply_replacements"]

REMAINING_RATIO_METRIC = "itops_printer_supply_remaining_ratio"


def supply_replacements(device: str, supply: str, timestamps_ms: Sequence[int], remaining_ratios: Sequence[float],
                        start: datetime, end: datetime) -> list[ConsumableReplacement]:
    """Replacements of one supply seen in [start, end), from its hourly points (oldest first; include the
    point before ``start`` so that a replacement in the first hour is seen)."""
    found = []
    for index in range(1, len(timestamps_ms)):
        before, after = remaining_ratios[index - 1], remaining_ratios[index]
        at = datetime.fromtimestamp(timestamps_ms[index] / 1000, UTC)
        if supply_replaced(before, after) and start <= at < end:
            found.append(ConsumableReplacement(device, supply, at, round(before * 100.0, 1), round(after * 100.0, 1)))
    return found
