"""When a printer supply was replaced: the one definition the agent and the collector share.

The agent sends a supply's share left (toner or ink left: ``itops_printer_supply_remaining_ratio``, 0–1) and no
replacement signal of its own. A new or refilled cartridge (or an emptied waste box, whose share left is its
space) shows as that share jumping up; smaller rises are the printer re-estimating its level. The agent starts
a supply's forecast afresh at a replacement and the monthly report counts replacements, both by
``supply_replaced``.
"""

from __future__ import annotations

__all__ = ["REPLACEMENT_RISE_POINTS", "supply_replaced"]

REPLACEMENT_RISE_POINTS = 40.0  # percentage points of the share left


def supply_replaced(before_ratio: float, after_ratio: float) -> bool:
    """Whether the share left rising from ``before_ratio`` to ``after_ratio`` is a replacement: a rise of at least
    ``REPLACEMENT_RISE_POINTS`` points, counted to the tenth of a point the reports show levels in (0.55 → 0.95 is
    39.99999999999999 points in binary, and 40 as read)."""
    return round((after_ratio - before_ratio) * 100.0, 1) >= REPLACEMENT_RISE_POINTS
