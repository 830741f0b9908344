"""On-call schedules (值班表): who is on call for a schedule at a given moment.

A schedule is a rotation — its members take turns, handing off every ``shift`` from ``start`` — plus
overrides (换班) that put someone else on call for a stretch; where overrides overlap, the one that starts
latest wins. Times are local wall-clock in the schedule's ``time_zone`` and handoffs keep their local time
across daylight-saving changes (a 1w shift handing off Mondays 09:00 does so in summer and winter). A local
time skipped by a spring-forward change falls one hour later; a repeated one means its first occurrence.
The rotation repeats both ways from ``start``, so before it the members' turns run backwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from itops.alerting.incidents.sla_calendar import aware_utc
from itops.common.yaml_config import Duration, FieldProblem
from msgspec import Meta

__all__ = [
    "OnCall", "OnCallConfig", "OverrideConfig", "PersonConfig", "RotationConfig", "ScheduleConfig", "Shift",
    "UnknownSchedule", "check_oncall",
]

DEFAULT_TIME_ZONE = "Asia/Shanghai"
SHORTEST_SHIFT_S = 3600.0
_WEEK_S = 7 * 86400.0


class PersonConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    display_name: Annotated[str, Meta(description="Name shown in notifications and the console, e.g. 王工.")] = ""
    receiver: Annotated[str, Meta(description="Receiver (in alerting.receivers) that reaches this person.")]


class RotationConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    members: Annotated[list[str], Meta(description="People (in `people`) taking turns, in order.")]
    start: Annotated[str, Meta(description="Local time the first member's first shift begins, quoted, e.g. '2026-01-05 09:00'.")]
    shift: Annotated[Duration, Meta(description="Length of one turn (handoff interval), at least 1h, e.g. 1d or 1w.")] = Duration(_WEEK_S)


class OverrideConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    person: Annotated[str, Meta(description="Who is on call instead (in `people`).")]
    start: Annotated[str, Meta(description="Local start, quoted, e.g. '2026-11-24 18:00'.")]
    end: Annotated[str, Meta(description="Local end (exclusive), after the start.")]


class ScheduleConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    time_zone: Annotated[str, Meta(description="IANA zone the rotation and override times are local to.")] = DEFAULT_TIME_ZONE
    rotation: Annotated[RotationConfig, Meta(description="Who takes turns, from when, and how long a turn lasts.")]
    overrides: Annotated[list[OverrideConfig], Meta(
        description="Stretches where someone else is on call; the latest-starting override covering a moment wins.")] = []


class OnCallConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    people: Annotated[dict[str, PersonConfig], Meta(description="People who can be on call, by short name.")] = {}
    schedules: Annotated[dict[str, ScheduleConfig], Meta(description="On-call schedules by name, e.g. ops.")] = {}


class Shift(NamedTuple):
    person: str
    start: datetime  # UTC
    end: datetime  # UTC, exclusive


class UnknownSchedule(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class _Override:
    person: str
    start: datetime
    end: datetime
    order: int  # position in the config: among overrides starting together, the later listed wins


class _Schedule:
    def __init__(self, config: ScheduleConfig):
        self.zone = ZoneInfo(config.time_zone)
        self.members = tuple(config.rotation.members)
        self.first_handoff = _local_wall(config.rotation.start, self.zone)
        self.shift = timedelta(seconds=config.rotation.shift)
        self.overrides = tuple(_Override(o.person, _utc_of(o.start, self.zone), _utc_of(o.end, self.zone), index)
                               for index, o in enumerate(config.overrides))

    def handoff(self, turn: int) -> datetime:
        """UTC start of rotation turn ``turn`` (0 = the first member's first shift)."""
        return (self.first_handoff + turn * self.shift).replace(tzinfo=self.zone).astimezone(UTC)

    def turn_at(self, at: datetime) -> int:
        wall = at.astimezone(self.zone).replace(tzinfo=None)
        turn = (wall - self.first_handoff) // self.shift  # a first guess on wall time, corrected in UTC
        while self.handoff(turn + 1) <= at:
            turn += 1
        while self.handoff(turn) > at:
            turn -= 1
        return turn

    def who(self, at: datetime) -> str:
        covering = [o for o in self.overrides if o.start <= at < o.end]
        if covering:
            return max(covering, key=lambda o: (o.start, o.order)).person
        return self.members[self.turn_at(at) % len(self.members)]

    def changes_between(self, start: datetime, end: datetime) -> set[datetime]:
        """Every instant inside (start, end) at which who is on call may change."""
        changes, turn = set(), self.turn_at(start) + 1
        while (handoff := self.handoff(turn)) < end:
            changes.add(handoff)
            turn += 1
        changes.update(t for o in self.overrides for t in (o.start, o.end) if start < t < end)
        return changes


class OnCall:
    """Answers who is on call; built from a config that check_oncall accepted."""

    def __init__(self, config: OnCallConfig):
        _check_schedules(config)
        self.people = config.people
        self._schedules = {name: _Schedule(schedule) for name, schedule in config.schedules.items()}

    def who(self, schedule: str, at: datetime) -> str:
        """The person (a key of ``people``) on call for ``schedule`` at the UTC instant ``at``."""
        return self._schedule(schedule).who(aware_utc(at, "at"))

    def shifts(self, schedule: str, start: datetime, end: datetime) -> list[Shift]:
        """Who is on call over [start, end), as consecutive stretches clipped to it (one per person change)."""
        start, end = aware_utc(start, "start"), aware_utc(end, "end")
        if end <= start:
            return []
        compiled = self._schedule(schedule)
        moments = sorted({start, end} | compiled.changes_between(start, end))
        shifts: list[Shift] = []
        for begin, finish in zip(moments, moments[1:]):
            person = compiled.who(begin)
            if shifts and shifts[-1].person == person:
                shifts[-1] = shifts[-1]._replace(end=finish)
            else:
                shifts.append(Shift(person, begin, finish))
        return shifts

    def _schedule(self, name: str) -> _Schedule:
        try:
            return self._schedules[name]
        except KeyError:
            known = ", ".join(sorted(self._schedules)) or "none configured"
            raise UnknownSchedule(f"no on-call schedule named {name!r} (known: {known})") from None


def check_oncall(config: OnCallConfig, receivers: Iterable[str]) -> None:
    """Raise FieldProblem (field relative to the on-call section) for unknown people, receivers, zones or times."""
    known_receivers = set(receivers)
    for name, person in config.people.items():
        if person.receiver not in known_receivers:
            known = ", ".join(sorted(known_receivers)) or "none configured"
            raise FieldProblem(f"people.{name}.receiver", f"unknown receiver {person.receiver!r} (alerting.receivers: {known})")
    _check_schedules(config)


def _check_schedules(config: OnCallConfig) -> None:
    for name, schedule in config.schedules.items():
        try:
            _check_schedule(schedule, config.people)
        except FieldProblem as problem:
            raise FieldProblem(f"schedules.{name}.{problem.field}", problem.problem) from None


def _check_schedule(schedule: ScheduleConfig, people: dict[str, PersonConfig]) -> None:
    try:
        zone = ZoneInfo(schedule.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise FieldProblem("time_zone", f"unknown time zone {schedule.time_zone!r}; write an IANA name such as Asia/Shanghai") from None
    rotation = schedule.rotation
    if not rotation.members:
        raise FieldProblem("rotation.members", "name at least one person")
    for index, member in enumerate(rotation.members):
        _check_person(member, people, f"rotation.members[{index}]")
    _check_moment(rotation.start, zone, "rotation.start")
    if rotation.shift < SHORTEST_SHIFT_S:
        raise FieldProblem("rotation.shift", "must be at least 1h, e.g. 12h, 1d or 1w")
    for index, override in enumerate(schedule.overrides):
        where = f"overrides[{index}]"
        _check_person(override.person, people, f"{where}.person")
        start = _check_moment(override.start, zone, f"{where}.start")
        if _check_moment(override.end, zone, f"{where}.end") <= start:
            raise FieldProblem(f"{where}.end", f"must be after start ({override.start})")


def _check_person(name: str, people: dict[str, PersonConfig], field: str) -> None:
    if name not in people:
        known = ", ".join(sorted(people)) or "none configured"
        raise FieldProblem(field, f"unknown person {name!r} (people: {known})")


def _check_moment(text: str, zone: ZoneInfo, field: str) -> datetime:
    try:
        return _utc_of(text, zone)
    except ValueError:
        raise FieldProblem(field, f"expected a local time such as '2026-01-05 09:00', got {text!r}") from None


def _local_wall(text: str, zone: ZoneInfo) -> datetime:
    """The naive local wall time written in ``text`` (one with an offset is converted to ``zone``)."""
    moment = datetime.fromisoformat(text)
    return moment.astimezone(zone).replace(tzinfo=None) if moment.tzinfo else moment


def _utc_of(text: str, zone: ZoneInfo) -> datetime:
    return _local_wall(text, zone).replace(tzinfo=zone).astimezone(UTC)
