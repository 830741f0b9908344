"""English words of check messages that the agent and the collector both say: the agent in the English text
it sends as the fallback, the collector in its English catalogue (``itops.collector.check_messages``)."""

from __future__ import annotations

__all__ = ["clock_offset"]


def clock_offset(drift_s: float) -> str:
    """A clock's offset from true time: ``in time``, ``45 s slow``, ``10 min fast``."""
    if drift_s == 0:
        return "in time"
    magnitude = abs(drift_s)
    amount = f"{magnitude / 60:.0f} min" if magnitude >= 120 else f"{magnitude:.0f} s"
    return f"{amount} {'fast' if drift_s > 0 else 'slow'}"
