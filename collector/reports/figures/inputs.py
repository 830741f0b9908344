"""What the monthly SLA report is computed from: one month's incidents and what the collector observed.

The collector gathers these (``itops.collector.reports.sources.monthly_inputs``); ``figures.monthly_report`` turns
them into figures. Keeping the two apart lets tests and benchmarks hand-build a month.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from itops.alerting.incidents.model import Incident, TimelineEntry
from itops.alerting.muting.maintenance import MaintenancePeriod
from itops.entities import EntityKind

if TYPE_CHECKING:
    from itops.alerting.incidents.sla import SlaPolicy

__all__ = ["AvailabilityRow", "ConsumableReplacement", "MonthlyInputs", "NoisyEntity", "ReportMonth", "report_month"]


@dataclass(frozen=True, slots=True)
class ReportMonth:
    """A calendar month in the report's zone, as the UTC instants [start, end)."""

    label: str  # "2026-10"
    time_zone: str
    start: datetime
    end: datetime

    def previous(self) -> ReportMonth:
        local = self.start.astimezone(ZoneInfo(self.time_zone))
        year, month = local.year, local.month
        return report_month(f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}", self.time_zone)


def report_month(label: str, time_zone: str = "Asia/Shanghai") -> ReportMonth:
    """``"2026-10"`` → that month's bounds, local midnight of the 1st to local midnight of the next 1st."""
    try:
        year, month = (int(part) for part in label.split("-"))
        first = datetime(year, month, 1, tzinfo=ZoneInfo(time_zone))
    except ValueError:
        raise ValueError(f"month {label!r}: expected YYYY-MM, e.g. 2026-10") from None
    following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=ZoneInfo(time_zone))
    return ReportMonth(f"{year:04d}-{month:02d}", time_zone, first.astimezone(UTC), following.astimezone(UTC))


@dataclass(frozen=True, slots=True)
class AvailabilityRow:
    """One host, device or service over the month. Downtime is time its availability alerts were firing."""

    kind: EntityKind
    name: str
    asset_number: str | None
    period_s: float
    planned_s: float  # downtime inside maintenance windows covering it
    unplanned_s: float  # downtime outside them
    maintenance_s: float  # all time inside maintenance windows covering it, down or not
    completeness: float  # share of the period with data, 0–1

    @property
    def availability(self) -> float | None:
        """1 − unplanned downtime ÷ (period − planned maintenance); None when maintenance covered it all."""
        counted = self.period_s - self.maintenance_s
        return None if counted <= 0 else 1.0 - self.unplanned_s / counted


@dataclass(frozen=True, slots=True)
class NoisyEntity:
    kind: EntityKind
    name: str
    alerts: int  # firing episodes that started in the month


@dataclass(frozen=True, slots=True)
class ConsumableReplacement:
    device: str
    supply: str  # e.g. "Black Toner Cartridge"
    at: datetime
    level_before: float  # percent
    level_after: float


@dataclass(frozen=True)
class MonthlyInputs:
    month: ReportMonth
    previous_month: ReportMonth
    incidents: Sequence[Incident]  # opened in `month`
    timelines: Mapping[str, Sequence[TimelineEntry]]  # by incident id, for these and the previous month's
    previous_incidents: Sequence[Incident]  # opened in `previous_month`, for the trend
    sla: SlaPolicy
    maintenance: Sequence[MaintenancePeriod]  # every period overlapping either month
    availability: Sequence[AvailabilityRow]
    previous_availability: Sequence[AvailabilityRow]
    noisy: Sequence[NoisyEntity]  # most alerts first
    consumables: Sequence[ConsumableReplacement]
    generated_at: datetime
