"""The monthly SLA report's figures: everything the renderers show, computed once and nothing rendered yet.

Every incident figure is computed for both months by the same code (``incident_figures``), each month's
SLA status taken as at that month's end, so the trend compares like with like. Incidents are grouped by
their current severity, whose targets the SLA policy applies.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from itops.alerting.incidents.model import Category, Incident, IncidentState, TimelineEntry, TimelineKind
from itops.alerting.muting.maintenance import MaintenancePeriod
from itops.alerting.rules.model import Severity
from itops.collector.reports.figures.inputs import (
    AvailabilityRow,
    ConsumableReplacement,
    MonthlyInputs,
    NoisyEntity,
    ReportMonth,
)
from itops.collector.reports.texts import MISSING
from itops.entities import DEVICE_KINDS, EntityKind

if TYPE_CHECKING:
    from itops.alerting.incidents.sla import ClockStatus, SlaPolicy, SlaStatus

__all__ = [
    "AvailabilityLine",
    "AvailabilitySummary",
    "Breach",
    "Compliance",
    "ComplianceRow",
    "DurationStats",
    "Headline",
    "IncidentFigures",
    "MonthlyReport",
    "OpenIncident",
    "TimingRow",
    "build_monthly_report",
    "incident_figures",
]

NOISY_TOP = 10
AvailabilityGroup = Literal["host", "device", "service"]
# The availability summaries and the kinds of entity each is over: clocks are devices, backups services.
AVAILABILITY_GROUPS: tuple[tuple[AvailabilityGroup, frozenset[EntityKind]], ...] = (
    ("host", frozenset({EntityKind.HOST})), ("device", DEVICE_KINDS | {EntityKind.ATTENDANCE_CLOCK}),
    ("service", frozenset({EntityKind.SERVICE, EntityKind.BACKUP})))
ClockName = Literal["response", "resolution"]
_FINISHED = frozenset({IncidentState.RESOLVED, IncidentState.CLOSED})


@dataclass(frozen=True, slots=True)
class DurationStats:
    count: int
    mean_s: float | None
    median_s: float | None

    @classmethod
    def of(cls, samples: Sequence[float]) -> DurationStats:
        if not samples:
            return cls(0, None, None)
        return cls(len(samples), statistics.fmean(samples), statistics.median(samples))


@dataclass(frozen=True, slots=True)
class TimingRow:
    """MTTA over incidents acknowledged by month end, MTTR over those finally resolved by then."""

    severity: Severity | None  # None: every severity together
    mtta_sla: DurationStats  # the response clock's elapsed time (SLA calendar, maintenance out)
    mtta_wall: DurationStats
    mttr_sla: DurationStats  # the resolution clock's elapsed time (SLA calendar, pauses and maintenance out)
    mttr_wall: DurationStats


@dataclass(frozen=True, slots=True)
class Compliance:
    """One clock's outcomes at month end; ``pending`` = still running and not yet over its target."""

    met: int
    breached: int
    pending: int

    @property
    def known(self) -> int:
        return self.met + self.breached

    @property
    def within_ratio(self) -> float | None:
        return self.met / self.known if self.known else None


@dataclass(frozen=True, slots=True)
class ComplianceRow:
    severity: Severity | None
    response: Compliance
    resolution: Compliance


@dataclass(frozen=True, slots=True)
class Breach:
    """One clock of one incident over its target at month end (resolved or not)."""

    incident_id: str
    title: str
    severity: Severity
    opened_at: datetime
    clock: ClockName
    target_s: float
    actual_s: float
    still_open: bool  # the clock was still running (or paused) at month end
    reason: str  # the latest breach reason written on the timeline, else the cause, else "—"

    @property
    def over_s(self) -> float:
        return self.actual_s - self.target_s


@dataclass(frozen=True, slots=True)
class OpenIncident:
    incident_id: str
    title: str
    severity: Severity
    category: Category
    opened_at: datetime
    state: IncidentState  # at month end
    assignee: str | None
    response: ClockStatus
    resolution: ClockStatus

    @property
    def breached(self) -> bool:
        return self.response.breached or self.resolution.breached


@dataclass(frozen=True, slots=True)
class IncidentFigures:
    """One month's incident figures, SLA status as at the month's end."""

    month: ReportMonth
    total: int
    by_severity: Mapping[Severity, int]  # every severity, zeros included
    by_category: Mapping[Category, int]  # every category, zeros included
    timings: tuple[TimingRow, ...]  # P1 … P4, then all
    compliance: tuple[ComplianceRow, ...]  # P1 … P4, then all
    breaches: tuple[Breach, ...]  # by severity, then opening time
    open_at_end: tuple[OpenIncident, ...]  # by severity, then opening time

    @property
    def overall_timing(self) -> TimingRow:
        return self.timings[-1]

    @property
    def overall_compliance(self) -> ComplianceRow:
        return self.compliance[-1]

    @property
    def breached_incidents(self) -> int:
        return len({breach.incident_id for breach in self.breaches})


@dataclass(frozen=True, slots=True)
class AvailabilityLine:
    row: AvailabilityRow
    previous: float | None  # the same entity's availability the month before, if it was there


@dataclass(frozen=True, slots=True)
class AvailabilitySummary:
    kind: AvailabilityGroup | None  # None: hosts, devices and services together (no lines)
    lines: tuple[AvailabilityLine, ...]  # worst first; fully-maintained entities (no availability) last
    mean_availability: float | None
    previous_mean_availability: float | None
    mean_completeness: float | None
    planned_s: float
    unplanned_s: float


@dataclass(frozen=True, slots=True)
class Headline:
    key: str  # the label key in texts.py
    unit: Literal["count", "seconds", "ratio"]
    better: Literal["higher", "lower"]
    current: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        return None if self.current is None or self.previous is None else self.current - self.previous


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    month: ReportMonth
    previous_month: ReportMonth
    generated_at: datetime
    current: IncidentFigures
    previous: IncidentFigures
    headlines: tuple[Headline, ...]
    availability: tuple[AvailabilitySummary, ...]  # host, device, service, then all together
    noisy: tuple[NoisyEntity, ...]  # top 10, most alerts first
    consumables: tuple[ConsumableReplacement, ...]  # in time order

    @property
    def time_zone(self) -> str:
        return self.month.time_zone


def build_monthly_report(inputs: MonthlyInputs) -> MonthlyReport:
    current = incident_figures(inputs.month, inputs.incidents, inputs.timelines, inputs.sla, inputs.maintenance,
                               as_at=inputs.generated_at)
    previous = incident_figures(inputs.previous_month, inputs.previous_incidents, inputs.timelines, inputs.sla,
                                inputs.maintenance, as_at=inputs.generated_at)
    availability = availability_summaries(inputs.availability, inputs.previous_availability)
    return MonthlyReport(
        month=inputs.month, previous_month=inputs.previous_month, generated_at=inputs.generated_at,
        current=current, previous=previous, headlines=_headlines(current, previous, availability),
        availability=availability,
        noisy=tuple(sorted(inputs.noisy, key=lambda entity: -entity.alerts)[:NOISY_TOP]),
        consumables=tuple(sorted(inputs.consumables, key=lambda replacement: replacement.at)),
    )


@dataclass(frozen=True, slots=True)
class _Assessed:
    """One incident as it stood at month end."""

    incident: Incident
    timeline: Sequence[TimelineEntry]
    sla: SlaStatus
    wall_response_s: float | None
    wall_resolution_s: float | None
    state: IncidentState


def incident_figures(month: ReportMonth, incidents: Sequence[Incident],
                     timelines: Mapping[str, Sequence[TimelineEntry]], sla: SlaPolicy,
                     maintenance: Sequence[MaintenancePeriod], as_at: datetime | None = None) -> IncidentFigures:
    """The figures of ``incidents`` (those opened in ``month``), their SLA status as at the month's end — or as
    at ``as_at`` for a month not over yet (a report asked for mid-month must not look into the future)."""
    at = month.end if as_at is None else min(month.end, as_at)
    periods = [p for p in maintenance if p.start < month.end and p.end > month.start]  # fewer for the policy to scan
    assessed = [_assess(incident, timelines.get(incident.id, ()), sla, at, periods) for incident in incidents]
    groups = [(severity, [a for a in assessed if a.incident.severity is severity]) for severity in Severity]
    groups.append((None, assessed))
    ordered = sorted(assessed, key=lambda a: (_severity_rank(a.incident.severity), a.incident.opened_at,
                                              a.incident.id))
    return IncidentFigures(
        month=month, total=len(assessed),
        by_severity={severity: len(members) for severity, members in groups[:-1]},
        by_category={category: sum(a.incident.category is category for a in assessed) for category in Category},
        timings=tuple(_timing(severity, members) for severity, members in groups),
        compliance=tuple(ComplianceRow(severity, _compliance(a.sla.response for a in members),
                                       _compliance(a.sla.resolution for a in members))
                         for severity, members in groups),
        breaches=tuple(breach for a in ordered for breach in _breaches(a)),
        open_at_end=tuple(_open_incident(a) for a in ordered if a.state not in _FINISHED),
    )


def _assess(incident: Incident, timeline: Sequence[TimelineEntry], sla: SlaPolicy, at: datetime,
            maintenance: Sequence[MaintenancePeriod]) -> _Assessed:
    status, wall_response_s, wall_resolution_s = sla.status_and_wall_clock_times(incident, timeline, at, maintenance)
    return _Assessed(incident, timeline, status, wall_response_s, wall_resolution_s, state_at(timeline, at))


def state_at(timeline: Iterable[TimelineEntry], at: datetime) -> IncidentState:
    """The state the incident's transitions had left it in at ``at`` (open before the first one)."""
    state = IncidentState.OPEN
    for entry in timeline:
        if entry.kind is TimelineKind.TRANSITION and entry.at <= at and entry.to_value is not None:
            state = IncidentState(entry.to_value)
    return state


def _timing(severity: Severity | None, members: Sequence[_Assessed]) -> TimingRow:
    return TimingRow(
        severity=severity,
        mtta_sla=DurationStats.of([a.sla.response.elapsed_s for a in members if a.sla.response.stopped_at is not None]),
        mtta_wall=DurationStats.of([a.wall_response_s for a in members if a.wall_response_s is not None]),
        mttr_sla=DurationStats.of([a.sla.resolution.elapsed_s for a in members if a.sla.resolution.stopped_at is not None]),
        mttr_wall=DurationStats.of([a.wall_resolution_s for a in members if a.wall_resolution_s is not None]),
    )


def _compliance(clocks: Iterable[ClockStatus]) -> Compliance:
    met = breached = pending = 0
    for clock in clocks:
        if clock.breached:
            breached += 1
        elif clock.state == "met":
            met += 1
        else:
            pending += 1
    return Compliance(met, breached, pending)


def _breaches(assessed: _Assessed) -> Iterable[Breach]:
    incident = assessed.incident
    for name, clock in (("response", assessed.sla.response), ("resolution", assessed.sla.resolution)):
        if clock.breached:
            yield Breach(incident.id, incident.title, incident.severity, incident.opened_at, name, clock.target_s,
                         clock.elapsed_s, clock.stopped_at is None, _breach_reason(incident, assessed.timeline))


def _breach_reason(incident: Incident, timeline: Sequence[TimelineEntry]) -> str:
    for entry in reversed(timeline):
        if entry.kind is TimelineKind.BREACH_REASON and entry.text:
            return entry.text
    return incident.cause or MISSING


def _open_incident(assessed: _Assessed) -> OpenIncident:
    incident = assessed.incident
    return OpenIncident(incident.id, incident.title, incident.severity, incident.category, incident.opened_at,
                        assessed.state, incident.assignee, assessed.sla.response, assessed.sla.resolution)


def _severity_rank(severity: Severity) -> int:
    return list(Severity).index(severity)


def availability_summaries(rows: Sequence[AvailabilityRow],
                           previous_rows: Sequence[AvailabilityRow]) -> tuple[AvailabilitySummary, ...]:
    previous = {(row.kind, row.name): row.availability for row in previous_rows}
    summaries = [_summary(group, [r for r in rows if r.kind in kinds], [r for r in previous_rows if r.kind in kinds],
                          previous) for group, kinds in AVAILABILITY_GROUPS]
    overall = replace(_summary(None, rows, previous_rows, previous), lines=())
    return (*summaries, overall)


def _summary(kind: AvailabilityGroup | None, rows: Sequence[AvailabilityRow], previous_rows: Sequence[AvailabilityRow],
             previous: Mapping[tuple[str, str], float | None]) -> AvailabilitySummary:
    worst_first = sorted(rows, key=lambda r: (r.availability is None, r.availability or 0.0, r.name))
    return AvailabilitySummary(
        kind=kind, lines=tuple(AvailabilityLine(row, previous.get((row.kind, row.name))) for row in worst_first),
        mean_availability=_mean(row.availability for row in rows),
        previous_mean_availability=_mean(row.availability for row in previous_rows),
        mean_completeness=_mean(row.completeness for row in rows),
        planned_s=sum(row.planned_s for row in rows), unplanned_s=sum(row.unplanned_s for row in rows),
    )


def _mean(values: Iterable[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.fmean(present) if present else None


def _headlines(current: IncidentFigures, previous: IncidentFigures,
               availability: Sequence[AvailabilitySummary]) -> tuple[Headline, ...]:
    def both(figure) -> tuple[float | None, float | None]:
        return figure(current), figure(previous)

    headlines = [
        Headline("incidents_total", "count", "lower", *both(lambda f: f.total)),
        Headline("incidents_p1", "count", "lower", *both(lambda f: f.by_severity[Severity.P1])),
        Headline("mtta_sla_mean", "seconds", "lower", *both(lambda f: f.overall_timing.mtta_sla.mean_s)),
        Headline("mttr_sla_mean", "seconds", "lower", *both(lambda f: f.overall_timing.mttr_sla.mean_s)),
        Headline("response_within", "ratio", "higher",
                 *both(lambda f: f.overall_compliance.response.within_ratio)),
        Headline("resolution_within", "ratio", "higher",
                 *both(lambda f: f.overall_compliance.resolution.within_ratio)),
        Headline("breached_incidents", "count", "lower", *both(lambda f: f.breached_incidents)),
        Headline("open_count", "count", "lower", *both(lambda f: len(f.open_at_end))),
    ]
    for summary in availability:
        key = f"availability_{summary.kind}" if summary.kind else "availability_overall"
        headlines.append(Headline(key, "ratio", "higher", summary.mean_availability,
                                  summary.previous_mean_availability))
    return tuple(headlines)
