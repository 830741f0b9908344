"""The SLA calendar. Expected values are worked out by hand: Asia/Shanghai is UTC+8 all year, so the
default working hours 08:30–17:30 local are 00:30–09:30 UTC and a business day is 9 hours."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from itops.alerting.incidents.sla_calendar import (
    BusinessCalendar,
    CalendarConfig,
    load_calendar_text,
    shipped_holiday_sets,
)
from itops.common.yaml_config import ConfigError

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
M = timedelta(minutes=1)


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time as the UTC instant the calendar takes."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


BUSINESS = BusinessCalendar(CalendarConfig(kind="business_hours"))
ROUND_THE_CLOCK = BusinessCalendar(CalendarConfig(kind="7x24"))
BERLIN_BUSINESS = BusinessCalendar(CalendarConfig(kind="business_hours", time_zone="Europe/Berlin", shipped_holidays=False))


# 7x24

def test_7x24_elapsed_is_wall_clock_even_over_holidays():
    assert ROUND_THE_CLOCK.elapsed(utc(2025, 10, 1), utc(2025, 10, 3, 12)) == 60 * H


def test_7x24_add_is_wall_clock():
    assert ROUND_THE_CLOCK.add(utc(2025, 10, 1, 23, 45), 150 * M) == utc(2025, 10, 2, 2, 15)


def test_7x24_is_the_default_kind():
    assert BusinessCalendar(CalendarConfig()).elapsed(utc(2025, 3, 15), utc(2025, 3, 16)) == 24 * H


# business hours: elapsed

def test_business_elapsed_within_one_day():
    assert BUSINESS.elapsed(sh(2025, 3, 12, 9), sh(2025, 3, 12, 11, 15)) == 2 * H + 15 * M


def test_business_elapsed_spanning_a_night():
    # Tue 16:00–17:30 (1.5 h) + Wed 08:30–10:00 (1.5 h)
    assert BUSINESS.elapsed(sh(2025, 3, 11, 16), sh(2025, 3, 12, 10)) == 3 * H


def test_business_elapsed_friday_evening_to_monday_morning():
    # Fri 17:00–17:30 + Mon 08:30–09:30
    assert BUSINESS.elapsed(sh(2025, 3, 14, 17), sh(2025, 3, 17, 9, 30)) == 90 * M


def test_business_elapsed_skips_new_year_on_a_wednesday():
    # Tue 2024-12-31 17:00–17:30 + (Wed 2025-01-01 元旦 off) + Thu 08:30–09:00
    assert BUSINESS.elapsed(sh(2024, 12, 31, 17), sh(2025, 1, 2, 9)) == 1 * H


def test_business_elapsed_skips_a_configured_midweek_holiday():
    calendar = BusinessCalendar(CalendarConfig(kind="business_hours", shipped_holidays=False, holidays=[date(2025, 3, 12)]))
    # Tue 12:00–17:30 (5.5 h) + Wed off + Thu 08:30–12:00 (3.5 h)
    assert calendar.elapsed(sh(2025, 3, 11, 12), sh(2025, 3, 13, 12)) == 9 * H


def test_business_elapsed_counts_a_makeup_saturday():
    # Fri 2025-02-07 17:00–17:30 + Sat 02-08 (调休) 9 h + Sun off + Mon 08:30–09:30
    assert BUSINESS.elapsed(sh(2025, 2, 7, 17), sh(2025, 2, 10, 9, 30)) == 10 * H + 30 * M


def test_business_elapsed_starting_and_ending_outside_hours_counts_whole_days():
    # Mon 07:00 → Wed 20:00: three whole working days
    assert BUSINESS.elapsed(sh(2025, 3, 10, 7), sh(2025, 3, 12, 20)) == 27 * H


def test_business_elapsed_wholly_outside_hours_is_zero():
    assert BUSINESS.elapsed(sh(2025, 3, 10, 18), sh(2025, 3, 11, 8)) == timedelta(0)


def test_business_elapsed_of_a_weekend_is_zero():
    assert BUSINESS.elapsed(sh(2025, 3, 14, 17, 30), sh(2025, 3, 17, 8, 30)) == timedelta(0)


def test_start_equal_to_end_is_zero():
    moment = sh(2025, 3, 12, 10)
    assert BUSINESS.elapsed(moment, moment) == timedelta(0)
    assert ROUND_THE_CLOCK.elapsed(moment, moment) == timedelta(0)


# business hours: add (deadlines)

def test_add_friday_1700_two_business_hours_is_monday_1000():
    # 0.5 h on Friday, 1.5 h from Monday 08:30
    deadline = BUSINESS.add(sh(2025, 3, 14, 17), 2 * H)
    assert deadline == sh(2025, 3, 17, 10) == utc(2025, 3, 17, 2)
    assert deadline.tzinfo is UTC


def test_add_friday_1700_two_business_hours_is_makeup_saturday_1000():
    assert BUSINESS.add(sh(2025, 2, 7, 17), 2 * H) == sh(2025, 2, 8, 10)


def test_add_landing_exactly_on_workday_end_is_that_instant():
    assert BUSINESS.add(sh(2025, 3, 12, 15, 30), 2 * H) == sh(2025, 3, 12, 17, 30) == utc(2025, 3, 12, 9, 30)


def test_add_opened_at_night_starts_counting_next_morning():
    assert BUSINESS.add(sh(2025, 3, 11, 22), 30 * M) == sh(2025, 3, 12, 9)


def test_add_zero_is_the_start_even_outside_hours():
    saturday_night = sh(2025, 3, 15, 3)
    assert BUSINESS.add(saturday_night, timedelta(0)) == saturday_night


def test_add_three_business_days_across_national_day_2025():
    # Tue Sep 30 16:30–17:30 (1 h), Oct 1–8 off, Thu Oct 9 (9 h), Fri Oct 10 (9 h),
    # Sat Oct 11 (调休) 08:30 + 8 h = 16:30 local = 08:30 UTC
    assert BUSINESS.add(sh(2025, 9, 30, 16, 30), 3 * 9 * H) == utc(2025, 10, 11, 8, 30)


def test_add_across_spring_festival_2026():
    # Fri Feb 13 17:00–17:30, Sat Feb 14 (调休) 9 h, Feb 15–23 off, Tue Feb 24 08:30 + 0.5 h
    assert BUSINESS.add(sh(2026, 2, 13, 17), 10 * H) == sh(2026, 2, 24, 9)


# elapsed_excluding

def test_elapsed_excluding_overlapping_pauses_and_pauses_outside_hours():
    start, end = sh(2025, 3, 10, 8, 30), sh(2025, 3, 11, 17, 30)  # Mon–Tue: 18 business hours
    excluded = [
        (sh(2025, 3, 10, 10), sh(2025, 3, 10, 12)),  # overlaps the next: together 10:00–13:00, 3 h
        (sh(2025, 3, 10, 11), sh(2025, 3, 10, 13)),
        (sh(2025, 3, 10, 20), sh(2025, 3, 11, 8)),  # the night: nothing
        (sh(2025, 3, 10, 7), sh(2025, 3, 10, 9)),  # over the start edge: 08:30–09:00
        (sh(2025, 3, 11, 17), sh(2025, 3, 11, 19)),  # over the end edge: 17:00–17:30
        (sh(2025, 3, 12, 9), sh(2025, 3, 12, 10)),  # after the end: nothing
    ]
    assert BUSINESS.elapsed_excluding(start, end, excluded) == 14 * H


def test_elapsed_excluding_nested_pause_counts_once():
    start, end = sh(2025, 3, 12, 8, 30), sh(2025, 3, 12, 17, 30)
    excluded = [(sh(2025, 3, 12, 9), sh(2025, 3, 12, 15)), (sh(2025, 3, 12, 10), sh(2025, 3, 12, 11))]
    assert BUSINESS.elapsed_excluding(start, end, excluded) == 3 * H


def test_elapsed_excluding_in_7x24():
    excluded = [(utc(2025, 3, 1, 1), utc(2025, 3, 1, 3)), (utc(2025, 3, 1, 2), utc(2025, 3, 1, 4)),
                (utc(2025, 3, 1, 9), utc(2025, 3, 1, 12))]
    assert ROUND_THE_CLOCK.elapsed_excluding(utc(2025, 3, 1), utc(2025, 3, 1, 10), excluded) == 6 * H


def test_elapsed_excluding_nothing_is_elapsed():
    assert BUSINESS.elapsed_excluding(sh(2025, 3, 11, 16), sh(2025, 3, 12, 10), []) == 3 * H


def test_elapsed_excluding_everything_is_zero():
    start, end = sh(2025, 3, 11, 16), sh(2025, 3, 12, 10)
    assert BUSINESS.elapsed_excluding(start, end, [(start - H, end + H)]) == timedelta(0)


# local-day arithmetic across daylight saving

def test_berlin_working_hours_move_in_utc_across_spring_forward():
    assert BERLIN_BUSINESS.working_hours(date(2025, 3, 28)) == (utc(2025, 3, 28, 7, 30), utc(2025, 3, 28, 16, 30))
    assert BERLIN_BUSINESS.working_hours(date(2025, 3, 31)) == (utc(2025, 3, 31, 6, 30), utc(2025, 3, 31, 15, 30))


def test_berlin_friday_evening_to_monday_across_spring_forward():
    # Fri 17:00 CET (16:00 UTC) → Mon 09:00 CEST (07:00 UTC): 0.5 h + 0.5 h
    assert BERLIN_BUSINESS.elapsed(utc(2025, 3, 28, 16), utc(2025, 3, 31, 7)) == 1 * H
    assert BERLIN_BUSINESS.add(utc(2025, 3, 28, 16), 1 * H) == utc(2025, 3, 31, 7)


def test_berlin_spring_forward_day_has_an_hour_less_of_working_time():
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    berlin = BusinessCalendar(CalendarConfig(kind="business_hours", time_zone="Europe/Berlin", workday_start="00:00",
                                             workday_end="12:00", workdays=every_day, shipped_holidays=False))
    shanghai = BusinessCalendar(CalendarConfig(kind="business_hours", workday_start="00:00", workday_end="12:00",
                                               workdays=every_day, shipped_holidays=False))
    # Sun 2025-03-30 00:00 CET = Sat 23:00 UTC; 12:00 CEST = 10:00 UTC
    assert berlin.working_hours(date(2025, 3, 30)) == (utc(2025, 3, 29, 23), utc(2025, 3, 30, 10))
    assert berlin.elapsed(utc(2025, 3, 29, 12), utc(2025, 3, 30, 12)) == 11 * H
    assert shanghai.elapsed(sh(2025, 3, 30), sh(2025, 3, 31)) == 12 * H


# shipped holidays and the working-day rule

def test_shipped_years_are_2025_and_2026():
    assert [holiday_set.year for holiday_set in shipped_holiday_sets()] == [2025, 2026]


@pytest.mark.parametrize(("day", "works"), [
    (date(2025, 1, 26), True),  # Sun, 春节 调休
    (date(2025, 1, 28), False),  # Tue, 春节
    (date(2025, 2, 4), False),
    (date(2025, 2, 8), True),  # Sat, 调休
    (date(2025, 4, 27), True),  # Sun, 劳动节 调休
    (date(2025, 5, 5), False),
    (date(2025, 6, 2), False),  # Mon, 端午
    (date(2025, 9, 28), True),
    (date(2025, 10, 8), False),
    (date(2025, 10, 9), True),
    (date(2025, 10, 11), True),
    (date(2026, 1, 2), False),  # Fri, 元旦
    (date(2026, 1, 4), True),  # Sun, 调休
    (date(2026, 2, 14), True),
    (date(2026, 2, 23), False),  # Mon, 春节
    (date(2026, 2, 28), True),
    (date(2026, 5, 9), True),
    (date(2026, 6, 19), False),  # Fri, 端午
    (date(2026, 9, 20), True),
    (date(2026, 9, 25), False),  # Fri, 中秋
    (date(2026, 10, 7), False),
    (date(2026, 10, 10), True),
    (date(2027, 1, 1), True),  # Fri: 2027 is not shipped
])
def test_shipped_chinese_working_days(day: date, works: bool):
    assert BUSINESS.is_workday(day) is works


def test_shipped_holidays_off_makes_national_day_a_plain_wednesday():
    calendar = BusinessCalendar(CalendarConfig(kind="business_hours", shipped_holidays=False))
    assert calendar.is_workday(date(2025, 10, 1)) and not calendar.is_workday(date(2025, 10, 11))


def test_shipped_statutory_days_match_the_notices():
    # 13 statutory days a year; every make-up workday moves one more weekday off
    for holiday_set in shipped_holiday_sets():
        weekdays_off = [day for day in holiday_set.holidays if day.weekday() < 5]
        assert len(weekdays_off) == 13 + len(holiday_set.makeup_workdays), holiday_set.year
        assert all(day.year == holiday_set.year for day in holiday_set.holidays + holiday_set.makeup_workdays)
        assert all(day.weekday() >= 5 for day in holiday_set.makeup_workdays)


# inputs

def test_naive_start_is_rejected():
    with pytest.raises(ValueError, match="start must be an aware UTC datetime"):
        BUSINESS.elapsed(datetime(2025, 3, 12, 9), sh(2025, 3, 12, 10))


def test_naive_deadline_start_is_rejected():
    with pytest.raises(ValueError, match="start must be an aware UTC datetime"):
        BUSINESS.add(datetime(2025, 3, 12, 9), H)


def test_naive_exclusion_is_rejected():
    with pytest.raises(ValueError, match=r"excluded\[0\] end must be an aware UTC datetime"):
        BUSINESS.elapsed_excluding(sh(2025, 3, 12, 9), sh(2025, 3, 12, 10), [(sh(2025, 3, 12, 9), datetime(2025, 3, 12, 2))])


def test_end_before_start_is_rejected():
    with pytest.raises(ValueError, match="is before start"):
        BUSINESS.elapsed(sh(2025, 3, 12, 10), sh(2025, 3, 12, 9))


def test_reversed_exclusion_is_rejected():
    with pytest.raises(ValueError, match=r"excluded\[0\] end .* is before excluded\[0\] start"):
        BUSINESS.elapsed_excluding(sh(2025, 3, 12, 9), sh(2025, 3, 12, 12), [(sh(2025, 3, 12, 11), sh(2025, 3, 12, 10))])


def test_negative_duration_is_rejected():
    with pytest.raises(ValueError, match="duration must not be negative"):
        BUSINESS.add(sh(2025, 3, 12, 9), -H)


def test_aware_non_utc_input_is_the_same_instant():
    local = datetime(2025, 3, 14, 17, tzinfo=SHANGHAI)
    assert BUSINESS.add(local, 2 * H) == utc(2025, 3, 17, 2)


# config

def test_config_from_yaml():
    calendar = load_calendar_text(
        "kind: business_hours\nworkday_start: '09:00'\nworkday_end: '18:00'\nworkdays: [mon, tue, wed, thu, fri, sat]\n"
        "holidays: [2027-02-05]\nmakeup_workdays: [2027-02-07]\n")
    assert calendar.elapsed(sh(2027, 2, 4, 17), sh(2027, 2, 8, 10)) == 1 * H + 9 * H + 9 * H + 1 * H
    assert not calendar.is_workday(date(2027, 2, 5)) and calendar.is_workday(date(2027, 2, 6))


@pytest.mark.parametrize(("text", "message"), [
    ("workday_start: '18:00'\nworkday_end: '09:00'\n",
     "<calendar>:2: workday_end: must be after workday_start (18:00); working hours cannot cross midnight"),
    ("workday_end: 17:30\n", "<calendar>:1: workday_end: write the time in quotes, e.g. '17:30' (YAML reads it unquoted as the number 1050)"),
    ("workday_start: '8h30'\n", "<calendar>:1: workday_start: expected a local time 'HH:MM' such as '08:30', got '8h30'"),
    ("workday_start: '24:00'\n", "<calendar>:1: workday_start: expected a local time 'HH:MM' such as '08:30', got '24:00'"),
    ("time_zone: Asia/Beijing\n", "<calendar>:1: time_zone: unknown time zone 'Asia/Beijing'; write an IANA name such as Asia/Shanghai"),
    ("workdays: [mon, tues]\n", "<calendar>:1: workdays: unknown day 'tues'; expected some of: mon, tue, wed, thu, fri, sat, sun"),
    ("workdays: []\n", "<calendar>:1: workdays: name at least one day; expected some of: mon, tue, wed, thu, fri, sat, sun"),
    ("workdays: [mon, mon]\n", "<calendar>:1: workdays: a day appears twice"),
    ("kind: 5x8\n", "<calendar>:1: kind: invalid enum value '5x8'"),
    ("holidays: [2027-02-06]\nmakeup_workdays: [2027-02-06]\n",
     ("<calendar>:2: makeup_workdays: 2027-02-06 listed both as a holiday and as a make-up workday"
     " (the shipped holidays count too; set shipped_holidays: false to replace them)")),
    ("holidays: [2025-10-11]\n",
     ("<calendar>:1: holidays: 2025-10-11 listed both as a holiday and as a make-up workday"
     " (the shipped holidays count too; set shipped_holidays: false to replace them)")),
    ("holidays: ['2025-02-30']\n", "<calendar>:1: holidays[0]: invalid RFC3339 encoded date"),
    ("weekdays: [mon]\n", "<calendar>:1: weekdays: unknown option (check the spelling against docs/configuration.md)"),
])
def test_config_errors(text: str, message: str):
    with pytest.raises(ConfigError) as error:
        load_calendar_text(text)
    assert str(error.value).startswith(message)


def test_calendar_checks_a_config_built_in_code():
    with pytest.raises(ValueError, match="workday_end: must be after workday_start"):
        BusinessCalendar(CalendarConfig(workday_start="17:30", workday_end="17:30"))


# properties

STARTS = st.datetimes(min_value=datetime(2024, 12, 1), max_value=datetime(2027, 1, 31), timezones=st.just(UTC))
DURATIONS = st.integers(min_value=0, max_value=400 * 3600 * 10**6).map(lambda us: timedelta(microseconds=us))


@settings(max_examples=300, deadline=None)
@given(start=STARTS, duration=DURATIONS)
def test_elapsed_until_deadline_is_the_duration(start: datetime, duration: timedelta):
    for calendar in (BUSINESS, BERLIN_BUSINESS):
        deadline = calendar.add(start, duration)
        assert calendar.elapsed(start, deadline) == duration
        assert deadline == start or calendar.elapsed(start, deadline - timedelta(microseconds=1)) < duration


@settings(max_examples=200, deadline=None)
@given(first=STARTS, gaps=st.lists(st.integers(min_value=0, max_value=20 * 86400), min_size=2, max_size=2))
def test_elapsed_adds_up_over_consecutive_intervals(first: datetime, gaps: list[int]):
    middle = first + timedelta(seconds=gaps[0])
    last = middle + timedelta(seconds=gaps[1])
    for calendar in (BUSINESS, BERLIN_BUSINESS):
        assert calendar.elapsed(first, middle) + calendar.elapsed(middle, last) == calendar.elapsed(first, last)


# performance

def test_ten_thousand_month_long_elapsed_take_under_two_seconds():
    starts = [sh(2025, 9, 1) + timedelta(minutes=7 * i) for i in range(10_000)]
    began = clock.perf_counter()
    total = sum((BUSINESS.elapsed(start, start + timedelta(days=31)) for start in starts), timedelta(0))
    assert clock.perf_counter() - began < 2.0
    assert total > timedelta(0)
