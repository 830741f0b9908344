"""The daily inspection report's figures: filesystem trend forecasts (hand-computed), what needs attention, in
which order."""

from __future__ import annotations

from datetime import timedelta

import pytest

from itops.collector.reports.figures.daily_inspection import build_daily_inspection, days_until_full
from tests.unit.collector.reports.daily_day import DAY, GENERATED, ZONE, report_of

DAY_S = 86400.0


def test_rising_usage_is_full_when_its_line_reaches_one():
    assert days_until_full([(0.0, 0.5), (DAY_S, 0.6), (2 * DAY_S, 0.7)]) == pytest.approx(3.0)


def test_the_fit_counts_from_the_fitted_value_not_the_last_reading():
    # Fitted line 0.5 + 0.1/day, at day 2 it stands at 0.7 although the last reading says 0.72.
    assert days_until_full([(0.0, 0.49), (DAY_S, 0.61), (2 * DAY_S, 0.70)]) == pytest.approx(
        (1 - (0.6 + 0.105)) / 0.105)


def test_no_forecast_from_less_of_the_week_than_asked():
    three_hours = [(h * 3600.0, 0.26 + 0.001 * h) for h in range(4)]
    two_days = [(h * 3600.0, 0.26 + 0.001 * h) for h in range(2 * 24)]
    assert days_until_full(three_hours, 7 * DAY_S, min_coverage=1 / 7) is None
    assert days_until_full(two_days, 7 * DAY_S, min_coverage=1 / 7) is not None
    assert days_until_full(two_days, 7 * DAY_S) is None  # the rule engine's default: half the window


@pytest.mark.parametrize("points", [[], [(0.0, 0.2), (DAY_S, 0.5)], [(0.0, 0.5), (DAY_S, 0.5), (2 * DAY_S, 0.5)],
                                    [(0.0, 0.7), (DAY_S, 0.6), (2 * DAY_S, 0.5)]])
def test_no_forecast_without_a_rising_trend_over_three_points(points):
    assert days_until_full(points) is None


def test_attention_keeps_forecasts_within_their_horizon_then_adds_battery_and_backup(incidents):
    report = report_of(incidents)
    assert [(a.kind, a.entity, a.item, a.days_left) for a in report.attention] == [
        ("toner", "prn-<1>", "Cyan Toner", 2.5), ("disk", "pc-1", "/var", 4.0),
        ("certificate", "pc-1", "https://erp.example", 10.0), ("ups_battery", "ups-1", "", None),
        ("backup", "erp-db", "", None)]
    assert report.attention[-1].check.message_in("en") == "last erp-db older than 26 h"


def test_entities_are_grouped_by_kind_and_counted_by_status(incidents):
    report = report_of(incidents)
    assert [e.name for e in report.entities] == ["old-pc", "pc-1", "prn-<1>", "ups-1", "erp-db"]
    assert report.status_counts() == {"critical": 1, "warning": 1, "offline": 1, "unknown": 0, "ok": 2}


def test_incidents_are_ordered_by_severity(incidents):
    assert [o.incident.title for o in report_of(incidents).incidents] == ["ERP slow", "Printer jam"]


def test_a_report_made_before_the_evening_run_is_interim_and_the_evening_run_is_not():
    assert build_daily_inspection([], [], [], DAY, ZONE, GENERATED, evening_at=GENERATED + timedelta(hours=2)).interim
    assert not build_daily_inspection([], [], [], DAY, ZONE, GENERATED, evening_at=GENERATED).interim
