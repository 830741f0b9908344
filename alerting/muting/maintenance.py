"""Maintenance windows: planned work during which matching hosts and devices stay quiet, and which SLA
reports subtract. A window is one-off (``start``/``end``), weekly (``weekdays`` + ``time_range``) or cron
(``cron`` + ``duration``); times are wall-clock in the configured zone (default Asia/Shanghai) and turned
into UTC per day, so a window keeps its local hours across daylight-saving changes.

A local start that does not exist (skipped by a spring-forward change) begins at the same instant as one
hour later would; an ambiguous one (repeated in autumn) begins at its first occurrence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from itops.alerting.rules.model import Alert, MuteReason
from itops.alerting.muting.matchers import Matcher, MatcherError, matches_all, parse_matchers
from itops.common.yaml_config import Duration, FieldProblem, load_file, load_text

__all__ = [
    "CronExpression", "MaintenanceCalendar", "MaintenanceConfig", "MaintenancePeriod", "MaintenanceWindowConfig",
    "load_maintenance", "load_maintenance_text",
]

DEFAULT_TIMEZONE = "Asia/Shanghai"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_TIME_RANGE_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_ONE_DAY = timedelta(days=1)


class MaintenanceWindowConfig(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(description="Name shown as the reason an alert is quiet, e.g. weekly-patching.")]
    matchers: Annotated[list[str], msgspec.Meta(
        description='Which hosts/devices the window covers, e.g. [\'host=~"db-.*"\', \'site="sh-hq"\'].')]
    start: Annotated[str | None, msgspec.Meta(description="One-off window: local start, e.g. '2024-06-01 22:00'.")] = None
    end: Annotated[str | None, msgspec.Meta(description="One-off window: local end, e.g. '2024-06-02 02:00'.")] = None
    weekdays: Annotated[list[str] | None, msgspec.Meta(
        description="Weekly window: days it starts on (mon … sun).")] = None
    time_range: Annotated[str | None, msgspec.Meta(
        description="Weekly window: local 'HH:MM-HH:MM'; an end before the start means the next day.")] = None
    cron: Annotated[str | None, msgspec.Meta(
        description="Cron window: 5-field start times 'minute hour day-of-month month day-of-week'.")] = None
    duration: Annotated[Duration | None, msgspec.Meta(description="Cron window: how long each run lasts, e.g. 2h.")] = None
    comment: Annotated[str, msgspec.Meta(description="Why, for the people reading the alert list.")] = ""


class MaintenanceConfig(msgspec.Struct, forbid_unknown_fields=True):
    timezone: Annotated[str, msgspec.Meta(description="IANA zone the window times are written in.")] = DEFAULT_TIMEZONE
    windows: Annotated[list[MaintenanceWindowConfig], msgspec.Meta(description="The maintenance windows.")] = []


@dataclass(frozen=True, slots=True)
class MaintenancePeriod:
    """One occurrence of a window, in UTC."""

    window: str
    matchers: tuple[Matcher, ...]
    start: datetime
    end: datetime

    def covers(self, labels: Mapping[str, str]) -> bool:
        return matches_all(self.matchers, labels)


class CronExpression:
    """The 5-field cron form: lists, ranges, steps and names; day-of-month and day-of-week, when both are
    given, fire on either (as Vixie cron does)."""

    def __init__(self, text: str):
        fields = text.split()
        if len(fields) != 5:
            raise ValueError(f"cron {text!r}: expected 5 fields (minute hour day-of-month month day-of-week)")
        self.text = text
        self.minutes = _cron_field(fields[0], 0, 59, (), "minute")
        self.hours = _cron_field(fields[1], 0, 23, (), "hour")
        self.days = _cron_field(fields[2], 1, 31, (), "day-of-month")
        self.months = _cron_field(fields[3], 1, 12, _MONTHS, "month", first_name=1)
        self.weekdays = frozenset(d % 7 for d in _cron_field(fields[4], 0, 7, ("sun",) + WEEKDAYS[:6], "day-of-week"))
        self._any_day, self._any_weekday = fields[2].startswith("*"), fields[4].startswith("*")

    def fires_on(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        on_day, on_weekday = day.day in self.days, (day.isoweekday() % 7) in self.weekdays
        if self._any_day or self._any_weekday:
            return on_day and on_weekday
        return on_day or on_weekday

    def times(self) -> list[time]:
        return [time(hour, minute) for hour in sorted(self.hours) for minute in sorted(self.minutes)]


def _cron_field(text: str, low: int, high: int, names: tuple[str, ...], what: str, first_name: int = 0) -> frozenset[int]:
    def number(token: str) -> int:
        if token.lower() in names:
            return names.index(token.lower()) + first_name
        if not token.isdigit() or not low <= int(token) <= high:
            raise ValueError(f"cron {what} {token!r}: expected {low}-{high}" + (f" or a name ({names[0]}…)" if names else ""))
        return int(token)

    values: set[int] = set()
    for item in text.split(","):
        span, _, step_text = item.partition("/")
        if step_text and (not step_text.isdigit() or int(step_text) == 0):
            raise ValueError(f"cron {what} step {step_text!r}: expected a whole number above 0")
        if span == "*":
            first, last = low, high
        else:
            first_text, _, last_text = span.partition("-")
            first = number(first_text)
            last = number(last_text) if last_text else (high if step_text else first)
        if first > last:
            raise ValueError(f"cron {what} range {span!r}: start is after end")
        values.update(range(first, last + 1, int(step_text or 1)))
    return frozenset(values)


class _Window:
    def __init__(self, config: MaintenanceWindowConfig, zone: ZoneInfo):
        self.name = config.name
        self.matchers = parse_matchers(config.matchers)
        self.zone = zone
        self.config = config
        self.cron = CronExpression(config.cron) if config.cron else None
        self.longest = self._longest()

    def _longest(self) -> timedelta:
        if self.cron is not None:
            return timedelta(seconds=self.config.duration or 0)
        return _ONE_DAY + timedelta(hours=3)  # a weekly window is under a day of wall time, plus any DST shift

    def periods(self, start: datetime, end: datetime) -> Iterator[MaintenancePeriod]:
        """Occurrences overlapping [start, end)."""
        for period_start, period_end in self._occurrences(start, end):
            if period_start < end and period_end > start:
                yield MaintenancePeriod(self.name, self.matchers, period_start, period_end)

    def _occurrences(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        if self.config.start is not None:
            yield _local_moment(self.config.start, self.zone), _local_moment(self.config.end or "", self.zone)
            return
        day, last_day = (start - self.longest).astimezone(self.zone).date(), end.astimezone(self.zone).date()
        while day <= last_day:
            yield from self._occurrences_on(day)
            day += _ONE_DAY

    def _occurrences_on(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        if self.cron is not None:
            if self.cron.fires_on(day):
                length = timedelta(seconds=self.config.duration or 0)
                for start in dict.fromkeys(self._utc(day, moment) for moment in self.cron.times()):
                    yield start, start + length
            return
        if WEEKDAYS[day.weekday()] in self.config.weekdays:
            begin, finish = _time_range(self.config.time_range or "")
            yield self._utc(day, begin), self._utc(day + _ONE_DAY if finish <= begin else day, finish)

    def _utc(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=self.zone).astimezone(UTC)


class MaintenanceCalendar:
    """Answers "is this alert/entity in maintenance at t" (a ``Muter``) and lists windows for SLA reports."""

    def __init__(self, config: MaintenanceConfig):
        check_maintenance(config)
        self.zone = ZoneInfo(config.timezone)
        self._windows = [_Window(window, self.zone) for window in config.windows]

    def period_at(self, labels: Mapping[str, str], moment: datetime) -> MaintenancePeriod | None:
        for window in self._windows:
            for period in window.periods(moment, moment + timedelta(microseconds=1)):
                if period.covers(labels):
                    return period
        return None

    def mutes(self, alert: Alert, now: datetime) -> MuteReason | None:
        period = self.period_at(alert.labels, now)
        if period is None:
            return None
        return MuteReason("maintenance", f"maintenance {period.window} until {period.end.astimezone(self.zone):%Y-%m-%d %H:%M %Z}",
                          window=period.window, until=period.end.astimezone(UTC).isoformat())

    def windows_between(self, start: datetime, end: datetime) -> list[MaintenancePeriod]:
        """Every occurrence overlapping [start, end), clipped to it, in start order."""
        clipped = [
            MaintenancePeriod(p.window, p.matchers, max(p.start, start), min(p.end, end))
            for window in self._windows for p in window.periods(start, end)
        ]
        return sorted(clipped, key=lambda p: (p.start, p.window))

    def maintenance_seconds(self, labels: Mapping[str, str], start: datetime, end: datetime) -> float:
        """Time in [start, end) an entity with ``labels`` spent in maintenance; overlaps count once."""
        total, covered_until = 0.0, start
        for period in self.windows_between(start, end):
            if period.covers(labels) and period.end > covered_until:
                total += (period.end - max(period.start, covered_until)).total_seconds()
                covered_until = period.end
        return total


def load_maintenance(path: str | Path) -> MaintenanceCalendar:
    return MaintenanceCalendar(load_file(path, MaintenanceConfig, check=check_maintenance))


def load_maintenance_text(text: str, file: str = "<maintenance>") -> MaintenanceCalendar:
    return MaintenanceCalendar(load_text(text, MaintenanceConfig, file, check=check_maintenance))


def check_maintenance(config: MaintenanceConfig) -> None:
    try:
        zone = ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise FieldProblem("timezone", f"unknown time zone {config.timezone!r}; write an IANA name such as Asia/Shanghai") from None
    seen: set[str] = set()
    for index, window in enumerate(config.windows):
        where = f"windows[{index}]"
        if window.name in seen:
            raise FieldProblem(f"{where}.name", f"window {window.name!r} appears twice")
        seen.add(window.name)
        _check_window(window, where, zone)


def _check_window(window: MaintenanceWindowConfig, where: str, zone: ZoneInfo) -> None:
    try:
        if not window.matchers or all(m.matches({}) for m in parse_matchers(window.matchers)):
            raise FieldProblem(f"{where}.matchers", "name the hosts/devices covered, e.g. host=\"db-1\"")
    except MatcherError as exc:
        raise FieldProblem(f"{where}.matchers", str(exc)) from None
    kinds = [kind for kind, given in (("start/end", window.start is not None or window.end is not None),
                                      ("weekdays/time_range", window.weekdays is not None or window.time_range is not None),
                                      ("cron/duration", window.cron is not None or window.duration is not None)) if given]
    if len(kinds) != 1:
        raise FieldProblem(where, f"give exactly one of start/end, weekdays/time_range or cron/duration (got {kinds or 'none'})")
    try:
        {"start/end": _check_one_off, "weekdays/time_range": _check_weekly, "cron/duration": _check_cron}[kinds[0]](window, zone)
    except FieldProblem as problem:
        raise FieldProblem(f"{where}.{problem.field}", problem.problem) from None


def _check_one_off(window: MaintenanceWindowConfig, zone: ZoneInfo) -> None:
    if window.start is None or window.end is None:
        raise FieldProblem("end" if window.end is None else "start", "a one-off window needs both start and end")
    for name in ("start", "end"):
        try:
            _local_moment(getattr(window, name), zone)
        except ValueError:
            raise FieldProblem(name, f"expected a local time such as '2024-06-01 22:00', got {getattr(window, name)!r}") from None
    if _local_moment(window.end, zone) <= _local_moment(window.start, zone):
        raise FieldProblem("end", "must be after start")


def _check_weekly(window: MaintenanceWindowConfig, zone: ZoneInfo) -> None:
    if not window.weekdays:
        raise FieldProblem("weekdays", f"name the days, e.g. [sat, sun]; expected some of: {', '.join(WEEKDAYS)}")
    for day in window.weekdays:
        if day not in WEEKDAYS:
            raise FieldProblem("weekdays", f"unknown day {day!r}; expected some of: {', '.join(WEEKDAYS)}")
    try:
        begin, finish = _time_range(window.time_range or "")
    except ValueError as exc:
        raise FieldProblem("time_range", str(exc)) from None
    if begin == finish:
        raise FieldProblem("time_range", "start and end are the same; a whole day is 00:00-23:59 or a cron window")


def _check_cron(window: MaintenanceWindowConfig, zone: ZoneInfo) -> None:
    if window.cron is None:
        raise FieldProblem("cron", "a window with a duration needs a cron schedule, e.g. '0 2 * * sun'")
    if not window.duration:
        raise FieldProblem("duration", "a cron window needs a duration above zero, e.g. 2h")
    try:
        CronExpression(window.cron)
    except ValueError as exc:
        raise FieldProblem("cron", str(exc)) from None


def _time_range(text: str) -> tuple[time, time]:
    match = _TIME_RANGE_RE.match(text)
    if not match or int(match.group(1)) > 23 or int(match.group(3)) > 23 or int(match.group(2)) > 59 or int(match.group(4)) > 59:
        raise ValueError(f"expected 'HH:MM-HH:MM' such as '22:00-02:00', got {text!r}")
    return time(int(match.group(1)), int(match.group(2))), time(int(match.group(3)), int(match.group(4)))


def _local_moment(text: str, zone: ZoneInfo) -> datetime:
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC)
