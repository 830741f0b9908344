"""The daily inspection report (巡检日报): every host and device with its state, the open incidents with
their SLA clocks, and what needs attention tomorrow (supplies and disks running out, certificates expiring,
UPS batteries to replace, stale backups).

The collector gathers the entities and forecasts (``itops.collector.reports.sources.daily_inputs``); this module
only selects and orders, so a test can hand-build a day (``render.daily_to_html_and_text`` writes it out).
Entities are read through their attributes (``kind``, ``name``, ``status``, ``last_seen``, ``open_alerts``,
``metrics`` with their ``label``/``text``, ``checks``, ``metric(name)``; a check's message in a language is
``check.message_in(language)``): alerting does not import the collector.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from itops.alerting.incidents.model import Incident
from itops.alerting.incidents.sla import SlaStatus
from itops.alerting.rules.sample_windows import (
    DEFAULT_MIN_COVERAGE,
    SampleWindow,
    evaluate_window,
)
from itops.entities import LISTED_KINDS

__all__ = [
    "ATTENTION_HORIZON_DAYS", "STATUS_ORDER", "Attention", "AttentionKind", "DailyInspection",
    "OpenIncident", "build_daily_inspection", "days_until_full",
]

AttentionKind = Literal["toner", "disk", "certificate", "ups_battery", "backup"]
# A forecast is worth a line when it runs out within this many days.
ATTENTION_HORIZON_DAYS: dict[str, float] = {"toner": 7.0, "disk": 7.0, "certificate": 14.0}
STATUS_ORDER = ("critical", "warning", "offline", "unknown", "ok")
DAY_S = 86400.0


@dataclass(frozen=True, slots=True)
class Attention:
    kind: AttentionKind
    entity: str  # the host or device
    item: str = ""  # which supply, mountpoint or certificate
    days_left: float | None = None  # a forecast's days until it runs out; None for a state (replace battery)
    check: Any = None  # the check that is not OK (the backup's): its message is the detail


@dataclass(frozen=True, slots=True)
class OpenIncident:
    incident: Incident
    sla: SlaStatus | None = None


@dataclass(frozen=True)
class DailyInspection:
    day: date  # the local day the report is about
    time_zone: str
    generated_at: datetime
    entities: tuple[Any, ...]  # ``itops.collector.records.entity_directory.Entity`` or anything with its attributes
    incidents: tuple[OpenIncident, ...]
    attention: tuple[Attention, ...]
    evening_at: datetime | None = None  # when the day's scheduled report is made (the record of the day)

    @property
    def interim(self) -> bool:
        """Made before the day's evening run: a snapshot, not the record."""
        return self.evening_at is not None and self.generated_at < self.evening_at

    def status_counts(self) -> dict[str, int]:
        return {status: sum(1 for e in self.entities if e.status == status) for status in STATUS_ORDER}


def days_until_full(points: Sequence[tuple[float, float]], window_s: float | None = None,
                    min_coverage: float = DEFAULT_MIN_COVERAGE) -> float | None:
    """Days from the newest point until the least-squares trend of a 0–1 ratio reaches 1; None when it is
    not rising, there are fewer than three points, or they cover less than ``min_coverage`` of ``window_s``
    (the span they were asked over; default: their own span) — the rule engine's ``seconds_until_full``."""
    if not points:
        return None
    window = SampleWindow(retention_s=float("inf"))
    for t_s, value in sorted(points):
        window.add(t_s, value)
    newest_s = window.samples[-1][0]
    span_s = newest_s - window.samples[0][0]
    seconds = evaluate_window("seconds_until_full", window, newest_s, span_s if window_s is None else window_s,
                              min_coverage)
    return None if seconds is None else seconds / DAY_S


def build_daily_inspection(entities: Sequence[Any], open_incidents: Sequence[OpenIncident],
                           forecasts: Sequence[Attention], day: date, zone: str,
                           generated_at: datetime, evening_at: datetime | None = None) -> DailyInspection:
    shown = sorted((e for e in entities if e.kind in LISTED_KINDS),
                   key=lambda e: (LISTED_KINDS.index(e.kind), e.name))
    due = [f for f in forecasts if f.days_left is not None and f.days_left <= ATTENTION_HORIZON_DAYS[f.kind]]
    attention = sorted(due, key=lambda f: f.days_left) + _state_attention(shown)
    incidents = sorted(open_incidents, key=lambda o: (o.incident.severity.value, o.incident.opened_at))
    return DailyInspection(day, zone, generated_at, tuple(shown), tuple(incidents), tuple(attention), evening_at)


def _state_attention(entities: Sequence[Any]) -> list[Attention]:
    found = []
    for entity in entities:
        replace = entity.metric("battery_replace_needed") if entity.kind == "ups" else None
        if replace is not None and replace.value >= 1:
            found.append(Attention("ups_battery", entity.name, ""))
        if entity.kind == "backup" and entity.status in ("critical", "warning"):
            found.append(Attention("backup", entity.name, "", check=next((c for c in entity.checks if c.status != "OK"), None)))
    return found
