from datetime import UTC, datetime, timedelta

import pytest
from itops.alerting.muting.maintenance import CronExpression, load_maintenance_text
from itops.alerting.rules.model import Alert, AlertState, Severity
from itops.common.yaml_config import ConfigError


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def calendar(window: str, zone: str = "Asia/Shanghai"):
    return load_maintenance_text(f"timezone: {zone}\nwindows:\n  - name: w\n    matchers: ['host=~\"db-.*\"']\n{window}")


WEEKEND_NIGHTS = "    weekdays: [sat]\n    time_range: '22:00-02:00'\n"


def test_weekly_window_crossing_midnight_in_shanghai():
    cal = calendar(WEEKEND_NIGHTS)
    # 2024-06-01 is a Saturday; 22:00-02:00 Shanghai (UTC+8) is 14:00-18:00 UTC
    assert cal.period_at({"host": "db-1"}, utc(2024, 6, 1, 13, 59)) is None
    assert cal.period_at({"host": "db-1"}, utc(2024, 6, 1, 14, 0)) is not None
    assert cal.period_at({"host": "db-1"}, utc(2024, 6, 1, 17, 59)) is not None  # Sunday 01:59 local
    assert cal.period_at({"host": "db-1"}, utc(2024, 6, 1, 18, 0)) is None
    assert cal.period_at({"host": "web-1"}, utc(2024, 6, 1, 15, 0)) is None


def test_weekly_window_keeps_local_hours_across_spring_forward():
    cal = calendar("    weekdays: [sun]\n    time_range: '01:00-05:00'\n", zone="Europe/Berlin")
    # 2024-03-31: clocks jump 02:00 CET → 03:00 CEST; 01:00 CET = 00:00 UTC, 05:00 CEST = 03:00 UTC
    [period] = cal.windows_between(utc(2024, 3, 30), utc(2024, 4, 1))
    assert (period.start, period.end) == (utc(2024, 3, 31, 0, 0), utc(2024, 3, 31, 3, 0))


def test_weekly_window_keeps_local_hours_across_fall_back():
    cal = calendar("    weekdays: [sun]\n    time_range: '01:00-05:00'\n", zone="Europe/Berlin")
    # 2024-10-27: 03:00 CEST → 02:00 CET; 01:00 CEST = 23:00 UTC the day before, 05:00 CET = 04:00 UTC
    [period] = cal.windows_between(utc(2024, 10, 26), utc(2024, 10, 28))
    assert (period.start, period.end) == (utc(2024, 10, 26, 23, 0), utc(2024, 10, 27, 4, 0))


def test_window_starting_in_the_spring_forward_gap_starts_at_the_shifted_instant():
    cal = calendar("    weekdays: [sun]\n    time_range: '02:30-04:00'\n", zone="Europe/Berlin")
    [period] = cal.windows_between(utc(2024, 3, 30), utc(2024, 4, 1))
    assert (period.start, period.end) == (utc(2024, 3, 31, 1, 30), utc(2024, 3, 31, 2, 0))


def test_cron_window_fires_on_its_schedule_for_its_duration():
    cal = calendar("    cron: '30 1 * * mon-fri'\n    duration: 90m\n")
    periods = cal.windows_between(utc(2024, 6, 2), utc(2024, 6, 5))  # Sun … Tue (UTC)
    # 01:30 Shanghai Mon 3 and Tue 4 and Wed 5 → 17:30 UTC the evening before
    assert [(p.start, p.end) for p in periods] == [
        (utc(2024, 6, 2, 17, 30), utc(2024, 6, 2, 19, 0)),
        (utc(2024, 6, 3, 17, 30), utc(2024, 6, 3, 19, 0)),
        (utc(2024, 6, 4, 17, 30), utc(2024, 6, 4, 19, 0)),
    ]


def test_cron_fields_lists_ranges_steps_and_names():
    cron = CronExpression("*/15 8-10,22 1 jan,jul *")
    assert sorted(cron.minutes) == [0, 15, 30, 45]
    assert sorted(cron.hours) == [8, 9, 10, 22]
    assert cron.fires_on(datetime(2024, 7, 1).date())
    assert not cron.fires_on(datetime(2024, 7, 2).date())
    assert not cron.fires_on(datetime(2024, 6, 1).date())


def test_cron_day_of_month_and_weekday_together_fire_on_either():
    cron = CronExpression("0 3 1 * sun")
    assert cron.fires_on(datetime(2024, 6, 1).date())  # the 1st, a Saturday
    assert cron.fires_on(datetime(2024, 6, 2).date())  # a Sunday
    assert not cron.fires_on(datetime(2024, 6, 3).date())
    assert CronExpression("0 3 * * 7").fires_on(datetime(2024, 6, 2).date())  # 7 is Sunday too


@pytest.mark.parametrize(("text", "problem"), [
    ("0 3 * *", "expected 5 fields"),
    ("60 3 * * *", "minute '60': expected 0-59"),
    ("0 3 * * funday", "day-of-week 'funday'"),
    ("*/0 3 * * *", "step '0'"),
    ("0 5-3 * * *", "start is after end"),
])
def test_bad_cron_expression_says_what_is_wrong(text, problem):
    with pytest.raises(ValueError, match=problem):
        CronExpression(text)


def test_one_off_window_in_local_time_mutes_with_its_end_in_local_time():
    cal = calendar("    start: '2024-06-01 22:00'\n    end: '2024-06-02 02:00'\n")
    alert = Alert("disk", {"alertname": "DiskFull", "host": "db-1"}, {}, Severity.P2, AlertState.FIRING)
    assert cal.mutes(alert, utc(2024, 6, 1, 15)) == "maintenance w until 2024-06-02 02:00 CST"
    assert cal.mutes(alert, utc(2024, 6, 1, 18)) is None


def test_maintenance_seconds_counts_overlapping_windows_once():
    cal = load_maintenance_text("""
windows:
  - name: patching
    matchers: ['host="db-1"']
    start: '2024-06-01 10:00'
    end: '2024-06-01 12:00'
  - name: network
    matchers: ['site="sh"']
    start: '2024-06-01 11:00'
    end: '2024-06-01 13:00'
""")
    start, end = utc(2024, 6, 1, 0), utc(2024, 6, 1, 4, 30)  # 08:00-12:30 Shanghai
    assert cal.maintenance_seconds({"host": "db-1", "site": "sh"}, start, end) == 2.5 * 3600
    assert cal.maintenance_seconds({"host": "db-2", "site": "sh"}, start, end) == 1.5 * 3600
    assert [p.window for p in cal.windows_between(start, end)] == ["patching", "network"]


@pytest.mark.parametrize(("window", "problem"), [
    ("    weekdays: [sat]\n", "time_range: expected 'HH:MM-HH:MM'"),
    ("    weekdays: [saturday]\n    time_range: '22:00-02:00'\n", "unknown day 'saturday'"),
    ("    weekdays: [sat]\n    time_range: '22:00-02:00'\n    cron: '0 1 * * *'\n", "exactly one of"),
    ("    cron: '0 1 * *'\n    duration: 1h\n", "windows[0].cron: cron '0 1 * *': expected 5 fields"),
    ("    cron: '0 1 * * *'\n", "duration: a cron window needs a duration"),
    ("    start: '2024-06-02 02:00'\n    end: '2024-06-01 22:00'\n", "end: must be after start"),
])
def test_invalid_window_is_refused_with_file_line_and_field(window, problem):
    with pytest.raises(ConfigError, match=r"<maintenance>:\d+: windows\[0\]") as error:
        calendar(window)
    assert problem in str(error.value)


def test_unknown_time_zone_is_refused():
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Base'"):
        calendar(WEEKEND_NIGHTS, zone="Mars/Base")


def test_query_just_before_a_window_sees_it_coming_from_the_previous_day():
    cal = calendar(WEEKEND_NIGHTS)
    periods = cal.windows_between(utc(2024, 6, 1, 17), utc(2024, 6, 1, 17) + timedelta(minutes=1))
    assert [(p.start, p.end) for p in periods] == [(utc(2024, 6, 1, 17), utc(2024, 6, 1, 17, 1))]
