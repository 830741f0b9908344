"""SLA clocks (SLA 计时): how long an incident took to be acknowledged and resolved, against its targets.

Response time (响应时间) runs from opening to the first acknowledgement. Resolution time (解决时间) is the
time spent not resolved between opening and the final resolution: a reopened incident's resolved gap does
not count, nor (with ``pause_while_waiting_for_vendor``) time spent waiting for a vendor. Both count on the
calendar named by the incident's severity's target (7x24 or business hours) and, with
``exclude_maintenance``, leave out time inside maintenance periods that cover every affected asset. The
state history comes from the timeline's TRANSITION entries; docs/sla.md has the full definitions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from itops.alerting.incidents.model import Incident, IncidentState, TimelineEntry, TimelineKind
from itops.alerting.incidents.sla_calendar import BusinessCalendar, aware_utc
from itops.alerting.incidents.sla_config import SlaConfig, check_sla
from itops.alerting.muting.maintenance import MaintenancePeriod
from itops.alerting.rules.model import Severity
from itops.entities import ASSET_LABELS

__all__ = ["ClockStatus", "SlaPolicy", "SlaStatus", "sla_status_json"]

Interval = tuple[datetime, datetime]
ClockState = Literal["running", "paused", "met", "breached"]
_S = IncidentState
_RESOLVED_STATES = frozenset({_S.RESOLVED, _S.CLOSED})


@dataclass(frozen=True, slots=True)
class ClockStatus:
    target_s: float
    elapsed_s: float
    remaining_s: float  # target − elapsed, negative once over
    deadline: datetime | None  # when the target runs (or ran) out if nothing changes; None when stopped or paused
    state: ClockState  # met/breached = stopped (acknowledged / finally resolved)
    calendar: str  # name of the calendar this clock counts on
    breached: bool  # elapsed > target, also while still running once over
    stopped_at: datetime | None
    counting: bool  # running and ticking at that moment: inside its calendar's hours, outside covering maintenance


@dataclass(frozen=True, slots=True)
class SlaStatus:
    response: ClockStatus
    resolution: ClockStatus


@dataclass(frozen=True, slots=True)
class _History:
    """An incident's state intervals as known at ``at``: [(state, start, end)], the last one ending at ``at``."""

    opened: datetime
    at: datetime
    intervals: tuple[tuple[IncidentState, datetime, datetime], ...]
    acknowledged: datetime | None
    severity: Severity

    @property
    def state(self) -> IncidentState:
        return self.intervals[-1][0]

    @property
    def final_resolution(self) -> datetime | None:
        """When the incident was last resolved, if it is resolved (or closed) at ``at``."""
        if self.state not in _RESOLVED_STATES:
            return None
        return next((start for state, start, _ in reversed(self.intervals) if state is _S.RESOLVED), self.intervals[-1][1])

    @property
    def counted_until(self) -> datetime:
        """No clock counts past this: ``at``, or once both clocks have stopped, the later stop."""
        resolved = self.final_resolution
        if resolved is None or self.acknowledged is None:
            return self.at
        return max(resolved, self.acknowledged)

    def unresolved(self, counted: frozenset[IncidentState]) -> list[Interval]:
        """The intervals spent in ``counted`` states, back-to-back ones joined (fewer calendar sums)."""
        joined: list[Interval] = []
        for state, start, end in self.intervals:
            if state not in counted or end <= start:
                continue
            if joined and joined[-1][1] == start:
                joined[-1] = (joined[-1][0], end)
            else:
                joined.append((start, end))
        return joined


def _history(incident: Incident, timeline: Sequence[TimelineEntry], at: datetime) -> _History:
    opened = incident.opened_at
    at = max(aware_utc(at, "at"), opened)  # asked about a moment before opening: nothing has elapsed yet
    moves = _moves(incident, timeline, at)
    intervals, state, since = [], _S.OPEN, opened
    for moved_at, to_state in moves:
        moved_at = max(moved_at, opened)
        intervals.append((state, since, moved_at))
        state, since = to_state, moved_at
    intervals.append((state, since, at))
    acks = [moved_at for moved_at, to_state in moves if to_state is _S.ACKNOWLEDGED]
    if incident.acknowledged_at is not None and incident.acknowledged_at <= at:
        acks.append(incident.acknowledged_at)
    return _History(opened, at, tuple(intervals), max(min(acks), opened) if acks else None,
                    _severity_at(incident, timeline, at))


def _moves(incident: Incident, timeline: Sequence[TimelineEntry], at: datetime) -> list[tuple[datetime, IncidentState]]:
    """State changes up to ``at``. A timeline without transitions (e.g. a caller that did not load it) falls
    back to the incident's own acknowledged/resolved/closed times, which is exact unless it paused or reopened."""
    transitions = [entry for entry in timeline if entry.kind == TimelineKind.TRANSITION]
    if transitions:
        moves = [(entry.at, IncidentState(entry.to_value)) for entry in transitions]
    else:
        moves = [(moment, state) for moment, state in ((incident.acknowledged_at, _S.ACKNOWLEDGED),
                                                        (incident.resolved_at, _S.RESOLVED),
                                                        (incident.closed_at, _S.CLOSED)) if moment is not None]
    return sorted((move for move in moves if move[0] <= at), key=lambda move: move[0])


def _severity_at(incident: Incident, timeline: Sequence[TimelineEntry], at: datetime) -> Severity:
    changes = [entry for entry in timeline if entry.kind == TimelineKind.SEVERITY]
    before = [entry for entry in changes if entry.at <= at]
    if before:
        return Severity(max(before, key=lambda entry: entry.at).to_value)
    if changes:  # every change came later: the severity then was the first change's "from"
        return Severity(min(changes, key=lambda entry: entry.at).from_value)
    return incident.severity


class SlaPolicy:
    """Computes an incident's response and resolution clocks; calendars are built once per policy."""

    def __init__(self, config: SlaConfig):
        check_sla(config)
        self.config = config
        self.targets = config.all_targets()
        self._calendars = {name: BusinessCalendar(calendar) for name, calendar in config.all_calendars().items()}
        counted = {_S.OPEN, _S.ACKNOWLEDGED, _S.IN_PROGRESS, _S.WAITING_FOR_VENDOR}
        if config.pause_while_waiting_for_vendor:
            counted.discard(_S.WAITING_FOR_VENDOR)
        self._resolution_states = frozenset(counted)

    def calendar(self, name: str) -> BusinessCalendar:
        return self._calendars[name]

    def status(self, incident: Incident, timeline: Sequence[TimelineEntry], at: datetime,
               maintenance: Sequence[MaintenancePeriod] = ()) -> SlaStatus:
        """Both clocks as known at ``at``: only timeline entries (and incident times) at or before it count,
        so a report can ask "as at the end of the month". A running clock's deadline assumes the incident
        stays as it is and ignores maintenance after ``at``; a clock already over shows when it ran out."""
        return self._status(incident, _history(incident, timeline, at), maintenance)

    def wall_clock_times(self, incident: Incident, timeline: Sequence[TimelineEntry],
                         at: datetime) -> tuple[float | None, float | None]:
        """(response_s, resolution_s) in plain wall-clock seconds, without calendar, pause or maintenance;
        resolution is the time not resolved (a reopen's resolved gap left out). None if not yet acknowledged /
        not resolved at ``at``."""
        return _wall_clock_times(_history(incident, timeline, at))

    def status_and_wall_clock_times(
        self, incident: Incident, timeline: Sequence[TimelineEntry], at: datetime,
        maintenance: Sequence[MaintenancePeriod] = (),
    ) -> tuple[SlaStatus, float | None, float | None]:
        """``status`` and ``wall_clock_times`` together, the history read once (a monthly report asks both
        of thousands of incidents)."""
        history = _history(incident, timeline, at)
        return self._status(incident, history, maintenance), *_wall_clock_times(history)

    def _status(self, incident: Incident, history: _History, maintenance: Sequence[MaintenancePeriod]) -> SlaStatus:
        target = self.targets[history.severity]
        excluded = self._covering(incident, maintenance, history) if self.config.exclude_maintenance else []
        response_until = history.acknowledged or history.at
        response = self._clock(target.respond, target.respond_calendar, [(history.opened, response_until)],
                               excluded, history.at, stopped_at=history.acknowledged, paused=False)
        paused = history.state is _S.WAITING_FOR_VENDOR and self.config.pause_while_waiting_for_vendor
        resolution = self._clock(target.resolve, target.resolve_calendar, history.unresolved(self._resolution_states),
                                 excluded, history.at, stopped_at=history.final_resolution, paused=paused)
        return SlaStatus(response, resolution)

    def _clock(self, target_s: float, calendar_name: str, running: list[Interval], excluded: list[Interval],
               at: datetime, stopped_at: datetime | None, paused: bool) -> ClockStatus:
        calendar = self._calendars[calendar_name]
        counted = [piece for start, end in running for piece in _uncovered(start, end, excluded)]
        elapsed_s = sum(calendar.elapsed(start, end).total_seconds() for start, end in counted)
        breached = elapsed_s > target_s
        if stopped_at is not None:
            state: ClockState = "breached" if breached else "met"
            deadline = None
        elif paused:
            state, deadline = "paused", None
        else:
            state, deadline = "running", _runs_out_at(calendar, counted, target_s, at)
        counting = state == "running" and calendar.counts_at(at) and not _inside(at, excluded)
        return ClockStatus(target_s=float(target_s), elapsed_s=elapsed_s, remaining_s=target_s - elapsed_s,
                           deadline=deadline, state=state, calendar=calendar_name, breached=breached,
                           stopped_at=stopped_at, counting=counting)

    @staticmethod
    def _covering(incident: Incident, maintenance: Iterable[MaintenancePeriod], history: _History) -> list[Interval]:
        """Maintenance up to ``at`` that covers every affected asset, sorted; no assets, never covered."""
        if not incident.assets:
            return []
        until = history.counted_until
        covering = [
            (max(period.start, history.opened), min(period.end, history.at)) for period in maintenance
            if period.start < until and period.end > history.opened
            and all(any(period.covers({label: asset.name}) for label in ASSET_LABELS) for asset in incident.assets)
        ]
        return sorted(covering)


def _wall_clock_times(history: _History) -> tuple[float | None, float | None]:
    response = None if history.acknowledged is None else (history.acknowledged - history.opened).total_seconds()
    if history.final_resolution is None:
        return response, None
    unresolved = history.unresolved(frozenset(IncidentState) - _RESOLVED_STATES)
    return response, sum((end - start).total_seconds() for start, end in unresolved)


def _inside(moment: datetime, excluded: list[Interval]) -> bool:
    """Whether ``moment`` is in an excluded interval; one clipped at ``moment`` is still going on."""
    return any(start <= moment <= end for start, end in excluded)


def _uncovered(start: datetime, end: datetime, excluded: list[Interval]) -> Iterator[Interval]:
    """The parts of [start, end) outside ``excluded`` (sorted by start; may overlap)."""
    cursor = start
    for excluded_start, excluded_end in excluded:
        if excluded_start >= end:
            break
        if excluded_end <= cursor:
            continue
        if excluded_start > cursor:
            yield cursor, excluded_start
        cursor = excluded_end
        if cursor >= end:
            return
    if cursor < end:
        yield cursor, end


def _runs_out_at(calendar: BusinessCalendar, counted: list[Interval], target_s: float, at: datetime) -> datetime:
    """The instant the counted time reaches the target: inside the past pieces if it is already over,
    else ``at`` plus the remaining calendar time."""
    used = timedelta(0)
    target = timedelta(seconds=target_s)
    for start, end in counted:
        piece = calendar.elapsed(start, end)
        if used + piece >= target:
            return calendar.add(start, target - used)
        used += piece
    return calendar.add(at, target - used)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def sla_status_json(status: SlaStatus) -> dict:
    """``{"response": {...}, "resolution": {...}}`` with every ClockStatus field, times ISO 8601 UTC or null."""
    return {name: _clock_json(clock) for name, clock in (("response", status.response), ("resolution", status.resolution))}


def _clock_json(clock: ClockStatus) -> dict:
    return {
        "target_s": clock.target_s, "elapsed_s": clock.elapsed_s, "remaining_s": clock.remaining_s,
        "deadline": _iso(clock.deadline), "state": clock.state, "calendar": clock.calendar,
        "breached": clock.breached, "stopped_at": _iso(clock.stopped_at), "counting": clock.counting,
    }
