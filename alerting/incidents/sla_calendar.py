"""The SLA calendar: how much calendar time lies between two instants, and when a duration of it runs out.

A ``7x24`` calendar counts wall-clock time. A ``business_hours`` calendar counts only the time inside
``workday_start``–``workday_end`` (local, in ``time_zone``) of working days: the configured weekdays, minus
public holidays, plus make-up workdays (调休). A business day's hours are turned into UTC once per local
date, so they keep their local times across daylight-saving changes, and sums run day by day.

Deadlines are the earliest instant at which the duration has elapsed: a deadline that uses up the last
minute of a day is that day's ``workday_end`` (not the next morning), and a zero duration ends at its start.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from itops.alerting.muting.maintenance import WEEKDAYS
from itops.common.yaml_config import FieldProblem, load_file, load_text
from msgspec import Meta

__all__ = [
    "SHIPPED_HOLIDAYS_DIR",
    "BusinessCalendar",
    "CalendarConfig",
    "HolidaySet",
    "aware_utc",
    "check_calendar",
    "load_calendar",
    "load_calendar_text",
    "shipped_holiday_sets",
    "time_of_day",
]

SHIPPED_HOLIDAYS_DIR = Path(__file__).resolve().parent / "holidays"
_TIME_OF_DAY_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
_ONE_DAY = timedelta(days=1)
_NONE = timedelta(0)


class CalendarConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    kind: Annotated[Literal["7x24", "business_hours"], Meta(
        description="7x24: every second counts; business_hours: only working hours of working days.")] = "7x24"
    time_zone: Annotated[str, Meta(description="IANA zone the working hours and dates are local to.")] = "Asia/Shanghai"
    workday_start: Annotated[str | int, Meta(
        description="Local start of working hours, quoted 'HH:MM' (unquoted YAML reads 17:30 as a number).")] = "08:30"
    workday_end: Annotated[str | int, Meta(description="Local end of working hours, quoted 'HH:MM', after the start.")] = "17:30"
    workdays: Annotated[list[str], Meta(description="Weekdays that are working days (mon … sun).")] = msgspec.field(
        default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"])
    shipped_holidays: Annotated[bool, Meta(
        description="Also use the shipped Chinese public holidays and make-up workdays (alerting/incidents/holidays/cn-*.yaml; 2025 and 2026).")] = True
    holidays: Annotated[list[date], Meta(
        description="Days off that would otherwise be working days, e.g. public holidays of years not shipped.")] = []
    makeup_workdays: Annotated[list[date], Meta(
        description="Days that are working days although their weekday is not (调休, e.g. a Saturday).")] = []


class HolidaySet(msgspec.Struct, forbid_unknown_fields=True):
    """One shipped year of public holidays, as published by the State Council."""

    year: Annotated[int, Meta(description="The year the notice is for.")]
    source: Annotated[str, Meta(description="The notice the dates are copied from.")]
    holidays: Annotated[list[date], Meta(description="Days off, each holiday range listed whole.")]
    makeup_workdays: Annotated[list[date], Meta(description="Weekend days that are working days.")]


@cache
def shipped_holiday_sets() -> tuple[HolidaySet, ...]:
    return tuple(load_file(path, HolidaySet) for path in sorted(SHIPPED_HOLIDAYS_DIR.glob("cn-*.yaml")))


class BusinessCalendar:
    """Calendar time between UTC instants, and deadlines after a duration of it."""

    def __init__(self, config: CalendarConfig):
        check_calendar(config)
        self.zone = ZoneInfo(config.time_zone)
        self._every_second = config.kind == "7x24"
        self._day_start = time_of_day(config.workday_start, "workday_start")
        self._day_end = time_of_day(config.workday_end, "workday_end")
        self._weekdays = frozenset(WEEKDAYS.index(day) for day in config.workdays)
        self._holidays, self._makeup_workdays = _day_sets(config)
        self._hours_by_day: dict[date, tuple[datetime, datetime] | None] = {}

    def is_workday(self, day: date) -> bool:
        if day in self._makeup_workdays:
            return True
        return day.weekday() in self._weekdays and day not in self._holidays

    def working_hours(self, day: date) -> tuple[datetime, datetime] | None:
        """The UTC start and end of the working hours of local ``day``; None on a day off."""
        if day not in self._hours_by_day:
            self._hours_by_day[day] = self._compute_working_hours(day) if self.is_workday(day) else None
        return self._hours_by_day[day]

    def _compute_working_hours(self, day: date) -> tuple[datetime, datetime] | None:
        begin = datetime.combine(day, self._day_start, tzinfo=self.zone).astimezone(UTC)
        end = datetime.combine(day, self._day_end, tzinfo=self.zone).astimezone(UTC)
        return (begin, end) if end > begin else None  # hours inside a spring-forward gap can vanish

    def counts_at(self, moment: datetime) -> bool:
        """Whether calendar time passes at ``moment`` (inside working hours, or always for 7x24)."""
        moment = aware_utc(moment, "moment")
        if self._every_second:
            return True
        hours = self.working_hours(moment.astimezone(self.zone).date())
        return hours is not None and hours[0] <= moment < hours[1]

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        start, end = _interval(start, end, "start", "end")
        if self._every_second:
            return end - start
        total = _NONE
        for begin, finish in self._hours_between(start, end):
            total += max(_NONE, min(finish, end) - max(begin, start))
        return total

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest UTC instant at which ``duration`` of calendar time has passed since ``start``."""
        start = aware_utc(start, "start")
        if duration < _NONE:
            raise ValueError(f"duration must not be negative, got {duration}")
        if self._every_second or duration == _NONE:
            return start + duration
        remaining, day = duration, start.astimezone(self.zone).date()
        while True:
            hours = self.working_hours(day)
            if hours is not None and hours[1] > start:
                begin = max(hours[0], start)
                if remaining <= hours[1] - begin:
                    return begin + remaining
                remaining -= hours[1] - begin
            day += _ONE_DAY

    def elapsed_excluding(self, start: datetime, end: datetime,
                          excluded: Iterable[tuple[datetime, datetime]]) -> timedelta:
        """Calendar time in [start, end) outside the ``excluded`` intervals (which may overlap)."""
        start, end = _interval(start, end, "start", "end")
        total = self.elapsed(start, end)
        for pause_start, pause_end in _merged(_clipped(excluded, start, end)):
            total -= self.elapsed(pause_start, pause_end)
        return total

    def _hours_between(self, start: datetime, end: datetime) -> Iterable[tuple[datetime, datetime]]:
        day, last_day = start.astimezone(self.zone).date(), end.astimezone(self.zone).date()
        while day <= last_day:
            hours = self.working_hours(day)
            if hours is not None:
                yield hours
            day += _ONE_DAY


def aware_utc(moment: datetime, name: str) -> datetime:
    """``moment`` in UTC; a naive one is refused, naming the argument (times are UTC inside itops)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware UTC datetime, got the naive {moment.isoformat()}")
    return moment.astimezone(UTC)


def _interval(start: datetime, end: datetime, start_name: str, end_name: str) -> tuple[datetime, datetime]:
    start, end = aware_utc(start, start_name), aware_utc(end, end_name)
    if end < start:
        raise ValueError(f"{end_name} {end.isoformat()} is before {start_name} {start.isoformat()}")
    return start, end


def _clipped(intervals: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    clipped = []
    for index, (pause_start, pause_end) in enumerate(intervals):
        pause_start, pause_end = _interval(pause_start, pause_end, f"excluded[{index}] start", f"excluded[{index}] end")
        pause_start, pause_end = max(pause_start, start), min(pause_end, end)
        if pause_start < pause_end:
            clipped.append((pause_start, pause_end))
    return clipped


def _merged(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for pause_start, pause_end in sorted(intervals):
        if merged and pause_start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], pause_end))
        else:
            merged.append((pause_start, pause_end))
    return merged


def _day_sets(config: CalendarConfig) -> tuple[frozenset[date], frozenset[date]]:
    shipped = shipped_holiday_sets() if config.shipped_holidays else ()
    holidays = frozenset(config.holidays).union(*(year.holidays for year in shipped))
    makeup_workdays = frozenset(config.makeup_workdays).union(*(year.makeup_workdays for year in shipped))
    return holidays, makeup_workdays


def load_calendar(path: str | Path) -> BusinessCalendar:
    return BusinessCalendar(load_file(path, CalendarConfig, check=check_calendar))


def load_calendar_text(text: str, file: str = "<calendar>") -> BusinessCalendar:
    return BusinessCalendar(load_text(text, CalendarConfig, file, check=check_calendar))


def check_calendar(config: CalendarConfig) -> None:
    try:
        ZoneInfo(config.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise FieldProblem("time_zone", f"unknown time zone {config.time_zone!r}; write an IANA name such as Asia/Shanghai") from None
    if time_of_day(config.workday_end, "workday_end") <= time_of_day(config.workday_start, "workday_start"):
        raise FieldProblem("workday_end", f"must be after workday_start ({config.workday_start}); working hours cannot cross midnight")
    _check_workdays(config.workdays)
    holidays, makeup_workdays = _day_sets(config)
    both = sorted(holidays & makeup_workdays)
    if both:
        where = "makeup_workdays" if set(both) & set(config.makeup_workdays) else "holidays"
        raise FieldProblem(where, f"{', '.join(map(str, both))} listed both as a holiday and as a make-up workday"
                                  " (the shipped holidays count too; set shipped_holidays: false to replace them)")


def _check_workdays(workdays: list[str]) -> None:
    if not workdays:
        raise FieldProblem("workdays", f"name at least one day; expected some of: {', '.join(WEEKDAYS)}")
    for day in workdays:
        if day not in WEEKDAYS:
            raise FieldProblem("workdays", f"unknown day {day!r}; expected some of: {', '.join(WEEKDAYS)}")
    if len(set(workdays)) != len(workdays):
        raise FieldProblem("workdays", "a day appears twice")


def time_of_day(value: str | int, field: str) -> time:
    if isinstance(value, int):
        raise FieldProblem(field, f"write the time in quotes, e.g. '{value // 60:02d}:{value % 60:02d}' (YAML reads it unquoted as the number {value})")
    match = _TIME_OF_DAY_RE.match(value)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise FieldProblem(field, f"expected a local time 'HH:MM' such as '08:30', got {value!r}")
    return time(int(match.group(1)), int(match.group(2)))
